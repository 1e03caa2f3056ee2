"""/api/v1/: the driver analysis (ADR 0032), for a team's subtree and for the organisation.

Every figure comes from `culture.drivers` through the visibility module: a hidden link is
{"suppressed": true, "reason": <code>} and carries no number.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filters
from api.permissions import IsHrAdmin, IsManagerOrHrAdmin
from checkins.models import Round
from culture.drivers import DriverLine, DriverSet
from culture.organisation import organisation_drivers_recent_get
from culture.selectors import team_drivers_get
from org.selectors import team_for_viewer


class DriverQuerySerializer(serializers.Serializer):
    rounds = serializers.IntegerField(source="n_rounds", min_value=1, max_value=104, default=12)


def _n_rounds(request: Request) -> int:
    filters.single_values(request, DriverQuerySerializer().fields, empty_ok=False)
    query = DriverQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return int(query.validated_data["n_rounds"])


def _line(line: DriverLine) -> dict[str, Any]:
    found = line.figure.correlation
    if found is None:
        reason = line.figure.reason
        return {
            "dimension": line.dimension.key,
            "suppressed": True,
            "reason": reason.value if reason else None,
        }
    return {
        "dimension": line.dimension.key,
        "suppressed": False,
        "n": found.n,
        "r": round(found.r, 3),
        "ci_low": round(found.ci_low, 3),
        "ci_high": round(found.ci_high, 3),
        "score": line.score,
        "falling": line.falling,
        "leading": line.leading,
        "focus": line.focus,
    }


def drivers_data(sets: list[DriverSet], rounds: list[Round]) -> dict[str, Any]:
    return {
        "rounds": [rnd.pk for rnd in rounds],
        "outcomes": [
            {
                "outcome": found.key,
                "label": found.label,
                "about_equal": found.about_equal,
                "leaders": [line.dimension.key for line in found.leaders],
                "focus": [line.dimension.key for line in found.focus],
                "drivers": [_line(line) for line in found.lines],
            }
            for found in sets
        ],
    }


class TeamDriversView(APIView):
    """Which dimension goes together most with the outcome (eNPS, or a dimension HR marks as
    the outcome) for a team's subtree over its latest closed rounds: Pearson's r with its 95 %
    Fisher-z interval, only where the team's figures are shown."""

    permission_classes = [IsAuthenticated, IsManagerOrHrAdmin]

    @extend_schema(parameters=[DriverQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        team = team_for_viewer(person=request.user, team_id=pk)
        sets, rounds, _k = team_drivers_get(team=team, n_rounds=_n_rounds(request))
        return Response({"team": team.pk, **drivers_data(sets, rounds)})


class OrganisationDriversView(APIView):
    """The whole organisation's driver analysis (HR only)."""

    permission_classes = [IsAuthenticated, IsHrAdmin]

    @extend_schema(parameters=[DriverQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        sets, rounds = organisation_drivers_recent_get(n_rounds=_n_rounds(request))
        return Response(drivers_data(sets, rounds))
