"""A realistic demo organisation with history, deterministic for a seed and fast.

Rows are written with PostgreSQL's COPY (bulk inserts elsewhere) and rolled up in SQL (ADR 0013):
10,000 people with two years of history seed in minutes.

Answers come from a latent model, so the figures behave like real ones: each team has a baseline
and a direction per dimension; each person a lasting attitude per dimension (a general part shared
by all dimensions and a part of its own); each week a mood. An item's answer is the sum plus noise,
so the items of a dimension correlate (Cronbach's alpha about 0.8, as published scales reach) and
the dimensions correlate less with each other. Two teams of the demo manager's department tell the
story the product is for: in one, psychological safety falls week by week; in the other, trust
grows. Small teams stay below the anonymity threshold.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from checkins.models import (
    Answer,
    Dimension,
    Participation,
    Question,
    Response,
    Round,
    RoundQuestion,
    Survey,
)
from checkins.services.rounds import round_questions_pick
from culture.anonymity import window_of
from culture.models import DimensionRollup, DriverRollup, ParticipationRollup, QuestionRollup
from culture.selectors_themes import THEME_ROUNDS
from culture.services.decisions import windows_decisions_compute
from culture.services.demo_rows import (
    RoundRows,
    indexes_built_after_load,
    link_token_hashes,
    round_rows_write,
    uuid4_bytes,
)
from culture.services.reliability import rounds_reliability_compute
from culture.services.rollups import rounds_rollup_bulk
from culture.services.themes import round_themes_compute
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
# What people write, by topic: each topic in a few wordings (the first of each is the one the
# demo used alone before comment themes), so the worker finds themes in the demo as in life.
COMMENT_TOPICS = [
    [
        "Standups have become more useful since we changed the format.",
        "The new standup format is useful, standups are shorter now.",
        "Shorter standups with the new format are more useful.",
    ],
    [
        "I would like more clarity on priorities for next quarter.",
        "Priorities for the quarter need more clarity.",
        "Unclear priorities again, we need clarity for the quarter.",
    ],
    [
        "Feels like decisions get made without us lately.",
        "Decisions are made without asking the team.",
        "Big decisions made without us, we only hear about them later.",
    ],
    [
        "Great support from the team during the release crunch.",
        "The release crunch was hard but the support was great.",
        "Great support from colleagues during the release.",
    ],
    [
        "Hard to speak up in the big planning meeting.",
        "The planning meeting is too big to speak up in.",
        "In the big planning meeting it is hard to speak up.",
    ],
    [
        "Our retros actually lead to changes now, thank you.",
        "Retros lead to real changes now.",
        "Good retros, and the changes actually happen.",
    ],
    [
        "Too many context switches this month.",
        "Constant context switches make focus hard this month.",
        "Too many context switches between projects.",
    ],
    [
        "New joiners were welcomed really well.",
        "New joiners get a really warm welcome.",
        "The welcome for new joiners was really good.",
    ],
]
COMMENTS = [text for topic in COMMENT_TOPICS for text in topic]
COMMENT_RATE = 0.25  # the share of respondents who leave a comment


@dataclass(frozen=True)
class DemoResult:
    people: int
    teams: int
    rounds: int
    responses: int
    # Wall seconds per phase of the seed, in the order they ran (printed by seed_demo, kept by
    # the bench), so where a slow seed spends its time is visible without a profiler.
    phases: dict[str, float] = field(default_factory=dict)


class _Phases:
    """Times the seed's phases: `with phases("copy"): ...` adds the block's wall time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.seconds[name] = round(self.seconds.get(name, 0.0) + elapsed, 3)


def _team_sizes(rng: random.Random, people: int, leaves: int) -> list[int]:
    """Split people over the leaf teams: mostly 5-12, a few below the anonymity threshold."""
    sizes = [rng.choice([3, 4, 6, 7, 8, 9, 10, 12]) for _ in range(leaves)]
    scale = people / max(sum(sizes), 1)
    sizes = [max(3, round(s * scale)) if s > 4 else s for s in sizes]
    # The rounding's remainder, one person at a time over the larger teams (never below 5), so
    # the sizes add up exactly; it once all went to the last team, which could go negative.
    larger = [i for i, s in enumerate(sizes) if s > 4] or list(range(len(sizes)))
    floor = 5 if larger and sizes[larger[0]] > 4 else 1
    remainder, turn = people - sum(sizes), 0
    while remainder:
        i = larger[turn % len(larger)]
        turn += 1
        step = 1 if remainder > 0 else -1
        if sizes[i] + step >= floor:
            sizes[i] += step
            remainder -= step
        elif turn > 10 * len(sizes) * (abs(remainder) + 1):
            raise ValueError(f"{people} people cannot fill {leaves} teams")
    return sizes


def demo_team_layout(people: int) -> list[tuple[str, str]]:
    """(department, leaf team) per leaf team: about one leaf per 8 people, the departments of
    DEPARTMENTS repeated with a number ("Engineering 2") once the list is used up."""
    names = [(d, s) for d, subs in DEPARTMENTS.items() for s in subs]
    layout = []
    for i in range(max(3, people // 8)):
        dept_name, sub = names[i % len(names)]
        cycle = i // len(names)
        layout.append((dept_name if cycle == 0 else f"{dept_name} {cycle + 1}", sub))
    return layout


def _teams_create(children: list[tuple[str, Team]]) -> list[Team]:
    """Teams (name, parent) in a few statements, paths included: Team.save would cost two
    statements and an audit entry per team, and 100,000 people have 14,000 teams."""
    teams = Team.objects.bulk_create(
        [Team(name=name, parent=parent) for name, parent in children], batch_size=2000
    )
    for team, (_name, parent) in zip(teams, children, strict=True):
        team.path = Team.path_for(team.pk, parent)
        team.depth = parent.depth + 1
    Team.objects.bulk_update(teams, ["path", "depth"], batch_size=2000)
    return teams


def _build_teams(people: int) -> tuple[Team, list[Team], list[Team]]:
    root = Team.objects.create(name="Northwind Labs")
    layout = demo_team_layout(people)
    dept_names = list(dict.fromkeys(dept for dept, _sub in layout))
    departments = _teams_create([(name, root) for name in dept_names])
    by_name = dict(zip(dept_names, departments, strict=True))
    leaves = _teams_create([(sub, by_name[dept]) for dept, sub in layout])
    return root, departments, leaves


# Letters NFKD does not take apart into a base letter and an accent.
ASCII_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "å": "a", "ß": "ss", "ł": "l", "đ": "d", "þ": "th"}
)


def demo_email(first: str, last: str, n: int) -> str:
    """A demo address: unique because every person of the organisation gets their own `n`.

    Plain ASCII ("Chloé" -> "chloe"): an address with accents needs SMTPUTF8 all the way, which
    the API, the CSV import and most relays refuse."""
    local = f"{first}.{last}".lower().translate(ASCII_LETTERS)
    local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z0-9.-]+", "-", local).strip("-.")
    return f"{local}.{n}@example.com"


def _person(rng: random.Random, n: int, team: Team, **extra) -> Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return Person(
        email=extra.pop("email", demo_email(first, last, n)),
        name=extra.pop("name", f"{first} {last}"),
        team=team,
        time_zone=extra.pop("time_zone", rng.choice(TIME_ZONES)),
        language=extra.pop("language", rng.choices(("en", "de", "fr"), (65, 25, 10))[0]),
        **extra,
    )


@transaction.atomic
def demo_organisation_seed(*, people: int, weeks: int, seed: int) -> DemoResult:
    phases = _Phases()
    with phases("organisation"):
        rng = random.Random(seed)
        now = timezone.now()
        OrgSettings.current()
        everyone, departments, survey = _organisation(rng, people=people, now=now)
    loaded = [m._meta.db_table for m in (Participation, Response, Answer, DimensionRollup,
              QuestionRollup, ParticipationRollup, DriverRollup)]  # fmt: skip
    story = _story_teams(everyone, departments=departments)
    with indexes_built_after_load(loaded, timed=phases) as fresh:
        rounds = _history(
            rng, survey=survey, weeks=weeks, now=now, phases=phases, fresh=fresh, story=story
        )
    # What the beat does after each roll-up: the alpha sums, and the anonymity decisions of the
    # windows pages show by default (the last 52 weeks; older ones are decided when first asked).
    with phases("reliability"):
        rounds_reliability_compute(rounds=rounds)
    with phases("decisions"):
        recent = sorted({window_of(round_number=rnd.number) for rnd in rounds[-52:]})
        windows_decisions_compute(survey_id=survey.pk, windows=recent)
    with phases("themes"):
        # The comment themes of the rounds the team page lists comments of (the beat finds
        # them after each close).
        for rnd in rounds[-THEME_ROUNDS:]:
            round_themes_compute(round=rnd)
    return DemoResult(
        people=len(everyone),
        teams=Team.objects.count(),
        rounds=weeks,
        responses=Response.objects.count(),
        phases=phases.seconds,
    )


def demo_people(
    rng: random.Random, *, root: Team, departments: list[Team], leaves: list[Team], sizes: list[int]
) -> list[Person]:
    """Everyone, unsaved: the HR admin, one manager per department, then the members of each
    leaf team, with the demo logins among them. One running number makes every address unique
    (the managers once counted from 1,000 and the members from 2,000, so beyond 1,000
    departments, about 50,000 people, their addresses collided)."""
    # The demo logins: an HR admin, the manager of the first department, one of its employees.
    everyone = [
        _person(rng, 0, root, email=DEMO_LOGINS["hr"], name="Hanna Rivera (HR)",
                role=Person.Role.HR_ADMIN, time_zone="Europe/Berlin", language="en")
    ]  # fmt: skip
    for i, dept in enumerate(departments):
        extra: dict[str, str] = {"role": Person.Role.MANAGER}
        if i == 0:
            extra.update(email=DEMO_LOGINS["manager"], name="Max Moreau (manager)", language="en",
                         time_zone="Europe/Berlin")  # fmt: skip
        everyone.append(_person(rng, len(everyone), dept, **extra))
    first_member = len(everyone)
    for leaf, size in zip(leaves, sizes, strict=True):
        for _ in range(size):
            everyone.append(_person(rng, len(everyone), leaf))
    employee = everyone[first_member]  # the first member of the first leaf team
    employee.email, employee.name = DEMO_LOGINS["employee"], "Emma Lindqvist"
    employee.language, employee.time_zone = "en", "Europe/Berlin"
    # One unusable password for all (a random one each costs seconds at 100,000 people); the
    # demo logins share a real one, hashed once since each hash costs a third of a second.
    unusable, hashed = make_password(None), make_password(DEMO_PASSWORD)
    for person in everyone:
        person.password = unusable
    for person in [*everyone[:first_member], employee]:
        person.password = hashed
    return everyone


def _organisation(
    rng: random.Random, *, people: int, now: dt.datetime
) -> tuple[list[Person], list[Team], Survey]:
    """The teams, people (with the demo logins) and the weekly survey."""
    root, departments, leaves = _build_teams(people)
    sizes = _team_sizes(rng, people - 1 - len(departments), len(leaves))
    everyone = demo_people(rng, root=root, departments=departments, leaves=leaves, sizes=sizes)
    Person.objects.bulk_create(everyone, batch_size=5000)
    managers = everyone[1 : 1 + len(departments)]
    Team.managers.through.objects.bulk_create(
        Team.managers.through(team_id=dept.pk, person_id=manager.pk)
        for dept, manager in zip(departments, managers, strict=True)
    )

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
    return everyone, departments, survey


@dataclass(frozen=True)
class _Story:
    """The two teams whose movement the demo manager sees first (None in an organisation too
    small to have them)."""

    falling: int | None = None  # psychological safety falls week by week
    rising: int | None = None  # trust grows week by week


def _story_teams(everyone: list[Person], *, departments: list[Team]) -> _Story:
    """The two largest leaf teams of the demo manager's department (the first), largest first:
    large enough that their figures are shown and their change can be told from noise."""
    if not departments:
        return _Story()
    first = departments[0]
    sizes: dict[int, int] = {}
    for person in everyone:
        team = person.team
        if team is not None and team.parent_id == first.pk:
            sizes[team.pk] = sizes.get(team.pk, 0) + 1
    ranked = sorted(sizes, key=lambda pk: (-sizes[pk], pk))
    ranked = [pk for pk in ranked if sizes[pk] >= 5]
    return _Story(
        falling=ranked[0] if ranked else None, rising=ranked[1] if len(ranked) > 1 else None
    )


def _history(
    rng: random.Random,
    *,
    survey: Survey,
    weeks: int,
    now: dt.datetime,
    phases: _Phases,
    fresh: frozenset[str],
    story: _Story,
) -> list[Round]:
    people = list(
        Person.objects.filter(team__isnull=False).order_by("pk").values_list("pk", "team_id")
    )
    team_ids = sorted({team_id for _, team_id in people})
    dims = sorted(
        set(Question.objects.exclude(dimension=None).values_list("dimension_id", flat=True))
    )
    # Team baselines on the 1-5 scale, a direction per team, and a participation propensity.
    base = np.array([[rng.uniform(3.0, 3.8) for _d in dims] for _t in team_ids]).reshape(
        len(team_ids), len(dims)
    )
    team_slope = [rng.choice([-0.02, -0.01, 0.0, 0.0, 0.01, 0.02]) for _t in team_ids]
    slope = np.repeat(np.array(team_slope, dtype=float)[:, None], len(dims), axis=1)
    turnout = np.array([rng.uniform(0.55, 0.95) for _t in team_ids])
    position = {team_id: i for i, team_id in enumerate(team_ids)}
    keys = dict(Dimension.objects.filter(pk__in=dims).values_list("key", "pk"))
    column = {key: dims.index(pk) for key, pk in keys.items()}
    # The story: where it ends up after `weeks` weeks, from where it started.
    for team_id, key, start, end in (
        (story.falling, "psych-safety", 4.2, 2.9),
        (story.falling, "trust", 3.9, 3.5),
        (story.rising, "trust", 3.0, 4.1),
        (story.rising, "belonging", 3.5, 3.9),
    ):
        if team_id in position and key in column and weeks > 1:
            row, col = position[team_id], column[key]
            slope[row, col] = (end - start) / (weeks - 1)
            base[row, col] = start - slope[row, col]  # week 1 starts at `start`
    # Each person's lasting attitude per dimension: a general part and a part of its own.
    general = np.array([rng.gauss(0.0, 0.4) for _p in people])
    own = np.array([[rng.gauss(0.0, 0.45) for _d in dims] for _p in people]).reshape(
        len(people), len(dims)
    )
    crowd = _Crowd(
        person_ids=np.array([person_id for person_id, _ in people], dtype=np.int64),
        team_ids=np.array([team_id for _, team_id in people], dtype=np.int64),
        team_index=np.array([position[team_id] for _, team_id in people], dtype=np.int64),
        dimension_index={d: i for i, d in enumerate(dims)},
        base=base,
        slope=slope,
        attitude=general[:, None] + own,
        turnout=turnout,
    )
    # The answers are drawn with numpy, a whole round at a time (seeded from the same seed).
    draw = np.random.default_rng(rng.getrandbits(64))
    k = OrgSettings.current().min_group_size
    monday = (now - dt.timedelta(days=now.weekday())).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    rounds = []
    for number in range(1, weeks + 1):
        with phases("rounds"):
            opens = monday - dt.timedelta(weeks=weeks - number + 1)
            rnd = Round.objects.create(
                survey=survey, number=number, status=Round.Status.CLOSED,
                period_start=opens.date(), opens_at=opens,
                closes_at=opens + dt.timedelta(days=survey.window_days), min_group_size=k,
            )  # fmt: skip
            rounds.append(rnd)
            versions = round_questions_pick(survey=survey, number=number)
            RoundQuestion.objects.bulk_create(
                RoundQuestion(round=rnd, question_version=v, position=i)
                for i, v in enumerate(versions)
            )
        with phases("generate"):
            rows = _round_rows(crowd, draw, round_id=rnd.pk, number=number, versions=versions)
        with phases("copy"):
            round_rows_write(rows, comments=COMMENTS, fresh=fresh)
    if connection.vendor == "postgresql":
        with phases("analyze"), connection.cursor() as cursor:
            # Statistics for the roll-ups' plans (the tables were empty when last analysed).
            cursor.execute(f"ANALYZE {', '.join(sorted(fresh))}" if fresh else "SELECT 1")
    with phases("rollups"):
        rounds_rollup_bulk(rounds=rounds)
    return rounds


@dataclass(frozen=True)
class _Crowd:
    """Everyone who answers, as arrays (one entry per person), and their teams' story."""

    person_ids: np.ndarray
    team_ids: np.ndarray
    team_index: np.ndarray  # row of the person's team in base, slope and turnout
    dimension_index: dict[int, int]  # column of a dimension in base
    base: np.ndarray  # (teams, dimensions): the team's baseline on the 1-5 scale
    slope: np.ndarray  # (teams, dimensions): its direction per week
    attitude: np.ndarray  # (people, dimensions): the person's lasting attitude, around 0
    turnout: np.ndarray  # per team: the chance that a member answers a round


def _round_rows(
    crowd: _Crowd, draw: np.random.Generator, *, round_id: int, number: int, versions: list
) -> RoundRows:
    """One round's participations, responses and answers, drawn for everyone at once."""
    responded = draw.random(len(crowd.person_ids)) < crowd.turnout[crowd.team_index]
    who = np.flatnonzero(responded)
    teams = crowd.team_index[who]
    # A topic per comment, then its wording by position (no further draw: the seed's figures
    # stay what they were before the wordings).
    commented = draw.random(len(who)) < COMMENT_RATE
    topics = draw.integers(0, len(COMMENT_TOPICS), len(who))
    wording = np.arange(len(who)) % len(COMMENT_TOPICS[0])
    comments = np.where(commented, topics * len(COMMENT_TOPICS[0]) + wording, -1)
    mood = draw.normal(0.0, 0.25, len(who))  # a respondent's mood that week, on every item
    attitude = crowd.attitude[who]
    response_of, version_of, value_of = [], [], []
    for version in versions:
        question = version.question
        answered = np.flatnonzero(draw.random(len(who)) >= 0.03)  # 3% prefer not to answer
        if question.scale == Question.Scale.ZERO_TEN:
            # Recommending the team goes with how one feels about it on every dimension.
            feeling = attitude[answered].mean(axis=1) + mood[answered]
            drawn = draw.normal(7.2 + 2.5 * feeling, 1.4)
            values = np.clip(np.rint(drawn), 0, 10)
        else:
            column = crowd.dimension_index[question.dimension_id]
            mu = (
                crowd.base[teams[answered], column]
                + crowd.slope[teams[answered], column] * number
                + attitude[answered, column]
                + mood[answered]
            )
            values = np.clip(np.rint(draw.normal(mu, 0.4)), 1, 5)
            if question.reverse_scored:
                values = 6 - values
        response_of.append(answered)
        version_of.append(np.full(len(answered), version.pk, dtype=np.int64))
        value_of.append(values.astype(np.int16))
    return RoundRows(
        round_id=round_id,
        person_ids=crowd.person_ids,
        person_team_ids=crowd.team_ids,
        token_hashes=link_token_hashes(round_id=round_id, person_ids=crowd.person_ids),
        responded=responded,
        response_ids=uuid4_bytes(draw, len(who)),
        response_team_ids=crowd.team_ids[who],
        response_comments=comments,
        answer_ids=uuid4_bytes(draw, sum(len(a) for a in response_of)),
        answer_responses=np.concatenate(response_of) if response_of else np.zeros(0, np.int64),
        answer_versions=np.concatenate(version_of) if version_of else np.zeros(0, np.int64),
        answer_values=np.concatenate(value_of) if value_of else np.zeros(0, np.int16),
    )
