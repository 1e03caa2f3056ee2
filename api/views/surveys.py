"""Surveys and their rounds."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api import filters
from api import serializers as s
from api.views.base import EditableViewSet, ResourceViewSet
from checkins.models import Round, Survey
from checkins.services.surveys import (
    survey_pause,
    survey_resume,
    survey_round_start_now,
    survey_save,
)


class SurveyViewSet(EditableViewSet):
    serializer_class = s.SurveySerializer
    filterset_class = filters.SurveyFilter
    queryset = Survey.objects.prefetch_related("audience", "questions")

    def save_new(self, data: dict) -> Survey:
        return self.save_changes(Survey(), data)

    def save_changes(self, survey: Survey, data: dict) -> Survey:
        data = dict(data)
        audience = data.pop("audience", None)
        questions = data.pop("questions", None)
        for field, value in data.items():
            setattr(survey, field, value)
        return survey_save(
            survey=survey,
            audience=audience
            if audience is not None
            else (survey.audience.all() if survey.pk else []),
            questions=questions
            if questions is not None
            else (survey.questions.all() if survey.pk else []),
        )

    @extend_schema(request=None, responses={200: s.SurveySerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def pause(self, request: Request, pk: str) -> Response:
        return Response(s.SurveySerializer(survey_pause(survey=self.get_object())).data)

    @extend_schema(request=None, responses={200: s.SurveySerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def resume(self, request: Request, pk: str) -> Response:
        return Response(s.SurveySerializer(survey_resume(survey=self.get_object())).data)


class RoundViewSet(ResourceViewSet):
    """Rounds (HR). No participation counts here: figures appear only through the scores."""

    filterset_class = filters.RoundFilter
    queryset = Round.objects.prefetch_related("question_versions").order_by("-period_start", "-pk")

    def get_serializer_class(self):
        return s.RoundOpenSerializer if self.action == "create" else s.RoundSerializer

    @extend_schema(request=s.RoundOpenSerializer, responses={201: s.RoundSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Open an extra round of a survey now, outside its rhythm (its schedule carries on), as
        HR > Surveys > "Start a round now" does: the same service, audited the same way, and the
        invitations queued once the round is saved."""
        from checkins.tasks import round_invitations_queue

        payload = s.RoundOpenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rnd = survey_round_start_now(
            survey=payload.validated_data["survey"],
            actor=request.user,
            on_emails=round_invitations_queue,
        )
        rnd = self.get_queryset().get(pk=rnd.pk)
        return Response(s.RoundSerializer(rnd).data, status=201)
