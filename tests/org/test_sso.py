"""Single sign-on rules that need no provider: off unless configured, the ID token's issuer and
audience, the role mapping, and an unreachable provider breaking nothing else.

The whole flow against a real provider is in tests/system/test_browser_sso.py."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse

from org.models import Person
from org.services.sso import person_role_from_provider
from org.sso import SsoBackend, claim_true, sso_role_for_claims
from tests.oidc_provider_site import free_port

SECRET = "a-client-secret-long-enough-for-hs256-0123456789"
ISSUER = "https://idp.example.com"


@pytest.fixture
def configured(settings):
    settings.RELHEALTH_OIDC_ISSUER = ISSUER
    settings.OIDC_RP_CLIENT_ID = "relhealth"
    settings.OIDC_RP_CLIENT_SECRET = SECRET
    settings.RELHEALTH_OIDC_BUTTON_LABEL = "Acme SSO"
    return settings


@pytest.mark.django_db
def test_single_sign_on_is_off_unless_configured(client):
    page = client.get(reverse("login"))
    assert page.context["sso_label"] == "" and 'id="sso-button"' not in page.content.decode()
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404


@pytest.mark.django_db
def test_the_sign_in_page_offers_the_configured_provider(client, configured):
    response = client.get(reverse("login") + "?next=/dashboard/")
    page = response.content.decode()
    assert response.context["sso_label"] == "Acme SSO" and 'id="sso-button"' in page
    assert f'href="{reverse("oidc_authentication_init")}?next=/dashboard/"' in page


@pytest.mark.django_db
def test_an_unreachable_provider_breaks_only_single_sign_on(client, configured, manager, password):
    configured.RELHEALTH_OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"  # nobody listens
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 503
    assert "did not answer" in response.content.decode()
    signed_in = client.post(reverse("login"), {"username": manager.email, "password": password})
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session


def _backend(settings) -> SsoBackend:
    settings.OIDC_RP_SIGN_ALGO = "HS256"  # signed with the client secret: no JWKS needed here
    for name in ("AUTHORIZATION", "TOKEN", "USER", "JWKS"):
        setattr(settings, f"OIDC_OP_{name}_ENDPOINT", f"{ISSUER}/{name.lower()}")
    backend = SsoBackend()
    super(SsoBackend, backend).__init__()
    return backend


def _token(**claims) -> str:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": "relhealth", "sub": "1", "nonce": "n", "iat": now,
            "exp": now + 300}  # fmt: skip
    return jwt.encode({**base, **claims}, SECRET, algorithm="HS256")


@pytest.mark.django_db
def test_the_id_token_must_name_our_issuer_and_our_client(configured):
    backend = _backend(configured)
    assert backend.verify_token(_token(), nonce="n")["sub"] == "1"
    assert backend.verify_token(_token(aud=["other", "relhealth"]), nonce="n")["sub"] == "1"
    with pytest.raises(SuspiciousOperation, match="another client"):
        backend.verify_token(_token(aud="another-app"), nonce="n")
    with pytest.raises(SuspiciousOperation, match="another issuer"):
        backend.verify_token(_token(iss="https://evil.example.com"), nonce="n")
    with pytest.raises(SuspiciousOperation, match="Nonce"):
        backend.verify_token(_token(), nonce="other")
    with pytest.raises(jwt.ExpiredSignatureError):
        backend.verify_token(_token(exp=int(time.time()) - 60), nonce="n")


@pytest.mark.django_db
def test_a_password_sign_in_never_reaches_the_provider(rf, configured, manager):
    # Django asks every backend; ours answers only the callback (it carries a nonce).
    request = rf.get("/login/?code=x&state=y")
    assert SsoBackend().authenticate(request, username=manager.email, password="x") is None


@pytest.mark.django_db
def test_a_deactivated_persons_sso_session_ends(manager):
    assert SsoBackend().get_user(manager.pk) == manager
    manager.is_active = False
    manager.save()
    assert SsoBackend().get_user(manager.pk) is None


@pytest.mark.django_db
def test_single_sign_on_opens_no_door_the_password_does_not(rf, employee):
    """An employee whose organisation lets only managers and HR sign in is refused by SSO too,
    and an SSO session of theirs ends once HR turns employee sign-in off."""
    from org.models import OrgSettings
    from org.sso import SsoRefusal

    backend = SsoBackend()
    backend.request = rf.get("/sso/callback/")
    assert list(backend.filter_users_by_claims({"email": employee.email.upper()})) == [employee]
    assert SsoBackend().get_user(employee.pk) == employee
    OrgSettings.objects.update(employees_may_sign_in=False)
    assert not backend.filter_users_by_claims({"email": employee.email}).exists()
    assert backend.request.relhealth_sso_refusal == SsoRefusal.NOT_ALLOWED
    assert SsoBackend().get_user(employee.pk) is None


def test_verified_means_true_not_present():
    assert claim_true(True) and claim_true("true") and claim_true("True")
    assert not any(claim_true(v) for v in (False, "false", None, "", 1, "yes"))


def test_roles_come_from_the_provider_only_when_hr_maps_them(settings):
    claims = {"groups": ["staff", "relhealth-hr"]}
    assert sso_role_for_claims(claims) is None  # off by default
    settings.RELHEALTH_OIDC_ROLE_CLAIM = "groups"
    settings.RELHEALTH_OIDC_ROLE_MAP = {"relhealth-hr": "hr_admin", "leads": "manager",
                                        "typo": "superuser"}  # fmt: skip
    assert sso_role_for_claims(claims) == Person.Role.HR_ADMIN
    assert sso_role_for_claims({"groups": ["leads", "staff"]}) == Person.Role.MANAGER
    assert sso_role_for_claims({"groups": "leads"}) == Person.Role.MANAGER
    assert sso_role_for_claims({"groups": ["typo"]}) == Person.Role.EMPLOYEE
    assert sso_role_for_claims({}) == Person.Role.EMPLOYEE


@pytest.mark.django_db
def test_a_mapped_role_never_removes_the_last_hr_admin(hr_admin, employee):
    person_role_from_provider(person=hr_admin, role=Person.Role.EMPLOYEE)
    hr_admin.refresh_from_db()
    assert hr_admin.role == Person.Role.HR_ADMIN
    person_role_from_provider(person=employee, role=Person.Role.MANAGER)
    employee.refresh_from_db()
    assert employee.role == Person.Role.MANAGER


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ("/dashboard/", "/dashboard/"),
        ("https://evil.example.com/", None),
        ("//evil.example.com", None),
    ],
)
def test_the_start_sends_state_nonce_and_pkce_and_keeps_only_a_local_next(
    client, configured, asked, kept
):
    configured.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize"  # no discovery needed
    response = client.get(reverse("oidc_authentication_init"), {"next": asked})
    assert response.status_code == 302
    location = urlparse(response.url)
    params = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/authorize"
    assert params["client_id"] == ["relhealth"] and params["response_type"] == ["code"]
    assert params["code_challenge_method"] == ["S256"]
    assert params["redirect_uri"] == ["http://testserver/sso/callback/"]
    state, nonce = params["state"][0], params["nonce"][0]
    assert client.session["oidc_states"][state]["nonce"] == nonce
    assert client.session["oidc_login_next"] == kept
