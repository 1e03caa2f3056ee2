"""The question bank: wording changes that keep trends comparable."""

from __future__ import annotations

from django.db import transaction

from checkins.models import Answer, Question, QuestionVersion


@transaction.atomic
def question_wording_update(
    *, question: Question, text: str, translations: dict[str, str] | None = None
) -> QuestionVersion:
    """Change a question's wording. A wording with answers is kept and a new version starts."""
    current = (
        QuestionVersion.objects.select_for_update().filter(question=question).order_by("-number")
    ).first()
    translations = {k: v for k, v in (translations or {}).items() if v}
    if current is None:
        return QuestionVersion.objects.create(
            question=question, number=1, text=text, translations=translations
        )
    if current.text == text and current.translations == translations:
        return current
    if Answer.objects.filter(question_version=current).exists():
        return QuestionVersion.objects.create(
            question=question, number=current.number + 1, text=text, translations=translations
        )
    current.text, current.translations = text, translations
    current.save(update_fields=["text", "translations"])
    return current


def question_create(
    *,
    code: str,
    text: str,
    scale: str = Question.Scale.AGREE5,
    dimension=None,
    reverse_scored: bool = False,
    translations: dict[str, str] | None = None,
    position: int = 0,
) -> Question:
    with transaction.atomic():
        question = Question.objects.create(
            code=code,
            dimension=dimension,
            scale=scale,
            reverse_scored=reverse_scored,
            position=position,
        )
        QuestionVersion.objects.create(
            question=question, number=1, text=text, translations=translations or {}
        )
    return question
