"""Template context shared by every page."""

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest


def relhealth(request: HttpRequest) -> dict:
    # The demo outbox link needs the demo app (not installed in production, ADR 0038).
    return {"RELHEALTH_DEMO": settings.RELHEALTH_DEMO and apps.is_installed("demo")}
