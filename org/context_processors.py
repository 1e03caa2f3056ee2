"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest


def relhealth(request: HttpRequest) -> dict:
    return {"RELHEALTH_DEMO": settings.RELHEALTH_DEMO}
