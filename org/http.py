"""Typing help for views behind login_required: request.user is a Person there."""

from django.http import HttpRequest

from org.models import Person


class AuthenticatedRequest(HttpRequest):
    user: Person  # type: ignore[assignment]
