"""Statistics only from figures that are themselves shown (issue 14, leak class 3; promise A3b).

A small team is shown once per fixed window of four weeks (A3). When it grows and is shown week
by week, its first weekly figure must not be tested against the single week hidden inside the
pooled window before it: such a p-value lets a reader solve for the hidden answers. Two sibling
teams give the same shown figures but opposite hidden weeks: every derived statistic (summary,
API, digest, alert, dashboard card) must be the same for both, and say "not enough to compare"
where the previous figure of the same kind is not shown. Built through the real services.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from checkins.models import OutboundEmail, Round
from checkins.services.emails import email_send
from culture.models import TeamRoundSummary
from culture.selectors import team_scores_get
from culture.selectors_digest import alert_get
from culture.services.digests import digests_queue
from culture.services.summaries import round_summaries_compute
from culture.statistics import change_between
from culture.visibility import ChangeVerdict
from org.models import Person
from tests.api.conftest import client_for
from tests.factories import PersonFactory, TeamFactory
from tests.helpers import round_answered

MIXED = (1, 2, 1, 2, 1, 2)  # per person of the first six


def _round(survey, values: dict[Person, int]) -> Round:
    """A closed, rolled-up, summarised round; each person answers every item with the value
    they mean (reverse-scored items turned around), the others stay silent."""
    rnd = round_answered(survey, values)
    assert round_summaries_compute(round=rnd)
    return rnd


def _twins(survey, *, weeks: int) -> dict:
    """Acme > Alpha, Beta: six people each for window 1 (fewer than 2k invitees: one pooled
    figure for weeks 1-4), the same answers in total, but Alpha's third week is Beta's fourth.
    Six more people join each before week 5, so weeks 5 and 6 are shown week by week."""
    root = TeamFactory(name="Acme")
    alpha, beta = TeamFactory(name="Alpha", parent=root), TeamFactory(name="Beta", parent=root)
    # HR and the lead sit in an office of five: lone invitees at the root would be grouped
    # with one twin's people every week (A6) and make the twins differ.
    office = TeamFactory(name="Office", parent=root)
    hr = PersonFactory(team=office, role=Person.Role.HR_ADMIN)
    lead = PersonFactory(team=office, role=Person.Role.MANAGER)
    PersonFactory.create_batch(3, team=office)
    alpha.managers.add(lead)
    people = {t: [PersonFactory(team=t) for _ in range(6)] for t in (alpha, beta)}
    high = dict.fromkeys([*people[alpha], *people[beta]], 5)
    mixed_alpha = dict(zip(people[alpha], MIXED, strict=True))
    mixed_beta = dict(zip(people[beta], MIXED, strict=True))
    only_high_alpha = {p: 5 for p in people[alpha]}
    only_high_beta = {p: 5 for p in people[beta]}
    rounds = [
        _round(survey, high),
        _round(survey, high),
        _round(survey, mixed_alpha | only_high_beta),  # week 3: Alpha low, Beta high
        _round(survey, only_high_alpha | mixed_beta),  # week 4: Alpha high, Beta low
    ]
    for team in (alpha, beta):
        people[team] += [PersonFactory(team=team) for _ in range(6)]
    # Week 5: 7 of 12 answer in each (low participation); week 6: all 12, clearly higher.
    week5 = {p: v for t in (alpha, beta) for p, v in zip(people[t][:7], (1, 2) * 4, strict=False)}
    rounds.append(_round(survey, week5))
    if weeks >= 6:
        rounds.append(_round(survey, dict.fromkeys([*people[alpha], *people[beta]], 5)))
    return {"alpha": alpha, "beta": beta, "hr": hr, "lead": lead, "rounds": rounds}


@pytest.fixture
def twins(survey):
    return _twins(survey, weeks=6)


@pytest.fixture
def twins5(survey):
    """The same, up to week 5: its digest and alert are the latest of the survey."""
    return _twins(survey, weeks=5)


def _summary(team, rnd) -> list[dict]:
    return TeamRoundSummary.objects.get(team=team, round=rnd).dimensions


def test_the_pooled_window_is_shown_and_its_weeks_are_not(twins):
    """The situation itself: weeks 1-3 hidden, week 4 carries the pooled figure, weeks 5-6
    weekly; Alpha and Beta show exactly the same figures."""
    shown = {}
    for key in ("alpha", "beta"):
        rows = team_scores_get(team=twins[key], n_rounds=12).rows  # newest first
        cells = [[c for c in row.cells.values() if c.shown] for row in rows]
        assert [len(c) > 0 for c in cells] == [True, True, True, False, False, False]
        assert all(c.pooled_rounds == 4 for c in cells[2])
        shown[key] = [[(c.n, c.score, c.ci_low, c.ci_high) for c in row] for row in cells]
    assert shown["alpha"] == shown["beta"]


def test_no_p_value_or_real_change_from_a_week_hidden_in_a_pooled_window(twins):
    """A3b: week 5 (weekly) against the pooled weeks 1-4 is "not enough to compare": no delta,
    no p-value, not real, for both teams alike; the old rule tested week 5 against the hidden
    week 4 alone and gave Alpha and Beta different p-values."""
    week5 = twins["rounds"][4]
    alpha, beta = _summary(twins["alpha"], week5), _summary(twins["beta"], week5)
    assert (alpha and alpha == [{**d} for d in beta]) or _same(alpha, beta)
    for entry in alpha + beta:
        assert entry["change"] == ChangeVerdict.NOT_ENOUGH
        assert (entry["delta"], entry["p_value"], entry["previous"]) == (None, None, None)
        assert entry["real"] is False


def _same(a: list[dict], b: list[dict]) -> bool:
    drop = ("name",)
    return [{k: v for k, v in d.items() if k not in drop} for d in a] == [
        {k: v for k, v in d.items() if k not in drop} for d in b
    ]


def test_weekly_figures_are_compared_from_their_shown_figures(twins):
    """A3b, positive control: week 6 against week 5 (both shown weekly) is a test on the two
    shown cells' n, mean and sd, and the same for both teams."""
    week5, week6 = twins["rounds"][4], twins["rounds"][5]
    for key in ("alpha", "beta"):
        rows = {r.round.pk: r for r in team_scores_get(team=twins[key], n_rounds=12).rows}
        for entry in _summary(twins[key], week6):
            before = rows[week5.pk].cells[entry["dimension"]]
            after = rows[week6.pk].cells[entry["dimension"]]
            expected = change_between(
                before=(before.score, before.sd, before.n), after=(after.score, after.sd, after.n)
            )
            assert expected is not None
            assert entry["p_value"] == round(expected.p_value, 4)
            assert entry["change"] == (
                ChangeVerdict.REAL if expected.is_real else ChangeVerdict.WITHIN_NOISE
            )
            assert entry["real"] is expected.is_real and entry["delta"] == expected.delta
    assert _same(_summary(twins["alpha"], week6), _summary(twins["beta"], week6))


def test_api_summaries_say_not_enough_to_compare_and_match_the_twin(twins):
    """A3b: the API's stored summaries are re-checked: week 5 has no p-value, no real change,
    change "not_enough"; Alpha and Beta get the same statistics."""
    client = client_for(twins["hr"])
    found = {}
    for key in ("alpha", "beta"):
        response = client.get(f"/api/v1/teams/{twins[key].pk}/summaries/")
        assert response.status_code == 200, response.content
        by_round = {s["round"]["id"]: s for s in response.json()["results"]}
        week5 = by_round[twins["rounds"][4].pk]
        assert week5["dimensions"]
        for d in week5["dimensions"]:
            assert (d["p_value"], d["delta"], d["real_change"]) == (None, None, False)
            assert d["change"] == "not_enough"
        found[key] = [
            [{k: v for k, v in d.items() if k != "name"} for d in s["dimensions"]]
            for s in response.json()["results"]
        ]
    assert found["alpha"] == found["beta"]


def test_a_stored_summary_with_a_p_value_from_hidden_weeks_is_not_shown_again(twins):
    """A3b: a summary stored under the old rule (a p-value and "real" from the hidden week 4)
    is re-checked on the page and in the API: the change is computed again from shown figures."""
    week5 = twins["rounds"][4]
    stored = TeamRoundSummary.objects.get(team=twins["alpha"], round=week5)
    stored.dimensions = [
        {**d, "delta": -60.0, "p_value": 0.0001, "real": True, "previous": 75.0}
        for d in stored.dimensions
    ]
    stored.dimensions = [{k: v for k, v in d.items() if k != "change"} for d in stored.dimensions]
    stored.real_drop = True
    stored.save()
    client = client_for(twins["hr"])
    summaries = client.get(f"/api/v1/teams/{twins['alpha'].pk}/summaries/").json()["results"]
    week = next(s for s in summaries if s["round"]["id"] == week5.pk)
    assert week["dimensions"] and not week["real_drop"]
    assert all(d["p_value"] is None and not d["real_change"] for d in week["dimensions"])


def test_digest_and_alert_say_not_enough_to_compare(twins5):
    """A3b: the manager's digest and HR's alert for week 5 (low participation) say "not enough
    to compare" for every dimension, and never "within noise" or "a real change"."""
    twins = twins5
    assert digests_queue(round=twins["rounds"][4])
    digest = OutboundEmail.objects.get(recipient=twins["lead"], kind=OutboundEmail.Kind.DIGEST)
    alert = OutboundEmail.objects.get(recipient=twins["hr"], kind=OutboundEmail.Kind.ALERT)
    for row in (digest, alert):
        assert email_send(email_id=row.pk) == OutboundEmail.Status.SENT
    messages = {m.to[0]: m for m in mail.outbox}
    # The digest covers Alpha only: every dimension "not enough to compare".
    message = messages[twins["lead"].email]
    for body in (message.body, message.alternatives[0][0]):
        assert body.count("not enough to compare") == 3, body
        assert "within noise" not in body.replace("anything else is within noise", "")
        assert "a real change" not in body, body
    # The alert lists the twins for low participation (Acme, shown weekly throughout, may
    # really have dropped): for them, "not enough to compare", never a drop.
    twin_lines = [
        line for line in alert_get(round=twins["rounds"][4]) if line.team.name in ("Alpha", "Beta")
    ]
    assert twin_lines
    for line in twin_lines:
        assert line.drops == [] and len(line.not_compared) == 3
    message = messages[twins["hr"].email]
    for body in (message.body, message.alternatives[0][0]):
        assert "Not enough to compare (the figure before is not shown):" in body, body


def test_the_dashboard_card_compares_only_shown_figures_of_the_same_kind(survey, client, password):
    """A3b: Alpha's card for week 5 has nothing of its kind to compare with (the figure before
    is the pooled weeks 1-4) and says so; a week 6 is compared with week 5."""
    twins = _twins(survey, weeks=5)
    client.login(username=twins["lead"].email, password=password)

    def verdicts() -> set[ChangeVerdict]:
        page = client.get(reverse("culture:dashboard"))
        return {line.verdict for home in page.context["homes"] for line in home.headlines}

    assert verdicts() == {ChangeVerdict.NOT_ENOUGH}
    people = list(Person.objects.filter(team__in=[twins["alpha"], twins["beta"]]))
    _round(survey, dict.fromkeys(people, 5))
    found = verdicts()
    assert found and ChangeVerdict.NOT_ENOUGH not in found


def test_no_statistic_is_computed_from_roll_up_sums_of_single_rounds():
    """A3b, one rule: changes come from `culture.visibility.comparison_get` on shown cells; the
    score book no longer hands out a round's raw sums for statistics, and nothing in culture/
    or api/ runs Welch's test on them."""
    from pathlib import Path

    from culture.scorebook import ScoreBook

    assert not hasattr(ScoreBook, "sums")
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for folder in ("culture", "api")
        for path in (root / folder).rglob("*.py")
        if any(
            needle in path.read_text() for needle in ("book.sums(", "welch_p(", "change_between(")
        )
        and path.name not in ("visibility.py", "statistics.py")
    ]
    assert offenders == []
