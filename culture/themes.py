"""Comment themes: groups of comments with their characteristic words, found inside Relhealth.

TF-IDF weights the words of each comment, non-negative matrix factorisation (NMF) finds a few
themes; every comment belongs to the theme it weighs most on. Stop words of every shipped
language are left out (scikit-learn's English list, `data/stopwords_de.txt` and
`data/stopwords_fr.txt`): comments may be written in any of them. No network call and no model download: scikit-learn fits on the comments.
A theme is kept only with at least `k` comments behind it; whether the comments themselves may
be shown is the caller's question to `culture.visibility` (see `themes_visible`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data")
# One file per shipped language besides English (scikit-learn holds the English list).
STOP_WORD_FILES = (DATA / "stopwords_de.txt", DATA / "stopwords_fr.txt")
MAX_THEMES = 5
WORDS_PER_THEME = 4
LABEL_SHARE = 0.25  # a label word weighs at least this share of the theme's strongest
WORD_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"  # words of three letters or more, no numbers


@dataclass(frozen=True)
class Theme:
    words: tuple[str, ...]  # the theme's characteristic words, strongest first
    comments: tuple[int, ...]  # positions of its comments in the list given


@functools.cache
def stop_words() -> frozenset[str]:
    """The stop words of every shipped language (English, German, French)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    found = set(ENGLISH_STOP_WORDS)
    for path in STOP_WORD_FILES:
        found |= {
            line.strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }
    return frozenset(found)


def themes_find(*, texts: Sequence[str], k: int, max_themes: int = MAX_THEMES) -> list[Theme]:
    """Themes of the comments `texts`, each with at least `k` of them, largest first.

    Deterministic (a fixed initialisation): the same comments give the same themes. Fewer than
    k comments, or no word used twice after the stop words, give none.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(texts)
    count = min(max_themes, len(texts) // max(k, 1))
    if count < 1:
        return []
    vectoriser = TfidfVectorizer(
        stop_words=sorted(stop_words()),
        lowercase=True,
        token_pattern=WORD_PATTERN,
        min_df=2,
        sublinear_tf=True,
    )
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # nothing left after the stop words
        return []
    if matrix.shape[1] < 2:
        return []
    count = max(1, min(count, matrix.shape[1]))
    model = NMF(n_components=count, init="nndsvda", random_state=0, max_iter=400)
    with np.errstate(invalid="ignore"):  # a rounding error's sqrt of -0.0 in its loss
        weights = model.fit_transform(matrix)
    words = vectoriser.get_feature_names_out()
    best = np.argmax(weights, axis=1)
    themes = []
    for component in range(count):
        loading = model.components_[component]
        # A theme is named by its strong words only (a quarter of its strongest or more), and a
        # comment belongs to it only when it uses one of them: every comment listed under
        # "switches, context" says one of those words, and a comment that leans faintly
        # towards a theme without saying any of its words is left out.
        top = [i for i in np.argsort(loading)[::-1][:WORDS_PER_THEME] if loading[i] > 0]
        top = [i for i in top if loading[i] >= LABEL_SHARE * loading[top[0]]]
        if not top:
            continue
        uses = np.asarray(matrix[:, top].sum(axis=1)).ravel() > 0
        members = tuple(int(i) for i in np.flatnonzero((best == component) & uses))
        if len(members) < k:
            continue  # fewer than k comments behind it: never a theme
        themes.append(Theme(words=tuple(str(words[i]) for i in top), comments=members))
    themes.sort(key=lambda theme: (-len(theme.comments), theme.words))
    return themes


def comment_digest(text: str) -> str:
    """How a theme names a comment it groups: the reshuffle gives responses new keys (A6), but
    their texts stay, and equal texts always fall in the same theme (the same words)."""
    return hashlib.sha256(text.encode()).hexdigest()
