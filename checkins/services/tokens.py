"""Check-in link tokens.

A token is an HMAC of (round, person) under the secret key, so the email task can rebuild the link
when it sends and nothing stores the token itself: the database keeps only its sha256.
"""

import hashlib

from django.utils.crypto import salted_hmac

_SALT = "relhealth.checkins.link"


def participation_token(*, round_id: int, person_id: int) -> str:
    return salted_hmac(_SALT, f"{round_id}:{person_id}", algorithm="sha256").hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
