"""The query strings of list screens, read through forms.

A search box or a filter is input like any other: a NUL byte (which PostgreSQL cannot store or
compare), a 10,000-character search or a team id that is not a number is refused with a 400 and
a message naming the parameter, and the screen shows its unfiltered first page beneath it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The largest primary key PostgreSQL's bigint holds (our ids are BigAutoField).
MAX_ID = 2**63 - 1


def whole_number_parse(value: object, *, maximum: int = MAX_ID) -> int | None:
    """A positive whole number written in ASCII digits, at most `maximum`; otherwise None.
    (str.isdigit() accepts "²" and "٣", which int() refuses or reads, and int() refuses more
    than 4,300 digits: both were 500s.)"""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if 1 <= number <= maximum else None


class IdField(forms.IntegerField):
    """An id from a select box: a positive whole number that fits the column."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class SearchField(forms.CharField):
    """Free text to search for (Django's CharField already refuses a NUL byte)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Search"))
        super().__init__(max_length=200, **kwargs)


class PeopleQueryForm(forms.Form):
    q = SearchField()
    team = IdField(label=_("Team"))
    undeliverable = forms.BooleanField(required=False, label=_("Undeliverable addresses only"))


class AuditQueryForm(forms.Form):
    q = SearchField()
    model = forms.CharField(label=_("Kind of change"), required=False, max_length=200)
    actor = IdField(label=_("Who"))


class SearchQueryForm(forms.Form):
    q = SearchField()


def query_parse(request: HttpRequest, form_class: type[forms.Form]) -> tuple[dict, int]:
    """The cleaned query parameters and the status to answer with: 200, or 400 with an error
    message naming the refused parameter and every filter left empty."""
    form = form_class(request.GET)
    if form.is_valid():
        return form.cleaned_data, 200
    for name, errors in form.errors.items():
        label = form.fields[name].label or name
        messages.error(request, f"{label}: {errors[0]}")
    empty = {name: field.to_python(None) for name, field in form.fields.items()}
    return empty, 400
