"""The invitation's "answered" line (issue 18, ADR 0037): knowing there is an answer without
being singled out.

Everyone in the group whose comments a team page shows reads, with their next invitation, how
many of those comments got an answer (a staff reply or "heard") since the survey's previous
round opened, the same number for all of them. It is worked out when the email is rendered and
stored nowhere: the ledger row is the person's, so nothing in it may name a thread.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q

from checkins.models import Message, Round, Thread
from checkins.services import emails
from culture.selectors import EMPLOYEE_VIEW_LEVELS, team_comment_rows_get
from culture.visibility import answered_count_visible
from org.models import Person, Team, path_ids

# Every invitee of a group reads the same line, and the window it counts lies in the past (staff
# replies and "heard" are timed when they happen): one count per group and round is kept this
# long, so a round's thousands of invitations cost one count per team, not one each.
CACHE_SECONDS = 600

logger = logging.getLogger(__name__)


def _answered_count(*, rows, since: dt.datetime, until: dt.datetime) -> int | None:
    """Threads on the comment `rows` answered in [since, until), as `visibility` lets it say."""
    if rows is None:
        return answered_count_visible(n_answered=0, comments_shown=False)
    staff_reply = Message.objects.filter(
        thread=OuterRef("pk"), at__gte=since, at__lt=until
    ).exclude(role=Message.Role.AUTHOR)
    answered = Thread.objects.filter(response__in=rows).filter(
        Q(heard_at__gte=since, heard_at__lt=until) | Exists(staff_reply)
    )
    return answered_count_visible(n_answered=answered.count(), comments_shown=True)


def team_answered_count_get(*, team: Team, since: dt.datetime, until: dt.datetime) -> int | None:
    """How many threads on the comments the team's page shows got a staff reply or were heard in
    [since, until); None when the page shows no comments (A4, `answered_count_visible`)."""
    return _answered_count(rows=team_comment_rows_get(team=team), since=since, until=until)


def invitation_group_get(*, person: Person) -> tuple[Team, Any] | None:
    """The group whose comments are shown, with its comment rows: the person's team if its page
    shows comments, else the nearest team above that does (as far up as the employee home
    looks), else None."""
    if person.team is None:
        return None
    team = person.team
    above = Team.objects.filter(pk__in=path_ids(team.path)[:-1]).order_by("-depth")
    for candidate in [team, *above][:EMPLOYEE_VIEW_LEVELS]:
        rows = team_comment_rows_get(team=candidate)
        if rows is not None:
            return candidate, rows
    return None


def _invitation_answered_count(*, person: Person, round: Round) -> int | None:
    previous = (
        Round.objects.filter(survey_id=round.survey_id, opens_at__lt=round.opens_at)
        .order_by("-opens_at")
        .first()
    )
    found = invitation_group_get(person=person) if previous else None
    if previous is None or found is None:
        return None
    _group, rows = found
    return _answered_count(rows=rows, since=previous.opens_at, until=round.opens_at)


def invitation_answered_get(person: Person, round: Round) -> dict:
    """The invitation's context: `answered_count`, the same for every invitee of the group,
    counted between the openings of the survey's previous round and this one (not the moment
    each email goes out, which differs by time zone). Kept per team and round for
    `CACHE_SECONDS`; without the cache it is counted each time."""
    team_path = person.team.path if person.team else "-"
    key = f"invitation-answered:{round.pk}:{team_path}"
    try:
        kept = cache.get(key)
    except Exception as error:  # the cache is an optimisation: never stop an email for it
        logger.warning("cache unavailable (%s); answered line counted", type(error).__name__)
        kept = None
    if kept is not None:
        return {"answered_count": kept or None}
    count = _invitation_answered_count(person=person, round=round)
    try:
        cache.set(key, count or 0, CACHE_SECONDS)
    except Exception as error:
        logger.warning("cache unavailable (%s); answered line not kept", type(error).__name__)
    return {"answered_count": count}


def invitation_context_register() -> None:
    if invitation_answered_get not in emails.INVITATION_CONTEXT:
        emails.INVITATION_CONTEXT.append(invitation_answered_get)
