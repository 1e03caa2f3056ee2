"""Single-use links to set a password: Django's PasswordResetTokenGenerator, with the person's
`auth_version` in the hash, so a role change or deactivation voids links sent before.

A link is single-use because the hash also covers the password and the last sign-in: setting the
password (or signing in) changes them. Invitation links live longer than reset links; Django's
PASSWORD_RESET_TIMEOUT is the longer of the two and each generator checks its own age.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.http import base36_to_int


class AccessTokenGenerator(PasswordResetTokenGenerator):
    def __init__(self, *, key_salt: str, max_age_setting: str) -> None:
        super().__init__()
        self.key_salt = key_salt
        self.max_age_setting = max_age_setting

    def _make_hash_value(self, user, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}:{user.auth_version}"

    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        try:
            made = base36_to_int(token.split("-", 1)[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - made
        return age <= getattr(settings, self.max_age_setting)


invitation_token_generator = AccessTokenGenerator(
    key_salt="org.tokens.invitation", max_age_setting="RELHEALTH_INVITATION_SECONDS"
)
reset_token_generator = AccessTokenGenerator(
    key_salt="org.tokens.password_reset", max_age_setting="RELHEALTH_PASSWORD_RESET_SECONDS"
)
