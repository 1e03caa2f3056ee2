"""The languages a wording or a name is given in besides English, read from settings.LANGUAGES,
and the form fields that hold them (text_de, text_fr, ... beside the English text)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info

from org.validators import validate_single_line

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

BASE_LANGUAGE = "en"  # Question texts and dimension names are written in English first.


def translated_languages() -> list[str]:
    """Every shipped language but English, in the order of settings.LANGUAGES."""
    return [code for code, _name in settings.LANGUAGES if code != BASE_LANGUAGE]


def translation_fields_add(
    form: forms.BaseForm, *, prefix: str, label: StrOrPromise, max_length: int, after: str
) -> None:
    """Add an optional one-line field `<prefix>_<language>` per translated language right after
    the field `after`. `label` holds %(language)s, filled with the language's name in the
    reader's language ("Wording (German)", "Formulierung (Deutsch)")."""
    names = list(form.fields)
    added = []
    for code in translated_languages():
        name = f"{prefix}_{code}"
        form.fields[name] = forms.CharField(
            label=label % {"language": get_language_info(code)["name_translated"]},
            max_length=max_length,
            required=False,
            validators=[validate_single_line],
        )
        added.append(name)
    at = names.index(after) + 1
    form.order_fields(names[:at] + added + names[at:])


def translations_initial(translations: Mapping[str, str], *, prefix: str) -> dict[str, str]:
    """A form's initial values for the translation fields of a stored {language: text}."""
    return {f"{prefix}_{code}": translations.get(code, "") for code in translated_languages()}


def translations_pop(data: dict, *, prefix: str) -> dict[str, str]:
    """Take the translation fields out of a form's cleaned data as {language: text}, leaving
    out the languages left empty."""
    values = {code: data.pop(f"{prefix}_{code}", "") for code in translated_languages()}
    return {code: text for code, text in values.items() if text}
