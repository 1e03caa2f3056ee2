"""The demo's history: the latent-model answer generator and the two teams that tell its story.

Answers come from a latent model, so the figures behave like real ones: each team has a baseline
and a direction per dimension; each person a lasting attitude per dimension (a general part shared
by all dimensions and a part of its own); each week a mood. An item's answer is the sum plus noise,
so the items of a dimension correlate (Cronbach's alpha about 0.8, as published scales reach) and
the dimensions correlate less with each other. Two teams of the demo manager's department tell the
story the product is for: in one, psychological safety falls week by week; in the other, trust
grows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
from django.db import connection

from checkins.models import Dimension, Question, Round, RoundQuestion, Survey
from checkins.services.rounds import round_questions_pick
from culture.services.rollups import rounds_rollup_bulk
from demo.services.rows import RoundRows, link_token_hashes_compute, round_rows_write, uuids_draw
from dialect import is_postgresql
from org.models import OrgSettings, Person, Team

# Times a step of the seed: `with phases("copy"): ...` (the seed's phase timer).
PhaseTimer = Callable[[str], AbstractContextManager]

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
class DemoStory:
    """The two teams whose movement the demo manager sees first (None in an organisation too
    small to have them)."""

    falling: int | None = None  # psychological safety falls week by week
    rising: int | None = None  # trust grows week by week


def demo_story_teams_pick(everyone: list[Person], *, departments: list[Team]) -> DemoStory:
    """The two largest leaf teams of the demo manager's department (the first), largest first:
    large enough that their figures are shown and their change can be told from noise."""
    if not departments:
        return DemoStory()
    first = departments[0]
    sizes: dict[int, int] = {}
    for person in everyone:
        team = person.team
        if team is not None and team.parent_id == first.pk:
            sizes[team.pk] = sizes.get(team.pk, 0) + 1
    ranked = sorted(sizes, key=lambda pk: (-sizes[pk], pk))
    ranked = [pk for pk in ranked if sizes[pk] >= 5]
    return DemoStory(
        falling=ranked[0] if ranked else None, rising=ranked[1] if len(ranked) > 1 else None
    )


def demo_history_write(
    rng: random.Random,
    *,
    survey: Survey,
    weeks: int,
    now: dt.datetime,
    phases: PhaseTimer,
    fresh: frozenset[str],
    story: DemoStory,
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
    if is_postgresql():
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
        token_hashes=link_token_hashes_compute(round_id=round_id, person_ids=crowd.person_ids),
        responded=responded,
        response_ids=uuids_draw(draw, len(who)),
        response_team_ids=crowd.team_ids[who],
        response_comments=comments,
        answer_ids=uuids_draw(draw, sum(len(a) for a in response_of)),
        answer_responses=np.concatenate(response_of) if response_of else np.zeros(0, np.int64),
        answer_versions=np.concatenate(version_of) if version_of else np.zeros(0, np.int64),
        answer_values=np.concatenate(value_of) if value_of else np.zeros(0, np.int16),
    )
