"""culture/questions.py: item figures (favourable share, eNPS) and which questions a team page
lists, each through the same rule as every cell."""

from __future__ import annotations

import pytest

from checkins.models import Question, QuestionVersion
from culture.questions import _figure, question_figures_get
from culture.scorebook import scorebook_build
from culture.visibility import HiddenReason
from tests.factories import PersonFactory, RoundFactory
from tests.helpers import round_answered


def _version(scale: str, *, reverse: bool = False) -> QuestionVersion:
    return QuestionVersion(question=Question(scale=scale, reverse_scored=reverse))


def test_enps_is_promoters_minus_detractors_over_everyone():
    rnd = RoundFactory.build()
    figure = _figure(_version(Question.Scale.ZERO_TEN), rnd, {10: 3, 9: 1, 7: 2, 6: 1, 0: 1}, 1)
    assert figure.is_enps and figure.n == 8
    assert figure.enps == 25.0  # (4 promoters - 2 detractors) / 8
    assert figure.favourable_pct is None


def test_favourable_share_turns_reverse_items_around():
    rnd = RoundFactory.build()
    counts = {1: 2, 2: 1, 4: 1, 5: 4}
    plain = _figure(_version(Question.Scale.AGREE5), rnd, counts, 1)
    reverse = _figure(_version(Question.Scale.AGREE5, reverse=True), rnd, counts, 4)
    assert (plain.n, plain.favourable_pct) == (8, 62.0)  # 4s and 5s: 5 of 8 = 62.5, rounded
    assert (reverse.favourable_pct, reverse.pooled_rounds) == (38.0, 4)  # 1s and 2s: 3 of 8
    seven = _figure(_version(Question.Scale.AGREE7), rnd, {5: 1, 6: 1, 7: 2}, 1)
    assert seven.favourable_pct == 75.0


@pytest.fixture
def rounds(survey, org):
    people = [PersonFactory(team=org.platform) for _ in range(12)]
    first = round_answered(survey, dict.fromkeys(people, 4))
    second = round_answered(survey, {p: (2 if i < 6 else None) for i, p in enumerate(people)})
    return first, second


@pytest.mark.django_db
def test_every_question_the_latest_round_asked_is_listed_with_its_figure(rounds, org):
    _first, second = rounds
    book = scorebook_build(teams=[org.platform.pk], latest_of=org.platform, n_rounds=1)
    figures = question_figures_get(book=book, team=org.platform, latest=book.latest)
    asked = {
        v.pk for v in second.question_versions.all() if v.question.scale != Question.Scale.TEXT
    }
    assert {f.version.pk for f in figures} == asked
    assert [f.is_enps for f in figures] == sorted(f.is_enps for f in figures)  # eNPS last
    for figure in figures:
        assert not figure.suppressed and figure.n == 6 and figure.round == second
        if figure.is_enps:
            assert figure.enps == 0.0  # everyone answered 8: passives only
        else:
            assert figure.favourable_pct == 0.0  # everyone meant 2 of 5


@pytest.mark.django_db
def test_a_team_not_invited_lists_no_question(rounds, org):
    book = scorebook_build(teams=[org.sales.pk], n_rounds=1)
    assert question_figures_get(book=book, team=org.sales, latest=book.latest) == []


@pytest.mark.django_db
def test_a_question_answered_by_fewer_than_k_says_so_without_a_count(survey, org):
    people = [PersonFactory(team=org.platform) for _ in range(12)]
    # Four answers: below k = 5, and the round asked the team.
    round_answered(survey, {p: (4 if i < 4 else None) for i, p in enumerate(people)})
    book = scorebook_build(teams=[org.platform.pk], latest_of=org.platform, n_rounds=1)
    figures = question_figures_get(book=book, team=org.platform, latest=book.latest)
    assert figures and all(f.suppressed for f in figures)
    assert {f.reason for f in figures} == {HiddenReason.FEWER_THAN_K}
    assert all(f.n is None and f.favourable_pct is None and f.enps is None for f in figures)
