"""Read-side helpers of the collection app."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from checkins.models import Participation, Round
from checkins.services.tokens import participation_token
from org.models import Person


@dataclass(frozen=True)
class OpenCheckin:
    round: Round
    url: str


def open_checkins_get(*, person: Person) -> list[OpenCheckin]:
    """The person's open, unanswered check-ins, each with its link."""
    participations = Participation.objects.filter(
        person=person, responded=False, round__status=Round.Status.OPEN
    ).select_related("round__survey")
    return [
        OpenCheckin(
            round=p.round,
            url=reverse(
                "checkins:form",
                args=[participation_token(round_id=p.round_id, person_id=person.pk)],
            ),
        )
        for p in participations
    ]
