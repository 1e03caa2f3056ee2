"""A figure with n = 0 or sums no real scores could give is never shown as a number, and never
turns a page into a 500 (issue 14, leak class 7; promises A1, A3, A3b).

A team moved between rounds left the engine's verdict (made on today's tree) pointing at a
subtree roll-up of an earlier round (made on that round's tree) with n = 0, and
`culture.statistics.summarise` divided by it: `ZeroDivisionError` from `ScoreBook.cell`.
"""

from __future__ import annotations

import math

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from checkins.services.rounds import round_open
from culture.anonymity import ORG
from culture.organisation import organisation_heatmap_get
from culture.scorebook import scorebook_build
from culture.selectors import score_rows
from culture.statistics import summarise
from culture.visibility import HiddenReason, cell_from_sums
from org.services.people import team_update
from tests.factories import PersonFactory, TeamFactory
from tests.helpers import answer_all, close_and_roll_up, people_in

finite = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=400, deadline=None)
@given(n=st.integers(min_value=-3, max_value=10_000), total=finite, total_sq=finite)
def test_summarise_never_raises_and_gives_only_possible_figures(n, total, total_sq):
    """A1, A3b: summarise answers None for n < 1, non-finite sums, or a sum of squares below
    what the mean forces; otherwise finite figures with the mean inside its interval."""
    summary = summarise(n=n, total=total, total_sq=total_sq)
    if summary is None:
        return
    assert n >= 1 and math.isfinite(summary.mean) and summary.sd >= 0
    if n > 1:
        assert summary.ci_low <= summary.mean <= summary.ci_high


@settings(max_examples=400, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=200),
    total=finite,
    total_sq=finite,
    favourable=st.integers(min_value=0, max_value=1_000),
    answered=st.integers(min_value=0, max_value=1_000),
    k=st.integers(min_value=3, max_value=10),
)
def test_a_cell_from_any_sums_shows_a_real_figure_or_the_one_reason(
    n, total, total_sq, favourable, answered, k
):
    """A3b: below k (0 included) or impossible, the cell is FEWER_THAN_K with no number."""
    cell = cell_from_sums(sums=(n, total, total_sq, favourable, answered), k=k)
    if cell.suppressed:
        assert cell.reason == HiddenReason.FEWER_THAN_K
        assert (cell.n, cell.score, cell.ci_low, cell.ci_high, cell.sd) == (None,) * 5
        return
    assert cell.n is not None and cell.n >= k
    numbers = (cell.score, cell.ci_low, cell.ci_high, cell.sd)
    assert all(x is not None and math.isfinite(x) for x in numbers)
    assert cell.score is not None and 0.0 <= cell.score <= 100.0


def test_summarise_of_zero_respondents_is_no_figure():
    # The exact crash: n = 0 from a moved team's roll-up.
    assert summarise(n=0, total=0.0, total_sq=0.0) is None


@pytest.fixture
def moved(survey):
    """Acme > Old > Mover (12 people, enough for weekly figures) and Acme > New (no members of its own), Ops (12). Round 1
    closes with Mover under Old; then Mover moves under New."""
    root = TeamFactory(name="Acme")
    old = TeamFactory(name="Old", parent=root)
    new = TeamFactory(name="New", parent=root)
    mover = TeamFactory(name="Mover", parent=old)
    ops = TeamFactory(name="Ops", parent=root)
    hr = PersonFactory(team=root, role="hr_admin")
    rnd = round_open(survey=survey)
    for p in people_in(mover, 12, rnd) + people_in(ops, 12, rnd):
        answer_all(p, value=4)
    close_and_roll_up(rnd)
    team_update(team=mover, name=mover.name, parent=new)
    return {"root": root, "old": old, "new": new, "mover": mover, "ops": ops, "hr": hr}


def test_a_team_moved_after_its_round_reads_without_a_crash(moved, client, password):
    """A1, A3: every team's figures of the round before the move read through the real score
    book; where the verdict and the roll-ups disagree the cell is hidden, never 0 or NaN."""
    book = scorebook_build(teams=None, n_rounds=4)
    for team_id in [ORG, *[t.pk for t in moved.values() if hasattr(t, "path")]]:
        for row in score_rows(book=book, team_id=team_id, rounds=book.latest):
            for cell in row.cells.values():
                if cell.shown:
                    assert cell.n is not None and cell.n >= row.round.min_group_size
                    assert cell.score is not None and math.isfinite(cell.score)
    organisation_heatmap_get()  # the HR heatmap reads every team the same way
    client.login(username=moved["hr"].email, password=password)
    for key in ("new", "old", "mover", "root"):
        response = client.get(reverse("culture:team", args=[moved[key].pk]))
        assert response.status_code == 200, key
    assert client.get(reverse("culture:organisation")).status_code == 200
