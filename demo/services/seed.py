"""Seed a realistic demo organisation with history, deterministic for a seed and fast.

Rows are written with PostgreSQL's COPY (bulk inserts elsewhere) and rolled up in SQL (ADR 0013):
10,000 people with two years of history seed in minutes. The organisation comes from
`demo.services.people`, the answers from the latent model of `demo.services.history`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from checkins.models import Answer, Participation, Response
from culture.anonymity import window_of
from culture.models import DimensionRollup, DriverRollup, ParticipationRollup, QuestionRollup
from culture.selectors_themes import THEME_ROUNDS
from culture.services.decisions import windows_decisions_compute
from culture.services.reliability import rounds_reliability_compute
from culture.services.themes import round_themes_compute
from demo.services.history import demo_history_write, demo_story_teams_pick
from demo.services.people import demo_organisation_create
from demo.services.rows import tables_bulk_load
from org.models import OrgSettings, Team


@dataclass(frozen=True)
class DemoResult:
    people: int
    teams: int
    n_rounds: int
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


@transaction.atomic
def demo_organisation_seed(*, people: int, weeks: int, seed: int) -> DemoResult:
    phases = _Phases()
    with phases("organisation"):
        rng = random.Random(seed)
        now = timezone.now()
        OrgSettings.current()
        everyone, departments, survey = demo_organisation_create(rng, people=people, now=now)
    loaded = [m._meta.db_table for m in (Participation, Response, Answer, DimensionRollup,
              QuestionRollup, ParticipationRollup, DriverRollup)]  # fmt: skip
    story = demo_story_teams_pick(everyone, departments=departments)
    with tables_bulk_load(loaded, timed=phases) as fresh:
        rounds = demo_history_write(
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
        n_rounds=weeks,
        responses=Response.objects.count(),
        phases=phases.seconds,
    )
