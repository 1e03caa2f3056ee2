"""The email ledger sends each invitation once, with a working link, and stores no token (D3)."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from checkins.models import OutboundEmail, Participation
from checkins.services.emails import MAX_ATTEMPTS, email_send, emails_sweep
from checkins.services.responses import participation_for_token
from checkins.services.rounds import round_close


@pytest.fixture
def invitation(open_round, employee):
    return OutboundEmail.objects.get(
        participation__round=open_round, recipient=employee, kind=OutboundEmail.Kind.INVITATION
    )


def test_invitation_is_sent_once(invitation):
    assert email_send(email_id=invitation.pk) == OutboundEmail.Status.SENT
    assert email_send(email_id=invitation.pk) == "not-claimed"
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.status == OutboundEmail.Status.SENT and invitation.sent_at


def test_invitation_has_text_and_html_and_a_working_link(invitation, employee):
    email_send(email_id=invitation.pk)
    message = mail.outbox[0]
    assert message.to == [employee.email]
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    token = re.search(r"/c/([0-9a-f]{64})/", message.body).group(1)
    state = participation_for_token(token=token)
    assert state.problem is None and state.participation.person == employee


def test_the_token_is_stored_nowhere(invitation):
    email_send(email_id=invitation.pk)
    token = re.search(r"/c/([0-9a-f]{64})/", mail.outbox[0].body).group(1)
    participation = Participation.objects.get(pk=invitation.participation_id)
    stored = [
        str(v) for v in Participation.objects.filter(pk=participation.pk).values().first().values()
    ]
    stored += [
        str(v) for v in OutboundEmail.objects.filter(pk=invitation.pk).values().first().values()
    ]
    assert all(token not in value for value in stored)


def test_no_invitation_after_the_round_closed(invitation, open_round):
    round_close(round=open_round)
    assert email_send(email_id=invitation.pk) == OutboundEmail.Status.SKIPPED
    assert mail.outbox == []


def test_a_failed_send_releases_the_claim(invitation, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
    with pytest.raises(OSError):
        email_send(email_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == OutboundEmail.Status.PENDING
    assert invitation.pk not in emails_sweep()  # fresh: its own dispatch is on its way
    assert invitation.pk in emails_sweep(now=timezone.now() + dt.timedelta(minutes=3))


def test_a_claim_left_by_a_dead_worker_is_reclaimed(invitation):
    OutboundEmail.objects.filter(pk=invitation.pk).update(
        status=OutboundEmail.Status.SENDING, claimed_at=timezone.now()
    )
    assert invitation.pk not in emails_sweep(now=timezone.now() + dt.timedelta(minutes=3))
    assert invitation.pk in emails_sweep(now=timezone.now() + dt.timedelta(minutes=16))
    assert email_send(email_id=invitation.pk) == OutboundEmail.Status.SENT


def test_a_message_that_keeps_failing_is_parked(invitation, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(OSError):
            email_send(email_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == OutboundEmail.Status.FAILED and invitation.attempts == MAX_ATTEMPTS
    assert email_send(email_id=invitation.pk) == "not-claimed"


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_rows_at_once_send_each_once(survey, employee, manager):
    import threading

    from django.db import connection

    from checkins.services.rounds import round_open

    rnd = round_open(survey=survey)
    ids = list(
        OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.INVITATION).values_list(
            "pk", flat=True
        )
    )
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            for email_id in ids:
                email_send(email_id=email_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee.email, manager.email])


@pytest.mark.django_db(transaction=True)
def test_two_senders_given_the_same_batch_at_once_send_each_row_once(survey, org):
    import threading

    from django.db import connection

    from checkins.services.emails import emails_send
    from checkins.services.rounds import round_open
    from tests.factories import PersonFactory

    for _ in range(30):
        PersonFactory(team=org.platform)
    rnd = round_open(survey=survey)
    ids = list(
        OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.INVITATION).values_list(
            "pk", flat=True
        )
    )
    barrier = threading.Barrier(2)
    outcomes: list[dict[int, str]] = []

    def sender():
        barrier.wait()
        try:
            outcomes.append(emails_send(email_ids=ids))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients)) == len(ids) >= 30
    sent_by = [sum(s == OutboundEmail.Status.SENT for s in o.values()) for o in outcomes]
    assert sum(sent_by) == len(ids)
    assert set(OutboundEmail.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        OutboundEmail.Status.SENT
    }


def test_a_failure_mid_batch_keeps_what_was_sent_and_gives_back_the_rest(open_round, monkeypatch):
    from checkins.services import emails

    rows = list(
        OutboundEmail.objects.filter(round=open_round, kind=OutboundEmail.Kind.INVITATION).order_by(
            "pk"
        )
    )
    assert len(rows) >= 3
    failing = rows[1]
    render = emails.RENDERERS[OutboundEmail.Kind.INVITATION]

    def render_or_fail(email):
        if email.pk == failing.pk:
            raise ConnectionError("the relay hung up")
        return render(email)

    monkeypatch.setitem(emails.RENDERERS, OutboundEmail.Kind.INVITATION, render_or_fail)
    with pytest.raises(ConnectionError):
        emails.emails_send(email_ids=[row.pk for row in rows])
    state = {
        row.pk: (row.status, row.attempts)
        for row in OutboundEmail.objects.filter(pk__in=[r.pk for r in rows])
    }
    assert state[rows[0].pk][0] == OutboundEmail.Status.SENT
    assert state[failing.pk] == (OutboundEmail.Status.PENDING, 1)  # tried: the attempt counts
    assert all(state[row.pk] == (OutboundEmail.Status.PENDING, 0) for row in rows[2:])
    assert [m.to[0] for m in mail.outbox] == [rows[0].recipient.email]


def test_plain_text_parts_read_names_as_written_and_the_html_escapes_them(
    invitation, survey, employee
):
    survey.name = "R&D's <pulse>"
    survey.save()
    employee.name = "Zoë O'Brien & co"
    employee.save()
    email_send(email_id=invitation.pk)
    message = mail.outbox[0]
    assert message.subject == "Your weekly check-in: R&D's <pulse> (about a minute)"
    assert "Hello Zoë O'Brien & co," in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
    html = message.alternatives[0][0]
    assert "O&#x27;Brien &amp; co" in html and "Zoë O'Brien" not in html


def test_a_line_break_in_a_name_leaves_the_subject_one_line(invitation, survey):
    survey.name = "Weekly\r\npulse"
    survey.save()
    assert email_send(email_id=invitation.pk) == OutboundEmail.Status.SENT
    assert mail.outbox[0].subject == "Your weekly check-in: Weekly pulse (about a minute)"
