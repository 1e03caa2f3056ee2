"""Opening rounds: audience, rotation, frozen threshold, ledger rows, claimed once."""

import datetime as dt
from collections import Counter

from django.utils import timezone

from checkins.models import OutboundEmail, Participation, Question, Round, RoundQuestion
from checkins.services.rounds import round_questions_pick, rounds_close_due, surveys_open_due
from org.models import OrgSettings
from tests.factories import PersonFactory


def test_round_open_invites_the_audience_once_each(
    open_round, employee, manager, outsider, hr_admin
):
    invited = set(
        Participation.objects.filter(round=open_round).values_list("person_id", flat=True)
    )
    assert invited == {employee.pk, manager.pk, outsider.pk, hr_admin.pk}
    keys = OutboundEmail.objects.filter(
        participation__round=open_round, kind=OutboundEmail.Kind.INVITATION
    ).values_list("key", flat=True)
    assert len(keys) == len(invited) == len(set(keys))


def test_audience_limited_to_a_subtree(survey, org, employee, outsider, manager):
    survey.audience.set([org.engineering])
    from checkins.services.rounds import round_open

    rnd = round_open(survey=survey)
    invited = set(Participation.objects.filter(round=rnd).values_list("person_id", flat=True))
    assert invited == {employee.pk, manager.pk}


def test_inactive_people_are_not_invited(survey, org, employee):
    PersonFactory(team=org.platform, is_active=False)
    from checkins.services.rounds import round_open

    rnd = round_open(survey=survey)
    assert Participation.objects.filter(round=rnd).count() == 1


def test_threshold_is_frozen_when_the_round_opens(open_round):
    settings_row = OrgSettings.current()
    settings_row.min_group_size = 8
    settings_row.save()
    open_round.refresh_from_db()
    assert open_round.min_group_size == 5


def test_rotation_asks_every_item_once_per_cycle(survey):
    scale_items = survey.questions.exclude(scale__in=["zero_ten", "text"]).count()
    per_round = survey.questions_per_round
    cycle = -(-scale_items // per_round)
    seen = Counter()
    for number in range(1, cycle + 1):
        versions = round_questions_pick(survey=survey, number=number)
        seen.update(v.question.code for v in versions if v.question.scale != "zero_ten")
    assert set(seen) == set(
        survey.questions.exclude(scale__in=["zero_ten", "text"]).values_list("code", flat=True)
    )
    assert max(seen.values()) - min(seen.values()) <= 1


def test_each_round_touches_every_dimension(survey):
    for number in range(1, 5):
        versions = round_questions_pick(survey=survey, number=number)
        dims = {v.question.dimension_id for v in versions if v.question.dimension_id}
        assert len(dims) == 3


def test_enps_joins_on_its_own_schedule(survey):
    survey.enps_every_n_rounds = 4
    with_enps = [
        n
        for n in range(1, 10)
        if any(
            v.question.scale == Question.Scale.ZERO_TEN
            for v in round_questions_pick(survey=survey, number=n)
        )
    ]
    assert with_enps == [1, 5, 9]


def test_open_due_runs_twice_but_opens_once(survey, employee):
    survey.next_round_at = timezone.now() - dt.timedelta(minutes=1)
    survey.save()
    first = surveys_open_due()
    second = surveys_open_due()
    assert len(first) == 1 and second == []
    assert Round.objects.filter(survey=survey).count() == 1
    survey.refresh_from_db()
    assert survey.next_round_at > timezone.now()
    assert survey.next_round_at.weekday() == survey.weekday


def test_paused_survey_opens_nothing(survey, employee):
    survey.next_round_at = timezone.now() - dt.timedelta(minutes=1)
    survey.is_active = False
    survey.save()
    assert surveys_open_due() == []


def test_everyone_in_a_round_gets_the_same_questions(open_round):
    positions = list(
        RoundQuestion.objects.filter(round=open_round).values_list("position", flat=True)
    )
    assert positions == sorted(positions) and len(positions) == len(set(positions))


def test_close_due_closes_only_ended_rounds(open_round):
    assert rounds_close_due(now=timezone.now()) == 0
    assert rounds_close_due(now=open_round.closes_at + dt.timedelta(seconds=1)) == 1
    open_round.refresh_from_db()
    assert open_round.status == Round.Status.CLOSED


def test_after_a_long_outage_the_round_of_this_week_opens_once(survey, employee):
    survey.next_round_at = timezone.now() - dt.timedelta(days=9)
    survey.save()
    (rnd,) = surveys_open_due()
    assert rnd.closes_at > timezone.now()  # not a round whose window ended during the outage
    survey.refresh_from_db()
    assert survey.next_round_at > timezone.now()
    assert surveys_open_due() == []
