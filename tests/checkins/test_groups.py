"""A6: after a round closes no join pairs a person with an answer more finely than k invitees.

`groups_label` puts each closed round's invitees into groups of at least k along the frozen
tree; participations and responses keep the group, not the team. A team whose group is cut
across has no figure of its own; every other team's figures are exactly its members' figures.
"""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from checkins.models import Participation, Response, RoundTeam
from checkins.services.rounds import round_open
from checkins.services.tree import groups_label
from org.models import Person
from tests.attacker.world import subtree
from tests.helpers import answer_all, close_and_roll_up, people_in


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), teams=st.integers(1, 12), k=st.integers(3, 6))
def test_groups_reach_k_and_whole_teams_keep_exactly_their_members(seed, teams, k):
    rng = random.Random(seed)
    parents: dict[int, int | None] = {1: None}
    for team in range(2, teams + 1):
        parents[team] = None if rng.random() < 0.1 else rng.randrange(1, team)
    invited = {t: rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 9]) for t in parents}
    # Teams deleted since the window's tree was frozen have no people left to invite.
    gone = frozenset(t for t in parents if invited[t] == 0 and rng.random() < 0.3)

    groups = groups_label(parents=parents, invited=invited, k=k, gone=gone)

    size = Counter()
    for team, count in invited.items():
        if count:
            size[groups.label[team]] += count
    everyone = sum(invited.values())
    for label, count in size.items():
        assert count >= k or everyone < k, (label, count)  # a round below k cannot be helped
        assert label not in gone or everyone < k  # no row may point at a deleted team
    for team in parents:
        if team in groups.broken:
            continue
        inside = subtree(parents, team)
        members = sum(invited[t] for t in inside)
        counted = sum(invited[t] for t in parents if invited[t] and groups.label[t] in inside)
        assert counted == members, team


def test_after_the_close_every_label_stands_for_k_invitees_and_nobody_answered(survey, org):
    """Platform 12, Payments 4 (its 4 join Platform's group: Engineering minus Platform would be
    them anyway), Sales 1 (goes up to the root, and on into Platform's group, the nearest below:
    the organisation minus Engineering would be them). A database reader after the close finds
    no group below k and no responded flag; only the organisation keeps a figure of its own."""
    rnd = round_open(survey=survey)
    for p in people_in(org.platform, 12, rnd):
        answer_all(p)
    for p in people_in(org.payments, 4, rnd):
        answer_all(p)
    (lonely,) = people_in(org.sales, 1, rnd)
    answer_all(lonely, value=1)
    close_and_roll_up(rnd)

    invited = Counter(Participation.objects.filter(round=rnd).values_list("team_id", flat=True))
    for team, count in invited.items():
        assert count >= rnd.min_group_size, (team, count)
    for team in Response.objects.filter(round=rnd).values_list("team_id", flat=True):
        assert invited[team] >= rnd.min_group_size
    assert not Participation.objects.filter(round=rnd, responded__isnull=False).exists()
    assert not Response.objects.filter(round=rnd, team=org.sales).exists()
    people_of_sales = set(Person.objects.filter(team=org.sales).values_list("pk", flat=True))
    assert lonely.person_id in people_of_sales  # today's team names them: the label must not
    broken = set(RoundTeam.objects.filter(round=rnd, whole=False).values_list("team_id", flat=True))
    assert broken == {org.payments.pk, org.platform.pk, org.sales.pk, org.engineering.pk}
