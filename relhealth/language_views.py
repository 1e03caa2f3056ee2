"""The language switcher on every page: Django's own `set_language`, kept on the person.

Signed in, the choice is saved on the person, whose language decides every later page and email
(PersonLanguageMiddleware reads it on each request). On a check-in link the person is known by
the link, so the choice is kept on them too: the form and the next invitations follow it.
Elsewhere, signed out, it lives in Django's language cookie.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from checkins.services.responses import participation_for_token
from org.models import Person
from org.services.people import person_language_set


def _checkin_person(next_url: str) -> Person | None:
    """The person whose check-in link the switcher was used on, if it was (and still works)."""
    try:
        match = resolve(next_url.split("?", 1)[0])
    except Resolver404:
        return None
    if match.view_name != "checkins:form":
        return None
    state = participation_for_token(token=match.kwargs.get("token", ""))
    return state.participation.person if state.participation is not None else None


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    response = set_language(request)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return response
    person = request.user if request.user.is_authenticated else None
    if person is None:
        person = _checkin_person(request.POST.get("next", ""))
    if isinstance(person, Person):
        person_language_set(person=person, language=language)
    return response
