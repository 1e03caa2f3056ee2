"""The employee's home: "you said, we did" — the team's released figures exactly as the manager
sees them, the manager's focus areas and actions, and when the next check-in opens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from checkins.models import Dimension
from checkins.services.rounds import round_open
from culture.selectors import dimension_cards, employee_view_get, team_scores_get
from culture.services.focus import focus_action_add, focus_action_done, focus_area_set
from tests.helpers import answer_all, close_and_roll_up, people_in


@pytest.fixture
def released(survey, org, manager):
    """Two closed weeks: Platform (12 asked) and Payments (4) answer; Engineering shows."""
    survey.audience.set([org.engineering])
    for _ in range(2):
        rnd = round_open(survey=survey)
        for p in people_in(org.platform, 12, rnd) + people_in(org.payments, 4, rnd):
            answer_all(p, value=4)
        close_and_roll_up(rnd)
    return org


def test_a_small_team_sees_the_group_around_it_as_its_manager_does(released, employee):
    view = employee_view_get(person=employee)
    platform_cards = dimension_cards(team_scores_get(team=released.platform))
    if any(card.latest for card in platform_cards):
        assert view.own_team and view.team == released.platform
    else:
        assert not view.own_team and view.team == released.engineering
    # Exactly the manager's figures for that team: the same cards, the same rules.
    expected = dimension_cards(team_scores_get(team=view.team))
    assert [(c.dimension.pk, c.latest and c.latest.score) for c in view.cards] == [
        (c.dimension.pk, c.latest and c.latest.score) for c in expected
    ]
    assert any(card.latest is not None for card in view.cards)


def test_payments_alone_is_never_shown_to_its_members(released, org):
    from org.models import Person

    member = Person.objects.filter(team=org.payments).first()
    view = employee_view_get(person=member)
    assert view.team != org.payments  # four people: only the group around them
    assert all(c.latest is None for c in dimension_cards(team_scores_get(team=org.payments)))


def test_home_shows_results_focus_actions_and_the_next_check_in(
    client, released, survey, employee, manager, clock
):
    focus = focus_area_set(
        team=released.engineering,
        dimension=Dimension.objects.get(key="trust"),
        person=manager,
        baseline_score=None,
    )
    action = focus_action_add(
        focus=focus, text="Retro on how we hand over on-call", follow_up_on=dt.date(2099, 1, 5)
    )
    survey.next_round_at = dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC)
    survey.save(update_fields=["next_round_at"])
    employee.time_zone = "Europe/Berlin"
    employee.save(update_fields=["time_zone"])
    client.force_login(employee)
    page = client.get(reverse("home"))
    html = page.content.decode()
    assert page.context["team_view"] is not None and 'id="results-heading"' in html
    assert "Retro on how we hand over on-call" in html and "planned" in html
    # 08:00 UTC is 9 in the morning in Berlin's winter, said in the person's zone and language.
    assert "opens on 9 Mar 2026 at 09:00 (Europe/Berlin time)" in html
    assert 'class="dim-score"' in html
    focus_action_done(action=action)
    employee.language = "de"
    employee.save(update_fields=["language"])
    html = client.get(reverse("home")).content.decode()
    assert "geplant" not in html and ">erledigt<" in html
    assert "öffnet am 9. März 2026 um 09:00 (Zeitzone Europe/Berlin)" in html


def test_an_opening_already_due_shows_no_date(client, survey, employee, clock):
    """The scheduler's next sweep opens a due round; a date in the past would only confuse."""
    survey.next_round_at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # an hour ago
    survey.save(update_fields=["next_round_at"])
    client.force_login(employee)
    assert 'id="next-checkin"' not in client.get(reverse("home")).content.decode()


def test_no_team_no_results_section(client, hr_admin):
    hr_admin.team = None
    hr_admin.save(update_fields=["team"])
    client.force_login(hr_admin)
    page = client.get(reverse("home"))
    assert not page.context.get("team_view")
    assert 'id="results-heading"' not in page.content.decode()


def test_thank_you_page_says_how_results_are_shared(client):
    html = client.get(reverse("checkins:thanks")).content.decode()
    assert "never who said what" in html
