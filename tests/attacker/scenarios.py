"""Organisations for the attacker: random ones (Hypothesis draws their parameters and a seed),
and one hand-built organisation per leak class that exhibits exactly that leak."""

from __future__ import annotations

import random

from checkins.models import Question
from org.models import Person, Team
from tests.attacker.observe import observe_all
from tests.attacker.world import RoundTruth, World, subtree


def answers(
    truth: RoundTruth,
    *,
    value: int = 4,
    rng: random.Random | None = None,
    skip: float = 0.0,
    versions: frozenset[int] = frozenset(),
    dimensions: frozenset[int] = frozenset(),
) -> dict[int, int | None]:
    """One check-in: every item of the round, `None` for "prefer not to answer"."""
    out: dict[int, int | None] = {}
    for version, item in truth.items.items():
        enps = item.scale == Question.Scale.ZERO_TEN
        if rng is not None:
            chosen = rng.randint(0, 10) if enps else rng.randint(1, 5)
            out[version] = None if rng.random() < skip else chosen
        else:
            out[version] = 8 if enps else value
        if version in versions or item.dimension in dimensions:
            out[version] = None  # skipped
    return out


# Random organisations --------------------------------------------------------------------

TOPICS = ["workload deadlines", "lunch colleagues", "roadmap meetings"]


def _reorganise(world: World, rng: random.Random, teams: list[Team], people: list[Person]) -> None:
    """Between rounds: joiners, leavers, movers; teams moved, merged and split."""
    active = [p for p in people if Person.objects.get(pk=p.pk).is_active]
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 3)):
            people.append(world.person(rng.choice(teams)))
    if rng.random() < 0.3 and len(active) > 3:
        for person in rng.sample(active, rng.randint(1, 2)):
            world.leave(person)
            active.remove(person)
    if rng.random() < 0.4 and active:
        for person in rng.sample(active, min(len(active), rng.randint(1, 3))):
            world.move_person(person, rng.choice(teams))
    if rng.random() < 0.45:
        sizes = {t.pk: Person.objects.filter(team=t, is_active=True).count() for t in teams}
        team = max(teams, key=lambda t: sizes[t.pk]) if rng.random() < 0.5 else rng.choice(teams)
        team.refresh_from_db()
        below = subtree(world.tree(), team.pk)
        options = [None, *(t for t in teams if t.pk not in below)]
        empty = [t for t in options if t is not None and not Person.objects.filter(team=t).exists()]
        # Moving under a team that held nobody is where stored and re-made decisions part most.
        world.move_team(team, rng.choice(empty if empty and rng.random() < 0.5 else options))
    if rng.random() < 0.2:
        # A new level: HR creates a team and puts the largest team under it.
        sizes = {t.pk: Person.objects.filter(team=t, is_active=True).count() for t in teams}
        largest = max(teams, key=lambda t: sizes[t.pk])
        largest.refresh_from_db()
        teams.append(world.team(largest.parent))
        world.move_team(largest, teams[-1])
    if rng.random() < 0.15 and len(teams) > 2:
        team, into = rng.sample(teams, 2)
        if into.pk not in subtree(world.tree(), team.pk):
            world.merge(team, into)
    if rng.random() < 0.15:
        team = rng.choice(teams)
        members = list(Person.objects.filter(team=team, is_active=True))
        if len(members) >= 2:
            teams.append(world.split(team, rng.sample(members, len(members) // 2)))


def random_world(
    *, seed: int, people: int, teams: int, rounds: int, first_number: int, k: int
) -> World:
    rng = random.Random(seed)
    world = World(k=k, first_number=first_number)
    tree: list[Team] = []
    for _ in range(teams):
        parent = rng.choice(tree) if tree and rng.random() < 0.85 else None
        tree.append(world.team(parent))
    # Skewed sizes, so one-person teams, small children and empty teams are common.
    weights = [rng.choice([0, 1, 1, 2, 5, 10]) for _ in tree]
    weights[rng.randrange(len(tree))] = 10
    staff: list[Person] = []
    led: set[int] = set()
    for _ in range(people):
        team = rng.choices(tree, weights)[0]
        manages = team.pk not in led and rng.random() < 0.5
        led |= {team.pk} if manages else set()
        staff.append(world.person(team, manages=manages))
    rate = rng.choice([0.5, 0.8, 1.0])
    skip = rng.choice([0.0, 0.1, 0.3])
    commenting = rng.choice([0.0, 0.3, 0.8])
    for number in range(rounds):
        if number:
            _reorganise(world, rng, tree, staff)
        truth = world.open()
        for person in staff:
            if person.pk in truth.team_of and rng.random() < rate:
                # Distinct texts (the attacker tells lists apart) on a few topics, so that comment
                # themes form; the topic follows the person, not a draw.
                topic = TOPICS[person.pk % len(TOPICS)]
                text = f"comment {number}.{person.pk} {topic}"
                comment = text if rng.random() < commenting else ""
                # Every other commenter opts in to a conversation (not drawn: the stream of
                # random choices, and so the organisations, stay what they were).
                world.submit(
                    person, answers(truth, rng=rng, skip=skip), comment,
                    conversation=person.pk % 2 == 0,
                )  # fmt: skip
        world.last_round = number == rounds - 1
        world.close(observe_all)
    return world


# One organisation per leak class -----------------------------------------------------------


def _everyone(world: World, people: list[Person], **kwargs) -> RoundTruth:
    truth = world.open()
    for person in people:
        if person.pk in truth.team_of:
            world.submit(person, answers(truth, **kwargs))
    return truth


def reorganisation() -> World:
    """The issue's case: parent (11) = A (10) + B (1), so A is hidden to protect B. After the
    round B moves under another department C (10); the round is decided again on today's tree
    while parent keeps its stored n=11, so parent minus A (n=10) is B's person, and parent's
    comments, read by today's team paths, lose exactly B's comment."""
    world = World(k=3)
    parent, c = world.team(), world.team()
    a, b = world.team(parent), world.team(parent)
    people = [world.person(t) for t in [a] * 10 + [c] * 10] + [world.person(b)]
    truth = world.open()
    for person in people:
        world.submit(person, answers(truth), comment=f"comment of {person.name}")
    world.close(observe_all)
    world.move_team(b, c)
    _everyone(world, people)
    world.close(observe_all)
    return world


def shared_answers() -> World:
    """Everyone answers a dimension's first item, all but one skip its second: the dimension's
    favourable count minus the first item's is the one hidden answer to the second."""
    world = World(k=3)
    team = world.team()
    people = [world.person(team) for _ in range(6)]
    truth = world.open()
    belonging = [i for i in truth.items.values() if i.dimension == world.dimensions[0]]
    first, second = belonging[0].version, belonging[1].version
    for index, person in enumerate(people):
        world.submit(
            person, answers(truth, versions=frozenset() if index == 0 else frozenset({second}))
        )
    assert first != second
    world.close(observe_all)
    return world


def derived_statistics() -> World:
    """A small team is pooled over rounds 1-4; it grows, so round 5 is weekly; the summary
    compares round 5 with round 4's own week, hidden inside the pooled figure."""
    world = World(k=3)
    team = world.team()
    people = [world.person(team) for _ in range(4)]
    for _ in range(4):
        _everyone(world, people, value=5)
        world.close(observe_all)
    people += [world.person(team) for _ in range(4)]
    _everyone(world, people, value=1)
    world.close(observe_all)
    return world


def reason_oracle() -> World:
    """A one-person team whose member checks in and skips one dimension: "not asked" there,
    "fewer than k" or "pooled" elsewhere."""
    world = World(k=3)
    root = world.team()
    lone_team = world.team(root)
    people = [world.person(root) for _ in range(6)]
    lone = world.person(lone_team)
    truth = world.open()
    for person in people:
        world.submit(person, answers(truth))
    world.submit(lone, answers(truth, dimensions=frozenset({world.dimensions[1]})))
    world.close(observe_all)
    return world


def database_dump() -> World:
    """Two people in a team of their own: after the reshuffle the team label on their
    responses and the responded flag on their participations still name them."""
    world = World(k=3)
    root = world.team()
    pair = world.team(root)
    people = [world.person(root) for _ in range(6)] + [world.person(pair) for _ in range(2)]
    _everyone(world, people)
    world.close(observe_all)
    return world


def crash() -> World:
    """An empty team X gets a populated team moved under it: X's subtree is decided weekly for
    the past round on today's tree, but it has no stored roll-up there (n = 0)."""
    world = World(k=3)
    root = world.team()
    a, x = world.team(root), world.team(root)
    people = [world.person(a) for _ in range(6)]
    _everyone(world, people)
    world.close(observe_all)
    world.move_team(a, x)
    _everyone(world, people)
    world.close(observe_all)
    return world


def conversations() -> World:
    """Twelve people comment and six of them open a conversation; staff reply, the authors
    answer. Nothing stored pairs a thread with a person, and the staff see author messages only
    at batch times. Every invitee of the next round reads the same "answered" line."""
    world = World(k=3)
    root = world.team()
    people = [world.person(root, manages=not i) for i in range(13)]
    truth = world.open()
    for i, person in enumerate(people):
        if person.pk in truth.team_of:
            world.submit(person, answers(truth), f"remark {i}", conversation=i % 2 == 0)
    world.close(observe_all)
    world.open()  # everyone reads the next invitation's "answered" line (ADR 0037)
    world.close(observe_all)
    return world


def themes(sibling: int = 4) -> World:
    """Twelve people in one team and `sibling` (four) in its sibling all comment on the same two topics: the
    first team's themes are shown, the sibling's comments are not, and the parent's themes
    (which would count the sibling's comments beside the first team's) appear only where the
    engine lets the parent's comments be shown."""
    world = World(k=3)
    root = world.team()
    big, small = world.team(root), world.team(root)
    people = [world.person(root, manages=True)]
    people += [world.person(big) for _ in range(12)]
    people += [world.person(small) for _ in range(sibling)]
    truth = world.open()
    for i, person in enumerate(people):
        if person.pk in truth.team_of:
            world.submit(person, answers(truth), f"remark {i} {TOPICS[i % 2]}")
    world.close(observe_all)
    return world


REPRODUCTIONS = {
    1: reorganisation,
    2: shared_answers,
    3: derived_statistics,
    4: reason_oracle,
    5: database_dump,
    7: crash,
    8: conversations,
    10: themes,
}
