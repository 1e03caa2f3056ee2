"""The question bank: wording changes that keep trends comparable."""

from __future__ import annotations

from django.db import transaction

from checkins.languages import translated_languages
from checkins.models import Answer, Dimension, Question, QuestionVersion, RoundQuestion


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
        return _version_save(
            QuestionVersion(question=question, number=1, text=text, translations=translations)
        )
    if current.text == text and current.translations == translations:
        return current
    # A wording a round asked keeps its roll-ups' meaning even after retention purged the answers.
    asked = RoundQuestion.objects.filter(question_version=current).exists()
    if asked or Answer.objects.filter(question_version=current).exists():
        return _version_save(
            QuestionVersion(
                question=question, number=current.number + 1, text=text, translations=translations
            )
        )
    current.text, current.translations = text, translations
    current.full_clean()
    current.save(update_fields=["text", "translations"])
    return current


def _version_save(version: QuestionVersion) -> QuestionVersion:
    """Check a wording with the model's rules (one line, its length), then store it."""
    version.full_clean()
    version.save()
    return version


@transaction.atomic
def question_create(
    *,
    code: str,
    text: str,
    scale: str = Question.Scale.AGREE5,
    dimension: Dimension | None = None,
    reverse_scored: bool = False,
    translations: dict[str, str] | None = None,
    position: int = 0,
    source: str = "",
    licence: str = "",
) -> Question:
    """A new item with its first wording. Scale and reverse-scoring are fixed from here on: changing
    them later would silently change what earlier answers mean."""
    if scale in (Question.Scale.ZERO_TEN, Question.Scale.TEXT):
        reverse_scored = False  # reverse-scoring only makes sense on an agreement scale
    question = Question(
        code=code,
        dimension=dimension,
        scale=scale,
        reverse_scored=reverse_scored,
        position=position,
        source=source or "Written by our HR team",
        licence=licence or "Internal use",
    )
    question.full_clean()
    question.save()
    _version_save(
        QuestionVersion(
            question=question,
            number=1,
            text=text,
            translations={k: v for k, v in (translations or {}).items() if v},
        )
    )
    return question


def question_provenance_update(*, question: Question, source: str, licence: str) -> Question:
    if (question.source, question.licence) != (source, licence):
        question.source, question.licence = source, licence
        question.full_clean()
        question.save(update_fields=["source", "licence"])
    return question


def question_active_set(*, question: Question, is_active: bool) -> Question:
    """Retire or bring back an item. A retired item leaves the rotation; its answers stay."""
    if question.is_active != is_active:
        question.is_active = is_active
        question.save(update_fields=["is_active"])
    return question


def dimension_create(
    *, key: str, name: str, translations: dict[str, str] | None = None, description: str = ""
) -> Dimension:
    last = Dimension.objects.order_by("-position").values_list("position", flat=True).first()
    dimension = Dimension(
        key=key,
        name=name,
        translations={k: v for k, v in (translations or {}).items() if v},
        description=description,
        position=(last or 0) + 1,
        is_core=False,
    )
    dimension.full_clean()
    dimension.save()
    return dimension


def dimension_update(
    *,
    dimension: Dimension,
    name: str,
    translations: dict[str, str] | None = None,
    description: str = "",
    is_outcome: bool | None = None,
) -> Dimension:
    """Rename or describe a dimension, or mark it as an outcome of the driver analysis (from the
    next roll-up on: roll-ups are written once). The key stays: roll-ups, the API and imports
    refer to it, and earlier figures keep belonging to the same dimension under its new name."""
    dimension.name = name
    # Every shipped language is given (empty to remove it); a language no longer shipped is kept.
    kept = {k: v for k, v in dimension.translations.items() if k not in translated_languages()}
    dimension.translations = kept | {k: v for k, v in (translations or {}).items() if v}
    dimension.description = description
    if is_outcome is not None:
        dimension.is_outcome = is_outcome
    dimension.full_clean()
    dimension.save(update_fields=["name", "translations", "description", "is_outcome"])
    return dimension
