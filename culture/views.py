"""The culture dashboard: each team a viewer leads, its scores per dimension for closed rounds."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from culture.selectors import dashboard_teams_get, team_scores_get
from org.http import AuthenticatedRequest


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    teams = dashboard_teams_get(viewer=request.user)
    return render(
        request,
        "culture/dashboard.html",
        {"scores": [team_scores_get(team=team) for team in teams]},
    )
