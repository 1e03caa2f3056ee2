"""A real Celery worker on the real broker (Redis in CI) opens a due round and sends invitations."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from checkins.models import OutboundEmail, Round
from checkins.tasks import open_due_rounds
from relhealth.celery import app


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def worker():
    if settings.REQUIRE_SERVICES:
        assert app.conf.broker_url.startswith("redis://"), "CI must test against the real Redis"
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


@pytest.mark.django_db(transaction=True)
def test_worker_opens_a_due_round_and_invites_each_person_once(
    worker, survey, employee, manager, outsider, hr_admin
):
    survey.next_round_at = timezone.now() - dt.timedelta(minutes=1)
    survey.save()
    open_due_rounds.delay()
    open_due_rounds.delay()  # a second beat tick, or a redelivery: changes nothing
    people = {employee.email, manager.email, outsider.email, hr_admin.email}
    assert _wait_for(lambda: len(mail.outbox) >= len(people)), f"only {len(mail.outbox)} emails"
    time.sleep(0.5)  # anything extra would arrive now
    assert sorted(m.to[0] for m in mail.outbox) == sorted(people)
    assert Round.objects.filter(survey=survey).count() == 1
    invitations = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.INVITATION)
    assert set(invitations.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}
    assert all("/c/" in m.body for m in mail.outbox)
