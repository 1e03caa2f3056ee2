"""Cronbach's alpha per dimension on the HR view: stored sums at roll-up time, checked against a
direct numpy computation on the raw answers, organisation-wide only and never below k."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pytest
from django.urls import reverse

from checkins.models import (
    Answer,
    Participation,
    Question,
    QuestionVersion,
    Response,
    Round,
    RoundQuestion,
)
from checkins.services.responses import response_submit
from checkins.services.rounds import round_open
from culture.models import DimensionReliability
from culture.organisation import organisation_heatmap_get
from culture.services.reliability import _items, _sums_python, _sums_sql
from culture.statistics import scored_value, to_0_100
from dialect import is_postgresql
from tests.factories import PersonFactory
from tests.helpers import close_and_roll_up


@pytest.fixture
def every_item(survey):
    """Ask every item each round, so each dimension has several items together."""
    survey.questions_per_round = Question.objects.filter(is_active=True).count()
    survey.save()
    return survey


def _answer(rnd: Round, people, *, noise: float, rng: random.Random) -> None:
    versions = list(rnd.question_versions.select_related("question"))
    for person in people:
        level = rng.randint(1, 5)  # what the person feels: items agree unless noise wins
        answers = {}
        for v in versions:
            if v.question.scale == Question.Scale.ZERO_TEN:
                answers[v.pk] = rng.randint(0, 10)
                continue
            if v.question.scale == Question.Scale.TEXT:
                continue
            top = 7 if v.question.scale == Question.Scale.AGREE7 else 5
            value = level if rng.random() > noise else rng.randint(1, top)
            value = min(top, max(1, value))
            answers[v.pk] = top + 1 - value if v.question.reverse_scored else value
        response_submit(
            participation=Participation.objects.get(person=person, round=rnd), answers=answers
        )


def _numpy_alpha(rnd: Round) -> dict[int, float]:
    """Alpha per dimension straight from the stored answers (listwise complete respondents)."""
    rows: dict[object, dict[int, float]] = defaultdict(dict)
    items: dict[int, set[int]] = defaultdict(set)
    for answer in Answer.objects.filter(response__round=rnd, value__isnull=False).select_related(
        "question_version__question"
    ):
        question = answer.question_version.question
        if question.dimension_id is None or question.scale not in ("agree5", "agree7"):
            continue
        assert answer.value is not None
        scored = scored_value(
            value=answer.value, scale=question.scale, reverse=question.reverse_scored
        )
        rows[answer.response_id][answer.question_version_id] = to_0_100(
            value=scored, scale=question.scale
        )
        items[question.dimension_id].add(answer.question_version_id)
    out = {}
    for dimension, versions in items.items():
        if len(versions) < 2:
            continue
        order = sorted(versions)
        x = np.array([[r[v] for v in order] for r in rows.values() if all(v in r for v in order)])
        k = x.shape[1]
        out[dimension] = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    return out


def test_alpha_matches_numpy_on_the_raw_answers(every_item, org):
    people = [PersonFactory(team=org.platform) for _ in range(14)]
    rnd = round_open(survey=every_item)
    _answer(rnd, people, noise=0.3, rng=random.Random(7))
    close_and_roll_up(rnd)
    expected = _numpy_alpha(rnd)
    assert expected, "the survey must ask several items per dimension"
    shown = {r.dimension.pk: r for r in organisation_heatmap_get().reliability}
    for dimension, alpha in expected.items():
        assert shown[dimension].alpha == pytest.approx(alpha, abs=1e-3)
        assert shown[dimension].n == 14
    assert DimensionReliability.objects.filter(round=rnd).count() >= len(expected)


def test_noisy_items_are_flagged_below_0_7(client, hr_admin, password, every_item, org):
    people = [PersonFactory(team=org.platform) for _ in range(20)]
    rnd = round_open(survey=every_item)
    _answer(rnd, people, noise=1.0, rng=random.Random(3))  # items unrelated to each other
    close_and_roll_up(rnd)
    flagged = [r for r in organisation_heatmap_get().reliability if r.flagged]
    assert flagged and all(r.alpha is not None and r.alpha < 0.7 for r in flagged)
    client.login(username=hr_admin.email, password=password)
    html = client.get(reverse("culture:organisation")).content.decode()
    assert "below 0.7: low reliability" in html


def test_no_alpha_from_fewer_than_k_respondents(client, hr_admin, password, every_item, org):
    people = [PersonFactory(team=org.platform) for _ in range(4)]  # k is 5
    rnd = round_open(survey=every_item)
    _answer(rnd, people, noise=0.3, rng=random.Random(1))
    close_and_roll_up(rnd)
    # The sums are kept (organisation-wide), but nothing is shown from them below k.
    assert DimensionReliability.objects.filter(round=rnd, n=4).exists()
    assert all(r.alpha is None for r in organisation_heatmap_get().reliability)
    client.login(username=hr_admin.email, password=password)
    html = client.get(reverse("culture:organisation")).content.decode()
    table = html[html.index('id="reliability"') :]
    assert "not enough answers or items to say" in table and "answers to" not in table


@pytest.mark.skipif(not is_postgresql(), reason="the SQL sums are PostgreSQL's")
def test_sql_sums_equal_the_python_sums(every_item, org):
    """The set-based sums (one pass over many rounds) are the per-round Python ones: n exactly,
    the float sums up to the order of addition; incomplete respondents and a 7-point
    reverse-scored item included."""
    rounds = []
    for seed in (5, 6):
        people = [PersonFactory(team=org.platform) for _ in range(9)]
        rnd = round_open(survey=every_item)
        _answer(rnd, people, noise=0.4, rng=random.Random(seed))
        rounds.append(rnd)
    seven = Question.objects.create(
        code="rel-7pt", dimension=Question.objects.exclude(dimension=None).first().dimension,
        scale=Question.Scale.AGREE7, reverse_scored=True,
    )  # fmt: skip
    version = QuestionVersion.objects.create(question=seven, text=seven.code)
    RoundQuestion.objects.create(round=rounds[0], question_version=version, position=99)
    responses = list(Response.objects.filter(round=rounds[0]).order_by("id"))
    for i, response in enumerate(responses[:-2]):  # the last two leave the new item out
        Answer.objects.create(response=response, question_version=version, value=1 + i % 7)
    Answer.objects.filter(response=responses[0]).exclude(question_version=version).filter(
        question_version__question__dimension__isnull=False
    ).order_by("id")[:1].get().delete()  # and the first skips one item of another dimension
    items = _items([r.pk for r in rounds])
    assert seven.dimension_id in items[rounds[0].pk]
    in_sql = _sums_sql(items)
    for rnd in rounds:
        in_python = _sums_python(rnd.pk, items[rnd.pk])
        assert in_sql[rnd.pk].keys() == in_python.keys()
        for dimension, (n, sums, products) in in_python.items():
            got_n, got_sums, got_products = in_sql[rnd.pk][dimension]
            assert got_n == n, dimension
            assert np.allclose(got_sums, sums, rtol=1e-12, atol=1e-9)
            assert np.allclose(got_products, products, rtol=1e-12, atol=1e-9)
    assert in_sql[rounds[0].pk][seven.dimension_id][0] < 9, "incomplete respondents dropped"
