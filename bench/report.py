"""The benchmark's table: every figure beside its target from the brief, and whether it was met.

A figure that could not be measured says why ("not finished", the step's error) instead of a number.
"""

from __future__ import annotations

import sys


def _get(results: dict, *path: str):
    node = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _row(name: str, value, unit: str, target: str, met: bool | None, note: str = "") -> dict:
    return {
        "metric": name,
        "value": value,
        "unit": unit,
        "target": target,
        "met": met,
        "note": note,
    }


def _at_most(value, limit) -> bool | None:
    return None if value is None else value <= limit


def targets_check(results: dict) -> list[dict]:
    rows = []
    seed = _get(results, "seed", "seed_s")
    people, weeks = _get(results, "sizes", "people"), _get(results, "sizes", "weeks")
    phases = _get(results, "seed", "phases") or {}
    note = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases.items())
    rows.append(
        _row(f"seed_demo {people} people x {weeks} weeks", seed, "s", "minutes", None, note)
    )
    team = _get(results, "pages", "team_page", "median_ms")
    team_tenth = _get(results, "pages_tenth", "team_page", "median_ms")
    rows.append(_row("team page, median", team, "ms", "<= 50", _at_most(team, 50)))
    rows.append(
        _row("team page, p95", _get(results, "pages", "team_page", "p95_ms"), "ms", "-", None)
    )
    queries = _get(results, "pages", "team_page", "queries")
    rows.append(_row("team page, SQL queries", queries, "", "<= 15", _at_most(queries, 15)))
    ratio = round(team / team_tenth, 2) if team and team_tenth else None
    rows.append(
        _row("team page, full / tenth of history", ratio, "x", "<= 1.3", _at_most(ratio, 1.3))
    )
    heat = _get(results, "pages", "heatmap", "median_ms")
    rows.append(_row("HR heatmap (cached), median", heat, "ms", "<= 300", _at_most(heat, 300)))
    cold = _get(results, "pages", "heatmap", "uncached", "median_ms")
    rows.append(_row("HR heatmap uncached (first view of a new week)", cold, "ms", "-", None))
    rows.append(
        _row("HR heatmap, p95", _get(results, "pages", "heatmap", "p95_ms"), "ms", "-", None)
    )
    heat_tenth = _get(results, "pages_tenth", "heatmap", "median_ms")
    heat_ratio = round(heat / heat_tenth, 2) if heat and heat_tenth else None
    rows.append(_row("HR heatmap, full / tenth of history", heat_ratio, "x", "-", None))
    rows.append(
        _row("HR heatmap, SQL queries", _get(results, "pages", "heatmap", "queries"), "", "-", None)
    )
    themes = results.get("themes") or {}
    rows.append(
        _row(f"comment themes, {themes.get('comments')} comments (TF-IDF + NMF)",
             themes.get("model_s"), "s", "-", None, f"{themes.get('themes')} themes")
    )  # fmt: skip
    note = (f"{themes.get('round_comments')} comments, {themes.get('round_themes')} themes in "
            f"{themes.get('round_slices')} slices")  # fmt: skip
    rows.append(
        _row("comment themes, worker step on the newest round", themes.get("worker_s"), "s", "-",
             None, note if themes else str(themes.get("error", "not measured")))
    )  # fmt: skip
    per_second = _get(results, "submissions", "per_second")
    rows.append(
        _row(
            "check-ins per second",
            per_second,
            "/s",
            ">= 200",
            None if per_second is None else per_second >= 200,
        )
    )
    p95 = _get(results, "submissions", "p95_ms")
    rows.append(_row("check-in p50", _get(results, "submissions", "p50_ms"), "ms", "-", None))
    rows.append(_row("check-in p95", p95, "ms", "<= 100", _at_most(p95, 100)))
    reconciled = _get(results, "submissions", "reconciled")
    stored, ok = _get(results, "submissions", "stored"), _get(results, "submissions", "successful")
    rows.append(_row("stored == successful (and doubles refused)", reconciled, "", "true", reconciled,
                     f"{stored} stored, {ok} successful"))  # fmt: skip
    for key, label in (("invitations", "invitations rendered and sent"),
                       ("close_and_summarise", "close + roll-up + summaries")):  # fmt: skip
        wall = _get(results, key, "wall_s")
        note = _get(results, key, "note") or _get(results, key, "error") or ""
        rows.append(_row(label, wall, "s", "<= 60", _at_most(wall, 60), note))
    rss = _get(results, "web_memory", "peak_rss_mb")
    rows.append(_row("web worker peak RSS", rss, "MiB", "-", None))
    rows += _import_rows(results)
    idle = _get(results, "signin_spray", "idle", "median_ms")
    under = _get(results, "signin_spray", "under_spray", "median_ms")
    ratio = _get(results, "signin_spray", "median_ratio")
    spray = results.get("signin_spray") or {}
    note = (f"idle {idle} ms, under spray {under} ms; {spray.get('attempts')} attempts: "
            f"{spray.get('hashed')} hashed, {spray.get('refused_before_hashing')} refused"
            if ratio is not None else str(spray.get("error", "not measured")))  # fmt: skip
    rows.append(_row("check-in page under 8 clients spraying sign-ins / idle", ratio, "x", "<= 2",
                     _at_most(ratio, 2), note))  # fmt: skip
    rows += _peer_rows(results)
    return rows


def _import_rows(results: dict) -> list[dict]:
    n = _get(results, "people_import", "people")
    error = _get(results, "people_import", "error") or ""
    rows = []
    for key, what in (("create", "new people"), ("update", "everyone renamed")):
        figures = _get(results, "people_import", key) or {}
        total = figures.get("total_s")
        rows.append(_row(f"people CSV import, {n} rows ({what}): check", figures.get("validate_s"),
                         "s", "-", None, error))  # fmt: skip
        rows.append(_row(f"people CSV import, {n} rows ({what}): apply", figures.get("apply_s"),
                         "s", "-", None))  # fmt: skip
        cpu = [figures.get("validate_cpu_s"), figures.get("apply_cpu_s")]
        note = (f"our process's CPU {cpu[0]} + {cpu[1]} s, load average "
                f"{figures.get('load_average')}") if figures else ""  # fmt: skip
        rows.append(_row(f"people CSV import, {n} rows ({what}): check + apply", total, "s",
                         "< 60", None if total is None else total < 60, note))  # fmt: skip
    api = _get(results, "people_import", "api") or {}
    rows.append(_row(f"API bulk upsert, {api.get('records')} records: create / same again",
                     f"{api.get('create_s')} / {api.get('again_s')}" if api else None, "s", "-",
                     None))  # fmt: skip
    return rows


def _peer_rows(results: dict) -> list[dict]:
    rows = []
    ours = _get(results, "ours_same_workload", "sizes") or {}
    peer = _get(results, "peer", "sizes") or {}
    skipped = _get(results, "peer", "skipped") or _get(results, "peer", "error")
    for size, entry in ours.items():
        page = _get(entry, "team_page", "median_ms")
        floor = entry.get("floor_sql_median_ms")
        rows.append(_row(f"{size} responses: our team page", page, "ms", "-", None))
        rows.append(_row(f"{size} responses: raw SQL floor (our tables)", floor, "ms", "-", None))
        theirs = peer.get(size, {})
        peer_ms = theirs.get("results_median_ms")
        lower = theirs.get("results_lower_bound_ms")
        if peer_ms is not None:
            queries = theirs.get("results_queries")
            rows.append(_row(f"{size} responses: peer results (CSV export)", peer_ms, "ms", "-", None,
                             f"{queries} queries" if queries else ""))  # fmt: skip
        elif lower is not None:
            rows.append(_row(f"{size} responses: peer results (CSV export)", f"> {lower}", "ms",
                             "-", None, theirs.get("note", "")))  # fmt: skip
        else:
            rows.append(_row(f"{size} responses: peer results", None, "ms", "-", None,
                             str(skipped or "not measured")))  # fmt: skip
        peer_floor = theirs.get("floor_sql_median_ms")
        if peer_floor is not None:
            rows.append(
                _row(f"{size} responses: raw SQL floor (peer tables)", peer_floor, "ms", "-", None)
            )
        if page:
            best = peer_ms if peer_ms is not None else lower
            if best is not None:
                ratio = round(best / page)
                bound = "" if peer_ms is not None else "at least "
                big = size == "100000"
                rows.append(_row(f"{size} responses: peer / ours", f"{bound}{ratio}", "x",
                                 ">= 1000" if big else "-", (ratio >= 1000) if big else None))  # fmt: skip
            floors = [f for f in (floor, peer_floor) if f is not None]
            if size == "100000" and floors:
                # The lower of the two floors (our tables, the peer's): the harder one to beat.
                lowest = min(floors)
                rows.append(_row("100000 responses: our page faster than the SQL floor",
                                 page < lowest, "", "true", page < lowest,
                                 f"{page} ms vs {lowest} ms"))  # fmt: skip
    ours_rate = _get(results, "submissions", "per_second")
    theirs = _get(results, "peer", "submissions") or {}
    peer_rate = theirs.get("per_second")
    if peer_rate:
        rows.append(_row("peer check-ins per second (its form, same client)", peer_rate, "/s", "-",
                         None, f"p95 {theirs.get('p95_ms')} ms, {theirs.get('stored')} stored, "
                         f"{theirs.get('successful')} successful"))  # fmt: skip
        ratio = round(ours_rate / peer_rate, 2) if ours_rate else None
        rows.append(_row("check-ins/s, ours / peer", ratio, "x", ">= 2", _at_most(2, ratio or 0)))
    else:
        why = theirs.get("error") or theirs.get("skipped") or skipped or "not measured"
        rows.append(_row("check-ins/s, ours / peer", None, "x", ">= 2", None, str(why)))
    return rows


# The growth series (--growth): per size, the figures that grow with the organisation.
GROWTH_FIGURES = [
    ("seed", ("seed", "seed_s"), "s"),
    ("team page, median", ("pages", "team_page", "median_ms"), "ms"),
    ("team page, SQL queries", ("pages", "team_page", "queries"), ""),
    ("HR heatmap (cached), median", ("pages", "heatmap", "median_ms"), "ms"),
    ("HR heatmap uncached, median", ("pages", "heatmap", "uncached", "median_ms"), "ms"),
    ("HR heatmap, SQL queries", ("pages", "heatmap", "queries"), ""),
    ("close + roll-up + summaries", ("close_and_summarise", "wall_s"), "s"),
]


def growth_rows(results: dict) -> list[dict]:
    """One row per figure and size, in the shape of targets_check's rows (no targets: the
    series shows the slope; the standard run holds the targets at 10,000 people)."""
    rows = []
    sizes = _get(results, "growth", "sizes") or {}
    for label, path, unit in GROWTH_FIGURES:
        for people, entry in sizes.items():
            step = entry.get(path[0]) or {}
            note = step.get("error") or step.get("note") or ""
            rows.append(
                _row(f"{people} people: {label}", _get(entry, *path), unit, "-", None, note)
            )
    return rows


def _growth_print(results: dict, out) -> None:
    sizes = _get(results, "growth", "sizes") or {}
    weeks = _get(results, "growth", "weeks")
    out.write(f"Growth with the organisation ({weeks} weeks of history at each size)\n\n")
    out.write("| figure | " + " | ".join(f"{int(p):,} people" for p in sizes) + " |\n")
    out.write("|---|" + "---:|" * len(sizes) + "\n")
    facts = [("responses in the history", lambda e: _get(e, "seed", "responses")),
             ("responses in the closed round", lambda e: _get(e, "answered", "responses"))]  # fmt: skip
    facts.append(("waited for older writers (s)", lambda e: _get(e, "older_writers", "waited_s")))
    for label, read in facts:
        out.write(f"| {label} | " + " | ".join(str(read(e)) for e in sizes.values()) + " |\n")
    for label, path, unit in GROWTH_FIGURES:
        cells = []
        for entry in sizes.values():
            value = _get(entry, *path)
            cells.append("n/a" if value is None else f"{value} {unit}".strip())
        out.write(f"| {label} | " + " | ".join(cells) + " |\n")
    for people, entry in sizes.items():
        for step, value in entry.items():
            if isinstance(value, dict) and "error" in value:
                out.write(f"\n{people} people, step {step} failed: {value['error']}\n")


def report_print(results: dict) -> None:
    out = sys.stdout
    machine = results.get("machine", {})
    out.write(
        f"\nRelhealth benchmark ({results.get('mode')}): {machine.get('date')}, commit "
        f"{machine.get('commit')}, {machine.get('cpu')} ({machine.get('cores')} cores, "
        f"{machine.get('memory')}), load average {machine.get('load_average_at_start')}, "
        f"{results.get('total_s')} s in all\n\n"
    )
    if "growth" in results:
        _growth_print(results, out)
        return
    out.write("| metric | value | target | met | note |\n|---|---:|---|---|---|\n")
    for row in results.get("targets", []):
        value = "n/a" if row["value"] is None else f"{row['value']} {row['unit']}".strip()
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        out.write(f"| {row['metric']} | {value} | {row['target']} | {met} | {row['note']} |\n")
    errors = {k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v}
    for step, error in errors.items():
        out.write(f"\nstep {step} failed: {error}\n")
