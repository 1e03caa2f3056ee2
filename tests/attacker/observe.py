"""Read every output every role could read after a close, as the attacker keeps them.

An HR admin sees a superset of what any manager sees (every team's page and API), so reading
every team through every output covers every role. Each read runs in its own savepoint
(`World.step`): a crash is a finding (leak class 7) and the other outputs are still read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from api.driver_views import drivers_data
from api.selectors import ScoreQuery, scores_export_csv, team_scores_data, team_summaries_data
from api.theme_views import themes_data
from checkins.models import (
    Answer,
    Dimension,
    Message,
    OutboundEmail,
    Participation,
    QuestionVersion,
    Response,
    Round,
    RoundTeam,
    Thread,
)
from checkins.services.conversations import (
    message_post,
    messages_for_author,
    messages_for_staff,
    thread_for_secret,
)
from checkins.services.schedule import is_working_day
from culture.anonymity import ORG, window_of
from culture.models import (
    DimensionReliability,
    DimensionRollup,
    DriverRollup,
    ParticipationRollup,
    QuestionRollup,
    TeamRoundSummary,
)
from culture.organisation import organisation_drivers_recent_get, organisation_heatmap_get
from culture.selectors import employee_view_get, team_drivers_get, team_page_get
from culture.selectors_dashboard import team_home_get
from culture.selectors_digest import alert_get, digest_get
from culture.selectors_themes import organisation_themes_get, team_themes_get
from org.models import Person, Team
from tests.attacker.world import Parents, World, subtree


@dataclass(frozen=True)
class Figure:
    """A shown number: family "score" (dimension mean x n), "dimfav" (a dimension's favourable
    answers), "item" (one question's favourable answers or eNPS), "part" (respondents among
    invitees: n = invited, value = responded)."""

    view: str
    family: str
    team: int
    measure: int  # dimension id, question version id, or 0 for participation
    rounds: tuple[int, ...]
    n: int
    value: float | None


@dataclass(frozen=True)
class Hidden:
    view: str
    team: int
    dimension: int
    round: int
    reason: str


@dataclass(frozen=True)
class Derived:
    """A trend statement: a change, its p-value, "real change", a drop flag."""

    view: str
    team: int
    dimension: int
    round: int
    score: float | None
    previous: float | None
    delta: float | None
    p_value: float | None
    real: bool


@dataclass(frozen=True)
class Comments:
    view: str
    team: int
    round: int
    texts: frozenset[str]


@dataclass(frozen=True)
class ThreadSeen:
    """A conversation as one role reads it: "page" (a manager or HR on a team page, where its
    comment is shown) or "author" (through the secret). Messages: (id, role, time, signature)."""

    view: str
    team: int | None
    round: int
    thread: str
    comment: str
    messages: tuple[tuple[str, str, dt.datetime, str], ...]


@dataclass(frozen=True)
class DriverSeen:
    """A shown driver link (ADR 0032): a correlation of a dimension with an outcome (0: eNPS,
    else the outcome dimension) over the respondents of n pairs."""

    view: str
    team: int
    dimension: int
    outcome: int
    n: int
    r: float


@dataclass(frozen=True)
class ThemeSeen:
    """A shown comment theme (issue 20) of a slice (a team's subtree, or ORG) and round: its
    words and count, and on the page the comments its link lists (sorted; None elsewhere)."""

    view: str
    team: int
    round: int
    words: tuple[str, ...]
    count: int
    texts: tuple[str, ...] | None = None


@dataclass
class Snapshot:
    after: int  # the round whose close this snapshot follows
    tree: Parents
    closed: list[int]
    figures: set[Figure] = field(default_factory=set)
    hidden: set[Hidden] = field(default_factory=set)
    derived: set[Derived] = field(default_factory=set)
    comments: set[Comments] = field(default_factory=set)
    threads: set[ThreadSeen] = field(default_factory=set)
    drivers: set[DriverSeen] = field(default_factory=set)
    themes: set[ThemeSeen] = field(default_factory=set)


def _drivers(snap: Snapshot, view: str, team: int, sets) -> None:
    """Record the shown links of driver sets (a hidden one carries no number to record)."""
    for found in sets:
        outcome = 0 if found.outcome is None else found.outcome.pk
        for line in found.lines:
            c = line.figure.correlation
            if c is not None:
                snap.drivers.add(DriverSeen(view, team, line.dimension.pk, outcome, c.n, c.r))


def _drivers_api(snap: Snapshot, team: Team | None) -> None:
    """The API's driver output, read as a client gets it (dimension keys, rounded r)."""
    keys = dict(Dimension.objects.values_list("key", "pk"))
    if team is None:
        sets, rounds = organisation_drivers_recent_get(n_rounds=12)
    else:
        sets, rounds, _k = team_drivers_get(team=team, n_rounds=12)
    data = drivers_data(sets, rounds)
    node = ORG if team is None else team.pk
    for outcome in data["outcomes"]:
        key = outcome["outcome"]
        outcome_id = 0 if key == "enps" else int(key[1:])
        for item in outcome["drivers"]:
            if not item["suppressed"]:
                snap.drivers.add(
                    DriverSeen("api", node, keys[item["dimension"]], outcome_id, item["n"],
                               item["r"])
                )  # fmt: skip


def _themes_api(snap: Snapshot, team: Team | None) -> None:
    """The API's themes, read as a client gets them; and HR's organisation view."""
    if team is None:
        found = organisation_themes_get()
        for theme in found:
            snap.themes.add(
                ThemeSeen("organisation", ORG, theme.round.pk, theme.words, theme.count)
            )
    else:
        found = team_themes_get(team=team)
    node = ORG if team is None else team.pk
    for item in themes_data(found):
        snap.themes.add(
            ThemeSeen("api", node, item["round"], tuple(item["words"]), item["comments"])
        )


def _window_rounds(world: World, closed: list[int], round_id: int) -> tuple[int, ...]:
    by_pk = {t.pk: t for t in world.rounds}
    window = window_of(round_number=by_pk[round_id].number)
    return tuple(pk for pk in closed if window_of(round_number=by_pk[pk].number) == window)


def _cell(snap: Snapshot, world: World, view: str, team: int, dim: int, round_id: int, cell):
    """Record a dimension cell (a Cell or the API's dict) as figures or as a hidden reason."""
    get = cell.get if isinstance(cell, dict) else lambda name: getattr(cell, name, None)
    score = get("score") if not isinstance(cell, dict) else get("mean")
    if cell is None or get("suppressed") or score is None:
        reason = "omitted: not asked" if cell is None else (get("reason") or "not asked")
        snap.hidden.add(Hidden(view, team, dim, round_id, reason))
        return
    pooled = int(get("pooled_rounds") or 1)
    rounds = _window_rounds(world, snap.closed, round_id) if pooled > 1 else (round_id,)
    snap.figures.add(Figure(view, "score", team, dim, rounds, int(get("n")), float(score)))
    favourable = get("favourable_pct")
    if favourable is not None:
        snap.figures.add(Figure(view, "dimfav", team, dim, rounds, int(get("n")), favourable))


def _question(snap: Snapshot, world, view: str, team: int, version: int, round_id, figure):
    if figure is None or figure["suppressed"] or round_id is None:
        return
    pooled = int(figure.get("pooled_rounds") or 1)
    rounds = _window_rounds(world, snap.closed, round_id) if pooled > 1 else (round_id,)
    value = figure["enps"] if figure.get("enps") is not None else figure["favourable_pct"]
    snap.figures.add(Figure(view, "item", team, version, rounds, int(figure["n"]), value))


def _participation(snap: Snapshot, view: str, team: int, round_id: int, invited, responded):
    if invited is not None and responded is not None:
        snap.figures.add(Figure(view, "part", team, 0, (round_id,), invited, responded))


def _summary_entry(snap: Snapshot, view: str, team: int, round_id: int, d: dict) -> None:
    snap.derived.add(
        Derived(
            view, team, d["dimension"], round_id, d.get("score"), d.get("previous"),
            d.get("delta"), d.get("p_value"), bool(d.get("real", d.get("real_change"))),
        )
    )  # fmt: skip


def _team_page(world: World, snap: Snapshot, team: Team) -> None:
    page = team_page_get(team=team)
    for node, rows in ((team.pk, page.scores.rows), (ORG, page.organisation.rows)):
        for row in rows:
            p = row.participation
            _participation(snap, "page", node, row.round.pk, p.invited, p.responded)
            for dim, cell in row.cells.items():
                _cell(snap, world, "page", node, dim, row.round.pk, cell)
    by_round: dict[int, set[str]] = {}
    for comment in page.comments:
        by_round.setdefault(comment.round.pk, set()).add(comment.text)
        if comment.thread is not None:
            _thread_seen(snap, "page", team.pk, comment.thread, comment.messages)
    for round_id, texts in by_round.items():
        snap.comments.add(Comments("page", team.pk, round_id, frozenset(texts)))
    for q in page.questions:
        data = {"suppressed": q.suppressed, "n": q.n, "favourable_pct": q.favourable_pct,
                "enps": q.enps, "pooled_rounds": q.pooled_rounds}  # fmt: skip
        _question(snap, world, "page", team.pk, q.version.pk, q.round and q.round.pk, data)
    _drivers(snap, "page", team.pk, page.drivers)
    for theme in page.themes:
        _selected, linked = page.theme_comments(theme.position)
        texts = tuple(sorted(c.text for c in linked))
        snap.themes.add(ThemeSeen("page", team.pk, theme.round.pk, theme.words, theme.count, texts))
    if page.summary is not None:
        for line in page.summary.lines:
            entry = {"dimension": line.dimension.pk, "score": line.score, "delta": line.delta,
                     "real": line.real}  # fmt: skip
            _summary_entry(snap, "page summary", team.pk, page.summary.round.pk, entry)


def _home(world: World, snap: Snapshot, team: Team) -> None:
    """The manager home's part for a team: its chart's cells, the participation under "how we
    know", the quoted comments and each headline's change."""
    home = team_home_get(team=team)
    for row in home.page.scores.rows:
        p = row.participation
        _participation(snap, "home", team.pk, row.round.pk, p.invited, p.responded)
        for dim, cell in row.cells.items():
            _cell(snap, world, "home", team.pk, dim, row.round.pk, cell)
    for series in home.chart.series:  # what the chart draws: only shown cells, by week
        for row, dot in zip(
            [r for r in reversed(home.page.scores.rows)
             if r.cells[series.dimension.pk].score is not None],
            series.chart.dots,
            strict=True,
        ):  # fmt: skip
            assert dot[2] == f"{row.cells[series.dimension.pk].score:.0f}"
    by_round: dict[int, set[str]] = {}
    for comment in home.page.comments:
        by_round.setdefault(comment.round.pk, set()).add(comment.text)
    for round_id, texts in by_round.items():
        snap.comments.add(Comments("home", team.pk, round_id, frozenset(texts)))
    assert {c.text for c in home.comments} <= {c.text for c in home.page.comments}
    for line in home.headlines:
        card = line.card
        change, previous = card.change, card.comparison.previous
        if card.latest_round is None:
            continue
        snap.derived.add(
            Derived(
                "home", team.pk, card.dimension.pk, card.latest_round.pk, line.score,
                previous.score if previous is not None else None,
                change.delta if change else None, change.p_value if change else None, card.real,
            )
        )  # fmt: skip


def _thread_seen(snap: Snapshot, view: str, team: int | None, thread: Thread, messages) -> None:
    snap.threads.add(
        ThreadSeen(
            view=view, team=team, round=thread.response.round_id, thread=str(thread.pk),
            comment=thread.response.comment,
            messages=tuple((str(m.pk), m.role, m.at, m.signature) for m in messages),
        )
    )  # fmt: skip


def _conversations(world: World, snap: Snapshot, rnd: Round) -> None:
    """Staff answer every thread shown on some page once (signed), an hour after the close, so
    the next invitation counts it (ADR 0037); then every author reads their own thread through
    the secret, as the author's page does."""
    shown = {seen.thread for seen in snap.threads if seen.view == "page"}
    answered_at = rnd.closes_at + dt.timedelta(hours=1)
    for thread in Thread.objects.filter(
        pk__in=shown, messages__role=Message.Role.AUTHOR
    ).distinct():
        if not thread.messages.exclude(role=Message.Role.AUTHOR).exists():
            message_post(
                thread=thread, role=Message.Role.MANAGER, body="heard", signature="Boss",
                now=answered_at,
            )  # fmt: skip
    for truth in world.rounds:
        for secret in truth.threads.values():
            thread = thread_for_secret(secret=secret)
            if thread is not None:
                _thread_seen(
                    snap,
                    "author",
                    None,
                    thread,
                    [s.message for s in messages_for_author(thread=thread)],
                )


def _employee_home(world: World, snap: Snapshot, person: Person) -> None:
    """An employee's home: the latest shown card of their team (or the group around it)."""
    view = employee_view_get(person=person)
    if view is None:
        return
    for card in view.cards:
        if card.latest is not None and card.latest_round is not None:
            _cell(snap, world, "employee home", view.team.pk, card.dimension.pk,
                  card.latest_round.pk, card.latest)  # fmt: skip


def _team_api(world: World, snap: Snapshot, team: Team, versions: dict, n_rounds: int) -> None:
    keys = dict(Dimension.objects.values_list("key", "pk"))
    data = team_scores_data(team=team, query=ScoreQuery(n_rounds=n_rounds))
    for period in data["periods"]:
        round_id = period["round"]["id"]
        p = period["participation"]
        _participation(snap, "api", team.pk, round_id, p.get("invited"), p.get("responded"))
        shown = {d["dimension"]: d["figure"] for d in period["dimensions"]}
        for dim in keys.values():
            _cell(snap, world, "api", team.pk, dim, round_id, shown.get(dim))
        for q in period["questions"]:
            version = versions[(q["question"], q["version"])]
            _question(snap, world, "api", team.pk, version, round_id, q["figure"])
    # The summaries as a whole and picked by period (the newest period only, as a client
    # asking for one week would): the same figures either way.
    newest = data["periods"][0]["round"]["period_start"] if data["periods"] else None
    picked = (
        team_summaries_data(team=team, n_rounds=n_rounds, period_from=newest, period_to=newest)
        if newest
        else []
    )
    for summary in [*team_summaries_data(team=team, n_rounds=n_rounds), *picked]:
        round_id = summary["round"]["id"]
        _participation(
            snap, "api summary", team.pk, round_id, summary["invited"], summary["responded"]
        )
        for d in summary["dimensions"]:
            _summary_entry(snap, "api summary", team.pk, round_id, d)


def _export(world: World, snap: Snapshot, root: Team) -> None:
    keys = dict(Dimension.objects.values_list("key", "pk"))
    text, _count = scores_export_csv(team=root, n_rounds=12, period_from=None, period_to=None)
    for row in csv.DictReader(io.StringIO(text)):
        team, dim, round_id = int(row["team_id"]), keys[row["dimension"]], int(row["round_id"])
        cell = {
            "suppressed": row["suppressed"] == "true", "reason": row["reason"],
            "n": row["n"] or None, "mean": float(row["mean"]) if row["mean"] else None,
            "favourable_pct": float(row["favourable_pct"]) if row["favourable_pct"] else None,
            "pooled_rounds": row["pooled_rounds"] or 1,
        }  # fmt: skip
        _cell(snap, world, "csv", team, dim, round_id, cell)


def _emails(snap: Snapshot, rnd: Round) -> None:
    lines = [("alert", line) for line in alert_get(round=rnd)]
    for manager in Person.objects.filter(managed_teams__isnull=False, is_active=True).distinct():
        digest = digest_get(manager=manager, round=rnd)
        lines += [("digest", line) for line in (digest.lines if digest else [])]
    for view, line in lines:
        s = line.summary
        _participation(snap, view, line.team.pk, rnd.pk, s.invited, s.responded)
        for d in s.dimensions:
            _summary_entry(snap, view, line.team.pk, rnd.pk, d)
        if view == "digest" and line.driver is not None:
            _drivers(snap, view, line.team.pk, [line.driver])
        if view == "digest":
            for theme in line.themes:
                snap.themes.add(
                    ThemeSeen(view, line.team.pk, theme.round.pk, theme.words, theme.count)
                )


def observe_all(world: World, rnd: Round) -> None:
    """Everything every role can read once `rnd` closed, and the database dump (class 5).

    Teams whose subtree (today) held nobody in any round so far show nothing and are skipped.
    The API (per-round question figures and stored summaries, the costliest reads) covers
    every round at the world's last close and the newly closed round at the others; the page
    (every dimension cell, participation, comments, the newest question figures and summary)
    is read for every round at every close.
    """
    closed = [t.pk for t in world.rounds if t.pk <= rnd.pk]
    snap = Snapshot(after=rnd.pk, tree=world.tree(), closed=closed)
    history = 12 if world.last_round else 1
    versions = {(q, n): pk for pk, q, n in QuestionVersion.objects.values_list(
        "pk", "question_id", "number")}  # fmt: skip
    for team in Team.objects.order_by("path"):
        if not world.ever_populated(snap.tree, team.pk):
            continue
        world.step(f"team_page_get(team={team.name})", lambda t=team: _team_page(world, snap, t))
        world.step(f"team_home_get(team={team.name})", lambda t=team: _home(world, snap, t))
        world.step(
            f"api team_scores_data/team_summaries_data(team={team.name})",
            lambda t=team: _team_api(world, snap, t, versions, history),
        )
        world.step(f"api drivers(team={team.name})", lambda t=team: _drivers_api(snap, t))
        world.step(f"api themes(team={team.name})", lambda t=team: _themes_api(snap, t))
    # The employee home depends only on the person's team: one reader per team.
    readers = {}
    for person in Person.objects.filter(team__isnull=False).select_related("team").order_by("pk"):
        readers.setdefault(person.team_id, person)
    for person in readers.values():
        world.step(
            f"employee_view_get(team={person.team.name})",
            lambda p=person: _employee_home(world, snap, p),
        )
    for root in Team.objects.filter(parent=None):
        world.step(f"scores_export_csv(team={root.name})", lambda t=root: _export(world, snap, t))
    world.step(
        "organisation_heatmap_get()",
        lambda: _drivers(snap, "heatmap", ORG, organisation_heatmap_get().drivers),
    )
    world.step("api drivers(organisation)", lambda: _drivers_api(snap, None))
    world.step("organisation themes (page, api)", lambda: _themes_api(snap, None))
    world.step("digest_get/alert_get", lambda: _emails(snap, rnd))
    world.step("conversations", lambda: _conversations(world, snap, rnd))
    world.snapshots.append(snap)
    world.step("database dump", lambda: database_dump(world, rnd))


def database_dump(world: World, rnd: Round) -> None:
    """Leak class 5: read the raw tables as a database reader after the reshuffle and look for a
    join that singles out a person's answers."""
    k = rnd.min_group_size
    if Participation.objects.filter(round=rnd).count() < k:
        return  # a round with fewer than k invitees in all cannot be anonymous (threat model)
    names = world.names
    teams = world.team_names
    participation_fields = {f.name for f in Participation._meta.get_fields()}
    for team_id in set(Response.objects.filter(round=rnd).values_list("team_id", flat=True)):
        authors = Participation.objects.filter(round=rnd)
        if "team" in participation_fields:
            authors = authors.filter(team_id=team_id)
        if "responded" in participation_fields and authors.filter(responded=True).exists():
            authors = authors.filter(responded=True)  # the flag is still there: it narrows
        people = sorted(names.get(p, str(p)) for p in authors.values_list("person", flat=True))
        if 0 < len(people) < k:
            world.db_findings.append(
                f"round {rnd.number}: responses labelled {teams.get(team_id)} can only be from "
                f"{people} (Participation with that team{' and responded' if 'responded' in participation_fields else ''})"
            )
    invited = dict(
        Participation.objects.filter(round=rnd).values_list("person", "team")
    )  # each invitee's label: their group once the round closed (HR knows the groups too)
    frozen = dict(RoundTeam.objects.filter(round=rnd).values_list("team_id", "parent_id"))
    # A roll-up row narrows its answers to the invitees it covers: those labelled with the row's
    # team (own-member row) or with a team of its subtree in the round's tree (subtree row).
    # Fewer than k of them single the answers out (A6), however many of them responded.
    for model in (DimensionRollup, QuestionRollup, ParticipationRollup, DriverRollup):
        for team_id, whole_subtree in set(
            model.objects.filter(round=rnd).values_list("team_id", "includes_subteams")
        ):
            below = subtree(frozen, team_id) if whole_subtree else {team_id}
            covered = sorted(names.get(p, "?") for p, t in invited.items() if t in below)
            if len(covered) < k:
                scope = "subtree" if whole_subtree else "own-member"
                world.db_findings.append(
                    f"round {rnd.number}: {model.__name__} {scope} row of "
                    f"{teams.get(team_id)} covers {len(covered)} < k={k} invitees {covered}"
                )
    for n in DimensionReliability.objects.filter(round=rnd).values_list("n", flat=True):
        if n and len(invited) < k:
            world.db_findings.append(f"round {rnd.number}: DimensionReliability of {n} < k")
    for team_id, n in TeamRoundSummary.objects.filter(round=rnd).values_list("team", "invited"):
        if n is not None and 0 < n < k:
            world.db_findings.append(f"round {rnd.number}: summary of {teams.get(team_id)} n={n}")
    world.step("conversation tables", lambda: conversation_tables(world, rnd))
    private = [ContentType.objects.get_for_model(m) for m in (Participation, Response, Answer)]
    if LogEntry.objects.filter(content_type__in=private).exists():
        world.db_findings.append("the audit log records participations, responses or answers")


# The times a conversation stores: a message's `at` (an author's: the batch; staff: the minute
# written) and when staff first marked the thread heard (a staff act, ADR 0037).
STAFF_TIMES = {Thread: ("heard_at",), Message: ("at",)}


def conversation_tables(world: World, rnd: Round) -> None:
    """Leak class 8, the stored side: nothing joins a thread to a person or a participation, the
    threads were rewritten at the reshuffle, and an author message's only time is a batch time,
    later than when it was written."""
    found = world.thread_findings
    for model in (Thread, Message):
        for f in model._meta.get_fields():
            if f.is_relation and f.related_model in (Person, Participation):
                found.append(
                    f"{model.__name__}.{f.name} joins a thread to {f.related_model.__name__}"
                )
            if isinstance(f, models.DateTimeField) and f.name not in STAFF_TIMES.get(model, ()):
                found.append(f"{model.__name__}.{f.name} stores a time besides the batch")
    truth = next(t for t in world.rounds if t.pk == rnd.pk)
    now_keys = {
        str(pk) for pk in Thread.objects.filter(response__round=rnd).values_list("pk", flat=True)
    }
    if truth.thread_keys_before & now_keys:
        found.append(f"round {truth.number}: thread keys survived the reshuffle")
    if len(now_keys) != len(truth.threads):
        found.append(
            f"round {truth.number}: {len(truth.threads)} threads opened, {len(now_keys)} kept"
        )
    zone = zoneinfo.ZoneInfo(settings.RELHEALTH_CONVERSATION_TIME_ZONE)
    names = set(world.names.values())
    for message in Message.objects.filter(thread__response__round=rnd, role=Message.Role.AUTHOR):
        local = message.at.astimezone(zone)
        batch = (
            local.hour in settings.RELHEALTH_CONVERSATION_BATCH_HOURS
            and (local.minute, local.second, local.microsecond) == (0, 0, 0)
            and is_working_day(day=local.date(), zone=zone.key)
        )
        written = truth.written.get((str(message.thread_id), message.seq))
        if str(message.pk) in truth.message_keys_posted or not message.delivered:
            found.append(f"round {truth.number}: an author message kept its key past its batch")
        if not batch or written is None or message.at <= written:
            found.append(
                f"round {truth.number}: an author message stored at {local}, written {written}"
            )
        if message.signature or any(n in message.body for n in names):
            found.append(f"round {truth.number}: an author message names someone")
        # Staff reading at the moment it was written do not see it yet.
        if written is not None and any(
            m.pk == message.pk for m in messages_for_staff(thread=message.thread, now=written)
        ):
            found.append(f"round {truth.number}: staff see an author message when it is written")
    for f in OutboundEmail._meta.get_fields():  # the ledger row is the person's (ADR 0037)
        if f.is_relation and f.related_model in (Thread, Message):
            found.append(f"OutboundEmail.{f.name} joins a thread to the email's recipient")
    threads = [ContentType.objects.get_for_model(m) for m in (Thread, Message)]
    for entry in LogEntry.objects.filter(content_type__in=threads):
        found.append(f"the audit log records a {entry.content_type.model} change")
