"""JSON body fields that accept exactly the type the schema documents.

DRF coerces by default (0 becomes "0", "7" becomes 7, "yes" becomes True); an API that HR
systems write to should refuse a wrong type and name the field, so body serializers use these.
Query parameters, which are always text, keep DRF's parsing.
"""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class _Strict:
    expected: tuple[type, ...] = (str,)
    wrong = "Expected a string."

    def to_internal_value(self, data):
        if not isinstance(data, self.expected) or (
            bool not in self.expected and isinstance(data, bool)
        ):
            raise serializers.ValidationError(self.wrong, code="invalid_type")
        return super().to_internal_value(data)  # type: ignore[misc]


class CharField(_Strict, serializers.CharField):
    pass


class EmailField(_Strict, serializers.EmailField):
    pass


class SlugField(_Strict, serializers.SlugField):
    pass


class ChoiceField(_Strict, serializers.ChoiceField):
    pass


class IntegerField(_Strict, serializers.IntegerField):
    expected = (int,)
    wrong = "Expected a whole number."


class BooleanField(_Strict, serializers.BooleanField):
    expected = (bool,)
    wrong = "Expected true or false."


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
     "example": "09:00", "description": "A local wall-clock time (HH:MM), no offset."}
)  # fmt: skip
class TimeField(_Strict, serializers.TimeField):
    """A time of day in each person's own zone: not an RFC 3339 time (which needs an offset)."""


class PrimaryKeyRelatedField(_Strict, serializers.PrimaryKeyRelatedField):
    expected = (int,)
    wrong = "Expected an id (a whole number)."


class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.EmailField: EmailField,
        models.SlugField: SlugField,
        models.BooleanField: BooleanField,
        models.IntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.TimeField: TimeField,
    }
    serializer_choice_field = ChoiceField
    serializer_related_field = PrimaryKeyRelatedField
