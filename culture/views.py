"""The manager home (what changed, what people said, what to talk about, for each team a viewer
leads), the team page and the HR heatmap."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from culture.charts import participation_chart, trend_chart
from culture.forms import HeatmapQueryForm
from culture.organisation_page import heatmap_html
from culture.selectors import team_page_get
from culture.selectors_dashboard import dashboard_get
from org.http import AuthenticatedRequest
from org.query_forms import query_parse
from org.selectors import team_for_viewer

PERIODS = {"12": 12, "26": 26, "52": 52}


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "culture/dashboard.html", {"homes": dashboard_get(viewer=request.user)})


@login_required
def team_detail(request: AuthenticatedRequest, team_id: int) -> HttpResponse:
    team = team_for_viewer(person=request.user, team_id=team_id)
    weeks = PERIODS.get(request.GET.get("weeks", "12"), 12)
    page = team_page_get(team=team, n_rounds=weeks)
    position = request.GET.get("theme", "")
    theme, comments = page.theme_comments(
        int(position) if position.isdecimal() and len(position) < 4 else None
    )
    charts = [
        (
            dimension,
            trend_chart(
                rows=page.scores.rows,
                cell_of={row.round.pk: row.cells[dimension.pk] for row in page.scores.rows},
            ),
        )
        for dimension in page.scores.dimensions
    ]
    return render(
        request,
        "culture/team.html",
        {
            "page": page,
            "charts": charts,
            "participation": participation_chart(rows=page.scores.rows),
            "weeks": weeks,
            "periods": PERIODS,
            "comments": comments,
            "theme_selected": theme,
            "theme_link": f"weeks={weeks}&",
        },
    )


@login_required
def organisation(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.is_hr_admin:
        raise Http404
    params, status = query_parse(request, HeatmapQueryForm)
    html = heatmap_html(sort=params["sort"])
    # Our own template's output, rendered with autoescaping (and cached as such).
    safe = mark_safe(html)  # noqa: S308  # nosec B308 B703
    return render(request, "culture/organisation.html", {"heatmap_html": safe}, status=status)
