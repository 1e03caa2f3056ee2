"""The HR heatmap is rendered once per version of its inputs and served from the cache: a cached
page must equal a fresh render, and any change to what it is computed from (a new round, a
re-decided window, the team tree, a dimension, the alpha sums) must show at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from checkins.models import Dimension, Participation
from checkins.services.rounds import round_open
from culture.models import DimensionReliability, WindowDecision
from culture.organisation_page import heatmap_html, heatmap_version, heatmap_warm
from tests.helpers import answer_all, close_and_roll_up, people_in


@pytest.fixture
def weeks(survey, org):
    """One closed week: Platform and Payments 8 each answer 5, Sales 5 answer 3."""
    first = round_open(survey=survey)
    for p in people_in(org.platform, 8, first) + people_in(org.payments, 8, first):
        answer_all(p, value=5)
    for p in people_in(org.sales, 5, first):
        answer_all(p, value=3)
    close_and_roll_up(first)
    return first


def _fresh(settings, sort=None) -> str:
    settings.RELHEALTH_HEATMAP_CACHE_SECONDS = 0
    try:
        return heatmap_html(sort=sort)
    finally:
        settings.RELHEALTH_HEATMAP_CACHE_SECONDS = 3600


def _page(client) -> str:
    response = client.get(reverse("culture:organisation"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_cached_page_is_the_fresh_render(client, hr_admin, password, org, weeks, settings):
    settings.RELHEALTH_HEATMAP_CACHE_SECONDS = 3600
    client.login(username=hr_admin.email, password=password)
    first, second = _page(client), _page(client)  # the second is served from the cache
    fresh = _fresh(settings)
    assert fresh in first and fresh in second
    # Small teams are hidden in the cached page exactly as in the fresh one.
    assert "fewer than 5" in fresh
    # Each sort has its own entry.
    by_score = client.get(reverse("culture:organisation") + "?sort=1").content.decode()
    assert _fresh(settings, sort=1) in by_score


def test_a_warm_cache_is_read_without_computing_the_heatmap(
    client, hr_admin, password, org, weeks, settings, django_assert_max_num_queries
):
    settings.RELHEALTH_HEATMAP_CACHE_SECONDS = 3600
    assert heatmap_warm() == len(settings.LANGUAGES)
    client.login(username=hr_admin.email, password=password)
    # The fingerprint's four queries plus the session, user and layout; no roll-ups read.
    with django_assert_max_num_queries(9) as captured:
        html = _page(client)
    assert not any("culture_dimensionrollup" in q["sql"] for q in captured.captured_queries)
    assert _fresh(settings) in html


def test_every_input_changes_the_version(org, weeks, survey, settings):
    seen = {heatmap_version()}

    def changed() -> bool:
        version = heatmap_version()
        new = version not in seen
        seen.add(version)
        return new

    assert not changed()  # the same inputs give the same version
    org.sales.name = "Field sales"
    org.sales.save()
    assert changed()
    org.payments.parent = org.root
    org.payments.save()
    assert changed()
    dimension = Dimension.objects.filter(questions__isnull=False).first()
    dimension.translations = {"de": "Neu"}
    dimension.save()
    assert changed()
    decision = WindowDecision.objects.get()
    decision.tree = "another tree"
    decision.save()
    assert changed()
    DimensionReliability.objects.filter(round=weeks).first().delete()
    assert changed()
    settings.RELHEALTH_LOW_PARTICIPATION_PCT = 75  # flags other teams
    assert changed()
    second = round_open(survey=survey)
    for p in Participation.objects.filter(round=second)[:10]:
        answer_all(p, value=1)
    assert not changed()  # an open round shows nowhere
    close_and_roll_up(second)
    assert changed()


def test_a_new_round_and_a_renamed_team_show_at_once(
    client, hr_admin, password, org, weeks, survey, settings
):
    settings.RELHEALTH_HEATMAP_CACHE_SECONDS = 3600
    client.login(username=hr_admin.email, password=password)
    before = _page(client)
    assert ">Sales</a>" in before
    org.sales.name = "Field sales"
    org.sales.save()
    renamed = _page(client)
    assert ">Field sales</a>" in renamed and ">Sales</a>" not in renamed
    second = round_open(survey=survey)
    for p in Participation.objects.filter(round=second, team=org.platform):
        answer_all(p, value=1)
    for p in Participation.objects.filter(round=second, team=org.payments):
        answer_all(p, value=1)
    close_and_roll_up(second)
    after = _page(client)
    assert after != renamed
    assert _fresh(settings) in after
