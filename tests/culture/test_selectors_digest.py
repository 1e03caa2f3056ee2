"""culture/selectors_digest.py: what a digest and an alert list, how a stored summary line reads,
and the subtraction guard on given counts (the end-to-end story is in
test_summaries_and_digests.py and test_alert_subtraction.py)."""

from __future__ import annotations

import pytest

from checkins.models import Dimension
from culture.models import TeamRoundSummary
from culture.selectors_digest import TeamLine, _change_of, alert_get, digest_get, lines_trim
from culture.visibility import ChangeVerdict
from org.models import Person
from tests.factories import PersonFactory, RoundFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("entry", "verdict"),
    [
        ({"change": "real", "delta": -9.0}, ChangeVerdict.REAL),
        ({"change": "not_enough", "delta": None}, ChangeVerdict.NOT_ENOUGH),
        # Summaries stored before lines named their verdict carry only delta and real.
        ({"delta": None, "real": False}, ChangeVerdict.NOT_ENOUGH),
        ({"delta": -7.0, "real": True}, ChangeVerdict.REAL),
        ({"delta": 2.0, "real": False}, ChangeVerdict.WITHIN_NOISE),
    ],
)
def test_a_stored_line_reads_as_its_verdict(entry, verdict):
    assert _change_of(entry) == verdict


def test_a_line_sorts_its_dimensions_into_drops_changes_and_not_compared(org, survey):
    trust, focus, voice = Dimension.objects.order_by("pk")[:3]
    summary = TeamRoundSummary(
        team=org.platform,
        dimensions=[
            {"dimension": trust.pk, "score": 60.0, "delta": -8.0, "change": "real"},
            {"dimension": focus.pk, "score": 70.0, "delta": 3.0, "change": "within_noise"},
            {"dimension": voice.pk, "score": 80.0, "delta": None, "change": "not_enough"},
        ],
    )
    line = TeamLine(team=org.platform, summary=summary)
    assert [d["name"] for d in line.dimensions] == [trust.label, focus.label, voice.label]
    assert [(d["dimension"], d["fall"]) for d in line.drops] == [(trust.pk, 8.0)]
    assert [d["dimension"] for d in line.changes] == [trust.pk, focus.pk]
    assert [d["dimension"] for d in line.not_compared] == [voice.pk]


def test_a_digest_has_one_line_per_top_most_team_led(org, manager):
    rnd = RoundFactory()
    org.platform.managers.add(manager)  # below Engineering, which they lead already
    for team in (org.engineering, org.platform, org.sales):
        TeamRoundSummary.objects.create(round=rnd, team=team, invited=12, responded=9)
    digest = digest_get(manager=manager, round=rnd)
    assert digest is not None and [line.team for line in digest.lines] == [org.engineering]
    employee = PersonFactory(team=org.platform, role=Person.Role.EMPLOYEE)
    assert digest_get(manager=employee, round=rnd) is None
    assert digest_get(manager=manager, round=RoundFactory()) is None  # nothing summarised


def test_the_alert_lists_drops_and_low_participation_with_their_reasons(org):
    rnd = RoundFactory()
    TeamRoundSummary.objects.create(round=rnd, team=org.sales, real_drop=True)
    TeamRoundSummary.objects.create(
        round=rnd, team=org.engineering, low_participation=True, real_drop=True
    )
    TeamRoundSummary.objects.create(round=rnd, team=org.root)  # nothing to say
    # Disjoint teams: no subtraction to guard against, so both stay, in tree order.
    lines = alert_get(round=rnd)
    assert [(line.team, line.reasons) for line in lines] == sorted(
        [(org.engineering, ["drop", "participation"]), (org.sales, ["drop"])],
        key=lambda pair: pair[0].path,
    )


def _line(team) -> TeamLine:
    return TeamLine(team=team, summary=TeamRoundSummary(team=team))


def test_a_sub_team_that_would_leave_a_small_rest_is_left_out(org):
    lines = [_line(org.engineering), _line(org.platform), _line(org.payments)]
    counts = {
        org.engineering.pk: {"invited": 24, "responded": 15},
        org.platform.pk: {"invited": 12, "responded": 8},
        org.payments.pk: {"invited": 10, "responded": 5},
    }
    # Engineering minus both sub-teams: 2 invited, 2 answered (1..k-1): the sub-team with the
    # fewest respondents goes; Engineering minus Platform is then 12 and 7, which is safe.
    kept = lines_trim(lines=lines, counts=counts, k=5)
    assert [line.team for line in kept] == [org.engineering, org.platform]
    # An empty rest isolates no one, and a rest of k or more neither.
    counts[org.engineering.pk] = {"invited": 22, "responded": 13}
    assert len(lines_trim(lines=lines, counts=counts, k=5)) == 3
    counts[org.engineering.pk] = {"invited": 27, "responded": 18}
    assert len(lines_trim(lines=lines, counts=counts, k=5)) == 3
    # Each dimension's n counts too.
    counts[org.engineering.pk]["dimension-1"] = 14
    counts[org.platform.pk]["dimension-1"] = 8
    counts[org.payments.pk]["dimension-1"] = 5
    assert [line.team for line in lines_trim(lines=lines, counts=counts, k=5)] == [
        org.engineering,
        org.platform,
    ]
