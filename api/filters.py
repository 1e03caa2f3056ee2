"""Query filters (django-filter), documented in the schema."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from checkins.models import Question, Round, Survey
from org.models import Person, Team, subtree_q


@extend_schema_field(OpenApiTypes.INT)
class TeamIdFilter(filters.ModelChoiceFilter):
    """A team by id, for a filter that works through a method (the schema cannot infer the
    type from a model field there)."""


class TeamFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")
    parent = filters.ModelChoiceFilter(queryset=Team.objects.all())
    root = filters.BooleanFilter(field_name="parent", lookup_expr="isnull", label="Root teams")

    class Meta:
        model = Team
        fields = ["name", "parent", "root"]


class PersonFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Name or email contains")
    team = filters.ModelChoiceFilter(queryset=Team.objects.all())
    subtree = TeamIdFilter(
        queryset=Team.objects.all(), method="in_subtree", label="In this team (an id) or below"
    )
    email = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Person
        fields = ["q", "team", "subtree", "role", "is_active", "email"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(email__icontains=value))

    def in_subtree(self, queryset: QuerySet, name: str, value: Team) -> QuerySet:
        return queryset.filter(subtree_q(value, via="team__"))


class QuestionFilter(filters.FilterSet):
    class Meta:
        model = Question
        fields = ["dimension", "scale", "is_active"]


class SurveyFilter(filters.FilterSet):
    class Meta:
        model = Survey
        fields = ["is_active", "cadence"]


class RoundFilter(filters.FilterSet):
    period_from = filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Round
        fields = ["survey", "status", "period_from", "period_to"]


def single_values(request, names, *, empty_ok: bool = True) -> None:
    """Refuse a query parameter given twice (which value would count?), naming it; and, unless
    `empty_ok`, one given empty (`?period_to=` is neither a date nor left out)."""
    repeated = {
        n: ["Give this parameter once."] for n in names if len(request.query_params.getlist(n)) > 1
    }
    if not empty_ok:
        repeated |= {
            n: ["Give a value, or leave the parameter out."]
            for n in names
            if request.query_params.get(n) == "" and n not in repeated
        }
    if repeated:
        raise ValidationError(repeated)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, refusing what it would otherwise ignore: a repeated filter, or a yes/no
    filter that is neither true nor false."""

    def get_filterset_kwargs(self, request, queryset, view) -> dict:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            single_values(request, filterset_class.base_filters)
            wrong = {
                name: ["Use true or false."]
                for name, item in filterset_class.base_filters.items()
                if isinstance(item, filters.BooleanFilter)
                and request.query_params.get(name, "true").lower() not in ("true", "false")
            }
            wrong |= {
                name: ["Give a value, or leave the parameter out."]
                for name, item in filterset_class.base_filters.items()
                if not isinstance(item, filters.CharFilter | filters.BooleanFilter)
                and request.query_params.get(name) == ""
            }
            if wrong:
                raise ValidationError(wrong)
        return kwargs
