"""A department head always sees something true (ADR 0015, 0034): the manager of a department of
20 (sub-teams of 1, 4, 12 and 3) whose figure protects a small neighbouring team is told why, in
words, on the page and in the digest, and what would change it; the sub-team that is large
enough keeps its own figures."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from checkins.models import OutboundEmail, Participation
from checkins.services.emails import email_send
from checkins.services.rounds import round_open
from culture.models import TeamRoundSummary
from culture.services.digests import digests_queue
from culture.services.summaries import round_summaries_compute
from culture.visibility import HiddenReason
from org.models import Person
from tests.factories import PersonFactory, TeamFactory
from tests.helpers import answer_all, close_and_roll_up


@pytest.fixture
def department(survey, org):
    """Dept (head in the level above) with sub-teams of 1, 4, 12 and 3, and Sales (3 people)
    next to it: the organisation minus Dept would be Sales and the head, under k."""
    dept = TeamFactory(name="Dept", parent=org.root)
    head = PersonFactory(team=org.root, role=Person.Role.MANAGER, email="head@example.com")
    dept.managers.add(head)
    teams = {n: TeamFactory(name=f"T{n}", parent=dept) for n in (1, 4, 12, 3)}
    for n, team in teams.items():
        PersonFactory.create_batch(n, team=team)
    PersonFactory.create_batch(3, team=org.sales)
    rnd = round_open(survey=survey)
    for participation in Participation.objects.filter(round=rnd):
        answer_all(participation, value=4)
    close_and_roll_up(rnd)
    return dept, head, teams, rnd


def test_the_head_is_told_why_and_what_would_change_it(client, password, department):
    dept, head, teams, _rnd = department
    client.login(username=head.email, password=password)
    page = client.get(reverse("culture:team", args=[dept.pk]))
    assert page.context["page"].hidden_reason == HiddenReason.PROTECTS_OTHERS
    html = page.content.decode()
    assert 'id="why-hidden"' in html
    assert "Enough people in Dept answered" in html and "HR merges" in html
    assert page.context["page"].subteams_shown == [teams[12]]
    assert reverse("culture:team", args=[teams[12].pk]) in html
    assert "small group" not in html  # participation is "not shown", not a false reason


def test_a_team_with_figures_gets_no_explanation(client, password, department):
    _dept, head, teams, _rnd = department
    teams[12].managers.add(head)
    client.login(username=head.email, password=password)
    page = client.get(reverse("culture:team", args=[teams[12].pk]))
    assert page.context["page"].hidden_reason is None
    assert 'id="why-hidden"' not in page.content.decode()


def test_the_digest_gives_the_true_reason(department, settings):
    dept, head, _teams, rnd = department
    assert round_summaries_compute(round=rnd)
    summary = TeamRoundSummary.objects.get(round=rnd, team=dept)
    assert summary.hidden_reason == HiddenReason.PROTECTS_OTHERS and summary.dimensions == []
    for email_id in digests_queue(round=rnd):
        email_send(email_id=email_id)
    row = OutboundEmail.objects.get(recipient=head, kind=OutboundEmail.Kind.DIGEST)
    body = next(m for m in mail.outbox if m.to == [head.email]).body
    assert row.status == OutboundEmail.Status.SENT
    assert "fewer than 5 people were asked" not in body
    assert "fewer than 5 people answered" not in body
    assert "a smaller group next to Dept" in body
