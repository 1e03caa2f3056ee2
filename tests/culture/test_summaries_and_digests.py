"""Trend summaries, the manager digest and the HR alert: real changes, once each, and no figure
from a group below k — neither directly nor by subtracting one line of an email from another."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from checkins.models import Dimension, OutboundEmail
from checkins.services.emails import email_send
from culture.models import TeamRoundSummary
from culture.selectors_digest import alert_get, digest_get
from culture.services.digests import digests_queue
from culture.services.summaries import round_summaries_compute
from org.models import Person
from tests.factories import PersonFactory
from tests.helpers import round_answered


@pytest.fixture
def crew(org):
    """Platform: 12 people (weekly figures need 2k invitees; smaller teams get 4-week windows);
    Payments: 2 people, below k = 5."""
    return {
        "platform": [PersonFactory(team=org.platform) for _ in range(12)],
        "payments": [PersonFactory(team=org.payments) for _ in range(2)],
    }


@pytest.fixture
def payments_lead(org):
    person = PersonFactory(team=org.payments, role=Person.Role.MANAGER)
    org.payments.managers.add(person)
    return person


def _history(survey, crew, *, platform_before, platform_after, payments=(4, 4)):
    first = {p: v for p, v in zip(crew["platform"], platform_before, strict=True)}
    first |= {p: v for p, v in zip(crew["payments"], payments, strict=True)}
    second = {p: v for p, v in zip(crew["platform"], platform_after, strict=True)}
    second |= {p: v for p, v in zip(crew["payments"], payments, strict=True)}
    return round_answered(survey, first), round_answered(survey, second)


HIGH = (4, 5, 4, 5, 4, 5) * 2
LOW = (2, 1, 2, 1, 2, 1) * 2
SAME_AS_HIGH = (5, 4, 5, 4, 5, 4) * 2


def _without_payments(crew):
    """Engineering minus Platform would otherwise be Payments' 2 people, so the anonymity engine
    hides Platform's weekly figures (complementary suppression): leave Payments empty."""
    for person in crew["payments"]:
        person.delete()
    return {"platform": crew["platform"], "payments": []}


def test_a_large_clear_drop_is_a_real_change(survey, org, crew):
    crew = _without_payments(crew)
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW, payments=())
    assert round_summaries_compute(round=rnd)
    summary = TeamRoundSummary.objects.get(round=rnd, team=org.platform)
    assert summary.dimensions and all(d["real"] and d["delta"] <= -5 for d in summary.dimensions)
    assert all(d["p_value"] < 0.05 for d in summary.dimensions)
    assert summary.real_drop
    assert summary.invited == 12 and summary.responded == 12 and not summary.low_participation


def test_a_reshuffle_of_the_same_answers_is_within_noise(survey, org, crew):
    crew = _without_payments(crew)
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=SAME_AS_HIGH, payments=())
    round_summaries_compute(round=rnd)
    summary = TeamRoundSummary.objects.get(round=rnd, team=org.platform)
    assert summary.dimensions and not any(d["real"] for d in summary.dimensions)
    assert not summary.real_drop


def test_summaries_are_written_once_per_team_and_round(survey, org, crew):
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW)
    assert round_summaries_compute(round=rnd) is True
    assert round_summaries_compute(round=rnd) is False
    teams = TeamRoundSummary.objects.filter(round=rnd).values_list("team_id", flat=True)
    assert sorted(teams) == sorted({org.root.pk, org.engineering.pk, org.platform.pk,
                                    org.payments.pk})  # fmt: skip


def test_a_team_below_k_has_a_summary_without_any_figure(survey, org, crew):
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW)
    round_summaries_compute(round=rnd)
    small = TeamRoundSummary.objects.get(round=rnd, team=org.payments)
    assert small.dimensions == [] and small.invited is None and small.responded is None
    assert small.strongest is None and small.weakest is None and not small.real_drop


def test_digest_of_a_small_team_shows_no_figure(survey, org, crew, payments_lead):
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW, payments=(1, 5))
    round_summaries_compute(round=rnd)
    ids = digests_queue(round=rnd)
    row = OutboundEmail.objects.get(recipient=payments_lead, kind=OutboundEmail.Kind.DIGEST)
    assert row.pk in ids
    assert email_send(email_id=row.pk) == OutboundEmail.Status.SENT
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "fewer than 5 people" in body
        # Payments answered 1 and 5, i.e. scores 0 and 100, mean 50: no score appears at all.
        assert not re.search(r"\b(0|50|100)(\.0)? */ *100", body)
        assert "of 2 answered" not in body
        assert "http://testserver/dashboard/" in body
    assert "<script" not in html and "<img" not in html


def test_digest_lists_only_the_top_team_a_manager_leads(survey, org, crew, manager):
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW)
    round_summaries_compute(round=rnd)
    digest = digest_get(manager=manager, round=rnd)
    assert digest is not None
    # Engineering only: Platform beside it would let a reader subtract Payments (2 people).
    assert [line.team for line in digest.lines] == [org.engineering]


def test_one_digest_per_manager_per_week_however_often_it_is_queued(
    survey, org, crew, manager, payments_lead
):
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW)
    round_summaries_compute(round=rnd)
    for _ in range(2):
        for email_id in digests_queue(round=rnd):
            email_send(email_id=email_id)
    digests = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DIGEST)
    assert sorted(digests.values_list("recipient_id", flat=True)) == sorted(
        [manager.pk, payments_lead.pk]
    )
    assert sorted(m.to[0] for m in mail.outbox if "check-in summary" in m.subject) == sorted(
        [manager.email, payments_lead.email]
    )


def test_a_manager_demoted_after_the_digest_was_queued_gets_none(
    survey, org, crew, manager, payments_lead
):
    """Access follows the role on the next send too (ADR 0023): the digest is rendered at send
    time, through the same rule as the pages."""
    from org.services.people import person_update

    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW)
    round_summaries_compute(round=rnd)
    ids = digests_queue(round=rnd)
    person_update(person=manager, email=manager.email, name=manager.name, team=manager.team,
                  role=Person.Role.EMPLOYEE, time_zone=manager.time_zone,
                  language=manager.language, is_active=True)  # fmt: skip
    outcome = {OutboundEmail.objects.get(pk=i).recipient_id: email_send(email_id=i) for i in ids}
    assert outcome == {
        manager.pk: OutboundEmail.Status.SKIPPED,
        payments_lead.pk: OutboundEmail.Status.SENT,
    }
    assert digest_get(manager=manager, round=rnd) is None
    # A later queue for the same round finds no digest for them at all.
    OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DIGEST).delete()
    digests_queue(round=rnd)
    recipients = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DIGEST)
    assert list(recipients.values_list("recipient_id", flat=True)) == [payments_lead.pk]


def test_alert_leaves_out_a_sub_team_that_would_isolate_a_small_remainder(
    survey, org, crew, hr_admin
):
    # Engineering = Platform (12) + Payments (2): listing both would give Payments by subtraction.
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW)
    round_summaries_compute(round=rnd)
    teams = [line.team for line in alert_get(round=rnd)]
    # Acme - Engineering is the HR admin alone, so Engineering goes; then Acme - Platform would
    # isolate Payments and the HR admin, so Platform goes too.
    assert teams == [org.root]
    ids = digests_queue(round=rnd)
    alert = OutboundEmail.objects.get(kind=OutboundEmail.Kind.ALERT, recipient=hr_admin)
    assert alert.pk in ids
    email_send(email_id=alert.pk)
    (message,) = [m for m in mail.outbox if m.to == [hr_admin.email]]
    assert "Acme" in message.body
    for hidden in ("Engineering", "Platform", "Payments"):
        assert hidden not in message.body
    # A drop is told as a fall of a positive number of points, never "fell -6 points".
    assert re.search(r"fell \d+(\.\d)? points to", message.body)
    assert "fell -" not in message.body


def test_alert_lists_a_sub_team_when_the_remainder_is_large_enough(survey, org):
    platform = [PersonFactory(team=org.platform) for _ in range(12)]
    payments = [PersonFactory(team=org.payments) for _ in range(10)]
    first = dict.fromkeys(payments, 4) | dict(zip(platform, HIGH, strict=True))
    second = dict.fromkeys(payments, 4) | dict(zip(platform, LOW, strict=True))
    round_answered(survey, first)
    rnd = round_answered(survey, second)
    round_summaries_compute(round=rnd)
    teams = [line.team for line in alert_get(round=rnd)]
    assert org.platform in teams and org.engineering in teams


def _summary_text(client, person, password, team) -> str:
    """The words of the summary box on a team page, without markup."""
    client.login(username=person.email, password=password)
    html = client.get(reverse("culture:team", args=[team.pk])).content.decode()
    start = html.index('id="summary"')
    return " ".join(re.sub(r"<[^>]+>", " ", html[start : html.index("</section>", start)]).split())


def test_team_page_shows_the_latest_summary_in_words(client, password, survey, org, crew):
    crew = _without_payments(crew)
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW, payments=())
    # An HR admin outside the tree: a lone invitee in Acme or Engineering would (rightly) hide
    # Platform's participation by complementary suppression.
    hr_admin = PersonFactory(team=None, role=Person.Role.HR_ADMIN)
    round_summaries_compute(round=rnd)
    text = _summary_text(client, hr_admin, password, org.platform)
    assert TeamRoundSummary.objects.get(round=rnd, team=org.platform).invited == 12
    assert f"week of {rnd.period_start:%-d %b %Y}" in text
    assert "100 % took part (12 of 12)" in text
    assert "really fell: down" in text and "points" in text


def test_a_below_k_team_summary_shows_nothing_on_the_page(
    client, hr_admin, password, survey, org, crew
):
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW)
    round_summaries_compute(round=rnd)
    # Even a stored summary that carried a figure (say, written under an older rule) shows
    # nothing the engine would not show now: Payments has 2 respondents, k is 5.
    small = TeamRoundSummary.objects.get(round=rnd, team=org.payments)
    dimension = Dimension.objects.filter(questions__isnull=False).first()
    assert dimension is not None
    small.dimensions = [{"dimension": dimension.pk, "score": 62.5, "delta": -9.0, "real": True}]
    small.invited, small.responded = 2, 2
    small.save()
    text = _summary_text(client, hr_admin, password, org.payments)
    assert "Too few answers" in text
    for figure in ("took part", "62", "really", "points", "Strongest", "2 of 2"):
        assert figure not in text


def _expected_summary(team, rnd) -> dict | None:
    """What a team's summary of `rnd` must say, read through the team page's own path
    (`team_scores_get`): the visible cells of the round, each compared with the newest earlier
    round of the team's that asked the dimension."""
    from culture.selectors import NOT_ASKED, team_scores_get

    rows = team_scores_get(team=team, n_rounds=48).rows
    index = next((i for i, row in enumerate(rows) if row.round.pk == rnd.pk), None)
    if index is None:
        return None
    row, earlier = rows[index], rows[index + 1 : index + 9]
    dimensions = {}
    for dimension_id, cell in row.cells.items():
        if cell.suppressed or cell.score is None:
            continue
        # The newest earlier round that asked it; hidden there means no trend (no previous).
        before = next((r for r in earlier if r.cells[dimension_id] is not NOT_ASKED), None)
        previous = before.cells[dimension_id].score if before else None
        dimensions[dimension_id] = (cell.score, previous)
    participation = row.participation
    return {
        "invited": None if participation.suppressed else participation.invited,
        "dimensions": dimensions,
    }


def test_every_teams_summary_matches_its_team_page_across_two_surveys(survey, org, crew):
    """One score book serves every team of a round: each summary must still say what the
    team's own page shows, with two surveys of different audiences interleaved (so teams have
    different earlier rounds) and a small team whose figures stay hidden."""
    import datetime as dt

    import time_machine

    from checkins.models import Question, Survey

    deep_dive = Survey.objects.create(name="Platform deep dive", questions_per_round=5)
    deep_dive.questions.set(Question.objects.filter(is_active=True))
    deep_dive.audience.set([org.platform])
    everyone = {**dict.fromkeys(crew["platform"], 4), **dict.fromkeys(crew["payments"], 3)}
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    rounds = []
    plan = [(survey, HIGH), (deep_dive, HIGH), (survey, LOW), (deep_dive, LOW), (survey, HIGH)]
    for week, (which, values) in enumerate(plan):
        with time_machine.travel(start + dt.timedelta(weeks=week), tick=False):
            answers = {p: v for p, v in zip(crew["platform"], values, strict=True)}
            if which == survey:
                answers = everyone | answers
            rounds.append(round_answered(which, answers))
    checked = 0
    for rnd in rounds:
        assert round_summaries_compute(round=rnd)
        for summary in TeamRoundSummary.objects.filter(round=rnd).select_related("team"):
            expected = _expected_summary(summary.team, rnd)
            assert expected is not None
            assert summary.invited == expected["invited"]
            found = {d["dimension"]: (d["score"], d["previous"]) for d in summary.dimensions}
            assert found == expected["dimensions"], (rnd, summary.team)
            checked += 1
    # Every round's teams were summarised, and the comparisons had trends to compare.
    assert checked >= 5 + 2 * 3
    compared = [
        d for summary in TeamRoundSummary.objects.all() for d in summary.dimensions if d["previous"]
    ]
    assert compared


def test_digest_rows_go_to_exactly_the_managers_digest_get_finds(
    survey, org, crew, manager, payments_lead
):
    """digests_queue finds every manager's digest in a few queries; it must pick the same people
    as asking digest_get manager by manager (nested teams, a team without a summary, an
    inactive manager)."""
    crew = _without_payments(crew)
    _, rnd = _history(survey, crew, platform_before=HIGH, platform_after=LOW, payments=())
    sales_lead = PersonFactory(team=org.sales, role=Person.Role.MANAGER)
    org.sales.managers.add(sales_lead)
    both = PersonFactory(team=org.engineering, role=Person.Role.MANAGER)
    org.engineering.managers.add(both)
    org.platform.managers.add(both)
    gone = PersonFactory(team=org.platform, role=Person.Role.MANAGER, is_active=False)
    org.platform.managers.add(gone)
    round_summaries_compute(round=rnd)
    ids = digests_queue(round=rnd)
    queued = set(
        OutboundEmail.objects.filter(pk__in=ids, kind=OutboundEmail.Kind.DIGEST).values_list(
            "recipient", flat=True
        )
    )
    expected = {
        person.pk
        for person in Person.objects.filter(is_active=True)
        if digest_get(manager=person, round=rnd) is not None
    }
    assert queued == expected
    assert both.pk in queued and gone.pk not in queued
