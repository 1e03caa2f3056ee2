"""One message that cannot be built or that the mail server refuses never holds back the others.

A real SMTP server (aiosmtpd) refuses one address with 550; another row cannot be sent (a line
break in its address, a bad header) and a digest row fails while rendering. The rest are
delivered on the first tick; each bad row is retried after growing waits and then failed for
good with its reason, which HR reads on the survey's page (never for a reminder: A7).
"""

import datetime as dt
import itertools

import pytest
from django.template import TemplateSyntaxError
from django.utils import timezone

from checkins import tasks
from checkins.models import OutboundEmail
from checkins.services import emails
from checkins.services.emails import MAX_ATTEMPTS, emails_send, emails_sweep
from org.models import Person
from tests.mailserver import USER_UNKNOWN, smtp_server


@pytest.fixture
def mailbox(settings):
    with smtp_server(settings) as box:
        yield box


def _invitations(rnd):
    return OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.INVITATION)


def _row(rnd, person, kind=OutboundEmail.Kind.INVITATION):
    return OutboundEmail.objects.get(round=rnd, recipient=person, kind=kind)


def test_a_refused_recipient_and_a_bad_header_hold_back_nobody(
    clock, mailbox, open_round, employee, manager, outsider, hr_admin
):
    mailbox.refuse.add(employee.email)
    # An address with a line break (legacy data written around the form): its header is refused.
    Person.objects.filter(pk=outsider.pk).update(email="olga\n@example.com")
    ids = list(_invitations(open_round).order_by("pk").values_list("pk", flat=True))

    sent = tasks.emails_send.apply(args=[ids]).get()  # the task, run here: it does not raise

    assert sent == 2
    assert sorted(mailbox.recipients()) == sorted([manager.email, hr_admin.email])
    refused, bad = _row(open_round, employee), _row(open_round, outsider)
    assert (refused.status, refused.attempts, refused.last_error) == (
        OutboundEmail.Status.PENDING, 1, USER_UNKNOWN,
    )  # fmt: skip
    assert bad.status == OutboundEmail.Status.PENDING
    assert bad.last_error == "ValueError: Invalid address; address parts cannot contain newlines."
    assert refused.send_after > timezone.now()  # waits before its next try


def test_a_failing_row_is_retried_with_growing_waits_then_failed_for_good(
    clock, mailbox, open_round, employee, manager
):
    mailbox.refuse.add(employee.email)
    refused = _row(open_round, employee)
    ids = list(_invitations(open_round).values_list("pk", flat=True))
    emails_send(email_ids=ids)
    waits = []
    for attempt in range(1, MAX_ATTEMPTS):
        row = OutboundEmail.objects.get(pk=refused.pk)
        assert (row.status, row.attempts) == (OutboundEmail.Status.PENDING, attempt)
        waits.append(row.send_after - row.claimed_at)
        # Not before its wait has passed: the sweep leaves it alone a moment before.
        clock.move_to(row.send_after - dt.timedelta(seconds=5))
        assert refused.pk not in emails_sweep()
        clock.move_to(row.send_after + dt.timedelta(seconds=1))
        assert refused.pk in emails_sweep()
        assert emails_send(email_ids=[refused.pk])[refused.pk] in {"pending", "failed"}
    row = OutboundEmail.objects.get(pk=refused.pk)
    assert (row.status, row.attempts, row.last_error) == (
        OutboundEmail.Status.FAILED, MAX_ATTEMPTS, USER_UNKNOWN,
    )  # fmt: skip
    assert all(later > earlier for earlier, later in itertools.pairwise(waits))
    assert waits[0] == emails.RETRY_FIRST and waits[-1] == emails.RETRY_LONGEST
    clock.shift(dt.timedelta(days=1))
    assert refused.pk not in emails_sweep()  # failed for good: nobody tries it again
    # Everyone else was delivered once, on the first tick; the refused address never was.
    assert sorted(mailbox.recipients()) == sorted(
        p.email for p in Person.objects.exclude(pk=employee.pk)
    )


def test_a_row_whose_rendering_raises_fails_alone(clock, mailbox, open_round, manager, monkeypatch):
    """A digest renderer (the reporting side registers it) that raises for its template."""
    broken = OutboundEmail.objects.create(
        key="digest:test", kind=OutboundEmail.Kind.DIGEST, recipient=manager, round=open_round
    )

    def render_digest(email):
        raise TemplateSyntaxError("Invalid block tag on line 3: 'endfor'")

    monkeypatch.setitem(emails.RENDERERS, OutboundEmail.Kind.DIGEST, render_digest)
    ids = [broken.pk, *_invitations(open_round).values_list("pk", flat=True)]
    outcome = emails_send(email_ids=sorted(ids))
    assert outcome[broken.pk] == OutboundEmail.Status.PENDING
    assert len(mailbox.messages) == len(ids) - 1
    for _ in range(MAX_ATTEMPTS - 1):
        clock.move_to(OutboundEmail.objects.get(pk=broken.pk).send_after)
        emails_send(email_ids=[broken.pk])
    broken.refresh_from_db()
    assert broken.status == OutboundEmail.Status.FAILED
    assert broken.last_error == "TemplateSyntaxError: Invalid block tag on line 3: 'endfor'"


def test_hr_reads_failed_invitations_on_the_survey_page_but_no_reminders(
    client, clock, open_round, survey, employee, manager, hr_admin
):
    OutboundEmail.objects.filter(round=open_round, recipient=employee).update(
        status=OutboundEmail.Status.FAILED, attempts=MAX_ATTEMPTS, last_error=USER_UNKNOWN
    )
    OutboundEmail.objects.filter(
        round=open_round, recipient=manager, kind=OutboundEmail.Kind.REMINDER
    ).update(status=OutboundEmail.Status.FAILED, last_error="452 4.2.2 Mailbox full")
    client.force_login(hr_admin)
    response = client.get(f"/hr/surveys/{survey.pk}/")
    page = response.content.decode()
    assert [(e.recipient, e.kind) for e in response.context["failed_emails"]] == [
        (employee, OutboundEmail.Kind.INVITATION)
    ]
    assert employee.email in page and USER_UNKNOWN in page
    assert page.count('class="failed-email"') == 1  # the invitation, not the reminders
    assert "Mailbox full" not in page and manager.email not in page


def test_a_reason_never_holds_a_check_in_token():
    token = "ab" * 32
    error = ValueError(f"could not render http://testserver/c/{token}/ for Emma")
    assert token not in emails.failure_reason(error)


def test_a_relay_that_is_down_stops_the_chunk_for_the_task_to_retry(open_round, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
    ids = sorted(_invitations(open_round).values_list("pk", flat=True))
    with pytest.raises(ConnectionRefusedError):
        emails_send(email_ids=ids)
    rows = list(OutboundEmail.objects.filter(pk__in=ids).order_by("pk"))
    assert rows[0].attempts == 1 and "ConnectionRefusedError" in rows[0].last_error
    assert all((r.status, r.attempts) == (OutboundEmail.Status.PENDING, 0) for r in rows[1:])
