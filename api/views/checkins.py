"""The signed-in person's own check-ins."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from api import selectors
from api import serializers as s
from api.exceptions import Conflict, Gone
from api.pagination import ApiPagination
from api.views.base import paged
from checkins.models import Participation, Round
from checkins.services.responses import (
    AlreadyRecorded,
    CheckinError,
    response_submit,
)
from org.query_forms import whole_number_parse


def _checkin_field(field: str, submitted: list[int]) -> str:
    """The service names a question "q<version id>"; the API names the item of `answers`."""
    if field.startswith("q") and field[1:].isdigit():
        version = int(field[1:])
        return f"answers[{submitted.index(version)}]" if version in submitted else "answers"
    return field


class MyCheckinViewSet(viewsets.ViewSet):
    """The signed-in person's open check-ins, and submitting one (exactly once, as on the page)."""

    permission_classes = [IsAuthenticated]
    pagination_class = ApiPagination
    # ASCII digits only: \d also matches "²" and "٣", which int() refuses or misreads.
    lookup_value_regex = r"[0-9]{1,19}"

    def _open(self) -> QuerySet[Participation]:
        return Participation.objects.filter(
            person=self.request.user, responded=False, round__status=Round.Status.OPEN
        ).select_related("round__survey", "person")

    @extend_schema(responses={200: s.OpenCheckinSerializer(many=True)})
    def list(self, request: Request) -> Response:
        return paged(
            self,
            request,
            [
                selectors.checkin_open_data(participation=p)
                for p in self._open().order_by("round__closes_at")
            ],
        )

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The round.")],
        request=s.CheckinSubmitSerializer,
        responses={201: s.CheckinReceiptSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Answer every question (value null: prefer not to answer). A second submission for the
        same round is refused with 409 and changes nothing; a closed round answers 410."""
        payload = s.CheckinSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        round_id = whole_number_parse(pk)
        if round_id is None:
            raise NotFound()
        participation = get_object_or_404(
            Participation.objects.select_related("round"), person=request.user, round_id=round_id
        )
        submitted = [a["question_version"] for a in payload.validated_data["answers"]]
        answers: dict[int, int | str | None] = {
            a["question_version"]: a.get("text") if a.get("text") else a.get("value")
            for a in payload.validated_data["answers"]
        }
        try:
            response_submit(
                participation=participation,
                answers=answers,
                comment=payload.validated_data.get("comment", ""),
            )
        except AlreadyRecorded as error:
            raise Conflict(error.message) from None
        except CheckinError as error:
            if error.status == 410:
                raise Gone(error.message) from None
            raise ValidationError(
                {_checkin_field(error.field, submitted): [error.message]}
            ) from None
        return Response({"round": participation.round_id, "recorded": True}, status=201)
