"""The check-in pages: open from the emailed link, answer, see the thank-you page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from checkins.forms import CheckinForm
from checkins.ratelimits import checkin_limit_check
from checkins.services.responses import (
    AlreadyRecorded,
    CheckinError,
    participation_for_token,
    response_submit,
    round_questions,
)

LINK_PROBLEMS = {
    "unknown": 404,
    "inactive": 410,
    "closed": 410,
    "used": 200,
}


@never_cache
@require_http_methods(["GET", "POST"])
def checkin_form(request: HttpRequest, token: str) -> HttpResponse:
    state = participation_for_token(token=token)
    if request.method == "POST" and state.participation is not None:
        # Counted only once the link is known to be real: made-up links answer 404 below and
        # never use up the budget of the address that real employees share.
        checkin_limit_check(request, token=token)
    if state.participation is not None and not request.user.is_authenticated:
        translation.activate(state.participation.person.language)
    if state.problem == "used":
        return render(request, "checkins/thanks.html", {"already": True})
    if state.problem is not None or state.participation is None:
        return render(
            request,
            "checkins/link_problem.html",
            {"problem": state.problem},
            status=LINK_PROBLEMS[state.problem or "unknown"],
        )
    participation = state.participation
    rnd = participation.round
    questions = round_questions(round=rnd)
    form = CheckinForm(request.POST or None, round_questions=questions)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "checkins/form.html", {"form": form, "round": rnd}, status=400)
        try:
            response = response_submit(
                participation=participation,
                answers=form.answers(),
                comment=form.cleaned_data.get("comment", ""),
                asked=questions,
                conversation=bool(form.cleaned_data.get("conversation")),
            )
        except AlreadyRecorded:
            return render(request, "checkins/thanks.html", {"already": True})
        except CheckinError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return render(
                request, "checkins/form.html", {"form": form, "round": rnd}, status=error.status
            )
        secret = getattr(response, "conversation_secret", None)
        if secret:
            # The private link is shown once, on this answer, and kept nowhere (ADR 0031).
            return render(
                request,
                "checkins/thanks.html",
                {"already": False, "conversation_path": f"/t/{secret}/"},
            )
        # The thank-you page speaks the check-in's language, not the browser's: the language
        # rides along in the address (no cookie, nothing kept).
        language = translation.get_language() or settings.LANGUAGE_CODE
        return redirect(f"{reverse('checkins:thanks')}?{urlencode({'language': language})}")
    return render(request, "checkins/form.html", {"form": form, "round": rnd})


def checkin_thanks(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES) and not request.user.is_authenticated:
        translation.activate(language)
    return render(request, "checkins/thanks.html", {"already": False})
