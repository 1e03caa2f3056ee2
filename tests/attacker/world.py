"""An organisation run through the real services, with the ground truth the attacker is judged by.

HR work goes through `org.services.people` (the HR screens' services: `person_create`,
`person_update`, `team_create`, `team_update`); there is no merge or split service, so a merge
moves a team's members and children to another team through those services and leaves the old
team empty, and a split creates a team and moves some members into it, as HR does on its
screens. Check-ins go through `round_open` / `response_submit`; a close runs the jobs in the
order the Celery tasks do (close, roll up, decide, reliability, summarise, reshuffle), each in
its own savepoint, so a crash is recorded (leak class 7) and the rest still runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import traceback
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from checkins import default_bank
from checkins.models import (
    Dimension,
    Message,
    OutboundEmail,
    Participation,
    Question,
    QuestionVersion,
    Round,
    RoundQuestion,
    RoundTeam,
    Survey,
    Thread,
)
from checkins.services.conversations import message_post, messages_deliver, thread_for_secret
from checkins.services.emails import RENDERERS
from checkins.services.reshuffle import round_responses_reshuffle
from checkins.services.responses import response_submit, round_questions_forget
from checkins.services.rounds import round_close, round_open
from culture.anonymity import ORG
from culture.services.decisions import round_decisions_compute
from culture.services.reliability import round_reliability_compute
from culture.services.rollups import round_rollup_compute
from culture.services.summaries import round_summaries_compute
from culture.services.themes import round_themes_compute
from culture.statistics import is_favourable, scored_value, to_0_100
from org.models import Person, Team
from org.services.people import (
    org_threshold_update,
    person_create,
    person_update,
    team_create,
    team_update,
)

# The invitation's "answered" line as people read it (English, the world's language).
ANSWERED = re.compile(r"answered (\d+) comments? from your team")
START = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)  # a Monday; each round one week later

Parents = dict[int, int | None]


@dataclass(frozen=True)
class Item:
    """A question version as the attacker knows it (the round's question set is public)."""

    version: int
    dimension: int | None
    scale: str
    reverse: bool

    def favourable(self, value: int) -> bool:
        if self.scale == Question.Scale.ZERO_TEN:
            return value >= 9
        return is_favourable(
            value=scored_value(value=value, scale=self.scale, reverse=self.reverse),
            scale=self.scale,
        )

    def score(self, value: int) -> float:
        scored = scored_value(value=value, scale=self.scale, reverse=self.reverse)
        return to_0_100(value=scored, scale=self.scale)


def subtree(parents: Parents, team: int) -> set[int]:
    """The team and every team below it in `parents` (every team for the organisation)."""
    if team == ORG:
        return set(parents)
    found, changed = {team}, True
    while changed:
        before = len(found)
        found |= {t for t, parent in parents.items() if parent in found}
        changed = len(found) != before
    return found


@dataclass
class RoundTruth:
    """Everything about one round, including what only the system may know."""

    pk: int
    number: int
    k: int
    tree: Parents  # frozen with the round (nothing is re-organised while a round is open)
    items: dict[int, Item]
    team_of: dict[int, int] = field(default_factory=dict)  # invitee -> team at opening
    # From the close: the tree the round was frozen on and each invitee's group (A3, A6). Both
    # follow from what HR knows (the tree then, who was invited), so the attacker has them.
    frozen: Parents = field(default_factory=dict)
    group_of: dict[int, int] = field(default_factory=dict)
    answers: dict[int, dict[int, int | None]] = field(default_factory=dict)  # respondent -> ...
    comments: dict[int, str] = field(default_factory=dict)
    # Conversations (ADR 0031): the secret each opting-in author keeps, the thread keys before
    # the close, and when each author message was really written (only the author knows).
    threads: dict[int, str] = field(default_factory=dict)  # respondent -> secret
    thread_keys_before: set[str] = field(default_factory=set)
    written: dict[tuple[str, int], dt.datetime] = field(default_factory=dict)  # (thread, seq)
    message_keys_posted: set[str] = field(default_factory=set)  # keys before the delivery
    # The invitations of the round as their recipients read them (ADR 0037): invitee -> the
    # "answered" counts in the text and the HTML part, and the snapshot they follow.
    invitations: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    invited_after: int = -1  # index in World.snapshots of the latest close before the opening

    def dimension_items(self, dimension: int) -> list[Item]:
        return [i for i in self.items.values() if i.dimension == dimension]

    def dimension_score(self, person: int, dimension: int) -> float | None:
        """A respondent's score: the mean of their answered items of the dimension."""
        scores = [
            item.score(value)
            for item in self.dimension_items(dimension)
            if (value := self.answers[person].get(item.version)) is not None
        ]
        return sum(scores) / len(scores) if scores else None


@dataclass
class Crash:
    where: str
    error: str


class World:
    def __init__(self, *, k: int, first_number: int = 1) -> None:
        round_questions_forget()
        default_bank.install(
            Dimension=Dimension, Question=Question, QuestionVersion=QuestionVersion
        )
        self.survey = Survey.objects.create(name="Pulse", questions_per_round=5)
        self.survey.questions.set(Question.objects.filter(is_active=True))
        self.k = k
        org_threshold_update(min_group_size=k)
        self.dimensions = list(Dimension.objects.values_list("pk", flat=True))
        self.names: dict[int, str] = {}  # person id -> "P3"
        self.team_names: dict[int, str] = {}
        self.rounds: list[RoundTruth] = []
        self.crashes: list[Crash] = []
        self.snapshots: list[Any] = []  # filled by observe.observe_all
        self.db_findings: list[str] = []  # filled by observe.database_dump
        self.thread_findings: list[str] = []  # filled by observe.conversation_tables
        self.moves: list[str] = []  # re-organisations, for the messages
        self._counter = itertools.count(1)
        self._open: RoundTruth | None = None
        self.last_round = True  # False before a close that is not the last: a lighter read
        for number in range(1, first_number):  # start the survey later in its 4-round window
            Round.objects.create(
                survey=self.survey, number=number, status=Round.Status.CLOSED,
                period_start=START.date(), opens_at=START, closes_at=START,
                min_group_size=k, responses_shuffled=True,
            )  # fmt: skip

    # HR: people and teams -------------------------------------------------------------------
    def team(self, parent: Team | None = None) -> Team:
        number = next(self._counter)
        team = team_create(name=f"T{number}", parent=parent)
        self.team_names[team.pk] = team.name
        return team

    def person(self, team: Team, *, manages: bool = False) -> Person:
        number = next(self._counter)
        person = person_create(
            email=f"p{number}@example.com", name=f"P{number}", team=team,
            time_zone="Europe/Berlin", managed_teams=[team] if manages else [],
            role=Person.Role.MANAGER if manages else Person.Role.EMPLOYEE,
        )  # fmt: skip
        self.names[person.pk] = person.name
        return person

    def _update(self, person: Person, **changes: Any) -> None:
        person.refresh_from_db()
        fields = dict(
            email=person.email, name=person.name, team=person.team, role=person.role,
            time_zone=person.time_zone, language=person.language, is_active=person.is_active,
        )  # fmt: skip
        person_update(person=person, **(fields | changes))

    def move_person(self, person: Person, team: Team) -> None:
        self._update(person, team=team)

    def leave(self, person: Person) -> None:
        self._update(person, is_active=False)

    def move_team(self, team: Team, parent: Team | None) -> None:
        team.refresh_from_db()
        if parent is not None:
            parent.refresh_from_db()  # its path, which the move checks, may have changed
        team_update(team=team, name=team.name, parent=parent)
        self.moves.append(f"{team.name} moved under {parent.name if parent else 'the top'}")

    def merge(self, team: Team, into: Team) -> None:
        """HR merges `team` into `into`: its people and sub-teams move; the old team stays empty."""
        for person in Person.objects.filter(team=team):
            self.move_person(person, into)
        for child in Team.objects.filter(parent=team):
            self.move_team(child, into)
        self.moves.append(f"{team.name} merged into {into.name}")

    def split(self, team: Team, people: list[Person]) -> Team:
        """HR splits `people` out of `team` into a new sibling team."""
        team.refresh_from_db()
        new = self.team(team.parent)
        for person in people:
            self.move_person(person, new)
        self.moves.append(f"{len(people)} people split from {team.name} into {new.name}")
        return new

    def ever_populated(self, tree: Parents, team: int) -> bool:
        """Whether the team's subtree in `tree` held an invitee of some round so far."""
        below, changed = {team}, True
        while changed:
            size = len(below)
            below |= {t for t, parent in tree.items() if parent in below}
            changed = len(below) != size
        return any(own in below for t in self.rounds for own in t.team_of.values())

    def tree(self) -> Parents:
        return dict(Team.objects.values_list("pk", "parent_id"))

    # Check-ins -------------------------------------------------------------------------------
    def open(self) -> RoundTruth:
        rnd = round_open(survey=self.survey, now=START + dt.timedelta(weeks=len(self.rounds)))
        items = {}
        for rq in RoundQuestion.objects.filter(round=rnd).select_related(
            "question_version__question"
        ):
            question = rq.question_version.question
            items[rq.question_version_id] = Item(
                version=rq.question_version_id, dimension=question.dimension_id,
                scale=question.scale, reverse=question.reverse_scored,
            )  # fmt: skip
        truth = RoundTruth(
            pk=rnd.pk, number=rnd.number, k=rnd.min_group_size, tree=self.tree(), items=items,
            team_of=dict(Participation.objects.filter(round=rnd).values_list("person", "team")),
        )  # fmt: skip
        self.rounds.append(truth)
        self._open = truth
        self.step("invitations", lambda: self.invitations_read(truth))
        return truth

    def invitations_read(self, truth: RoundTruth) -> None:
        """Every invitee reads their invitation as rendered for sending (the ledger's renderer)."""
        truth.invited_after = len(self.snapshots) - 1
        rows = OutboundEmail.objects.filter(round_id=truth.pk, kind=OutboundEmail.Kind.INVITATION)
        for email in rows.select_related("recipient", "participation__round__survey"):
            message = RENDERERS[email.kind](email)
            if message is None:
                continue
            html = str(message.alternatives[0][0])
            truth.invitations[email.recipient_id] = (
                tuple(ANSWERED.findall(str(message.body))),
                tuple(ANSWERED.findall(html)),
            )

    def submit(
        self,
        person: Person,
        answers: dict[int, int | None],
        comment: str = "",
        conversation: bool = False,
    ) -> None:
        truth = self._open
        assert truth is not None
        participation = Participation.objects.select_related("round").get(
            round_id=truth.pk, person=person
        )
        response = response_submit(
            participation=participation, answers=answers, comment=comment,
            conversation=conversation,
        )  # fmt: skip
        truth.answers[person.pk] = dict(answers)
        if comment:
            truth.comments[person.pk] = comment
        secret = getattr(response, "conversation_secret", None)
        if secret:
            truth.threads[person.pk] = secret

    def converse(self, truth: RoundTruth) -> None:
        """After the reshuffle each opting-in author writes, at an odd minute of the week after
        the round, through the only key they hold; the staff side answers in `observe`."""
        for number, (person, secret) in enumerate(sorted(truth.threads.items())):
            thread = thread_for_secret(secret=secret)
            assert thread is not None, "an author lost their conversation at the reshuffle"
            moment = START + dt.timedelta(weeks=truth.number, hours=1 + number % 7, minutes=17)
            message = message_post(
                thread=thread, role=Message.Role.AUTHOR, body=f"answer {person}", now=moment
            )
            truth.written[(str(thread.pk), message.seq)] = moment
            truth.message_keys_posted.add(str(message.pk))
        if truth.written:
            messages_deliver(now=max(m.at for m in Message.objects.filter(role="author")))

    def step(self, where: str, call) -> Any:
        """Run one service or read in a savepoint; a crash is recorded, not raised."""
        try:
            with transaction.atomic():
                return call()
        except Exception as error:  # any crash is a finding (class 7)
            frame = traceback.extract_tb(error.__traceback__)[-1]
            self.crashes.append(
                Crash(where, f"{type(error).__name__}: {error} at {frame.filename}:{frame.lineno}")
            )
            return None

    def close(self, observe) -> None:
        """Close the open round and run every job on it, then let `observe` read everything."""
        truth = self._open
        assert truth is not None
        self._open = None
        rnd = Round.objects.get(pk=truth.pk)
        truth.thread_keys_before = {
            str(pk)
            for pk in Thread.objects.filter(response__round=rnd).values_list("pk", flat=True)
        }
        round_close(round=rnd)
        rnd.refresh_from_db()
        truth.frozen = dict(RoundTeam.objects.filter(round=rnd).values_list("team_id", "parent_id"))
        truth.group_of = dict(Participation.objects.filter(round=rnd).values_list("person", "team"))
        self.step("round_rollup_compute", lambda: round_rollup_compute(round=rnd))
        self.step("round_decisions_compute", lambda: round_decisions_compute(round=rnd))
        self.step("round_reliability_compute", lambda: round_reliability_compute(round=rnd))
        self.step("round_summaries_compute", lambda: round_summaries_compute(round=rnd))
        # Before the reshuffle, as the worker may run them (the themes must survive new keys).
        self.step("round_themes_compute", lambda: round_themes_compute(round=rnd))
        self.step("round_responses_reshuffle", lambda: round_responses_reshuffle(round=rnd))
        self.step("conversations", lambda: self.converse(truth))
        observe(self, rnd)
