"""Driver analysis (ADR 0032): the figures equal a direct computation on the raw answers, and a
group whose figures are hidden shows no driver figure."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import numpy as np
import pytest
from django.urls import reverse

from checkins.models import Answer, Dimension, Participation, Question, Response
from checkins.services.responses import response_submit
from checkins.services.rounds import round_open
from culture.anonymity import ORG
from culture.drivers import ENPS, driver_sets_get
from culture.models import DriverRollup
from culture.scorebook import scorebook_build
from culture.selectors import team_page_get
from culture.statistics import correlation_from_sums
from org.models import Team
from tests.factories import TeamFactory
from tests.helpers import close_and_roll_up, people_in

Z975 = 1.959963984540054


def _answer_randomly(participations, rng: random.Random) -> None:
    for participation in participations:
        answers: dict[int, int | str | None] = {}
        for version in participation.round.question_versions.select_related("question"):
            scale = version.question.scale
            if scale == Question.Scale.ZERO_TEN:
                answers[version.pk] = rng.randint(0, 10)
            elif scale == Question.Scale.AGREE5:
                answers[version.pk] = rng.randint(1, 5)
        response_submit(participation=participation, answers=answers)


def _direct(*, team_ids: set[int], round_ids: list[int]) -> dict[tuple[int, int], tuple]:
    """Per (driver, outcome): n, r and the Fisher-z interval computed straight from the answers."""
    x_of: dict = defaultdict(lambda: defaultdict(list))
    enps: dict = defaultdict(list)
    rows = Answer.objects.filter(
        response__round_id__in=round_ids, response__team_id__in=team_ids, value__isnull=False
    ).values_list(
        "response_id",
        "value",
        "question_version__question__scale",
        "question_version__question__reverse_scored",
        "question_version__question__dimension_id",
    )
    for response_id, value, scale, reversed_, dimension_id in rows:
        if scale == Question.Scale.ZERO_TEN:
            enps[response_id].append(value)
        elif dimension_id is not None:
            top = 5 if scale == Question.Scale.AGREE5 else 7
            scored = top + 1 - value if reversed_ else value
            x_of[response_id][dimension_id].append((scored - 1) / (top - 1) * 100)
    outcomes = set(Dimension.objects.filter(is_outcome=True).values_list("pk", flat=True))
    pairs: dict = defaultdict(list)
    for response_id, dims in x_of.items():
        scores = {d: float(np.mean(v)) for d, v in dims.items()}
        ys = {o: scores[o] for o in outcomes if o in scores}
        if enps.get(response_id):
            ys[ENPS] = float(np.mean(enps[response_id]))
        for outcome, y in ys.items():
            for dimension_id, x in scores.items():
                if dimension_id != outcome:
                    pairs[(dimension_id, outcome)].append((x, y))
    out = {}
    for key, values in pairs.items():
        xy = np.array(values)
        r = float(np.corrcoef(xy[:, 0], xy[:, 1])[0, 1])
        half = Z975 / math.sqrt(len(values) - 3)
        z = math.atanh(r)
        out[key] = (len(values), r, math.tanh(z - half), math.tanh(z + half))
    return out


@pytest.fixture
def rounds(survey, org):
    """Two closed weeks of varied answers from the same people: 9 in Platform, 9 in Payments,
    5 in Sales and 2 in Sales East below it (counted in Sales' group: hidden); eNPS in the
    first; psychological safety marked as an outcome too."""
    Dimension.objects.filter(key="psych-safety").update(is_outcome=True)
    east = TeamFactory(name="Sales East", parent=org.sales)
    rng = random.Random(7)
    first = round_open(survey=survey)
    people_in(org.platform, 9, first)
    people_in(org.payments, 9, first)
    people_in(org.sales, 5, first)
    people_in(east, 2, first)
    found = [first]
    for week in range(2):
        rnd = first if week == 0 else round_open(survey=survey)
        for team, answering in ((org.platform, 9), (org.payments, 9), (org.sales, 5), (east, 2)):
            invited = Participation.objects.filter(round=rnd, team=team).order_by("pk")
            _answer_randomly(list(invited[:answering]), rng)
        close_and_roll_up(rnd)
        if week:
            found.append(rnd)
    return found


def test_correlation_from_sums_is_pearson_with_fisher_interval():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 100, 40)
    y = 0.05 * x + rng.normal(0, 2, 40)
    found = correlation_from_sums(
        n=40,
        sum_x=x.sum(),
        sum_y=y.sum(),
        sum_xx=(x * x).sum(),
        sum_yy=(y * y).sum(),
        sum_xy=(x * y).sum(),
    )
    r = float(np.corrcoef(x, y)[0, 1])
    assert found is not None
    assert found.r == pytest.approx(r, abs=1e-12)
    assert found.ci_low == pytest.approx(math.tanh(math.atanh(r) - Z975 / math.sqrt(37)), abs=1e-9)
    assert found.ci_high == pytest.approx(math.tanh(math.atanh(r) + Z975 / math.sqrt(37)), abs=1e-9)
    # Undefined: too few pairs, or no spread.
    assert correlation_from_sums(n=3, sum_x=1, sum_y=1, sum_xx=1, sum_yy=1, sum_xy=1) is None
    assert correlation_from_sums(n=5, sum_x=50, sum_y=7, sum_xx=500, sum_yy=11, sum_xy=70) is None


@pytest.mark.django_db
def test_driver_figures_equal_a_direct_computation(rounds, org):
    first, second = rounds
    assert DriverRollup.objects.filter(round=first, outcome=None).exists()  # eNPS asked
    page = team_page_get(team=org.engineering)
    direct = _direct(team_ids={org.platform.pk, org.payments.pk}, round_ids=[first.pk, second.pk])
    compared = 0
    for found in page.drivers:
        outcome = ENPS if found.outcome is None else found.outcome.pk
        for line in found.lines:
            assert line.figure.shown, (found.key, line.dimension.key)
            n, r, low, high = direct[(line.dimension.pk, outcome)]
            got = line.figure.correlation
            assert got.n == n
            assert got.r == pytest.approx(r, abs=1e-9)
            assert got.ci_low == pytest.approx(low, abs=1e-9)
            assert got.ci_high == pytest.approx(high, abs=1e-9)
            compared += 1
    assert {d.key for d in page.drivers} >= {"enps"}
    assert compared >= 4
    # The leaders are exactly those whose interval overlaps the strongest's.
    for found in page.drivers:
        top = found.shown[0].figure.correlation
        for line in found.shown:
            assert line.leading == line.figure.correlation.overlaps(top)


@pytest.mark.django_db
def test_a_hidden_group_shows_no_driver_figure(rounds, org, client, password, outsider, manager):
    # Sales East had two people a week (k = 5): its figures are hidden, so are its drivers,
    # while Sales above it shows them.
    east = Team.objects.get(name="Sales East")
    book = scorebook_build(latest_of=east, n_rounds=12, teams=[east.pk])
    assert book.latest
    for dimension in book.dimensions:
        for rnd in book.latest:
            assert not book.cell(team_id=east.pk, dimension_id=dimension.pk, round=rnd).shown
    sets = driver_sets_get(book=book, team_id=east.pk, rounds=book.latest, scores={})
    assert sets and all(not line.figure.shown for s in sets for line in s.lines)
    assert all(line.r is None for s in sets for line in s.lines)
    client.login(username=outsider.email, password=password)
    html = client.get(reverse("culture:team", args=[east.pk])).content.decode()
    assert 'id="drivers"' in html and "r = " not in html
    client.login(username=manager.email, password=password)
    # Platform has 9 respondents a week, but as a small team its figures wait for the 4-week
    # window: its roll-ups hold enough pairs, and still no driver figure shows.
    assert DriverRollup.objects.filter(team=org.platform, n__gte=5).exists()
    html = client.get(reverse("culture:team", args=[org.platform.pk])).content.decode()
    assert 'id="drivers"' in html and "r = " not in html
    html = client.get(reverse("culture:team", args=[org.engineering.pk])).content.decode()
    assert html.count("r = ") == 5  # eNPS: three drivers; psychological safety: two


@pytest.mark.django_db
def test_every_shown_driver_figure_stands_on_shown_figures(rounds, org):
    """Property over every group: a driver figure appears only where the group's figures of the
    driver and of the outcome dimension are shown in some round of the view."""
    teams = [org.root, org.engineering, org.platform, org.payments, org.sales]
    teams.append(Team.objects.get(name="Sales East"))
    book = scorebook_build(teams=[ORG, *(t.pk for t in teams)], n_rounds=12)
    for node in [ORG, *(t.pk for t in teams)]:
        for found in driver_sets_get(book=book, team_id=node, rounds=book.latest, scores={}):
            for line in found.shown:
                assert any(
                    book.cell(team_id=node, dimension_id=line.dimension.pk, round=rnd).shown
                    for rnd in book.latest
                )
                if found.outcome is not None:
                    assert any(
                        book.cell(team_id=node, dimension_id=found.outcome.pk, round=rnd).shown
                        for rnd in book.latest
                    )


@pytest.mark.django_db
def test_rollup_counts_only_respondents_with_both(rounds):
    first, _second = rounds
    # Every eNPS pair is a response with an eNPS answer and a dimension score.
    with_enps = Response.objects.filter(
        round=first, answers__question_version__question__scale=Question.Scale.ZERO_TEN
    ).count()
    rows = DriverRollup.objects.filter(
        round=first, outcome=None, includes_subteams=False
    ).values_list("dimension_id", "n")
    per_dimension: dict[int, int] = defaultdict(int)
    for dimension_id, n in rows:
        per_dimension[dimension_id] += n
    assert per_dimension and max(per_dimension.values()) == with_enps


@pytest.mark.django_db
def test_hr_marks_a_dimension_as_the_outcome(client, hr_admin, password, survey):
    client.login(username=hr_admin.email, password=password)
    trust = Dimension.objects.get(key="trust")
    url = reverse("checkins:hr-dimension-edit", args=[trust.pk])
    assert 'name="is_outcome"' in client.get(url).content.decode()
    page = client.post(url, {"name": "Trust", "is_outcome": "on"})
    assert page.status_code == 302
    trust.refresh_from_db()
    assert trust.is_outcome
    # A bad form changes nothing; an unticked box clears the mark.
    assert client.post(url, {"name": " ", "is_outcome": ""}).status_code == 400
    trust.refresh_from_db()
    assert trust.is_outcome
    client.post(url, {"name": "Trust"})
    trust.refresh_from_db()
    assert not trust.is_outcome


@pytest.mark.django_db
def test_hr_organisation_view_shows_the_organisations_drivers(rounds, org, client, hr_admin):
    from culture.organisation import organisation_drivers_get

    book = scorebook_build(latest_of=None, n_rounds=12, teams=None)
    direct = _direct(
        team_ids=set(Team.objects.values_list("pk", flat=True)), round_ids=[r.pk for r in rounds]
    )
    sets = organisation_drivers_get(book=book)
    assert sets
    for found in sets:
        outcome = ENPS if found.outcome is None else found.outcome.pk
        for line in found.lines:
            n, r, _low, _high = direct[(line.dimension.pk, outcome)]
            assert line.figure.correlation.n == n
            assert line.figure.correlation.r == pytest.approx(r, abs=1e-9)
    client.force_login(hr_admin)
    html = client.get(reverse("culture:organisation")).content.decode()
    assert 'id="drivers"' in html and html.count("r = ") == 5


@pytest.mark.django_db
def test_api_drivers_through_the_same_rule(rounds, org, client, password, manager, outsider):
    east = Team.objects.get(name="Sales East")
    client.login(username=manager.email, password=password)
    url = reverse("api:team-drivers", args=[org.engineering.pk])
    data = client.get(url).json()
    page = team_page_get(team=org.engineering)
    assert [o["outcome"] for o in data["outcomes"]] == [s.key for s in page.drivers]
    for outcome, found in zip(data["outcomes"], page.drivers, strict=True):
        for item, line in zip(outcome["drivers"], found.lines, strict=True):
            assert item["dimension"] == line.dimension.key and not item["suppressed"]
            assert item["r"] == round(line.r, 3) and item["n"] == line.figure.correlation.n
    # Bad input: a clear 400; another team: 404, as on the pages.
    assert client.get(url + "?rounds=0").status_code == 400
    assert client.get(url + "?rounds=3&rounds=4").status_code == 400
    assert client.get(reverse("api:team-drivers", args=[org.sales.pk])).status_code == 404
    assert client.get("/api/v1/teams/x1/drivers/").status_code == 404
    assert client.get(reverse("api:organisation-drivers")).status_code == 403
    client.login(username=outsider.email, password=password)
    hidden = client.get(reverse("api:team-drivers", args=[east.pk])).json()
    lines = [item for o in hidden["outcomes"] for item in o["drivers"]]
    assert lines and all(set(item) == {"dimension", "suppressed", "reason"} for item in lines)


@pytest.mark.django_db
def test_digest_says_in_one_line_what_goes_with_the_outcome(rounds, org, manager, outsider):
    from django.core import mail

    from checkins.models import OutboundEmail
    from checkins.services.emails import email_send
    from culture.services.digests import digests_queue
    from culture.services.summaries import round_summaries_compute

    _first, second = rounds
    round_summaries_compute(round=second)
    digests_queue(round=second)
    for person in (manager, outsider):
        row = OutboundEmail.objects.get(recipient=person, kind=OutboundEmail.Kind.DIGEST)
        assert email_send(email_id=row.pk) == OutboundEmail.Status.SENT
    by_recipient = {message.to[0]: message for message in mail.outbox}
    page = team_page_get(team=org.engineering).drivers[0]
    message = by_recipient[manager.email]
    for body in (message.body, message.alternatives[0][0]):
        assert "What goes with eNPS" in body
        if not page.about_equal:
            assert f"(r = {page.leaders[0].r:.2f})" in body
    # Sales is shown only as 4-week figures: no driver line for it yet.
    hidden = by_recipient[outsider.email]
    assert "What goes with" not in hidden.body


@pytest.mark.django_db
def test_a_small_teams_drivers_come_from_its_pooled_window(survey, org):
    """Platform (9 people) is shown only as 4-week figures: after the window's fourth round its
    driver links appear, computed from the whole window's sums, equal to numpy on its answers."""
    Dimension.objects.filter(key="psych-safety").update(is_outcome=True)
    rng = random.Random(11)
    first = round_open(survey=survey)
    people_in(org.platform, 9, first)
    people_in(org.payments, 12, first)
    found = []
    for week in range(4):
        rnd = first if week == 0 else round_open(survey=survey)
        _answer_randomly(list(Participation.objects.filter(round=rnd)), rng)
        close_and_roll_up(rnd)
        found.append(rnd)
    book = scorebook_build(latest_of=org.platform, n_rounds=12, teams=[org.platform.pk])
    last = book.latest[0]
    assert last.pk == found[-1].pk
    cells = [
        book.cell(team_id=org.platform.pk, dimension_id=d.pk, round=last) for d in book.dimensions
    ]
    assert cells and all(c.shown and c.pooled_rounds == 4 for c in cells)
    sets = driver_sets_get(book=book, team_id=org.platform.pk, rounds=book.latest, scores={})
    direct = _direct(team_ids={org.platform.pk}, round_ids=[r.pk for r in found])
    compared = 0
    for found_set in sets:
        outcome = ENPS if found_set.outcome is None else found_set.outcome.pk
        for line in found_set.lines:
            n, r, low, high = direct[(line.dimension.pk, outcome)]
            got = line.figure.correlation
            assert got is not None, (found_set.key, line.dimension.key)
            assert round(got.ci_high, 9) == round(high, 9)
            assert (got.n, round(got.r, 9), round(got.ci_low, 9)) == (n, round(r, 9), round(low, 9))
            compared += 1
    assert compared >= 4
    # Before the window's last round, nothing: the weeks inside it are pooled later.
    early = scorebook_build(latest_ids=[r.pk for r in found[:3]], teams=[org.platform.pk])
    for found_set in driver_sets_get(
        book=early, team_id=org.platform.pk, rounds=early.latest, scores={}
    ):
        assert not found_set.shown
