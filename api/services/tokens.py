"""Creating, checking and revoking personal API tokens (ADR 0012)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone

from api.models import ApiToken
from org.models import Person

TOKEN_PREFIX = "rh_"  # noqa: S105 (a marker, not a secret)
# last_used_at is written at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once; only its sha256 is stored


def api_token_create(
    *,
    person: Person,
    name: str,
    created_by: Person | None = None,
    expires_in_days: int | None = None,
) -> NewToken:
    """A token that expires after `expires_in_days` (default RELHEALTH_API_TOKEN_DAYS, at most
    RELHEALTH_API_TOKEN_MAX_DAYS) and ends with its owner's current access version."""
    days = settings.RELHEALTH_API_TOKEN_DAYS if expires_in_days is None else expires_in_days
    if not 1 <= days <= settings.RELHEALTH_API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {
                "expires_in_days": (
                    f"A token lasts from 1 to {settings.RELHEALTH_API_TOKEN_MAX_DAYS} days."
                )
            }
        )
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the system that uses it."})
    if len(name) > 100:
        raise ValidationError({"name": "A token name has at most 100 characters."})
    if not person.is_active:
        raise ValidationError({"person": "Tokens are only for active people."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        person=person,
        name=name,
        prefix=secret[:9],
        token_hash=token_digest(secret),
        created_by=created_by or person,
        expires_at=timezone.now() + dt.timedelta(days=days),
        auth_version=person.auth_version,
    )
    token.full_clean(exclude=["token_hash"])  # the name's rules (one line); the hash is ours
    token.save()
    return NewToken(token=token, secret=secret)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoking is final and idempotent: the first revocation time stays."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_tokens_end(*, person_ids: list[int]) -> int:
    """Mark the tokens of people whose access ended as revoked (org.signals.access_ended). They
    already fail: a token works only under the access version it was created with."""
    return ApiToken.objects.filter(person_id__in=person_ids, revoked_at=None).update(
        revoked_at=timezone.now()
    )


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The token for a secret if it is unrevoked, unexpired, and created under its active owner's
    current access version; else None. Stamps the last use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
        return None
    token = (
        ApiToken.objects.select_related("person")
        .filter(
            token_hash=token_digest(secret),
            revoked_at=None,
            expires_at__gt=timezone.now(),
            person__is_active=True,
            auth_version=F("person__auth_version"),
        )
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE: concurrent requests write the stamp once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at=None) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_tokens_list(*, person: Person | None = None):
    tokens = ApiToken.objects.select_related("person", "created_by")
    return tokens.filter(person=person) if person is not None else tokens
