"""The second factor for HR admins: enrolment, the code step of signing in, backup codes, the
setting that makes it compulsory, and what it must leave alone (API tokens, check-in links).

The clock stands still at PINNED_NOW so every TOTP code and throttling delay is exact."""

from __future__ import annotations

import base64
import re

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from api.services.tokens import api_token_create
from checkins.services.tokens import participation_token
from org.services.two_factor import totp_device_confirm, totp_device_pending_get_or_create
from org.two_factor import PENDING_KEY
from tests.conftest import PINNED_NOW


@pytest.fixture
def still_clock():
    with time_machine.travel(PINNED_NOW, tick=False) as traveller:
        yield traveller


def _app(device: TOTPDevice) -> pyotp.TOTP:
    """The person's authenticator app, set up from the same secret as the QR code."""
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


def _enrol(person, still_clock) -> tuple[pyotp.TOTP, list[str]]:
    device = totp_device_pending_get_or_create(person=person)
    app = _app(device)
    codes = totp_device_confirm(person=person, device=device, code=app.now())
    assert codes is not None
    still_clock.shift(30)  # the enrolment code counts once; the next step has a fresh one
    return app, codes


def _password_step(client, person, password, next_url="/hr/people/"):
    return client.post(
        f"{reverse('login')}?next={next_url}", {"username": person.email, "password": password}
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_hr_admin_enrols_with_a_qr_code_and_gets_backup_codes_once(client, hr_admin, still_clock):
    client.force_login(hr_admin)
    page = client.get(reverse("two-factor"))
    assert page.status_code == 200
    html = page.content.decode()
    # The QR code is an SVG made on the server and inlined: no request leaves for a QR service.
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert src and base64.b64decode(src.group(1)).lstrip().startswith(b"<?xml")
    device = TOTPDevice.objects.get(user=hr_admin, confirmed=False)
    assert base64.b32encode(device.bin_key).decode() in html  # the key to type in by hand

    wrong = client.post(reverse("two-factor"), {"action": "enrol", "code": "000000"})
    assert wrong.status_code == 400
    assert not TOTPDevice.objects.filter(user=hr_admin, confirmed=True).exists()
    still_clock.shift(2)  # a wrong code makes the next try wait (django-otp's throttling)

    done = client.post(reverse("two-factor"), {"action": "enrol", "code": _app(device).now()})
    assert done.status_code == 200
    shown = re.findall(r"<li>(\w+)</li>", done.content.decode())
    assert len(shown) == 10
    assert sorted(shown) == sorted(
        StaticToken.objects.filter(device__user=hr_admin).values_list("token", flat=True)
    )
    assert TOTPDevice.objects.get(user=hr_admin).confirmed
    # Shown once: the page now says how many are left, never which.
    again = client.get(reverse("two-factor")).content.decode()
    assert "You have 10 unused backup codes" in again
    assert not any(code in again for code in shown)


@pytest.mark.django_db
def test_only_hr_admins_have_the_second_factor_page(client, manager):
    client.force_login(manager)
    assert client.get(reverse("two-factor")).status_code == 403
    assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_an_enrolled_hr_admin_needs_a_code_after_the_password(
    client, hr_admin, password, still_clock
):
    app, _codes = _enrol(hr_admin, still_clock)
    response = _password_step(client, hr_admin, password)
    assert response.status_code == 302 and response.url == reverse("signin-code")
    assert not _signed_in(client)
    assert client.get("/hr/people/").status_code == 302  # still on the way to the sign-in page

    wrong = client.post(reverse("signin-code"), {"code": "123456"})
    assert wrong.status_code == 400 and not _signed_in(client)
    still_clock.shift(2)  # django-otp makes the next try wait a second after a wrong code

    done = client.post(reverse("signin-code"), {"code": app.now()})
    assert done.status_code == 302 and done.url == "/hr/people/"
    assert _signed_in(client) and PENDING_KEY not in client.session
    assert client.get("/hr/people/").status_code == 200


@pytest.mark.django_db
def test_wrong_codes_slow_down_the_guesser(client, hr_admin, password, still_clock):
    app, _codes = _enrol(hr_admin, still_clock)
    _password_step(client, hr_admin, password)
    for _ in range(3):
        client.post(reverse("signin-code"), {"code": "000000"})
    # After three wrong codes even the right one waits 4 seconds.
    assert client.post(reverse("signin-code"), {"code": app.now()}).status_code == 400
    still_clock.shift(5)
    assert client.post(reverse("signin-code"), {"code": app.now()}).status_code == 302


@pytest.mark.django_db
def test_a_code_counts_once(client, hr_admin, password, still_clock):
    device = totp_device_pending_get_or_create(person=hr_admin)
    code = _app(device).now()
    assert totp_device_confirm(person=hr_admin, device=device, code=code) is not None
    _password_step(client, hr_admin, password)
    # Replaying the code seen at enrolment, in the same 30 seconds, does not sign anyone in.
    assert client.post(reverse("signin-code"), {"code": code}).status_code == 400
    assert not _signed_in(client)


@pytest.mark.django_db
def test_a_backup_code_signs_in_once(client, hr_admin, password, still_clock):
    _app, codes = _enrol(hr_admin, still_clock)
    _password_step(client, hr_admin, password)
    assert client.post(reverse("signin-code"), {"code": codes[0]}).status_code == 302
    assert _signed_in(client)
    client.logout()
    still_clock.shift(10)
    _password_step(client, hr_admin, password)
    assert client.post(reverse("signin-code"), {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=hr_admin).count() == 9


@pytest.mark.django_db
def test_the_code_step_expires_and_cannot_be_skipped(client, hr_admin, password, still_clock):
    app, _codes = _enrol(hr_admin, still_clock)
    # No password step: nothing to complete.
    assert client.post(reverse("signin-code"), {"code": app.now()}).url == reverse("login")
    _password_step(client, hr_admin, password)
    still_clock.shift(5 * 60 + 1)
    response = client.post(reverse("signin-code"), {"code": app.now()})
    assert response.status_code == 302 and response.url == reverse("login")
    assert not _signed_in(client)


@pytest.mark.django_db
def test_renewing_backup_codes_needs_a_current_app_code(client, hr_admin, still_clock):
    app, old = _enrol(hr_admin, still_clock)
    client.force_login(hr_admin)
    refused = client.post(reverse("two-factor"), {"action": "backup-codes", "code": old[0]})
    assert refused.status_code == 400  # a backup code is not enough to see new ones
    still_clock.shift(2)
    renewed = client.post(reverse("two-factor"), {"action": "backup-codes", "code": app.now()})
    new = re.findall(r"<li>(\w+)</li>", renewed.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


@pytest.mark.django_db
def test_people_without_a_second_factor_sign_in_with_the_password_alone(client, manager, password):
    response = _password_step(client, manager, password, next_url="/dashboard/")
    assert response.status_code == 302 and response.url == "/dashboard/"
    assert _signed_in(client)


@pytest.mark.django_db
def test_the_setting_sends_hr_admins_to_enrol_before_any_screen(
    client, settings, hr_admin, manager, still_clock
):
    settings.RELHEALTH_REQUIRE_HR_2FA = True
    client.force_login(hr_admin)
    for path in ("/hr/people/", "/dashboard/", "/", "/hr/threshold/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url == reverse("two-factor"), path
    page = client.get(reverse("two-factor"))
    assert "asks every HR admin to set up a second factor" in page.content.decode()
    device = TOTPDevice.objects.get(user=hr_admin, confirmed=False)
    client.post(reverse("two-factor"), {"action": "enrol", "code": _app(device).now()})
    assert client.get("/hr/people/").status_code == 200  # this session is now verified

    other = Client()
    other.force_login(manager)
    assert other.get("/dashboard/").status_code == 200  # managers are not asked


@pytest.mark.django_db
def test_an_old_session_of_an_enrolled_hr_admin_must_sign_in_again(
    client, settings, hr_admin, still_clock
):
    settings.RELHEALTH_REQUIRE_HR_2FA = True
    client.force_login(hr_admin)  # a session from before the second factor
    _enrol(hr_admin, still_clock)
    response = client.get("/hr/people/")
    assert response.status_code == 302 and response.url == reverse("login")
    assert not _signed_in(client)


@pytest.mark.django_db
def test_api_tokens_and_check_in_links_never_ask_for_a_code(
    client, settings, hr_admin, password, open_round, still_clock
):
    settings.RELHEALTH_REQUIRE_HR_2FA = True
    _enrol(hr_admin, still_clock)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(person=hr_admin, name='sync').secret}"
    )
    assert api.get("/api/v1/teams/").status_code == 200
    link = reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=hr_admin.pk)]
    )
    assert client.get(link).status_code == 200
    # Even half way through signing in (password given, code not yet), the link still works.
    assert _password_step(client, hr_admin, password).url == reverse("signin-code")
    assert client.get(link).status_code == 200


@pytest.mark.django_db
def test_turning_the_second_factor_on_is_in_the_audit_log_without_secrets(
    client, hr_admin, still_clock
):
    from auditlog.models import LogEntry

    client.force_login(hr_admin)
    client.get(reverse("two-factor"))
    device = TOTPDevice.objects.get(user=hr_admin)
    client.post(reverse("two-factor"), {"action": "enrol", "code": _app(device).now()})
    entries = LogEntry.objects.filter(
        object_repr__contains=hr_admin.email, content_type__app_label__startswith="otp_"
    )
    assert [e.changes for e in entries.filter(action=LogEntry.Action.UPDATE)] == [
        {"confirmed": ["False", "True"]}
    ]
    assert entries.count() == 3  # the app (created, confirmed) and the backup codes
    assert all(e.actor_id == hr_admin.pk for e in entries)
    logged = " ".join(str(e.changes) for e in entries)
    assert device.key not in logged
    assert not any(t in logged for t in StaticToken.objects.values_list("token", flat=True))
