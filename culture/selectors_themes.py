"""The comment themes a viewer may see: the team page, the HR organisation view, the API and the
digest all read them here, each through `culture.visibility.themes_visible` (A4).

The worker stores a slice's themes per round (`culture.services.themes`). A view shows the themes
of the newest of its rounds whose slice shows comments and has a theme with at least k comments:
one round, so a theme's count is a count of comments the same view lists for that round.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from checkins.models import Round
from culture.anonymity import ORG
from culture.models import CommentTheme
from culture.scorebook import ScoreBook, scorebook_build
from culture.visibility import themes_visible
from org.models import Team

# Themes of the comment rounds the team page lists (`culture.selectors.COMMENT_ROUNDS`).
THEME_ROUNDS = 4


@dataclass(frozen=True)
class ShownTheme:
    """One theme as a viewer sees it: its characteristic words and how many comments it groups.
    `responses` says which shown comments belong to it (for the page's link, never printed)."""

    round: Round
    position: int  # 0 is the largest theme of its slice and round
    words: tuple[str, ...]
    responses: frozenset[str]

    @property
    def count(self) -> int:
        return len(self.responses)

    @property
    def comments(self) -> frozenset[str]:
        """What `themes_visible` counts: the comments behind the theme."""
        return self.responses


def themes_shown_get(*, book: ScoreBook, team_id: int, rounds: Iterable[Round]) -> list[ShownTheme]:
    """The slice's themes of the newest round among `rounds` (newest first) that shows any: only
    where its comments are shown today (the decision may have changed since the worker ran),
    each with at least k comments (`themes_visible`). One query, none when no round shows
    comments."""
    allowed = [rnd for rnd in rounds if book.comments_allowed(team_id=team_id, round=rnd)]
    if not allowed:
        return []
    stored: dict[int, list[CommentTheme]] = defaultdict(list)
    for row in CommentTheme.objects.filter(
        node=team_id, round_id__in=[rnd.pk for rnd in allowed]
    ).order_by("position"):
        stored[row.round_id].append(row)
    for rnd in allowed:
        found = [
            ShownTheme(
                round=rnd,
                position=row.position,
                words=tuple(row.words),
                responses=frozenset(str(pk) for pk in row.responses),
            )
            for row in stored.get(rnd.pk, [])
        ]
        shown = themes_visible(
            themes=found,
            comments_shown=book.comments_allowed(team_id=team_id, round=rnd),
            k=rnd.min_group_size,
        )
        if shown:
            return shown
    return []


def team_themes_get(*, team: Team, rounds: int = THEME_ROUNDS) -> list[ShownTheme]:
    """A team subtree's themes as its page shows them (the API and the digest)."""
    book = scorebook_build(latest_of=team, rounds=rounds, teams=[team.pk])
    return themes_shown_get(book=book, team_id=team.pk, rounds=book.latest[:THEME_ROUNDS])


def round_team_themes_get(*, team: Team, round: Round) -> list[ShownTheme]:
    """A team subtree's themes of one round (the digest about that round)."""
    book = scorebook_build(latest_ids=[round.pk], teams=[team.pk])
    return themes_shown_get(book=book, team_id=team.pk, rounds=book.latest)


def organisation_themes_get(*, rounds: int = THEME_ROUNDS) -> list[ShownTheme]:
    """The whole organisation's themes (HR's organisation view and the API)."""
    book = scorebook_build(latest_of=None, rounds=rounds, teams=[ORG])
    return themes_shown_get(book=book, team_id=ORG, rounds=book.latest[:THEME_ROUNDS])
