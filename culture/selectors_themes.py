"""The comment themes a viewer may see: the team page, the HR organisation view, the API and the
digest all read them here, each through `culture.visibility.themes_visible` (A4).

The worker stores a slice's themes per round (`culture.services.themes`). A view shows the themes
of the newest of its rounds whose slice shows comments and has a theme with at least k comments:
one round, so a theme's count is a count of comments the same view lists for that round.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checkins.models import Round
from culture.anonymity import ORG
from culture.models import CommentTheme
from culture.scorebook import ScoreBook, scorebook_build
from culture.themes import MAX_THEMES, comment_digest
from culture.visibility import themes_visible
from org.models import Team

# Themes of the comment rounds the team page lists (`culture.selectors.COMMENT_ROUNDS`).
THEME_ROUNDS = 4


@dataclass(frozen=True)
class ShownTheme:
    """One theme as a viewer sees it: its characteristic words and how many comments it groups.
    `digests` say which shown comments belong to it (`culture.themes.comment_digest`, one per
    comment; for the page's link, never printed)."""

    round: Round
    position: int  # 0 is the largest theme of its slice and round
    words: tuple[str, ...]
    digests: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.digests)

    @property
    def comments(self) -> tuple[str, ...]:
        """What `themes_visible` counts: the comments behind the theme."""
        return self.digests

    def groups(self, text: str) -> bool:
        """Whether the comment `text` (of the theme's slice and round) is one of its comments."""
        return comment_digest(text) in self.digests


def themes_shown_get(*, book: ScoreBook, team_id: int, rounds: Iterable[Round]) -> list[ShownTheme]:
    """The slice's themes of the newest round among `rounds` (newest first) that shows any: only
    where its comments are shown today (the decision may have changed since the worker ran),
    each with at least k comments (`themes_visible`). No query where the score book loaded the
    slice's themes with its rounds; else one."""
    allowed = [rnd for rnd in rounds if book.comments_allowed(team_id=team_id, round=rnd)]
    if not allowed:
        return []
    stored = _stored(team_id=team_id, rounds=allowed)
    for rnd in allowed:
        found = [
            ShownTheme(round=rnd, position=position, words=tuple(words), digests=tuple(digests))
            for position, words, digests in stored.get(rnd.pk, [])
        ]
        shown = themes_visible(
            themes=found,
            comments_shown=book.comments_allowed(team_id=team_id, round=rnd),
            k=rnd.min_group_size,
        )
        if shown:
            return shown
    return []


def _stored(*, team_id: int, rounds: list[Round]) -> dict[int, list[tuple[int, list, list]]]:
    """The stored themes of a slice per round as (position, words, digests): from the rounds
    themselves where the score book loaded them for this slice (`scorebook._rounds_load`), else
    in one query."""
    found: dict[int, list[tuple[int, list, list]]] = defaultdict(list)
    if all(getattr(rnd, "themes_node", None) == team_id for rnd in rounds):
        for rnd in rounds:
            for position in range(MAX_THEMES):
                data: Any = getattr(rnd, f"theme_{position}", None)
                if isinstance(data, str):  # SQLite nests JSON as text
                    data = json.loads(data)
                if data:
                    words, digests = (
                        json.loads(v) if isinstance(v, str) else v
                        for v in (data["words"], data["responses"])
                    )
                    found[rnd.pk].append((position, words, digests))
        return found
    for row in CommentTheme.objects.filter(
        node=team_id, round_id__in=[rnd.pk for rnd in rounds]
    ).order_by("position"):
        found[row.round_id].append((row.position, row.words, row.responses))
    return found


def team_themes_get(*, team: Team, n_rounds: int = THEME_ROUNDS) -> list[ShownTheme]:
    """A team subtree's themes as its page shows them (the API and the digest)."""
    book = scorebook_build(latest_of=team, n_rounds=n_rounds, teams=[team.pk], with_themes=True)
    return themes_shown_get(book=book, team_id=team.pk, rounds=book.latest[:THEME_ROUNDS])


def round_team_themes_get(*, team: Team, round: Round) -> list[ShownTheme]:
    """A team subtree's themes of one round (the digest about that round)."""
    book = scorebook_build(latest_ids=[round.pk], teams=[team.pk], with_themes=True)
    return themes_shown_get(book=book, team_id=team.pk, rounds=book.latest)


def organisation_themes_get(*, n_rounds: int = THEME_ROUNDS) -> list[ShownTheme]:
    """The whole organisation's themes (HR's organisation view and the API)."""
    book = scorebook_build(latest_of=None, n_rounds=n_rounds, teams=[ORG], with_themes=True)
    return themes_shown_get(book=book, team_id=ORG, rounds=book.latest[:THEME_ROUNDS])
