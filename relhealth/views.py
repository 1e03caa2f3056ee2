"""Project-wide pages: home (each role's starting point), privacy, and the health endpoints.

They live in the project package because they read several apps; the apps never import it.
"""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from checkins.selectors import next_checkin_get, open_checkins_get
from culture.selectors import employee_view_get
from org.http import AuthenticatedRequest
from org.models import OrgSettings
from relhealth.health import readiness_get
from relhealth.middleware import DATABASE_UNAVAILABLE, database_unavailable_response


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Each role's start: open check-ins, when the next one opens, and what became of the
    answers ("you said, we did": the team's released figures and the manager's focus)."""
    person = request.user
    return render(
        request,
        "org/home.html",
        {
            "open_checkins": open_checkins_get(person=person),
            "next_checkin": next_checkin_get(person=person),
            "team_view": employee_view_get(person=person),
            "is_manager": person.is_manager,
        },
    )


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "org/privacy.html", {"k": OrgSettings.current().min_group_size})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Database and broker reachable? Answers within about 50 ms whatever they do (health.py)."""
    checks = readiness_get()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """429 for any rate-limited view (django-ratelimit's RATELIMIT_VIEW)."""
    return render(request, "rate_limited.html", status=429)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage anywhere (a middleware loading the session, too) is a 503."""
    _type, exception, _traceback = sys.exc_info()
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return database_unavailable_response()
    return HttpResponseServerError(render_to_string("500.html"))
