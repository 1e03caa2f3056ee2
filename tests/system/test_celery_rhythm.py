"""The whole rhythm on a real worker and the real broker (Redis in CI), with time travelled:
open -> invite -> remind the one who has not answered -> close -> roll up -> summarise -> digest.
Every beat task is sent twice (two beats) and nothing is sent twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core import mail
from django.utils import timezone

from checkins.models import OutboundEmail, Participation, Round
from checkins.services.responses import response_submit
from checkins.tasks import emails_due_send, rounds_close_due, surveys_open_due
from culture.models import TeamRoundSummary
from culture.tasks import rounds_rollup_due
from tests.factories import PersonFactory
from tests.helpers import wait_for, wait_until_idle


def _kinds() -> Counter:
    return Counter(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).values_list(
            "kind", flat=True
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_whole_rhythm_once(clock, worker, survey, org, manager):
    platform = [PersonFactory(team=org.platform) for _ in range(6)]
    everyone = [*platform, manager]
    survey.next_round_at = timezone.now() - dt.timedelta(minutes=1)
    survey.save()
    for _beat in range(2):
        surveys_open_due.delay()
    assert wait_for(lambda: len(mail.outbox) >= len(everyone)), len(mail.outbox)
    rnd = Round.objects.get(survey=survey)
    for person in platform[:5]:
        participation = Participation.objects.get(round=rnd, person=person)
        answers = {
            v.pk: (8 if v.question.is_enps else 4)
            for v in rnd.question_versions.select_related("question")
        }
        response_submit(participation=participation, answers=answers)

    # Halfway through the window: the first reminders fall due.
    first = OutboundEmail.objects.filter(round=rnd, key__endswith=":n=1")
    clock.move_to(max(e.send_after for e in first) + dt.timedelta(minutes=1))
    for _beat in range(2):
        emails_due_send.delay()
    assert wait_for(lambda: _kinds()[OutboundEmail.Kind.REMINDER] >= 2)

    # The window ends: close, roll up, summarise and send the digest.
    clock.move_to(rnd.closes_at + dt.timedelta(minutes=1))
    for _beat in range(2):
        rounds_close_due.delay()
        rounds_rollup_due.delay()
        emails_due_send.delay()
    assert wait_for(lambda: _kinds()[OutboundEmail.Kind.DIGEST] >= 1)
    second = OutboundEmail.objects.filter(round=rnd, key__endswith=":n=2")
    assert wait_for(
        lambda: set(second.values_list("status", flat=True)) == {OutboundEmail.Status.SKIPPED}
    )
    assert wait_until_idle(), "the worker is still busy"  # so nothing more arrives

    reminded = [m.to[0] for m in mail.outbox if m.subject.startswith("Reminder")]
    # Only the two who never answered were reminded, once: we jumped over the second reminder's
    # moment to the close, and a reminder for a closed round is skipped at send time.
    assert sorted(reminded) == sorted([platform[5].email, manager.email])
    invited = [m.to[0] for m in mail.outbox if m.subject.startswith("Your weekly check-in")]
    assert sorted(invited) == sorted(p.email for p in everyone)
    digests = [m.to[0] for m in mail.outbox if "check-in summary" in m.subject]
    assert digests == [manager.email]
    assert len(mail.outbox) == len(OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT))
    summary = TeamRoundSummary.objects.get(round=rnd, team=org.engineering)
    assert summary.invited == 7 and summary.responded == 5
