"""Typing help for views behind login_required (request.user is a Person there), and the status
of a form page."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from org.models import Person


class AuthenticatedRequest(HttpRequest):
    user: Person  # type: ignore[assignment]


def form_page_status(request: HttpRequest) -> int:
    """The status of a form page: a POST that ends on the form again was refused (an accepted
    one redirects), so it answers 400 with the form's messages; a GET answers 200."""
    return 400 if request.method == "POST" else 200


def form_page_render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render a form page with `form_page_status`: what every HR form view ends with."""
    return render(request, template, context, status=form_page_status(request))
