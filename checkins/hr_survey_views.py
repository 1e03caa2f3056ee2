"""HR screens of surveys: list, create/edit with a rotation preview, pause/resume, a round now."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from checkins.hr_forms import WEEKDAYS, SurveyForm
from checkins.models import Question, Survey
from checkins.selectors import emails_failed_get, survey_rotation_preview, surveys_list_get
from checkins.services.rounds import survey_audience_queryset
from checkins.services.surveys import (
    survey_pause,
    survey_resume,
    survey_round_start_now,
    survey_save,
)
from org.http import AuthenticatedRequest, form_page_render
from org.permissions import hr_admin_required


@hr_admin_required
def survey_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "checkins/hr/survey_list.html", {"surveys": surveys_list_get()})


@hr_admin_required
def survey_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk) if pk is not None else Survey()
    initial: dict[str, object] = {}
    if survey.pk is None:
        # A new survey starts from the whole active bank, i.e. the default instrument.
        initial["questions"] = list(Question.objects.filter(is_active=True))
    form = SurveyForm(request.POST or None, instance=survey, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = survey_save(
                survey=form.save(commit=False),
                audience=form.cleaned_data["audience"],
                questions=form.cleaned_data["questions"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Survey “%(name)s” was saved.") % {"name": saved.name})
            return redirect("checkins:hr-survey", pk=saved.pk)
    return form_page_render(
        request, "checkins/hr/survey_form.html", {"form": form, "survey": survey}
    )


@hr_admin_required
def survey_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    return render(
        request,
        "checkins/hr/survey_detail.html",
        {
            "survey": survey,
            "weekday": dict(WEEKDAYS)[survey.weekday],
            "preview": survey_rotation_preview(survey=survey),
            # Round dates and status only: who answered is never shown (A7).
            "rounds": survey.rounds.order_by("-number")[:10],
            "audience_size": survey_audience_queryset(survey=survey).count(),
            "failed_emails": emails_failed_get(survey=survey),
        },
    )


@hr_admin_required
@require_POST
def survey_state(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    from checkins.tasks import round_invitations_queue

    survey = get_object_or_404(Survey, pk=pk)
    if action == "pause":
        survey_pause(survey=survey)
        messages.success(request, _("Paused. No new rounds open until you resume."))
    elif action == "resume":
        survey_resume(survey=survey)
        messages.success(request, _("Resumed from the next regular opening."))
    elif action == "round":
        # The invitations are queued once the round has committed; remember whether that worked.
        queued: list[bool] = []
        rnd = survey_round_start_now(
            survey=survey,
            actor=request.user,
            on_emails=lambda pk: queued.append(round_invitations_queue(pk)),
        )
        if queued and all(queued):
            messages.success(
                request, _("Round %(n)s is open; invitations are on their way.") % {"n": rnd.number}
            )
        else:
            messages.warning(
                request,
                _(
                    "Round %(n)s is open, but its invitations could not be queued: the task "
                    "queue is not reachable. They are saved and go out automatically within a "
                    "few minutes of the queue coming back. Do not start another round."
                )
                % {"n": rnd.number},
            )
    else:
        return HttpResponse(status=404)
    return redirect("checkins:hr-survey", pk=survey.pk)
