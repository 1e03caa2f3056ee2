"""Single sign-on in headless Chromium against a real OpenID Connect provider.

The provider is django-oidc-provider in its own process on 127.0.0.1 (tests/oidc_provider_site):
the browser clicks "Sign in with Test IdP", signs in at the provider, and comes back. Relhealth
exchanges the code over HTTP, checks the RS256 signature against the provider's JWKS, the nonce,
the issuer and the audience, and matches the person by verified email.
"""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from django.contrib.sessions.backends.db import SessionStore

from org.models import Person
from org.services.two_factor import totp_device_confirm, totp_device_pending_get_or_create
from tests.factories import PersonFactory
from tests.oidc_provider_site import CLIENT_ID, CLIENT_SECRET, provider_running
from tests.system.test_browser import _axe_serious, _shot

pytestmark = pytest.mark.browser

OP_PASSWORD = "provider-password"
# The people the provider knows; Relhealth knows some of them (see each test).
OP_USERS = [
    # Mixed case: the match ignores case. Groups are ignored unless HR maps them.
    {"username": "emma", "email": "Employee@Example.COM", "email_verified": True,
     "groups": ["relhealth-hr"]},
    {"username": "max", "email": "manager@example.com", "email_verified": True},
    {"username": "unverified", "email": "manager@example.com", "email_verified": False},
    {"username": "stranger", "email": "stranger@example.com", "email_verified": True},
    {"username": "leaver", "email": "leaver@example.com", "email_verified": True},
    {"username": "hanna", "email": "hr@example.com", "email_verified": True},
]  # fmt: skip


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    users = [{**user, "password": OP_PASSWORD} for user in OP_USERS]
    with provider_running(
        workdir=tmp_path_factory.mktemp("oidc-provider"),
        redirect_uri=f"{live_server.url}/sso/callback/",
        users=users,
    ) as provider:
        yield provider


@pytest.fixture
def sso(settings, oidc_provider):
    """Relhealth configured for the test provider, as the environment would configure it."""
    settings.RELHEALTH_OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.RELHEALTH_OIDC_BUTTON_LABEL = "Test IdP"
    # As in production: django-axes sees every authenticate() call, the SSO callback's too.
    settings.AXES_ENABLED = True
    return oidc_provider


def _sso_sign_in(page, live_server, username: str, start: str = "/login/", at_provider=None):
    page.goto(f"{live_server.url}{start}")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.wait_for_url("**/accounts/login/**")
    assert urlparse(page.url).hostname == "127.0.0.1"  # at the provider, not at Relhealth
    if at_provider is not None:
        at_provider()
    page.locator("#op-username").fill(username)
    page.locator("#op-password").fill(OP_PASSWORD)
    with page.expect_navigation(url=f"{live_server.url}/**"):
        page.get_by_role("button", name="Sign in at the provider").click()
    page.wait_for_load_state()


def _signed_in_session(context) -> dict:
    """The Relhealth session the browser holds (empty when it holds none)."""
    cookie = next((c for c in context.cookies() if c["name"] == "sessionid"), None)
    return dict(SessionStore(cookie["value"]).load()) if cookie else {}


@pytest.mark.django_db(transaction=True)
def test_sso_signs_in_the_person_with_that_verified_email(
    browser, live_server, sso, employee, hr_admin
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    assert _axe_serious(page) == []
    _shot(page, "sso-0-login-1280px")
    _sso_sign_in(page, live_server, "emma")
    _shot(page, "sso-1-home-1280px")
    assert page.url == f"{live_server.url}/"
    assert "Emma Employee" in page.locator("nav").inner_text()
    assert _signed_in_session(context)["_auth_user_id"] == str(employee.pk)
    # Her groups at the provider say "relhealth-hr", but HR mapped no groups: she stays an employee.
    employee.refresh_from_db()
    assert employee.role == Person.Role.EMPLOYEE
    assert Person.objects.count() == 2  # nobody was created
    context.close()


@pytest.mark.django_db(transaction=True)
def test_sso_returns_to_the_page_asked_for(browser, live_server, sso, manager):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/dashboard/")
    assert "/login/" in page.url
    _sso_sign_in(
        page, live_server, "max", start=urlparse(page.url).path + "?" + urlparse(page.url).query
    )
    assert urlparse(page.url).path == "/dashboard/"
    assert _signed_in_session(context)["_auth_user_id"] == str(manager.pk)
    context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("username", "words"),
    [
        ("unverified", "did not confirm that the email address is verified"),
        ("stranger", "Relhealth has nobody with that email address"),
        ("leaver", "Your Relhealth account is deactivated"),
    ],
)
def test_sso_refuses_unverified_unknown_and_deactivated_people(
    browser, live_server, sso, manager, org, username, words
):
    PersonFactory(email="leaver@example.com", team=org.platform, is_active=False)
    n_people = Person.objects.count()
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    responses = []
    page.on("response", lambda r: responses.append(r) if "/sso/callback/" in r.url else None)
    _sso_sign_in(page, live_server, username)
    _shot(page, f"sso-refused-{username}")
    assert words in page.locator("main").inner_text()
    assert "ask HR" in page.locator("main").inner_text()
    assert [r.status for r in responses] == [403]
    assert "_auth_user_id" not in _signed_in_session(context)
    assert _axe_serious(page) == []
    assert Person.objects.count() == n_people
    context.close()


@pytest.mark.django_db(transaction=True)
def test_sso_callback_is_single_use_and_bound_to_the_browser(browser, live_server, sso, employee):
    """A replayed callback, or one carried to another browser (login CSRF), signs nobody in."""
    first = browser.new_context()
    page = first.new_page()
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/sso/callback/" in r.url else None)
    _sso_sign_in(page, live_server, "emma")
    assert _signed_in_session(first)["_auth_user_id"] == str(employee.pk)
    assert len(callbacks) == 1 and {"code", "state"} <= set(parse_qs(urlparse(callbacks[0]).query))

    other = browser.new_context()
    other_page = other.new_page()
    response = other_page.goto(callbacks[0])
    assert response is not None and response.status == 400
    assert "not started from this browser" in other_page.locator("main").inner_text()
    assert "_auth_user_id" not in _signed_in_session(other)
    other.close()

    # The same browser, signed out, cannot use the link a second time either.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    response = page.goto(callbacks[0])
    assert response is not None and response.status == 400
    assert "_auth_user_id" not in _signed_in_session(first)
    first.close()


@pytest.mark.django_db(transaction=True)
def test_sso_refuses_an_id_token_with_another_nonce(browser, live_server, sso, employee):
    context = browser.new_context()
    page = context.new_page()

    def tamper():
        # Relhealth keeps the nonce it sent in the session; change it while the browser is at
        # the provider, so the (correctly signed) ID token carries a nonce it did not ask for.
        key = next(c["value"] for c in context.cookies() if c["name"] == "sessionid")
        session = SessionStore(key)
        states = session["oidc_states"]
        assert len(states) == 1
        for state in states.values():
            state["nonce"] = "another-nonce"
        session["oidc_states"] = states
        session.save()

    responses = []
    page.on("response", lambda r: responses.append(r) if "/sso/callback/" in r.url else None)
    _sso_sign_in(page, live_server, "emma", at_provider=tamper)
    assert [r.status for r in responses] == [400]
    assert "could not be checked" in page.locator("main").inner_text()
    assert "_auth_user_id" not in _signed_in_session(context)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_sso_role_follows_the_groups_hr_mapped(
    browser, live_server, sso, settings, employee, hr_admin
):
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.RELHEALTH_OIDC_ROLE_CLAIM = "groups"
    settings.RELHEALTH_OIDC_ROLE_MAP = {"relhealth-hr": Person.Role.HR_ADMIN}
    context = browser.new_context()
    page = context.new_page()
    _sso_sign_in(page, live_server, "emma")
    employee.refresh_from_db()
    assert employee.role == Person.Role.HR_ADMIN
    assert "HR admin" in page.locator("nav").inner_text()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_an_enrolled_hr_admin_enters_a_code_after_single_sign_on(
    browser, live_server, sso, hr_admin
):
    device = totp_device_pending_get_or_create(person=hr_admin)
    app = pyotp.TOTP(base64.b32encode(device.bin_key).decode())
    assert totp_device_confirm(person=hr_admin, device=device, code=app.now()) is not None
    context = browser.new_context()
    page = context.new_page()
    _sso_sign_in(page, live_server, "hanna")
    assert urlparse(page.url).path == "/login/code/"
    assert "_auth_user_id" not in _signed_in_session(context)
    page.get_by_label("Code").fill(
        app.at(int(time.time()) + 30)
    )  # the next code (each counts once)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url == f"{live_server.url}/"
    session = _signed_in_session(context)
    assert session["_auth_user_id"] == str(hr_admin.pk)
    assert session["_auth_user_backend"] == "org.sso.SsoBackend"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_refused_sso_sign_ins_do_not_lock_others_out(browser, live_server, sso, employee):
    """Everyone behind one office address shares it: a stranger refused five times (more than
    AXES_FAILURE_LIMIT) must not pause single sign-on for a colleague."""
    for _ in range(6):
        stranger = browser.new_context()
        page = stranger.new_page()
        _sso_sign_in(page, live_server, "stranger")
        assert "nobody with that email address" in page.locator("main").inner_text()
        stranger.close()
    colleague = browser.new_context()
    page = colleague.new_page()
    _sso_sign_in(page, live_server, "emma")
    assert _signed_in_session(colleague)["_auth_user_id"] == str(employee.pk)
    colleague.close()
