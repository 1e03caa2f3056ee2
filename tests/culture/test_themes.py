"""Comment themes (TF-IDF + NMF inside Relhealth): stop words of every shipped language, at least
k comments per theme, nothing from a slice whose comments are hidden."""

from __future__ import annotations

import pytest

from checkins.models import Response
from checkins.services.reshuffle import round_responses_reshuffle
from checkins.services.rounds import round_open
from culture.models import CommentTheme
from culture.scorebook import scorebook_build
from culture.selectors_themes import themes_shown_get
from culture.tasks import round_themes_compute
from culture.themes import stop_words, themes_find
from culture.visibility import themes_visible
from tests.helpers import answer_all, close_and_roll_up, people_in

WORKLOAD = [
    "Too many meetings this week, the workload is heavy",
    "Workload is heavy and deadlines are tight",
    "Deadlines keep slipping because of the workload",
    "Heavy workload again, deadlines everywhere",
    "The workload and deadlines wear me down",
    "So many deadlines, workload too high",
]
LUNCH = [
    "Great team lunch, lovely colleagues",
    "The lunch with colleagues was great",
    "Colleagues organised a great lunch",
    "Lovely lunch, colleagues are great",
    "Great colleagues and a nice lunch together",
    "Lunch with colleagues made the week great",
]
GERMAN = [
    "Die Meetings sind zu lang und das Projekt leidet",
    "Das Projekt braucht weniger Meetings",
    "Meetings über Meetings, das Projekt steht",
    "Zu viele Meetings für das Projekt",
    "Das Projekt und die Meetings kosten Zeit",
]


def test_themes_group_comments_with_their_characteristic_words():
    themes = themes_find(texts=WORKLOAD + LUNCH, k=5)
    assert len(themes) == 2
    by_word = {word: theme for theme in themes for word in theme.words}
    assert set(by_word["workload"].comments) == set(range(6))
    assert set(by_word["lunch"].comments) == set(range(6, 12))
    # Stop words never label a theme.
    assert not {w for t in themes for w in t.words} & stop_words()


def test_german_stop_words_are_left_out():
    assert {"und", "das", "die", "sind"} <= stop_words()
    assert {"the", "and", "is"} <= stop_words()
    (theme,) = themes_find(texts=GERMAN, k=5)
    assert set(theme.words) <= {"meetings", "projekt", "lang", "leidet", "braucht", "weniger"}
    assert {"meetings", "projekt"} <= set(theme.words)


def test_a_theme_with_fewer_than_k_comments_never_appears():
    # Six workload comments and three about lunch, k = 4: the lunch theme is dropped.
    themes = themes_find(texts=WORKLOAD + LUNCH[:3], k=4)
    assert themes and all(len(t.comments) >= 4 for t in themes)
    assert all(set(t.comments) <= set(range(6)) for t in themes)
    assert not any("lunch" in t.words for t in themes)
    assert themes_find(texts=WORKLOAD[:4], k=5) == []


def test_themes_are_deterministic():
    assert themes_find(texts=WORKLOAD + LUNCH, k=3) == themes_find(texts=WORKLOAD + LUNCH, k=3)


def test_a_hidden_slice_shows_no_theme_and_small_themes_are_dropped():
    themes = themes_find(texts=WORKLOAD + LUNCH, k=5)
    assert themes_visible(themes=themes, comments_shown=False, k=5) == []
    assert themes_visible(themes=themes, comments_shown=True, k=5) == themes
    assert themes_visible(themes=themes, comments_shown=True, k=7) == []


@pytest.mark.django_db
def test_worker_stores_themes_only_for_slices_whose_comments_are_shown(survey, org):
    rnd = round_open(survey=survey)
    texts = (WORKLOAD + LUNCH + WORKLOAD[:2] + LUNCH[:2])[:16]
    people = people_in(org.platform, 8, rnd) + people_in(org.payments, 8, rnd)
    for participation, text in zip(people, texts, strict=True):
        answer_all(participation, value=4, comment=text)
    close_and_roll_up(rnd)
    assert round_themes_compute(rnd.pk) > 0
    nodes = set(CommentTheme.objects.filter(round=rnd).values_list("node", flat=True))
    # Engineering (16 respondents) and above show comments; Platform and Payments (8) do not.
    assert org.engineering.pk in nodes
    assert not nodes & {org.platform.pk, org.payments.pk}
    book = scorebook_build(latest_ids=[rnd.pk], teams=None)
    (loaded,) = book.latest
    shown = themes_shown_get(book=book, team_id=org.engineering.pk, rounds=[loaded])
    assert shown and all(t.count >= rnd.min_group_size for t in shown)
    words = {w for t in shown for w in t.words}
    assert {"workload", "lunch"} <= words
    # Each theme names its comments by their texts, which the reshuffle keeps (new keys).
    round_responses_reshuffle(round=rnd)
    comments = list(Response.objects.filter(round=rnd).values_list("comment", flat=True))
    for theme in shown:
        assert sum(theme.groups(text) for text in comments) == theme.count
    assert themes_shown_get(book=book, team_id=org.platform.pk, rounds=[loaded]) == []
    # Run again: the same themes, replaced rather than added.
    before = CommentTheme.objects.filter(round=rnd).count()
    assert round_themes_compute(rnd.pk) == before == CommentTheme.objects.filter(round=rnd).count()
