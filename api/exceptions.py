"""One error body for every API error: {"code", "detail", "fields": {field: [messages]}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as {"people[3].email": ["…"]}, so a field is always named."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():
                name = f"{prefix}[{key}]"  # DRF reports a list's items by index
            else:
                name = key if not prefix else f"{prefix}.{key}"
            if key in ("non_field_errors", "__all__"):
                name = prefix or "non_field_errors"
            for sub, messages in _flatten(value, name).items():
                fields.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    fields.update(_flatten(item, f"{prefix}[{index}]"))
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def _only_uniqueness(exc: DjangoValidationError) -> bool:
    errors = (
        [e for items in exc.error_dict.values() for e in items]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    return bool(errors) and all(e.code in ("unique", "unique_together") for e in errors)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError) and _only_uniqueness(exc):
        # Valid input that clashes with an existing row: a conflict, not a bad request.
        clashes = _flatten(as_serializer_error(exc))
        name, messages = next(iter(clashes.items()))
        exc = Conflict(messages[0], field=None if name == "non_field_errors" else name)
    elif isinstance(exc, DjangoValidationError):
        # A service refused the input: the same rules as the pages, reported by field.
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    fields: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()), ("", ["Invalid input."]))
        detail = f"{first[0]}: {first[1][0]}" if first[0] != "non_field_errors" else first[1][0]
        code = "invalid"
    else:
        detail = str(exc.detail) if not isinstance(exc.detail, dict | list) else "Error."
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        if isinstance(exc, Conflict) and exc.field:
            fields = {exc.field: [detail]}
    if isinstance(exc, exceptions.Throttled):
        detail = (
            f"Too many requests: the API rate limit was reached. Try again in {exc.wait:.0f} s."
            if exc.wait is not None
            else "Too many requests: the API rate limit was reached."
        )
    response.data = {"code": code, "detail": detail, "fields": fields}
    return response


class Conflict(exceptions.APIException):
    """Valid input that clashes with what exists (a taken email, key or code; a used link)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This resource is no longer available."
    default_code = "gone"
