"""Changes that a single sign-on makes to a person (only what HR asked for)."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

from org.models import Person
from org.services.people import person_update

logger = logging.getLogger(__name__)


def person_role_from_provider(*, person: Person, role: str) -> Person:
    """Give `person` the role HR mapped from their groups at the identity provider.

    Goes through `person_update`, so the app's own rules hold (the last active HR admin stays one)
    and the change is in the audit log like any other role change.
    """
    try:
        return person_update(
            person=person,
            email=person.email,
            name=person.name,
            team=person.team,
            role=role,
            time_zone=person.time_zone,
            language=person.language,
            is_active=person.is_active,
        )
    except ValidationError as refusal:
        # Signing in still works; the role simply stays until HR resolves it.
        logger.warning("SSO role mapping for person %s refused: %s", person.pk, refusal.messages)
        person.refresh_from_db()
        return person
