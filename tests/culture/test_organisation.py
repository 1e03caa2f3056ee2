"""culture/organisation.py: HR's heatmap of every team x dimension, teams needing attention
first, and Cronbach's alpha for the organisation only."""

from __future__ import annotations

import pytest

from culture.organisation import HeatRow, organisation_heatmap_get
from culture.visibility import HiddenReason
from tests.factories import PersonFactory
from tests.helpers import round_answered

pytestmark = pytest.mark.django_db


@pytest.fixture
def dropped(survey, org):
    """Platform's twelve people: 4 or 5 in the first round; six answer 1 or 2 in the second."""
    people = [PersonFactory(team=org.platform) for _ in range(12)]
    first = round_answered(survey, {p: 4 + i % 2 for i, p in enumerate(people)})
    second = round_answered(
        survey, {p: (1 + i % 2 if i < 6 else None) for i, p in enumerate(people)}
    )
    return first, second


def _asked_in_both(first, second) -> set[int]:
    def asked(rnd):
        return {v.question.dimension_id for v in rnd.question_versions.select_related("question")}

    return (asked(first) & asked(second)) - {None}


def test_teams_with_a_real_drop_or_low_participation_come_first(dropped, org, settings):
    settings.RELHEALTH_LOW_PARTICIPATION_PCT = 60
    first, second = dropped
    heatmap = organisation_heatmap_get()
    by_team = {row.team.pk: row for row in heatmap.rows}
    assert set(by_team) == {
        t.pk for t in (org.root, org.engineering, org.platform, org.payments, org.sales)
    }
    platform = by_team[org.platform.pk]
    assert platform.participation == pytest.approx(50.0) and platform.low_participation
    both = _asked_in_both(first, second)
    assert {d.pk for d in platform.real_drops} == both
    # Root, Engineering and Platform hold the same people: all three need attention, in tree order.
    attention = [row.team for row in heatmap.rows if row.needs_attention]
    assert attention == [org.root, org.engineering, org.platform]
    assert heatmap.rows[: len(attention)] == [by_team[t.pk] for t in attention]
    for team in (org.sales, org.payments):
        row = by_team[team.pk]
        assert row.participation is None and not row.needs_attention
        assert {c.reason for c in row.cells.values()} == {HiddenReason.NOT_ASKED}
    assert heatmap.k == second.min_group_size
    assert platform.ordered == [platform.cells[d.pk] for d in heatmap.dimensions]


def test_sorting_by_a_dimension_puts_the_lowest_first_and_unknowns_last(dropped, org):
    dimension = next(iter(_asked_in_both(*dropped)))
    rows: list[HeatRow] = organisation_heatmap_get(sort=dimension).rows
    scores = [row.cells[dimension].score for row in rows]
    shown = [s for s in scores if s is not None]
    assert shown and scores[: len(shown)] == sorted(shown)
    assert all(s is None for s in scores[len(shown) :])
    assert rows[-1].team in (org.payments, org.sales)


def test_alpha_is_for_the_organisation_and_perfect_when_items_agree(dropped):
    heatmap = organisation_heatmap_get()
    assert any(r.alpha == 1.0 for r in heatmap.reliability)
    for reliability in heatmap.reliability:
        # Every person gave each item of a dimension the same value: alpha 1 where it has
        # two items or more, and nothing to say otherwise.
        if reliability.items and reliability.items >= 2:
            assert reliability.alpha == 1.0 and reliability.n >= heatmap.k
        else:
            assert reliability.alpha is None
