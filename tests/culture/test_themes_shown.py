"""Comment themes where people read them (issue 20): the team page with links into its comments,
HR's organisation view, the API and the digest. Each shows a theme only where the comments are
shown, with at least k comments behind it, and every output shows the same themes."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from checkins.models import OutboundEmail
from checkins.services.emails import email_send
from checkins.services.reshuffle import round_responses_reshuffle
from checkins.services.rounds import round_open
from culture.services.digests import digests_queue
from culture.services.summaries import round_summaries_compute
from culture.services.themes import round_themes_compute
from culture.themes import stop_words, themes_find
from tests.api.conftest import client_for
from tests.culture.test_themes import LUNCH, WORKLOAD
from tests.helpers import answer_all, close_and_roll_up, people_in

FRENCH = [
    "Les réunions sont trop longues et le projet en souffre",
    "Le projet a besoin de moins de réunions",
    "Des réunions sur des réunions, le projet est bloqué",
    "Trop de réunions pour le projet cette semaine",
    "Le projet et les réunions nous prennent tout notre temps",
]


def test_french_stop_words_are_left_out():
    assert {"les", "des", "sont", "pour", "trop", "cette", "nous", "été"} <= stop_words()
    (theme,) = themes_find(texts=FRENCH, k=5)
    assert {"réunions", "projet"} <= set(theme.words)
    assert not set(theme.words) & stop_words()


@pytest.fixture
def themed(survey, org):
    """One closed round: Engineering (16 respondents) shows its comments, about workload and
    lunch; Platform and Payments (8 each) do not. Summaries and themes as the worker makes them,
    then the reshuffle (the beat may run it later: new keys must not lose the theme links)."""
    rnd = round_open(survey=survey)
    texts = WORKLOAD + LUNCH + WORKLOAD[:2] + LUNCH[:2]
    people = people_in(org.platform, 8, rnd) + people_in(org.payments, 8, rnd)
    for participation, text in zip(people, texts, strict=True):
        answer_all(participation, value=4, comment=text)
    close_and_roll_up(rnd)
    round_summaries_compute(round=rnd)
    assert round_themes_compute(round=rnd) > 0
    assert round_responses_reshuffle(round=rnd)
    rnd.refresh_from_db()
    return rnd


def _page(client, person, password, team, query=""):
    client.login(username=person.email, password=password)
    response = client.get(reverse("culture:team", args=[team.pk]) + query)
    assert response.status_code == 200
    return response


def test_team_page_shows_themes_with_counts_and_links_to_their_comments(
    client, manager, password, org, themed
):
    page = _page(client, manager, password, org.engineering).context["page"]
    by_word = {word: theme for theme in page.themes for word in theme.words}
    assert {"workload", "lunch"} <= set(by_word)
    workload = by_word["workload"]
    assert all(t.count >= themed.min_group_size for t in page.themes)
    html = _page(client, manager, password, org.engineering).content.decode()
    assert f"theme={workload.position}#comments" in html
    # The theme's link narrows the comment list to exactly its comments.
    response = _page(client, manager, password, org.engineering, f"?theme={workload.position}")
    shown = response.context["comments"]
    assert response.context["theme_selected"] == workload
    assert len(shown) == workload.count and {c.text for c in shown} <= set(WORKLOAD)
    # An unknown theme shows every comment, never more.
    everything = _page(client, manager, password, org.engineering, "?theme=99").context
    assert everything["theme_selected"] is None and len(everything["comments"]) == 16


def test_a_slice_whose_comments_are_hidden_shows_no_theme(client, password, org, themed):
    from tests.factories import PersonFactory

    lead = PersonFactory(team=org.platform, role="manager")
    org.platform.managers.add(lead)
    response = _page(client, lead, password, org.platform)
    assert response.context["page"].themes == [] and response.context["comments"] == []
    assert "theme=" not in response.content.decode()
    assert client_for(lead).get(f"/api/v1/teams/{org.platform.pk}/themes/").json()["count"] == 0


def test_team_page_with_themes_keeps_its_query_count(
    client, manager, password, org, themed, django_assert_max_num_queries
):
    client.login(username=manager.email, password=password)
    url = reverse("culture:team", args=[org.engineering.pk])
    # The same bound as without themes: the themes take one query, the comments and their
    # threads share one.
    with django_assert_max_num_queries(16):
        response = client.get(url + "?weeks=52")
    assert response.context["page"].themes


def test_organisation_view_and_api_show_the_same_themes(
    client, hr_admin, manager, password, org, themed
):
    response = _page(client, hr_admin, password, org.engineering)
    client.login(username=hr_admin.email, password=password)
    html = client.get(reverse("culture:organisation")).content.decode()
    from culture.selectors_themes import organisation_themes_get

    themes = organisation_themes_get()
    assert themes and all(t.count >= themed.min_group_size for t in themes)
    assert ", ".join(themes[0].words) in html
    api = client_for(hr_admin).get("/api/v1/organisation/themes/").json()
    assert [(t["words"], t["comments"]) for t in api["results"]] == [
        (list(t.words), t.count) for t in themes
    ]
    assert set(api["results"][0]) == {"round", "week_of", "position", "words", "comments"}
    team = client_for(manager).get(f"/api/v1/teams/{org.engineering.pk}/themes/").json()
    page = response.context["page"]
    assert [(t["words"], t["comments"]) for t in team["results"]] == [
        (list(t.words), t.count) for t in page.themes
    ]
    # A manager cannot read the organisation's themes, nor another team's.
    assert client_for(manager).get("/api/v1/organisation/themes/").status_code == 403
    assert client_for(manager).get(f"/api/v1/teams/{org.sales.pk}/themes/").status_code == 404


def test_digest_names_the_largest_themes(manager, org, themed):
    from culture.selectors_themes import team_themes_get

    themes = team_themes_get(team=org.engineering)[:3]
    mail.outbox.clear()
    digests_queue(round=themed)
    row = OutboundEmail.objects.get(recipient=manager, kind=OutboundEmail.Kind.DIGEST)
    assert email_send(email_id=row.pk) == OutboundEmail.Status.SENT
    (message,) = mail.outbox
    for body in (message.body, message.alternatives[0][0]):
        assert "workload" in body and "lunch" in body
        assert all(f"({t.count})" in body for t in themes)
