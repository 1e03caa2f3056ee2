"""DRF authentication by personal API token: `Authorization: Bearer rh_…`."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework import authentication, exceptions

from api.services.tokens import api_token_authenticate


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: HttpRequest):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>'."
            )
        try:
            secret = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = api_token_authenticate(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "The token is unknown, expired or revoked, or its owner's access changed."
            )
        return token.person, token

    def authenticate_header(self, request: HttpRequest) -> str:
        # A 401 (not 403) for a missing or bad token, with the scheme to use.
        return 'Bearer realm="api"'
