"""Comment themes after a close: every slice whose comments are shown gets its themes stored.

A slice is a team's subtree in the round's frozen tree (A3), or the organisation, exactly the
comments the team page lists (`culture.selectors._comments_get`); the visibility module decides
which slices show comments (A4) and drops themes with fewer than k comments. What a viewer sees of
them is read in `culture.selectors_themes`, through the same module again.
"""

from __future__ import annotations

from django.db import transaction

from checkins.models import Response, Round, RoundTeam
from culture.anonymity import ORG
from culture.models import CommentTheme
from culture.scorebook import scorebook_build
from culture.themes import comment_digest, themes_find
from culture.visibility import themes_visible


def round_themes_compute(*, round: Round) -> int:
    """Find and store the round's comment themes (again: earlier ones are replaced). Returns
    how many were stored. Needs the round's roll-ups and decisions (the worker runs it after)."""
    book = scorebook_build(teams=None, latest_ids=[round.pk])
    loaded = next((r for r in book.rounds if r.pk == round.pk), None)
    rows: list[CommentTheme] = []
    if loaded is not None:
        paths = dict(RoundTeam.objects.filter(round=round).values_list("team_id", "path"))
        # In an order the reshuffle does not change (texts, not keys): the same comments give
        # the same themes before and after it.
        comments = list(
            Response.objects.filter(round=round)
            .exclude(comment="")
            .order_by("team_id", "comment")
            .values_list("team_id", "comment")
        )
        for node in [ORG, *sorted(paths)]:
            if not book.comments_allowed(team_id=node, round=loaded):
                continue
            prefix = "" if node == ORG else paths[node]
            mine = [text for team_id, text in comments if paths.get(team_id, "").startswith(prefix)]
            found = themes_find(texts=mine, k=round.min_group_size)
            shown = themes_visible(themes=found, comments_shown=True, k=round.min_group_size)
            rows += [
                CommentTheme(
                    round=round,
                    node=node,
                    position=position,
                    words=list(theme.words),
                    responses=[comment_digest(mine[i]) for i in theme.comments],
                )
                for position, theme in enumerate(shown)
            ]
    with transaction.atomic():
        CommentTheme.objects.filter(round=round).delete()
        CommentTheme.objects.bulk_create(rows)
    return len(rows)
