"""A realistic demo organisation with history, deterministic for a seed and fast.

Rows are written with PostgreSQL's COPY (bulk inserts elsewhere) and rolled up in SQL (ADR 0013):
10,000 people with two years of history seed in minutes.

Each team gets a baseline per dimension and a direction (improving, dropping or steady); answers
are drawn around it, so dashboards show plausible movement, noise and small hidden teams.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from checkins.models import (
    Answer,
    Participation,
    Question,
    Response,
    Round,
    RoundQuestion,
    Survey,
)
from checkins.services.rounds import round_questions_pick
from checkins.services.tokens import participation_token, token_hash
from culture.anonymity import window_of
from culture.models import DimensionRollup, ParticipationRollup, QuestionRollup
from culture.services.decisions import window_decision_compute
from culture.services.demo_rows import RowWriter, foreign_keys_checked_once
from culture.services.reliability import round_reliability_compute
from culture.services.rollups import rounds_rollup_bulk
from org.models import OrgSettings, Person, Team

DEMO_PASSWORD = "relhealth-demo"  # noqa: S105 - printed for the demo on purpose
DEMO_LOGINS = {
    "hr": "hr@example.com",
    "manager": "manager@example.com",
    "employee": "employee@example.com",
}
FIRST = ["Ada", "Ben", "Chloé", "Dmitri", "Ebru", "Farah", "Gustav", "Hana", "Ines", "Jonas",
         "Kemal", "Lea", "Mateo", "Nia", "Olu", "Priya", "Quinn", "Rosa", "Sami", "Tariq",
         "Uma", "Viktor", "Wen", "Xenia", "Yusuf", "Zoe"]  # fmt: skip
LAST = ["Albers", "Brandt", "Castillo", "Dube", "Eriksen", "Fischer", "García", "Huber", "Ito",
        "Jansen", "Kowalski", "Lindqvist", "Mensah", "Nakamura", "Okafor", "Petrov", "Quist",
        "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Weber", "Yilmaz", "Zimmer"]  # fmt: skip
DEPARTMENTS = {
    "Engineering": ["Platform", "Payments", "Mobile", "Data", "Security", "Developer Experience"],
    "Product": ["Discovery", "Design", "Research"],
    "Sales": ["EMEA", "Americas", "Partnerships"],
    "Customer Success": ["Support", "Onboarding"],
    "People": ["Recruiting", "People Ops"],
    "Operations": ["Finance", "Legal", "Workplace"],
}
TIME_ZONES = ["Europe/Berlin", "Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata"]
COMMENTS = [
    "Standups have become more useful since we changed the format.",
    "I would like more clarity on priorities for next quarter.",
    "Feels like decisions get made without us lately.",
    "Great support from the team during the release crunch.",
    "Hard to speak up in the big planning meeting.",
    "Our retros actually lead to changes now, thank you.",
    "Too many context switches this month.",
    "New joiners were welcomed really well.",
]


@dataclass(frozen=True)
class DemoResult:
    people: int
    teams: int
    rounds: int
    responses: int


def _team_sizes(rng: random.Random, people: int, leaves: int) -> list[int]:
    """Split people over the leaf teams: mostly 5-12, a few below the anonymity threshold."""
    sizes = [rng.choice([3, 4, 6, 7, 8, 9, 10, 12]) for _ in range(leaves)]
    scale = people / max(sum(sizes), 1)
    sizes = [max(3, round(s * scale)) if s > 4 else s for s in sizes]
    sizes[-1] += people - sum(sizes)
    return sizes


def _build_teams(rng: random.Random, people: int) -> tuple[Team, list[Team], list[Team]]:
    root = Team.objects.create(name="Northwind Labs")
    departments, leaves = [], []
    # About one leaf team per 8 people; departments repeat with a number beyond the list.
    wanted = max(3, people // 8)
    names = [(d, s) for d, subs in DEPARTMENTS.items() for s in subs]
    dept_objs: dict[str, Team] = {}
    for i in range(wanted):
        dept_name, sub = names[i % len(names)]
        cycle = i // len(names)
        dept_key = dept_name if cycle == 0 else f"{dept_name} {cycle + 1}"
        if dept_key not in dept_objs:
            dept_objs[dept_key] = Team.objects.create(name=dept_key, parent=root)
            departments.append(dept_objs[dept_key])
        leaves.append(Team.objects.create(name=sub, parent=dept_objs[dept_key]))
    return root, departments, leaves


def _person(rng: random.Random, n: int, team: Team, **extra) -> Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return Person(
        email=extra.pop("email", f"{first}.{last}.{n}@example.com".lower()),
        name=extra.pop("name", f"{first} {last}"),
        team=team,
        time_zone=extra.pop("time_zone", rng.choice(TIME_ZONES)),
        language=extra.pop("language", "de" if rng.random() < 0.25 else "en"),
        **extra,
    )


@transaction.atomic
def demo_organisation_seed(*, people: int, weeks: int, seed: int) -> DemoResult:
    rng = random.Random(seed)
    now = timezone.now()
    OrgSettings.current()
    root, departments, leaves = _build_teams(rng, people)
    sizes = _team_sizes(rng, people - 1 - len(departments), len(leaves))
    staff: list[Person] = []
    # The demo logins: an HR admin, the manager of the first department, one of its employees.
    staff.append(
        _person(rng, 0, root, email=DEMO_LOGINS["hr"], name="Hanna Rivera (HR)",
                role=Person.Role.HR_ADMIN, time_zone="Europe/Berlin", language="en")
    )  # fmt: skip
    managers = []
    for i, dept in enumerate(departments):
        extra: dict[str, str] = {"role": Person.Role.MANAGER}
        if i == 0:
            extra.update(email=DEMO_LOGINS["manager"], name="Max Moreau (manager)", language="en",
                         time_zone="Europe/Berlin")  # fmt: skip
        managers.append(_person(rng, 1000 + i, dept, **extra))
    staff += managers
    members: list[Person] = []
    for leaf, size in zip(leaves, sizes, strict=True):
        for _ in range(size):
            members.append(_person(rng, len(members) + 2000, leaf))
    first_leaf_member = next(m for m in members if m.team_id == leaves[0].pk)
    first_leaf_member.email, first_leaf_member.name = DEMO_LOGINS["employee"], "Emma Lindqvist"
    first_leaf_member.language, first_leaf_member.time_zone = "en", "Europe/Berlin"
    everyone = staff + members
    for person in everyone:
        person.set_unusable_password()
    # Hash once: the demo logins share a password, and each hash costs a third of a second.
    hashed = make_password(DEMO_PASSWORD)
    for person in [*everyone[: len(managers) + 1], first_leaf_member]:
        person.password = hashed
    Person.objects.bulk_create(everyone, batch_size=2000)
    saved = {p.email: p for p in Person.objects.filter(email__in=[m.email for m in managers])}
    for dept, manager in zip(departments, managers, strict=True):
        dept.managers.add(saved[manager.email])

    survey = Survey.objects.create(
        name="Weekly pulse",
        questions_per_round=5,
        window_days=5,
        # A demo-only schedule: the round of today's weekday, sent at local midnight, is due at
        # once, so the first beat tick opens it and invitations go out within a minute.
        weekday=now.weekday(),
        send_time=dt.time(0, 0),
        next_round_at=now,
    )
    survey.questions.set(Question.objects.filter(is_active=True))
    loaded = [m._meta.db_table for m in (Participation, Response, Answer, DimensionRollup,
              QuestionRollup, ParticipationRollup)]  # fmt: skip
    with foreign_keys_checked_once(loaded):
        _history(rng, survey=survey, weeks=weeks, now=now)
    return DemoResult(
        people=len(everyone),
        teams=Team.objects.count(),
        rounds=weeks,
        responses=Response.objects.count(),
    )


def _history(rng: random.Random, *, survey: Survey, weeks: int, now: dt.datetime) -> None:
    people = list(Person.objects.filter(team__isnull=False).values_list("pk", "team_id"))
    team_ids = sorted({team_id for _, team_id in people})
    dims = sorted(
        set(Question.objects.exclude(dimension=None).values_list("dimension_id", flat=True))
    )
    # Team baselines on the 1-5 scale, a direction per team, and a participation propensity.
    base: dict[tuple[int, int | None], float] = {
        (t, d): rng.uniform(3.0, 4.2) for t in team_ids for d in dims
    }
    slope = {t: rng.choice([-0.02, -0.01, 0.0, 0.0, 0.01, 0.02]) for t in team_ids}
    turnout = {t: rng.uniform(0.55, 0.95) for t in team_ids}
    k = OrgSettings.current().min_group_size
    monday = (now - dt.timedelta(days=now.weekday())).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    writer = RowWriter()
    rounds = []
    for number in range(1, weeks + 1):
        opens = monday - dt.timedelta(weeks=weeks - number + 1)
        rnd = Round.objects.create(
            survey=survey, number=number, status=Round.Status.CLOSED,
            period_start=opens.date(), opens_at=opens,
            closes_at=opens + dt.timedelta(days=survey.window_days), min_group_size=k,
        )  # fmt: skip
        rounds.append(rnd)
        versions = round_questions_pick(survey=survey, number=number)
        RoundQuestion.objects.bulk_create(
            RoundQuestion(round=rnd, question_version=v, position=i) for i, v in enumerate(versions)
        )
        # What each answer needs, looked up once per round rather than once per answer.
        asked = [
            (v.pk, v.question.scale == Question.Scale.ZERO_TEN, v.question.dimension_id,
             v.question.reverse_scored)
            for v in versions
        ]  # fmt: skip
        for person_id, team_id in people:
            responded = rng.random() < turnout[team_id]
            writer.participations.append(
                (person_id, rnd.pk, team_id,
                 token_hash(participation_token(round_id=rnd.pk, person_id=person_id)), responded)
            )  # fmt: skip
            if not responded:
                continue
            response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            comment = rng.choice(COMMENTS) if rng.random() < 0.08 else ""
            writer.responses.append((response_id, rnd.pk, team_id, comment))
            offset = rng.gauss(0, 0.5)
            for version_id, is_enps, dimension_id, reverse in asked:
                if rng.random() < 0.03:
                    continue  # prefer not to answer
                if is_enps:
                    value = min(10, max(0, round(rng.gauss(7.2 + offset, 1.8))))
                else:
                    mu = base[(team_id, dimension_id)] + slope[team_id] * number + offset
                    value = min(5, max(1, round(rng.gauss(mu, 0.8))))
                    if reverse:
                        value = 6 - value
                writer.answers.append(
                    (uuid.UUID(int=rng.getrandbits(128), version=4), response_id, version_id, value)
                )
        writer.flush_if_large()
    writer.flush()
    rounds_rollup_bulk(rounds=rounds)
    # What the beat does after each roll-up: the alpha sums, and the anonymity decisions of the
    # windows pages show by default (the last 52 weeks; older ones are decided when first asked).
    for rnd in rounds:
        round_reliability_compute(round=rnd)
    recent = {window_of(round_number=rnd.number) for rnd in rounds[-52:]}
    for window in sorted(recent):
        window_decision_compute(survey_id=survey.pk, window=window)
