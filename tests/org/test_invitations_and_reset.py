"""Invitations to set a password and "Forgot your password?": Django's token generator and views,
emails through the ledger, single-use links, one clear page for every bad link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from checkins.models import OutboundEmail
from checkins.services.emails import email_send, emails_send
from org.models import OrgSettings, Person
from org.services.access import org_sign_in_update
from org.services.people import person_create, person_update
from org.services.people_import import people_import
from tests.api.conftest import client_for

INVITE = OutboundEmail.Kind.SIGN_IN_INVITATION
RESET = OutboundEmail.Kind.PASSWORD_RESET
NEW_PASSWORD = "lantern-otter-92-quiet"
LINK = re.compile(r"https?://\S+/password/(?:set|reset)/\S+/\S+/")


def _invites(person: Person | None = None):
    rows = OutboundEmail.objects.filter(kind=INVITE)
    return rows.filter(recipient=person) if person is not None else rows


def _sent_link(row: OutboundEmail) -> str:
    mail.outbox.clear()
    assert email_send(email_id=row.pk) == OutboundEmail.Status.SENT
    (message,) = mail.outbox
    return LINK.search(message.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _set_password(client: Client, link: str, password: str = NEW_PASSWORD):
    opened = client.get(_path(link))
    assert opened.status_code == 302  # Django moves the token into the session first
    form_url = opened["Location"]
    assert client.get(form_url).status_code == 200
    return client.post(form_url, {"new_password1": password, "new_password2": password})


# --- Who gets an invitation ---------------------------------------------------------------------


def test_a_new_manager_gets_one_invitation_in_their_language(org, settings):
    settings.RELHEALTH_BASE_URL = "https://relhealth.example.org"
    nina = person_create(email="nina@example.com", name="Nina", team=org.platform,
                         role=Person.Role.MANAGER, language="de", managed_teams=[org.platform])  # fmt: skip
    (row,) = _invites(nina)
    link = _sent_link(row)
    (message,) = mail.outbox
    assert message.to == ["nina@example.com"]
    assert message.subject == "Legen Sie Ihr Passwort für Relhealth fest"
    assert "Hallo Nina" in message.body and "Ihre Rolle: Führungskraft" in message.body
    assert link.startswith("https://relhealth.example.org/password/set/")
    assert link in message.alternatives[0][0]


def test_employees_are_invited_only_when_hr_allows_it(org):
    org_sign_in_update(employees_may_sign_in=False)
    quiet = person_create(email="quiet@example.com", name="Q", team=org.platform)
    assert not _invites(quiet).exists()
    # Turning it on invites the active employees who have no password yet.
    org_sign_in_update(employees_may_sign_in=True)
    assert _invites(quiet).count() == 1
    loud = person_create(email="loud@example.com", name="L", team=org.platform)
    assert _invites(loud).count() == 1


def test_a_promotion_invites_and_a_rerun_does_not_invite_twice(org):
    OrgSettings.objects.update_or_create(pk=1, defaults={"employees_may_sign_in": False})
    ida = person_create(email="ida@example.com", name="Ida", team=org.platform)
    assert not _invites(ida).exists()
    fields = dict(email=ida.email, name=ida.name, team=ida.team, role=Person.Role.MANAGER,
                  time_zone="UTC", language="en", is_active=True)  # fmt: skip
    person_update(person=ida, **fields, managed_teams=[org.platform])
    person_update(person=ida, **fields)  # nothing changes: no second email
    assert _invites(ida).count() == 1


def test_a_person_with_a_password_is_not_invited_again(manager, org):
    person_update(person=manager, email=manager.email, name=manager.name, team=manager.team,
                  role=Person.Role.HR_ADMIN, time_zone="UTC", language="en", is_active=True)  # fmt: skip
    assert not _invites(manager).exists()


def test_the_csv_import_queues_one_email_per_new_person_and_the_dry_run_none(hr_admin):
    csv = "email,name,team,role\n" + "".join(
        f"m{i}@example.com,M {i},Acme/Sales,manager\n" for i in range(30)
    )
    preview = people_import(content=csv, actor=hr_admin, dry_run=True)
    assert preview.ok and not _invites().exists()
    result = people_import(content=csv, actor=hr_admin)
    assert result.applied and len(result.created) == 30
    assert _invites().count() == 30
    assert set(_invites().values_list("status", flat=True)) == {OutboundEmail.Status.PENDING}
    people_import(content=csv, actor=hr_admin)  # the same file again: nobody new
    assert _invites().count() == 30


def test_an_import_queues_its_invitations_in_one_dispatch_after_the_commit(
    hr_admin, django_capture_on_commit_callbacks
):
    from checkins.tasks import sign_in_emails_dispatch

    csv = "email,name,team,role\n" + "".join(
        f"m{i}@example.com,M {i},Acme/Sales,manager\n" for i in range(250)
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert people_import(content=csv, actor=hr_admin).applied
    dispatches = [c for c in callbacks if getattr(c, "func", None) is sign_in_emails_dispatch]
    assert len(dispatches) == 1
    assert sorted(dispatches[0].args[0]) == sorted(_invites().values_list("pk", flat=True))
    assert len(dispatches[0].args[0]) == 250


def test_the_api_queues_an_invitation(hr_admin, org):
    created = client_for(hr_admin).post(
        "/api/v1/people/",
        {"email": "api@example.com", "name": "Api", "team": org.sales.pk, "role": "manager"},
        format="json",
    )
    assert created.status_code == 201
    assert _invites(Person.objects.get(email="api@example.com")).count() == 1


def test_the_people_screen_queues_an_invitation(client, hr_admin, password, org):
    client.login(username=hr_admin.email, password=password)
    data = {"name": "Ola", "email": "ola@example.com", "team": org.sales.pk, "role": "hr_admin",
            "time_zone": "UTC", "language": "en", "is_active": "on"}  # fmt: skip
    assert client.post(reverse("org:hr-person-new"), data).status_code == 302
    assert _invites(Person.objects.get(email="ola@example.com")).count() == 1


def test_an_invitation_for_someone_deactivated_meanwhile_is_skipped(org):
    eve = person_create(email="eve@example.com", name="Eve", team=org.sales,
                        role=Person.Role.MANAGER)  # fmt: skip
    person_update(person=eve, email=eve.email, name=eve.name, team=eve.team, role=eve.role,
                  time_zone="UTC", language="en", is_active=False)  # fmt: skip
    (row,) = _invites(eve)
    assert email_send(email_id=row.pk) == OutboundEmail.Status.SKIPPED
    assert mail.outbox == []


def test_set_password_emails_go_out_at_any_hour(org):
    saturday_night = dt.datetime(2026, 3, 7, 23, 30, tzinfo=dt.UTC)
    with time_machine.travel(saturday_night, tick=False):
        eve = person_create(email="eve@example.com", name="Eve", team=org.sales,
                            role=Person.Role.MANAGER)  # fmt: skip
        (row,) = _invites(eve)
        assert emails_send(email_ids=[row.pk]) == {row.pk: OutboundEmail.Status.SENT}


# --- The link ---------------------------------------------------------------------------------


def test_the_invitation_link_sets_a_password_signs_in_and_works_once(org):
    nina = person_create(email="nina@example.com", name="Nina", team=org.platform,
                         role=Person.Role.MANAGER, managed_teams=[org.platform])  # fmt: skip
    link = _sent_link(_invites(nina).get())
    client = Client()
    done = _set_password(client, link)
    assert done.status_code == 302 and done["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "Your password is set" in home.content.decode()
    nina.refresh_from_db()
    assert nina.check_password(NEW_PASSWORD)
    reused = Client().get(_path(link), follow=True)
    assert reused.status_code == 400
    assert "This link does not work" in reused.content.decode()
    assert "Email me a new link" in reused.content.decode()


def test_a_tampered_or_expired_link_gets_the_clear_page(org):
    start = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        nina = person_create(email="nina@example.com", name="Nina", team=org.platform,
                             role=Person.Role.MANAGER)  # fmt: skip
        link = _sent_link(_invites(nina).get())
        tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]
        for bad in (tampered, link.replace("/password/set/", "/password/reset/")):
            page = Client().get(_path(bad), follow=True)
            assert page.status_code == 400 and "This link does not work" in page.content.decode()
        traveller.shift(dt.timedelta(days=7, minutes=1))
        expired = Client().get(_path(link), follow=True)
        assert expired.status_code == 400
    nina.refresh_from_db()
    assert not nina.has_usable_password()


def test_a_role_change_voids_links_sent_before(org):
    nina = person_create(email="nina@example.com", name="Nina", team=org.platform,
                         role=Person.Role.MANAGER)  # fmt: skip
    link = _sent_link(_invites(nina).get())
    person_update(person=nina, email=nina.email, name=nina.name, team=nina.team,
                  role=Person.Role.HR_ADMIN, time_zone="UTC", language="en", is_active=True)  # fmt: skip
    assert Client().get(_path(link), follow=True).status_code == 400


def test_a_weak_password_is_refused_and_changes_nothing(org):
    nina = person_create(email="nina@example.com", name="Nina", team=org.platform,
                         role=Person.Role.MANAGER)  # fmt: skip
    link = _sent_link(_invites(nina).get())
    page = _set_password(Client(), link, password="12345678")
    assert page.status_code == 400 and "too common" in page.content.decode()
    nina.refresh_from_db()
    assert not nina.has_usable_password()


# --- Forgot your password? ----------------------------------------------------------------------


def test_the_sign_in_page_links_to_the_reset(client):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_the_reset_form_does_not_tell_whether_an_address_exists(client, manager):
    known = client.post(reverse("password_reset"), {"email": manager.email}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    # The same page byte for byte, but for the per-response mask of the CSRF token (the language
    # switcher's form carries one on every page).
    masked = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert masked.sub(b"", known.content) == masked.sub(b"", unknown.content)
    assert OutboundEmail.objects.filter(kind=RESET).count() == 1
    assert OutboundEmail.objects.get(kind=RESET).recipient == manager


def test_a_bad_address_is_a_400_and_queues_nothing(client, db):
    page = client.post(reverse("password_reset"), {"email": "not an address"})
    assert page.status_code == 400 and "Enter a valid email address" in page.content.decode()
    assert not OutboundEmail.objects.filter(kind=RESET).exists()


def test_at_most_one_reset_email_per_person_in_five_minutes(client, manager):
    start = dt.datetime(2026, 5, 4, 9, 0, 10, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            client.post(reverse("password_reset"), {"email": manager.email})
        assert OutboundEmail.objects.filter(kind=RESET).count() == 1
        traveller.shift(dt.timedelta(minutes=5))
        client.post(reverse("password_reset"), {"email": manager.email})
        assert OutboundEmail.objects.filter(kind=RESET).count() == 2


def test_no_reset_for_someone_who_may_not_sign_in(client, employee):
    org_sign_in_update(employees_may_sign_in=False)
    client.post(reverse("password_reset"), {"email": employee.email})
    assert not OutboundEmail.objects.filter(kind=RESET).exists()


def test_the_reset_link_changes_the_password_and_ends_the_old_session(manager, password):
    old = Client()
    old.post(reverse("login"), {"username": manager.email, "password": password})
    Client().post(reverse("password_reset"), {"email": manager.email})
    link = _sent_link(OutboundEmail.objects.get(kind=RESET))
    assert "/password/reset/" in link
    client = Client()
    assert _set_password(client, link).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert old.get(reverse("home")).status_code == 302
    assert Client().get(_path(link), follow=True).status_code == 400


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_reset_email_is_in_the_persons_language(manager, language):
    manager.language = language
    manager.save()
    Client().post(reverse("password_reset"), {"email": manager.email})
    _sent_link(OutboundEmail.objects.get(kind=RESET))
    (message,) = mail.outbox
    expected = {"en": "Reset your Relhealth password", "de": "Relhealth-Passwort zurücksetzen"}
    assert message.subject == expected[language]
