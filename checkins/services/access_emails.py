"""Set-password emails in the ledger: the sign-in invitation and the password reset.

The organisation asks for them (org.signals.sign_in_link_wanted); the rows are written in the
caller's transaction and rendered at send time, so the single-use link (org.tokens) is never
stored, and a link whose person lost the right to sign in meanwhile is not sent at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from checkins.models import OutboundEmail
from checkins.services.emails import RENDERERS, email_render
from org.models import Person
from org.selectors import person_may_sign_in
from org.signals import INVITATION, RESET
from org.tokens import invitation_token_generator, reset_token_generator

KIND = {INVITATION: OutboundEmail.Kind.SIGN_IN_INVITATION, RESET: OutboundEmail.Kind.PASSWORD_RESET}


def _key(*, person: Person, purpose: str, now: dt.datetime) -> str:
    if purpose == INVITATION:
        # One invitation per person and access version: creating someone, or giving them a role
        # that signs in, writes one row, and a rerun of the same change writes none.
        return f"sign_in_invite:person={person.pk}:version={person.auth_version}"
    # At most one reset email per person per window, however often the form is sent.
    window = int(now.timestamp()) // settings.RELHEALTH_PASSWORD_RESET_EVERY_SECONDS
    return f"password_reset:person={person.pk}:window={window}"


def sign_in_emails_queue(*, people: Iterable[Person], purpose: str) -> list[int]:
    """Write one ledger row per person; returns the ids of the rows this call wrote."""
    now = timezone.now()
    rows = [
        OutboundEmail(key=_key(person=p, purpose=purpose, now=now), kind=KIND[purpose], recipient=p)
        for p in people
    ]
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return list(
        OutboundEmail.objects.filter(
            key__in=[r.key for r in rows], status=OutboundEmail.Status.PENDING, created_at__gte=now
        ).values_list("pk", flat=True)
    )


def sign_in_link(*, person: Person, purpose: str) -> str:
    generator = invitation_token_generator if purpose == INVITATION else reset_token_generator
    view = "password_set" if purpose == INVITATION else "password_reset_confirm"
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    path = reverse(view, args=[uid, generator.make_token(person)])
    return settings.RELHEALTH_BASE_URL.rstrip("/") + path


def _render(email: OutboundEmail) -> EmailMultiAlternatives | None:
    person = email.recipient
    if not person_may_sign_in(person=person):
        return None  # deactivated, demoted or no longer allowed since the row was written
    purpose = INVITATION if email.kind == OutboundEmail.Kind.SIGN_IN_INVITATION else RESET
    if purpose == INVITATION and person.has_usable_password():
        return None  # they set a password meanwhile (e.g. through "Forgot your password?")
    context = {
        "person": person,
        "link": sign_in_link(person=person, purpose=purpose),
        "login_url": settings.RELHEALTH_BASE_URL.rstrip("/") + reverse("login"),
        "valid_days": settings.RELHEALTH_INVITATION_SECONDS // 86400,
        "valid_hours": settings.RELHEALTH_PASSWORD_RESET_SECONDS // 3600,
        "reason": "sign_in" if purpose == INVITATION else "password_reset",
    }
    template = "sign_in_invitation" if purpose == INVITATION else "password_reset"
    return email_render(
        template=template, context=context, to=person.email, language=person.language
    )


RENDERERS[OutboundEmail.Kind.SIGN_IN_INVITATION] = _render
RENDERERS[OutboundEmail.Kind.PASSWORD_RESET] = _render
