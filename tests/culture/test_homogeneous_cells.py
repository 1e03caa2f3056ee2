"""A unanimous group (ADR 0019): its figure is shown, and the page says everyone answered alike
instead of drawing a zero-width band as a precise estimate (A1, A3b)."""

from __future__ import annotations

from django.urls import reverse

from culture.selectors import team_scores_get
from tests.culture.test_shown_statistics import _twins


def test_a_unanimous_week_is_shown_and_said_to_be_unanimous(survey, client, password):
    twins = _twins(survey, weeks=6)  # week 6: all 12 of Alpha answer 5 on every item
    newest = team_scores_get(team=twins["alpha"], n_rounds=12).rows[0]
    cells = [c for c in newest.cells.values() if c.shown]
    assert cells and all(c.uniform and c.ci_low == c.ci_high == c.score for c in cells)
    client.login(username=twins["lead"].email, password=password)
    dashboard = client.get(reverse("culture:dashboard")).content.decode()
    assert dashboard.count("12 people, all gave the same answers") == len(cells)
    assert "likely 100\u2013100" not in dashboard
    page = client.get(reverse("culture:team", args=[twins["alpha"].pk])).content.decode()
    assert page.count("no spread: everyone gave the same answers") == len(cells)
    assert "100\u2013100" not in page
    assert "each of them then knows what the others said" in page


def test_a_group_with_spread_keeps_its_band(survey):
    twins = _twins(survey, weeks=5)  # week 5: answers 1 and 2
    newest = team_scores_get(team=twins["alpha"], n_rounds=12).rows[0]
    cells = [c for c in newest.cells.values() if c.shown]
    assert cells and not any(c.uniform for c in cells)
    assert all(
        c.ci_low is not None and c.ci_high is not None and c.ci_low < c.ci_high for c in cells
    )


def test_the_privacy_page_states_the_limit(client, db):
    html = client.get(reverse("privacy")).content.decode()
    assert "as with any unanimous vote, but nobody can tell who said what" in html
