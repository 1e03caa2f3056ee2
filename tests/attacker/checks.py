"""One check per leak class of issue 14, each raising an AssertionError that names the class and
whom it found.

The attacker is an HR admin: they know the team tree at every moment and who was invited (so
who belongs to each team's subtree, then and now), and keep every output read after every
close. To turn a shown figure into the secret answers it sums, the attacker tries the tree
frozen with its round and today's tree, and takes the one that reproduces the shown n and
figure; a figure that neither explains is a failure of the model itself (class 0).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable

from scipy import stats

from checkins.models import Question
from culture.anonymity import COMMENT_MIN_RESPONDENTS, ORG
from tests.attacker.observe import Figure, Snapshot
from tests.attacker.solver import Row, attack
from tests.attacker.world import Parents, RoundTruth, World, subtree

CLASSES = {
    0: "the attacker's model explains every shown figure",
    1: "re-organisation after a round closed (subtraction across trees and time)",
    2: "measures that share answers decided separately (dimension vs its items)",
    3: "statistics computed from hidden data (p-value / real change)",
    4: "the hidden cell's reason is an oracle (0 vs 1..k-1)",
    5: "stored data pairs people with answers after the reshuffle (database dump)",
    7: "re-organisations crash pages and jobs",
    8: "conversations: a thread joins a person, shows beyond its comment, or times its author",
    9: "driver links computed beyond the shown figures (ADR 0032)",
    10: "comment themes beyond the shown comments (below k, hidden slice, or by comparison)",
}


class Attacker:
    """Resolves shown figures into the variables they sum, for one world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.truth: dict[int, RoundTruth] = {t.pk: t for t in world.rounds}
        self.unexplained: list[str] = []

    def who(self, units) -> str:
        names = self.world.names
        return ", ".join(
            sorted(f"{names.get(p, p)} (round {self.truth[r].number})" for p, r, *_ in units)
        )

    def members(self, tree: Parents, team: int, t: RoundTruth) -> set[int]:
        teams = subtree(tree, team)
        return {p for p, own in t.team_of.items() if own in teams}

    def grouped(self, team: int, t: RoundTruth) -> set[int]:
        """The invitees a figure of `team` covers once its round closed: those whose group lies
        in the team's subtree of the frozen tree (everyone for the organisation)."""
        if team == ORG:
            return set(t.group_of)
        teams = subtree(t.frozen, team) if team in t.frozen else set()
        return {p for p, group in t.group_of.items() if group in teams}

    def _weights(self, snap: Snapshot, f: Figure, t: RoundTruth, how: str) -> Counter:
        """How often each invitee counts in the figure under one reading of the trees."""
        if how == "grouped":
            return Counter(self.grouped(f.team, t))
        if how == "frozen":
            return Counter(self.members(t.tree, f.team, t))
        if how == "today":
            return Counter(self.members(snap.tree, f.team, t))
        # The organisation as the sum of today's roots' stored (frozen) subtree figures.
        found: Counter = Counter()
        for root in (team for team, parent in snap.tree.items() if parent is None):
            if root in t.tree:
                found.update(self.members(t.tree, root, t))
        return found

    def resolve(self, snap: Snapshot, f: Figure) -> Row | None:
        readings = ["grouped", "frozen", "today"] + (["roots"] if f.team == ORG else [])
        for how in readings:
            found = self._support(snap, f, how)
            if found is not None:
                return found
        self.unexplained.append(f"{f} after round {self.truth[snap.after].number}")
        return None

    def _support(self, snap: Snapshot, f: Figure, how: str) -> Row | None:
        variables: Counter = Counter()
        n, total, favourable, answered, invited, responded = 0, 0.0, 0, 0, 0, 0
        values: list[int] = []
        for round_id in f.rounds:
            t = self.truth[round_id]
            weights = self._weights(snap, f, t, how)
            if f.family == "part":
                invited += sum(weights.values())
                responded += sum(w for p, w in weights.items() if p in t.answers)
                variables.update({(p, round_id): w for p, w in weights.items()})
                continue
            for p, w in weights.items():
                if p not in t.answers:
                    continue
                if f.family in ("score", "dimfav"):
                    score = t.dimension_score(p, f.measure)
                    if score is None:
                        continue
                    n, total = n + w, total + w * score
                    if f.family == "score":
                        variables[(p, round_id, f.measure)] += w
                    for item in t.dimension_items(f.measure):
                        value = t.answers[p].get(item.version)
                        if value is not None:
                            answered += w
                            favourable += w * item.favourable(value)
                            if f.family == "dimfav":
                                variables[(p, round_id, item.version)] += w
                else:  # one question
                    value = t.answers[p].get(f.measure)
                    item = t.items.get(f.measure)
                    if value is None or item is None:
                        continue
                    values += [value] * w
                    favourable += w * item.favourable(value)
                    variables[(p, round_id, f.measure)] += w
        if f.family == "part":
            ok = invited == f.n and responded == f.value
        elif f.family == "score":
            ok = n == f.n and n > 0 and abs(total / n - (f.value or 0.0)) < 0.051
        elif f.family == "dimfav":
            ok = n == f.n and answered > 0 and _near(100 * favourable / answered, f.value)
        else:
            ok = len(values) == f.n and bool(values) and _item_value(values, favourable, f)
        return frozenset((v, float(w)) for v, w in variables.items()) if ok else None


def _near(a: float, b: float | None, places: int = 1) -> bool:
    return b is not None and abs(round(a, places) - b) < 0.051


def _item_value(values: list[int], favourable: int, f: Figure) -> bool:
    n = len(values)
    enps = 100.0 * (sum(v >= 9 for v in values) - sum(v <= 6 for v in values)) / n
    return _near(100.0 * favourable / n, f.value, 0) or _near(enps, f.value, 0)


class LeakFound(AssertionError):
    """The attacker singled someone out (or the system crashed on the way): a leak class."""


class ModelError(AssertionError):
    """The attacker could not explain a shown figure: the test itself needs fixing."""


def _fail(number: int, findings: list[str]) -> None:
    if findings:
        shown = "\n  ".join(findings[:5])
        raise (ModelError if number == 0 else LeakFound)(
            f"issue 14 leak class {number} ({CLASSES[number]}): {len(findings)} finding(s)\n"
            f"  {shown}"
        )


def _rows(attacker: Attacker, family: str, project: Callable | None = None) -> list[Row]:
    rows = []
    for snap in attacker.world.snapshots:
        for f in snap.figures:
            if f.family == family:
                support = attacker.resolve(snap, f)
                if support is not None:
                    rows.append(_project(support, project) if project else support)
    return rows


def _project(row: Row, project: Callable) -> Row:
    merged: Counter = Counter()
    for var, coefficient in row:
        merged[project(var)] += coefficient
    return frozenset(merged.items())


def _unit(var) -> tuple[int, int]:
    return var[0], var[1]


def _dimension_of(attacker: Attacker) -> Callable:
    def project(var):  # (person, round, version) -> (person, round, dimension)
        return var[0], var[1], attacker.truth[var[1]].items[var[2]].dimension

    return project


def check_model(world: World) -> None:
    attacker = Attacker(world)
    for family in ("score", "dimfav", "item", "part"):
        _rows(attacker, family)
    _comment_findings(attacker)  # each comment list must be some team's slice, then or now
    _fail(0, sorted(set(attacker.unexplained)))


def check_reorganisation(world: World) -> None:
    """Class 1: every figure ever shown, each family on its own (dimension scores, dimension
    favourable counts per dimension, question figures, participation), and the comments."""
    attacker = Attacker(world)
    findings = []
    families = [
        ("dimension scores", _rows(attacker, "score")),
        ("dimension favourable", _rows(attacker, "dimfav", _dimension_of(attacker))),
        ("question figures", _rows(attacker, "item")),
        ("participation (who responded)", _rows(attacker, "part")),
    ]
    for label, rows in families:
        found = attack(rows, _unit, world.k)
        if found:
            findings.append(f"{label}: {found[1]}: {attacker.who(found[0])}")
    findings += _comment_findings(attacker)
    if findings and world.moves:
        findings.append(f"re-organisations: {'; '.join(world.moves[:6])}")
    _fail(1, findings)


def _comment_supports(attacker: Attacker) -> dict[int, list[set[int]]]:
    """Per round, the respondents behind each comment list ever shown (with distinct texts the
    attacker knows which list is which slice)."""
    world, lists = attacker.world, defaultdict(list)
    for snap in world.snapshots:
        for c in snap.comments:
            t = attacker.truth[c.round]
            readings = [attacker.grouped(c.team, t)] + [
                attacker.members(tree, c.team, t) for tree in (snap.tree, t.tree)
            ]
            for covered in readings:
                people = covered & set(t.answers)
                if {t.comments[p] for p in people if p in t.comments} == set(c.texts):
                    lists[c.round].append(people)
                    break
            else:
                attacker.unexplained.append(f"{c} after round {attacker.truth[snap.after].number}")
    return lists


def _isolated(attacker: Attacker, supports: dict[int, list[set[int]]], what: str) -> list[str]:
    """Intersect and subtract the slices: every Venn cell holding a comment must hold at least
    ten respondents (and k)."""
    findings = []
    for round_id, slices in supports.items():
        t = attacker.truth[round_id]
        cells: dict[frozenset[int], set[int]] = defaultdict(set)
        for p in t.answers:
            pattern = frozenset(i for i, s in enumerate(slices) if p in s)
            if pattern:
                cells[pattern].add(p)
        for people in cells.values():
            commenters = {p for p in people if p in t.comments}
            if commenters and len(people) < max(COMMENT_MIN_RESPONDENTS, t.k):
                findings.append(
                    f"{what}: {len(people)} respondents' comments isolated by comparing "
                    f"{what}: {attacker.who({(p, round_id) for p in commenters})}"
                )
    return findings


def _comment_findings(attacker: Attacker) -> list[str]:
    """Comments by subtraction: with distinct texts the attacker can intersect and subtract the
    lists; every Venn cell holding a comment must hold at least ten respondents."""
    return _isolated(attacker, _comment_supports(attacker), "comment lists")


def check_shared_answers(world: World) -> None:
    """Class 2: dimension favourable counts and question figures together over single answers,
    where each alone gives nothing away."""
    attacker = Attacker(world)
    dimensions = _rows(attacker, "dimfav")
    questions = _rows(attacker, "item")
    alone = attack(
        [_project(r, _dimension_of(attacker)) for r in dimensions], _unit, world.k
    ) or attack(questions, _unit, world.k)
    together = attack(dimensions + questions, _unit, world.k)
    if together and not alone:
        _fail(2, [f"dimension and question figures: {together[1]}: {attacker.who(together[0])}"])


def _true_p(attacker: Attacker, team: int, dimension: int, a: int, b: int) -> float | None:
    """Welch's p between the team's true single weeks a and b (what a leak would carry)."""
    groups = []
    for round_id in (a, b):
        t = attacker.truth[round_id]
        groups.append(
            [
                s
                for p in attacker.grouped(team, t) & set(t.answers)
                if (s := t.dimension_score(p, dimension)) is not None
            ]
        )
    if min(len(g) for g in groups) < 2:
        return None
    p = float(stats.ttest_ind(groups[0], groups[1], equal_var=False).pvalue)
    return None if math.isnan(p) else p


def check_derived(world: World) -> None:
    """Class 3: a p-value or "real change" needs both its figures shown week by week (the test
    runs on the weeks' own sums), now or at an earlier read; a figure that was only ever shown
    pooled over a window means the test used a hidden week."""
    attacker, findings = Attacker(world), []
    shown: dict[tuple[int, int], list[Figure]] = defaultdict(list)  # remembered from all reads
    for snap in world.snapshots:
        for f in snap.figures:
            if f.family == "score":
                shown[(f.team, f.measure)].append(f)
        for d in snap.derived:
            if d.score is None or (d.p_value is None and not d.real and d.delta is None):
                continue
            figures = shown[(d.team, d.dimension)]
            now = [f for f in figures if f.rounds[-1] == d.round and _near(d.score, f.value)]
            previous = d.previous if d.previous is not None else d.score - (d.delta or 0.0)
            before = [f for f in figures if f.rounds[-1] < d.round and _near(previous, f.value)]
            problem = None
            if not now or not before:
                problem = "a figure it compares is not shown"
            elif all(len(f.rounds) > 1 for f in now) or all(len(f.rounds) > 1 for f in before):
                problem = "a figure it compares is pooled over a window"
            if problem and (d.p_value is not None or d.real):
                round_before = max(f.rounds[-1] for f in before) if before else None
                hidden = (
                    _true_p(attacker, d.team, d.dimension, d.round, round_before)
                    if round_before
                    else None
                )
                weeks = (
                    f"; Welch p from the single hidden weeks = {hidden:.4f}"
                    if hidden is not None and not math.isnan(hidden)
                    else ""
                )
                findings.append(
                    f"{d.view} (team {world.team_names.get(d.team, d.team)}, round "
                    f"{attacker.truth[d.round].number}) shows p={d.p_value} real={d.real} "
                    f"score={d.score} previous={previous}: {problem}{weeks}"
                )
    _fail(3, sorted(set(findings)))


def check_reasons(world: World) -> None:
    """Class 4: a hidden cell of an asked dimension gives the same reason for 0 and 1..k-1."""
    attacker, findings = Attacker(world), []
    seen: dict[str, dict[bool, set[str]]] = defaultdict(lambda: defaultdict(set))
    for snap in world.snapshots:
        for h in snap.hidden:
            t = attacker.truth[h.round]
            if not t.dimension_items(h.dimension):
                continue  # really not asked this round: everyone can see that
            counts, invitees = [], set()
            # The groups of the close are what the figures cover; before them (a round closed
            # without grouping) the trees of the round and of today are the candidates.
            readings = (
                [attacker.grouped(h.team, t)]
                if t.group_of
                else [attacker.members(tree, h.team, t) for tree in (t.tree, snap.tree)]
            )
            for people in readings:
                invitees |= people
                counts.append(
                    sum(
                        1
                        for p in people & set(t.answers)
                        if t.dimension_score(p, h.dimension) is not None
                    )
                )
            if not invitees or min(counts) >= t.k:
                continue
            zero = max(counts) == 0
            # Per team and window: a small team's window mode (fixed by who was invited when the
            # window opened, which HR knows) may give it another reason than a large team.
            seen[(h.view, h.team, (t.number - 1) // 4)][zero].add(h.reason)
            if zero and "not asked" in h.reason:
                lone = ""
                if len(invitees) == 1:
                    (p,) = invitees
                    did = "skipped it" if p in t.answers else "did not check in"
                    lone = f": the team's only invitee {world.names.get(p)} {did}"
                findings.append(
                    f"{h.view}: {world.team_names.get(h.team, 'organisation')} round "
                    f"{t.number} says '{h.reason}' for an asked dimension with 0 answers{lone}"
                )
    for (view, team, _window), reasons in seen.items():
        only_zero = reasons[True] - reasons[False]
        if only_zero and reasons[False]:
            findings.append(
                f"{view}: {world.team_names.get(team, 'organisation')} says "
                f"{sorted(only_zero)} only when 0 answered"
            )
    _fail(4, sorted(set(findings)))


def _pairs(attacker: Attacker, team: int, t: RoundTruth, dimension: int, outcome: int) -> int:
    """The respondents of a round's figure of `team` with a score on `dimension` and on the
    outcome (0: an eNPS answer, else a score on that dimension)."""
    people = attacker.grouped(team, t) if t.group_of else attacker.members(t.tree, team, t)
    enps = [i.version for i in t.items.values() if i.scale == Question.Scale.ZERO_TEN]
    count = 0
    for p in people & set(t.answers):
        if t.dimension_score(p, dimension) is None:
            continue
        if outcome:
            count += t.dimension_score(p, outcome) is not None
        else:
            count += any(t.answers[p].get(v) is not None for v in enps)
    return count


def check_drivers(world: World) -> None:
    """Class 8: a driver link stands on shown figures only. It needs at least k pairs, the
    group's score figure of the driver dimension (and of an outcome dimension) shown in the same
    read, and it may hold no more pairs than the rounds of those shown figures hold."""
    attacker, findings = Attacker(world), []
    for snap in world.snapshots:
        shown: dict[tuple[int, int], set[int]] = defaultdict(set)
        for f in snap.figures:
            if f.family == "score":
                shown[(f.team, f.measure)].update(f.rounds)
        k = min(attacker.truth[r].k for r in snap.closed)
        for d in snap.drivers:
            name = world.team_names.get(d.team, "organisation")
            where = f"{d.view}: {name} after round {attacker.truth[snap.after].number}"
            rounds = set(shown[(d.team, d.dimension)])
            if d.outcome:
                rounds &= shown[(d.team, d.outcome)]
            if d.n < k:
                findings.append(f"{where} shows a link of {d.n} < k={k} pairs")
            elif not rounds:
                findings.append(f"{where} shows a link where no figure of it is shown")
            else:
                bound = sum(
                    _pairs(attacker, d.team, attacker.truth[r], d.dimension, d.outcome)
                    for r in rounds
                )
                if d.n > bound:
                    findings.append(
                        f"{where} shows a link of {d.n} pairs; its shown figures hold {bound}"
                    )
    _fail(8, sorted(set(findings)))


def check_database(world: World) -> None:
    _fail(5, list(dict.fromkeys(world.db_findings)))  # in the order found, joins first


def check_crashes(world: World) -> None:
    _fail(7, [f"{c.where}: {c.error}" for c in world.crashes])


def check_conversations(world: World) -> None:
    """A thread is shown to staff exactly where its comment is shown (A4 unchanged), every
    author reads their own thread with roles only, and the stored side holds nothing that joins
    a thread to a person or times its author (`observe.conversation_tables`)."""
    findings = list(dict.fromkeys(world.thread_findings))
    truth_of = {t.pk: t for t in world.rounds}
    for snap in world.snapshots:
        shown = {(c.team, c.round): c.texts for c in snap.comments if c.view == "page"}
        seen = {(th.team, th.round, th.comment) for th in snap.threads if th.view == "page"}
        for th in snap.threads:
            if th.view == "page" and th.comment not in shown.get((th.team, th.round), ()):
                findings.append(f"a thread shown on team {th.team} without its comment")
            if th.view == "author" and any(
                sig for _, role, _, sig in th.messages if role == "author"
            ):
                findings.append("an author's own message is signed")
        for (team, round_id), texts in shown.items():
            t = truth_of[round_id]
            with_thread = {t.comments[p] for p in t.threads if p in t.comments}
            for text in texts & with_thread:
                if (team, round_id, text) not in seen:
                    findings.append(f"a comment with a thread shown on team {team} without it")
        authors = {th.thread for th in snap.threads if th.view == "author"}
        expected = sum(len(t.threads) for t in world.rounds if t.pk <= snap.after)
        if len(authors) != expected:
            findings.append(
                f"{expected} authors hold secrets, {len(authors)} threads open with them"
            )
    findings += _invitation_findings(world)
    _fail(8, findings)


def check_themes(world: World) -> None:
    """Class 10: a comment theme (issue 20) stands on shown comments only. It has at least k
    comments; a team's theme appears only in a read where the team page lists that round's
    comments, and its link lists exactly its count of those comments; and the slices themes
    speak for (the organisation's too), with the comment lists, isolate no comment when
    intersected and subtracted (a theme tells which slice's comments share words)."""
    attacker, findings = Attacker(world), []
    supports = _comment_supports(attacker)
    for snap in world.snapshots:
        shown = {(c.team, c.round): c.texts for c in snap.comments if c.view == "page"}
        for theme in snap.themes:
            t = attacker.truth[theme.round]
            where = f"{theme.view}: theme {'/'.join(theme.words)} of team {theme.team}"
            if theme.count < t.k:
                findings.append(f"{where}: {theme.count} < k={t.k} comments")
            if theme.team != ORG and (theme.team, theme.round) not in shown:
                findings.append(f"{where}: round {t.number}'s comments are not shown there")
            if theme.texts is not None and (
                len(theme.texts) != theme.count
                or not set(theme.texts) <= shown.get((theme.team, theme.round), frozenset())
            ):
                findings.append(f"{where}: its link lists other comments than it counts")
            supports[theme.round].append(attacker.grouped(theme.team, t) & set(t.answers))
    findings += _isolated(attacker, supports, "comment themes")
    _fail(10, list(dict.fromkeys(findings)))


def _path(tree: Parents, team: int | None) -> list[int]:
    found = []
    while team is not None and team not in found:
        found.append(team)
        team = tree.get(team)
    return found


def _invitation_findings(world: World) -> list[str]:
    """The invitation's "answered" line (ADR 0037): every invitee of a team reads the same one,
    in both parts; it appears only where a page on the invitee's path has shown comments, and
    never counts more threads than those pages have shown."""
    findings = []
    for t in world.rounds:
        seen = world.snapshots[: t.invited_after + 1]
        by_team: dict[int | None, set[tuple[str, ...]]] = defaultdict(set)
        for person, (text, html) in t.invitations.items():
            team = t.team_of.get(person)
            by_team[team].add(text)
            if text != html or len(text) > 1:
                findings.append(f"round {t.number}: an invitation's parts disagree {text} {html}")
            if not text:
                continue
            path = _path(t.tree, team)
            commented = {c.team for snap in seen for c in snap.comments if c.view == "page"}
            threads = {th.thread for snap in seen for th in snap.threads
                       if th.view == "page" and th.team in path}  # fmt: skip
            if not commented & set(path):
                findings.append(
                    f"round {t.number}: {world.names.get(person)} reads an answered line, but no "
                    f"page on their path showed a comment"
                )
            elif int(text[0]) > len(threads):
                findings.append(
                    f"round {t.number}: {world.names.get(person)} reads {text[0]} answered, "
                    f"pages on their path showed {len(threads)} threads"
                )
        for team, lines in by_team.items():
            if len(lines) > 1:
                findings.append(
                    f"round {t.number}: invitees of {world.team_names.get(team)} read "
                    f"different answered lines {sorted(lines)}"
                )
    return findings


CHECKS: dict[int, Callable[[World], None]] = {
    0: check_model,
    1: check_reorganisation,
    2: check_shared_answers,
    3: check_derived,
    4: check_reasons,
    5: check_database,
    7: check_crashes,
    8: check_conversations,
    9: check_drivers,
    10: check_themes,
}


def findings(world: World) -> dict[int, str]:
    """Run every check; the message of each class that found something."""
    found = {}
    for number, check in CHECKS.items():
        try:
            check(world)
        except LeakFound as error:
            found[number] = str(error)
        except ModelError as error:
            found[0] = str(error)
    return found
