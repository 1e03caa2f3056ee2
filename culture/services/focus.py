"""Focus areas: a manager picks a dimension to work on and records actions with follow-ups."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from checkins.models import Dimension
from culture.models import FocusAction, FocusArea
from org.models import Person, Team


@transaction.atomic
def focus_area_set(
    *, team: Team, dimension: Dimension, person: Person, baseline_score: float | None
) -> FocusArea:
    """Start a focus; an earlier one on the same dimension is closed, so history stays."""
    FocusArea.objects.filter(team=team, dimension=dimension, is_active=True).update(is_active=False)
    return FocusArea.objects.create(
        team=team, dimension=dimension, chosen_by=person, baseline_score=baseline_score
    )


def focus_action_add(*, focus: FocusArea, text: str, follow_up_on: dt.date) -> FocusAction:
    action = FocusAction(focus=focus, text=text.strip(), follow_up_on=follow_up_on)
    action.full_clean()
    action.save()
    return action


def focus_action_done(*, action: FocusAction, done: bool = True) -> FocusAction:
    """Mark an action done (or open again, for a click made by mistake)."""
    if action.done != done:
        action.done = done
        action.save(update_fields=["done"])
    return action
