"""The question bank: dimensions and questions."""

from __future__ import annotations

from api import filters
from api import serializers as s
from api.views.base import EditableViewSet, ResourceViewSet, refuse_taken
from checkins.models import Dimension, Question
from checkins.services.questions import (
    dimension_create,
    question_active_set,
    question_create,
    question_provenance_update,
    question_wording_update,
)


class DimensionViewSet(ResourceViewSet):
    serializer_class = s.DimensionSerializer
    queryset = Dimension.objects.all()

    def save_new(self, data: dict) -> Dimension:
        message = "A dimension with this key already exists."
        refuse_taken(Dimension.objects, field="key", value=data["key"], message=message)
        return dimension_create(
            key=data["key"], name=data["name"],
            translations={"de": data.get("name_de", "")},
            description=data.get("description", ""),
        )  # fmt: skip


class QuestionViewSet(EditableViewSet):
    """The question bank. Changing the wording of an answered question starts a new version."""

    filterset_class = filters.QuestionFilter
    queryset = Question.objects.prefetch_related("versions")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.QuestionUpdateSerializer
        return s.QuestionSerializer

    def save_new(self, data: dict) -> Question:
        message = "A question with this code already exists."
        refuse_taken(Question.objects, field="code", value=data["code"], message=message)
        return question_create(
            code=data["code"], text=data["text"], scale=data.get("scale", Question.Scale.AGREE5),
            dimension=data.get("dimension"), reverse_scored=data.get("reverse_scored", False),
            translations=data.get("translations"), position=data.get("position", 0),
            source=data.get("source", ""), licence=data.get("licence", ""),
        )  # fmt: skip

    def save_changes(self, question: Question, data: dict) -> Question:
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
        return Question.objects.prefetch_related("versions").get(pk=question.pk)
