"""The HR heatmap's HTML, rendered once per version of what it is computed from.

The heatmap covers every team x dimension of the latest twelve rounds (1,646 teams in the
benchmark's organisation: about a second to compute and render). Its inputs change only when a
round is rolled up and decided, a window is decided again, or the team tree or a dimension
changes, so the rendered table is kept in the cache under a fingerprint of exactly those inputs
(`heatmap_version`, four small queries) and rendered again whenever any of them differs. A
changed tree or a re-decided window changes the fingerprint, so a cached table can never show
what the engine would now hide. The worker renders it after each round's summaries
(`heatmap_warm`), so HR rarely meets the cold path. ADR 0016.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from checkins.models import Dimension
from culture.cache import cache_keep, cache_read
from culture.models import DimensionReliability
from culture.organisation import HEATMAP_ROUNDS, organisation_heatmap_get
from culture.scorebook import latest_rounds_load
from culture.themes import MAX_THEMES
from org.models import Team

TEMPLATE = "culture/partials/heatmap.html"
# Bumped when the heatmap's code or template changes in a way the fingerprint cannot see.
# 4: the organisation's driver analysis (ADR 0032); 5: its comment themes (issue 20)
FORMAT = 5  # 2: hidden cells say their reason (issue 14); 3: a legend, one mark per missing cell


def heatmap_version() -> str:
    """A fingerprint of every input of the heatmap: its rounds with their roll-up state, stored
    window decisions and the organisation's comment themes (loaded with them), the team tree with names, the dimensions, the alpha sums, and the
    low-participation threshold it flags teams by."""
    latest, loaded = latest_rounds_load(n_rounds=HEATMAP_ROUNDS, with_themes=True)
    annotated: list[Any] = loaded  # the rounds carry their roll-up state and decision
    rounds = [
        [
            r.pk, r.survey_id, r.number, r.min_group_size, str(r.period_start),
            r.rollup_state, r.decision_id, r.decision_tree, r.decision_rounds, r.is_latest,
            *(getattr(r, f"theme_{i}") for i in range(MAX_THEMES)),
        ]
        for r in annotated
    ]  # fmt: skip
    tree = list(Team.objects.order_by("pk").values_list("pk", "parent_id", "name", "path"))
    dimensions = list(
        Dimension.objects.filter(questions__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", "key", "name", "translations", "position", "is_outcome")
    )
    alpha = DimensionReliability.objects.filter(round_id__in=[r.pk for r in latest]).aggregate(
        rows=Count("pk"), last=Max("pk")
    )
    shown_settings = [settings.RELHEALTH_LOW_PARTICIPATION_PCT]
    payload = json.dumps(
        [FORMAT, shown_settings, rounds, tree, dimensions, alpha], default=str, sort_keys=True
    ).encode()
    return hashlib.sha256(payload).hexdigest()


def _key(*, version: str, sort: int | None, language: str) -> str:
    return f"relhealth:heatmap:{version}:{sort or ''}:{language}"


def heatmap_html(*, sort: int | None) -> str:
    """The heatmap and reliability tables for HR, in the active language, sorted by a
    dimension's score (lowest first) or with the teams needing attention first."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = _key(version=heatmap_version(), sort=sort, language=language)
    timeout = settings.RELHEALTH_HEATMAP_CACHE_SECONDS
    html = cache_read(key, what="heatmap") if timeout else None
    if html is None:
        context = {
            # Computed only on a miss (the template reads it).
            "heatmap": SimpleLazyObject(lambda: organisation_heatmap_get(sort=sort)),
            "sort": "" if sort is None else str(sort),
        }
        html = render_to_string(TEMPLATE, context)
        if timeout:
            cache_keep(key, html, timeout, what="heatmap")
    return html


def heatmap_warm() -> int:
    """Render the default heatmap in every language, so HR's first view is a cached one."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            heatmap_html(sort=None)
    return len(settings.LANGUAGES)
