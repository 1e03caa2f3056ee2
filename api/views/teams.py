"""Teams: the tree HR edits and the figures a viewer may read (through the anonymity engine)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api import filters, selectors
from api import serializers as s
from api.permissions import IsHrAdmin, IsManagerOrHrAdmin
from api.views.base import EditableViewSet, paged
from org.models import Team
from org.selectors import team_for_viewer, teams_visible_qs
from org.services.people import (
    team_create,
    team_update,
)


class TeamViewSet(EditableViewSet):
    """The team tree. HR reads and edits every team; a manager reads the subtrees they lead."""

    serializer_class = s.TeamSerializer
    filterset_class = filters.TeamFilter

    def get_permissions(self):
        if self.action in ("create", "update", "partial_update"):
            return [IsHrAdmin()]
        return [IsManagerOrHrAdmin()]

    def get_queryset(self) -> QuerySet[Team]:
        user = self.request.user
        if not user.is_authenticated:
            return Team.objects.none()
        # The pages' rule (org.selectors): a role change applies on the next request.
        return teams_visible_qs(person=user).prefetch_related("managers").order_by("path")

    def save_new(self, data: dict) -> Team:
        return team_create(name=data["name"], parent=data.get("parent"))

    def save_changes(self, team: Team, data: dict) -> Team:
        return team_update(
            team=team, name=data.get("name", team.name), parent=data.get("parent", team.parent)
        )

    @extend_schema(responses={200: s.TeamTreeNodeSerializer(many=True)})
    @action(detail=False, filterset_class=None)
    def tree(self, request: Request) -> Response:
        """The visible teams nested under their parents: a page of the top teams the viewer
        sees, each with its sub-teams to any depth."""
        return paged(self, request, selectors.teams_nested_data(teams=list(self.get_queryset())))

    def _team(self, pk: str) -> Team:
        return team_for_viewer(person=self.request.user, team_id=pk)

    @extend_schema(
        parameters=[s.ScoreQuerySerializer],
        responses={200: s.TeamScoresSerializer},
    )
    @action(detail=True, filterset_class=None)
    def scores(self, request: Request, pk: str) -> Response:
        """Scores per dimension and question per period (newest first), through the anonymity
        engine. A hidden figure is {"suppressed": true, "reason": <code>} and carries no number."""
        team = self._team(pk)
        filters.single_values(request, s.ScoreQuerySerializer().fields, empty_ok=False)
        query = s.ScoreQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = selectors.team_scores_data(
            team=team, query=selectors.ScoreQuery(**query.validated_data)
        )
        return Response(data)

    @extend_schema(
        parameters=[s.PeriodQuerySerializer],
        responses={200: s.TeamSummarySerializer(many=True)},
    )
    @action(detail=True, filterset_class=None)
    def summaries(self, request: Request, pk: str) -> Response:
        """Trend summaries per closed round (newest first): only figures the engine shows today."""
        team = self._team(pk)
        filters.single_values(request, s.PeriodQuerySerializer().fields, empty_ok=False)
        query = s.PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paged(
            self, request, selectors.team_summaries_data(team=team, **query.validated_data)
        )

    @extend_schema(responses={200: s.FocusAreaSerializer(many=True)})
    @action(detail=True, url_path="focus-areas", filterset_class=None)
    def focus_areas(self, request: Request, pk: str) -> Response:
        return paged(self, request, selectors.focus_areas_data(team=self._team(pk)))
