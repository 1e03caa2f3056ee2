"""/api/v1/: comment themes (issue 20), for a team's subtree and for the organisation.

The same themes as the team page and HR's organisation view (`culture.selectors_themes`): only
where the comments are shown, each with at least k comments (A4). A theme gives its words and
its count, never its comments' keys; the comments themselves are on the team page.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import ApiPagination
from api.permissions import IsHrAdmin, IsManagerOrHrAdmin
from api.views.base import paged
from culture.selectors_themes import ShownTheme, organisation_themes_get, team_themes_get
from org.selectors import team_for_viewer


class ThemeOut(serializers.Serializer):
    round = serializers.IntegerField(help_text="The round whose comments it groups.")
    week_of = serializers.DateField()
    position = serializers.IntegerField(help_text="0 is the largest theme of the round.")
    words = serializers.ListField(
        child=serializers.CharField(), help_text="Its characteristic words, strongest first."
    )
    comments = serializers.IntegerField(help_text="How many comments it groups (at least k).")


def themes_data(themes: list[ShownTheme]) -> list[dict]:
    return [
        {
            "round": theme.round.pk,
            "week_of": theme.round.period_start.isoformat(),
            "position": theme.position,
            "words": list(theme.words),
            "comments": theme.count,
        }
        for theme in themes
    ]


class TeamThemesView(APIView):
    """The themes of the comments the team's page shows the caller (its newest comment round
    with any), largest first."""

    permission_classes = [IsAuthenticated, IsManagerOrHrAdmin]
    pagination_class = ApiPagination  # every list is a page (ADR 0030)

    @extend_schema(responses={200: ThemeOut(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        team = team_for_viewer(person=request.user, team_id=pk)
        return paged(self, request, themes_data(team_themes_get(team=team)))


class OrganisationThemesView(APIView):
    """The whole organisation's comment themes (HR only)."""

    permission_classes = [IsAuthenticated, IsHrAdmin]
    pagination_class = ApiPagination

    @extend_schema(responses={200: ThemeOut(many=True)})
    def get(self, request: Request) -> Response:
        return paged(self, request, themes_data(organisation_themes_get()))


urls = [
    path("teams/<int:pk>/themes/", TeamThemesView.as_view(), name="team-themes"),
    path("organisation/themes/", OrganisationThemesView.as_view(), name="organisation-themes"),
]
