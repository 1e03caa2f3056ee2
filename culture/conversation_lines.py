"""The invitation's "answered" line (issue 18, ADR 0037): knowing there is an answer without
being singled out.

Everyone in the group whose comments a team page shows reads, with their next invitation, how
many of those comments got an answer (a staff reply or "heard") since the survey's previous
round opened, the same number for all of them. It is worked out when the email is rendered and
stored nowhere: the ledger row is the person's, so nothing in it may name a thread.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from checkins.models import Message, Round, Thread
from checkins.services import emails
from culture.cache import cache_keep, cache_read
from culture.selectors import EMPLOYEE_VIEW_LEVELS, team_comment_rows_get
from culture.visibility import answered_count_visible
from org.models import Person, Team, path_ids

# Every invitee of a group reads the same line, and the window it counts lies in the past (staff
# replies and "heard" are timed when they happen): one count per group and round is kept this
# long, so a round's thousands of invitations cost one count per team, not one each.
CACHE_SECONDS = 600


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


def _candidates(person: Person) -> list[Team]:
    """The person's team and the teams above it, nearest first, as far as the home looks."""
    if person.team is None:
        return []
    team = person.team
    above = Team.objects.filter(pk__in=path_ids(team.path)[:-1]).order_by("-depth")
    return [team, *above][:EMPLOYEE_VIEW_LEVELS]


NO_COMMENTS = -1  # kept for a team whose page shows no comments: look further up


def _team_count(*, team: Team, since: dt.datetime, until: dt.datetime, round: Round) -> int:
    """The team's answered count for the round's line, or NO_COMMENTS; kept per team and round,
    so the sub-teams of one department share its count instead of each building its page."""
    key = f"invitation-answered:{round.pk}:{team.pk}"
    kept = cache_read(key, what="answered line")
    if kept is None:
        rows = team_comment_rows_get(team=team)
        kept = (
            NO_COMMENTS
            if rows is None
            else (_answered_count(rows=rows, since=since, until=until) or 0)
        )
        cache_keep(key, kept, CACHE_SECONDS, what="answered line")
    return kept


def invitation_answered_get(person: Person, round: Round) -> dict:
    """The invitation's context: `answered_count`, the same for every invitee of the group,
    counted between the openings of the survey's previous round and this one (not the moment
    each email goes out, which differs by time zone). Each team's count is kept per round for
    `CACHE_SECONDS`; without the cache it is counted each time."""
    previous = (
        Round.objects.filter(survey_id=round.survey_id, opens_at__lt=round.opens_at)
        .order_by("-opens_at")
        .first()
    )
    if previous is None:
        return {"answered_count": None}
    for team in _candidates(person):
        count = _team_count(team=team, since=previous.opens_at, until=round.opens_at, round=round)
        if count != NO_COMMENTS:
            return {"answered_count": count or None}
    return {"answered_count": None}


def invitation_context_register() -> None:
    if invitation_answered_get not in emails.INVITATION_CONTEXT:
        emails.INVITATION_CONTEXT.append(invitation_answered_get)
