"""People (HR only): create, update, deactivate, and the bulk upsert for HR-system sync."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import filters
from api import serializers as s
from api.exceptions import Conflict
from api.services.people_sync import people_bulk_upsert
from api.views.base import EditableViewSet
from org.models import Person
from org.services.people import (
    EmailTaken,
    person_create,
    person_update,
)


@contextmanager
def _email_conflict() -> Iterator[None]:
    """The person services' uniqueness rule, answered as the API's 409."""
    try:
        yield
    except EmailTaken:
        raise Conflict("A person with this email address already exists.", field="email") from None


class PersonViewSet(EditableViewSet):
    """People (HR only). Deactivate instead of delete; bulk upsert by email for HR-system sync."""

    serializer_class = s.PersonSerializer
    filterset_class = filters.PersonFilter
    queryset = Person.objects.select_related("team").prefetch_related("managed_teams")

    def save_new(self, data: dict) -> Person:
        with _email_conflict():
            return person_create(
                email=data["email"], name=data["name"], team=data.get("team"),
                role=data.get("role", Person.Role.EMPLOYEE), time_zone=data.get("time_zone", "UTC"),
                language=data.get("language", "en"), is_active=data.get("is_active", True),
                managed_teams=data.get("managed_teams", []),
            )  # fmt: skip

    def save_changes(self, person: Person, data: dict) -> Person:
        with _email_conflict():
            return person_update(
                person=person, email=data.get("email", person.email),
                name=data.get("name", person.name),
                team=data.get("team", person.team), role=data.get("role", person.role),
                time_zone=data.get("time_zone", person.time_zone),
                language=data.get("language", person.language),
                is_active=data.get("is_active", person.is_active),
                managed_teams=data.get("managed_teams"),
            )  # fmt: skip

    @extend_schema(request=None, responses={200: s.PersonSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def deactivate(self, request: Request, pk: str) -> Response:
        """Deactivate (never delete): history stays, invitations stop. Idempotent."""
        person = self.get_object()
        person_update(
            person=person, email=person.email, name=person.name, team=person.team,
            role=person.role, time_zone=person.time_zone, language=person.language,
            is_active=False,
        )  # fmt: skip
        return Response(s.PersonSerializer(person).data)

    @extend_schema(
        request=s.PeopleBulkSerializer,
        responses={200: s.PeopleBulkResultSerializer},
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def bulk(self, request: Request) -> Response:
        """Upsert people by email, all or nothing, with the CSV import's rules (a full sync that
        would deactivate more than 40 % is refused unless `force`). Sending the same list twice
        changes nothing the second time."""
        payload = s.PeopleBulkSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result, errors = people_bulk_upsert(
            records=data["people"], actor=request.user, full_sync=data["full_sync"],
            force=data["force"], dry_run=data["dry_run"],
        )  # fmt: skip
        if errors:
            raise ValidationError(
                {
                    "people": [
                        {"record": [errors[i]]} if i in errors else {}
                        for i in range(max(errors) + 1)
                    ]
                }
            )
        if result.refused:
            raise ValidationError({"full_sync": [result.refused]})
        return Response(
            {
                "applied": result.applied, "dry_run": data["dry_run"], "created": result.created,
                "updated": result.updated, "unchanged": result.unchanged,
                "deactivated": result.deactivated, "teams_created": result.teams_created,
            }
        )  # fmt: skip
