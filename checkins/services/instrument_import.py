"""Import an instrument HR has licensed, from CSV or JSON, whole or not at all.

Each item: code, dimension (an existing dimension key; empty for eNPS or open text), scale
(agree5, agree7, zero_ten, text), reverse (yes/no), text_en, text_de and text_fr (optional,
one per shipped language), source, licence.
Source and licence are required: every item says where it comes from and on what terms.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from checkins.languages import translated_languages
from checkins.models import Dimension, Question, QuestionVersion, translations_check
from checkins.services.questions import question_create
from org.models import Person
from org.services.audit import audit_event_record

FIELDS = ("code", "dimension", "scale", "reverse", "text_en", "source", "licence")
REQUIRED = ("code", "scale", "text_en", "source", "licence")
MAX_BYTES = 2 * 1024 * 1024


class InstrumentFileError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class InstrumentImportResult:
    created: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)


def _records(content: bytes, filename: str) -> list[tuple[str, dict]]:
    if len(content) > MAX_BYTES:
        raise InstrumentFileError("The file is larger than 2 MB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InstrumentFileError("The file is not UTF-8 text.") from exc
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InstrumentFileError(
                f"The file is not valid JSON: {exc.msg} (line {exc.lineno})."
            ) from exc
        except RecursionError:
            raise InstrumentFileError("The JSON nests too deeply to be an instrument.") from None
        items = data.get("items") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InstrumentFileError('The JSON must be a list of items (or {"items": [...]}).')
        return [(f"item {n}", {k: str(v) if v is not None else "" for k, v in i.items()})
                for n, i in enumerate(items, 1)]  # fmt: skip
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InstrumentFileError(f"The CSV header is missing: {', '.join(missing)}.")
        reader.fieldnames = header
        return [(f"line {reader.line_num}", dict(row)) for row in reader]
    except csv.Error as exc:
        raise InstrumentFileError(f"The file is not valid CSV: {exc}.") from exc


# Which column of the file a model field comes from, to name it in a problem.
COLUMNS = {"text": "text_en"}


def _fields() -> tuple[str, ...]:
    """The columns a file may have: the fixed ones and a wording per shipped language."""
    return FIELDS + tuple(f"text_{code}" for code in translated_languages())


def _translations(item: dict[str, str]) -> dict[str, str]:
    """The item's wordings in languages other than English, those given."""
    texts = {code: item.get(f"text_{code}", "") for code in translated_languages()}
    return {code: text for code, text in texts.items() if text}


def _model_problems(item: dict[str, str], *, skip_code: bool) -> list[str]:
    """The model's own rules for an item (lengths, one line, no control characters), so the
    import refuses exactly what the bank's forms and the API refuse, named by column."""
    question = Question(
        code=item.get("code", ""), source=item.get("source", ""), licence=item.get("licence", "")
    )
    version = QuestionVersion(text=item.get("text_en", ""))
    problems: list[str] = []
    for code, text in _translations(item).items():
        try:
            translations_check({code: text}, max_length=500)
        except ValidationError as exc:
            problems.append(f"text_{code}: {' '.join(exc.messages)}")
    # Required fields, the scale and the dimension are checked above with their own words.
    checks = [
        (question, ["dimension", "scale", *(["code"] if skip_code else [])]),
        (version, ["question"]),
    ]
    for instance, exclude in checks:
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if item.get(COLUMNS.get(name, name)):  # an empty required column is named above
                    problems.append(f"{COLUMNS.get(name, name)}: {' '.join(messages)}")
    return problems


def instrument_import(
    *, content: bytes, filename: str = "", actor: Person | None = None, dry_run: bool = False
) -> InstrumentImportResult:
    records = _records(content, filename)
    if not records:
        raise InstrumentFileError("The file holds no items.")
    result = InstrumentImportResult()
    dimensions = {d.key: d for d in Dimension.objects.all()}
    existing = set(Question.objects.values_list("code", flat=True))
    seen: set[str] = set()
    valid = []
    for where, raw in records:
        item = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        problems = _item_problems(item, dimensions=dimensions, existing=existing, seen=seen)
        seen.add(item.get("code", ""))
        if problems:
            result.errors.append((where, "; ".join(problems)))
        else:
            reverse = item.get("reverse", "").lower() in ("yes", "true", "1")
            valid.append((item, dimensions.get(item.get("dimension", "")), reverse))
    if result.errors:
        return result
    with transaction.atomic():
        for item, dimension, reverse_scored in valid:
            question_create(
                code=item["code"], text=item["text_en"], scale=item["scale"],
                dimension=dimension, reverse_scored=reverse_scored,
                translations=_translations(item), position=200,
                source=item["source"], licence=item["licence"],
            )  # fmt: skip
            result.created.append(item["code"])
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit_event_record(
                actor=actor,
                event="question import",
                summary=f"{filename or 'file'}: {len(result.created)} items",
                details={"codes": result.created},
            )
    return result


def _item_problems(
    item: dict[str, str], *, dimensions: dict[str, Dimension], existing: set[str], seen: set[str]
) -> list[str]:
    """What is wrong with one item of the file, in words HR can act on (none: it can be added)."""
    unknown = sorted(set(item) - set(_fields()))
    problems = [f"unknown field {', '.join(unknown)}"] if unknown else []
    problems += [f"{name} is empty" for name in REQUIRED if not item.get(name)]
    code = item.get("code", "")
    slug = True
    try:
        if code:
            validate_slug(code)
    except ValidationError:
        slug = False
        problems.append(f"code “{code}” may hold only letters, digits, - and _")
    if code in existing:
        problems.append(f"code “{code}” is already in the bank")
    if code in seen:
        problems.append(f"code “{code}” appears twice in the file")
    scale = item.get("scale", "")
    if scale and scale not in Question.Scale.values:
        problems.append(f"scale “{scale}” is not one of {', '.join(Question.Scale.values)}")
    key = item.get("dimension", "")
    if key and key not in dimensions:
        problems.append(f"dimension “{key}” does not exist (add it first)")
    if not key and scale in (Question.Scale.AGREE5, Question.Scale.AGREE7):
        problems.append("an agreement item needs a dimension")
    reverse = item.get("reverse", "").lower()
    if reverse not in ("", "yes", "no", "true", "false", "1", "0"):
        problems.append(f"reverse “{reverse}” should be yes or no")
    return problems + _model_problems(item, skip_code=not slug)
