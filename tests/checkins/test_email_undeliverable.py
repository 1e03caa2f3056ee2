"""HR sees an address the mail server refuses for good: on the person and in the people list.

Never from a reminder: a reminder goes only to people who have not answered, so a reminder's
failure on the person would tell HR who had not answered (promise A7)."""

import pytest
from django.utils import timezone

from checkins.models import OutboundEmail
from checkins.services.emails import MAX_ATTEMPTS, emails_send
from org.models import Person
from org.services.people import person_update
from tests.mailserver import USER_UNKNOWN, smtp_server


@pytest.fixture
def mailbox(settings):
    with smtp_server(settings) as box:
        yield box


def _fail_for_good(row: OutboundEmail, clock) -> None:
    for _ in range(MAX_ATTEMPTS):
        OutboundEmail.objects.filter(pk=row.pk).update(send_after=None)
        emails_send(email_ids=[row.pk])
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboundEmail.Status.FAILED, USER_UNKNOWN)


def _row(rnd, person, kind):
    return OutboundEmail.objects.filter(round=rnd, recipient=person, kind=kind).first()


def test_a_refused_invitation_marks_the_person_only_once_it_fails_for_good(
    clock, mailbox, open_round, employee
):
    mailbox.refuse.add(employee.email)
    row = _row(open_round, employee, OutboundEmail.Kind.INVITATION)
    emails_send(email_ids=[row.pk])
    employee.refresh_from_db()
    assert employee.email_undeliverable == ""  # one refusal may be passing: it is retried
    _fail_for_good(row, clock)
    employee.refresh_from_db()
    assert employee.email_undeliverable == USER_UNKNOWN
    assert employee.email_undeliverable_at is not None


def test_a_refused_reminder_never_marks_the_person(clock, mailbox, open_round, employee):
    mailbox.refuse.add(employee.email)
    OutboundEmail.objects.filter(recipient=employee, kind=OutboundEmail.Kind.INVITATION).delete()
    _fail_for_good(_row(open_round, employee, OutboundEmail.Kind.REMINDER), clock)
    employee.refresh_from_db()
    assert employee.email_undeliverable == ""


def test_hr_reads_the_reason_on_the_person_and_filters_the_list(
    client, open_round, employee, manager, hr_admin
):
    Person.objects.filter(pk=employee.pk).update(
        email_undeliverable=USER_UNKNOWN, email_undeliverable_at=timezone.now()
    )
    client.force_login(hr_admin)
    page = client.get(f"/hr/people/{employee.pk}/").content.decode()
    assert 'id="email-undeliverable"' in page and USER_UNKNOWN in page
    assert (
        'id="email-undeliverable"' not in client.get(f"/hr/people/{manager.pk}/").content.decode()
    )
    listed = client.get("/hr/people/", {"undeliverable": "1"}).content.decode()
    assert employee.email in listed and manager.email not in listed
    assert listed.count('class="badge text-bg-warning undeliverable"') == 1
    everyone = client.get("/hr/people/").content.decode()
    assert employee.email in everyone and manager.email in everyone


def test_a_corrected_address_or_a_delivered_message_clears_the_mark(
    clock, mailbox, open_round, employee, manager
):
    for person in (employee, manager):
        Person.objects.filter(pk=person.pk).update(email_undeliverable=USER_UNKNOWN)
    employee.refresh_from_db()
    person_update(
        person=employee, email="emma.new@example.com", name=employee.name, team=employee.team,
        role=employee.role, time_zone=employee.time_zone, language=employee.language,
        is_active=True,
    )  # fmt: skip
    employee.refresh_from_db()
    assert employee.email_undeliverable == "" and employee.email_undeliverable_at is None
    # The manager's invitation goes through: their address works again.
    emails_send(email_ids=[_row(open_round, manager, OutboundEmail.Kind.INVITATION).pk])
    manager.refresh_from_db()
    assert manager.email_undeliverable == ""


@pytest.mark.django_db(transaction=True)
def test_the_reason_fits_a_phone_screen(browser, live_server, hr_admin, employee, password):
    long_reason = (
        "550 5.1.1 <"
        + "x" * 60
        + "@example.com>: Recipient address rejected: "
        + ("User unknown in virtual mailbox table " * 4)
    )
    Person.objects.filter(pk=employee.pk).update(
        email_undeliverable=long_reason[:500], email_undeliverable_at=timezone.now()
    )
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(hr_admin.email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    for path in ("/hr/people/?undeliverable=1", f"/hr/people/{employee.pk}/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert page.get_by_text("User unknown in virtual mailbox").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.close()
