"""A real Celery worker on the real broker (Redis in CI) opens a due round and sends invitations."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from checkins.models import OutboundEmail, Round
from checkins.tasks import surveys_open_due
from tests.helpers import wait_for, wait_until_idle


@pytest.mark.django_db(transaction=True)
def test_worker_opens_a_due_round_and_invites_each_person_once(
    clock, worker, survey, employee, manager, outsider, hr_admin
):
    survey.next_round_at = timezone.now() - dt.timedelta(minutes=1)
    survey.save()
    surveys_open_due.delay()
    surveys_open_due.delay()  # a second beat tick, or a redelivery: changes nothing
    people = {employee.email, manager.email, outsider.email, hr_admin.email}
    assert wait_for(lambda: len(mail.outbox) >= len(people)), f"only {len(mail.outbox)} emails"
    assert wait_until_idle(), "the worker is still busy"  # so nothing more arrives
    assert sorted(m.to[0] for m in mail.outbox) == sorted(people)
    assert Round.objects.filter(survey=survey).count() == 1
    invitations = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.INVITATION)
    assert set(invitations.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}
    assert all("/c/" in m.body for m in mail.outbox)
