"""The question bank: dimensions and questions."""

from __future__ import annotations

from rest_framework import mixins, viewsets

from api import filters
from api import serializers as s
from api.exceptions import Conflict
from api.permissions import IsHrAdmin
from api.views.base import AuditActorMixin
from checkins.models import Dimension, Question
from checkins.services.questions import (
    dimension_create,
    question_active_set,
    question_create,
    question_provenance_update,
    question_wording_update,
)


class DimensionViewSet(
    AuditActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.DimensionSerializer
    permission_classes = [IsHrAdmin]
    queryset = Dimension.objects.all()

    def perform_create(self, serializer: s.DimensionSerializer) -> None:
        data = serializer.validated_data
        if Dimension.objects.filter(key=data["key"]).exists():
            raise Conflict("A dimension with this key already exists.", field="key")
        serializer.instance = dimension_create(
            key=data["key"], name=data["name"],
            translations={"de": data.get("name_de", "")},
            description=data.get("description", ""),
        )  # fmt: skip


class QuestionViewSet(
    AuditActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The question bank. Changing the wording of an answered question starts a new version."""

    permission_classes = [IsHrAdmin]
    filterset_class = filters.QuestionFilter
    queryset = Question.objects.prefetch_related("versions")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.QuestionUpdateSerializer
        return s.QuestionSerializer

    def perform_create(self, serializer: s.QuestionSerializer) -> None:
        data = serializer.validated_data
        if Question.objects.filter(code=data["code"]).exists():
            raise Conflict("A question with this code already exists.", field="code")
        serializer.instance = question_create(
            code=data["code"], text=data["text"], scale=data.get("scale", Question.Scale.AGREE5),
            dimension=data.get("dimension"), reverse_scored=data.get("reverse_scored", False),
            translations=data.get("translations"), position=data.get("position", 0),
            source=data.get("source", ""), licence=data.get("licence", ""),
        )  # fmt: skip

    def perform_update(self, serializer: s.QuestionSerializer) -> None:
        question: Question = serializer.instance
        data = serializer.validated_data
        current = question.current_version()
        if "text" in data or "translations" in data:
            question_wording_update(
                question=question,
                text=data.get("text", current.text if current else ""),
                translations=data.get("translations", current.translations if current else {}),
            )
        if "source" in data or "licence" in data:
            question_provenance_update(
                question=question, source=data.get("source", question.source),
                licence=data.get("licence", question.licence),
            )  # fmt: skip
        if "is_active" in data:
            question_active_set(question=question, is_active=data["is_active"])
        serializer.instance = Question.objects.prefetch_related("versions").get(pk=question.pk)
