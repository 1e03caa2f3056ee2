"""Team page actions: a manager sets a focus area and records actions with follow-up dates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from culture.forms import ActionForm, FocusForm
from culture.models import FocusAction, FocusArea
from culture.selectors import dimension_cards, team_scores_get
from culture.services.focus import focus_action_add, focus_action_done, focus_area_set
from org.http import AuthenticatedRequest
from org.models import Team
from org.selectors import team_for_viewer


def _team_for(request: AuthenticatedRequest, team_id: int) -> Team:
    return team_for_viewer(person=request.user, team_id=team_id)


@login_required
@require_POST
def focus_set(request: AuthenticatedRequest, team_id: int) -> HttpResponse:
    team = _team_for(request, team_id)
    form = FocusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a dimension to focus on."))
        return redirect("culture:team", team_id=team.pk)
    dimension = form.cleaned_data["dimension"]
    # The baseline is the figure the page shows right now, already cleared by the engine.
    cards = dimension_cards(team_scores_get(team=team))
    latest = next((c.latest for c in cards if c.dimension.pk == dimension.pk), None)
    focus_area_set(
        team=team,
        dimension=dimension,
        person=request.user,
        baseline_score=latest.score if latest else None,
    )
    messages.success(request, _("Focus set. Add an action with a follow-up date below."))
    return redirect("culture:team", team_id=team.pk)


@login_required
@require_POST
def action_add(request: AuthenticatedRequest, team_id: int, focus_id: int) -> HttpResponse:
    team = _team_for(request, team_id)
    focus = get_object_or_404(FocusArea, pk=focus_id, team=team, is_active=True)
    form = ActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("culture:team", team_id=team.pk)
    focus_action_add(
        focus=focus, text=form.cleaned_data["text"], follow_up_on=form.cleaned_data["follow_up_on"]
    )
    messages.success(request, _("Action recorded."))
    return redirect("culture:team", team_id=team.pk)


@login_required
@require_POST
def action_done(
    request: AuthenticatedRequest, team_id: int, focus_id: int, action_id: int
) -> HttpResponse:
    """Mark an action done, or open it again ("done=0")."""
    team = _team_for(request, team_id)
    action = get_object_or_404(
        FocusAction, pk=action_id, focus_id=focus_id, focus__team=team, focus__is_active=True
    )
    done = request.POST.get("done", "1") != "0"
    focus_action_done(action=action, done=done)
    if done:
        messages.success(request, _("Action marked done."))
    else:
        messages.success(request, _("Action open again."))
    return redirect("culture:team", team_id=team.pk)
