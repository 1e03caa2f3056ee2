"""Sign-in limits (org.signin_limits, ADR 0024): per address, for everyone, per username; refused
before any password is hashed; a browser that signed in before is not locked out by a stranger."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import signing
from django.urls import reverse

from org.signin_limits import DEVICE_COOKIE

HASHED: list[str] = []


class CountingHasher(MD5PasswordHasher):
    """The test suite's hasher, counting every password it checks: a known account's
    (verify) or, for an unknown username, the dummy hash Django computes instead (encode)."""

    _verifying = False

    def encode(self, password, salt):
        if not self._verifying:
            HASHED.append("encode")
        return super().encode(password, salt)

    def verify(self, password, encoded):
        HASHED.append("verify")
        self._verifying = True
        try:
            return super().verify(password, encoded)
        finally:
            self._verifying = False


@pytest.fixture
def hashes():
    """The passwords hashed from here on (ask for it last: after the people are created)."""
    HASHED.clear()
    return HASHED


@pytest.fixture(autouse=True)
def _limits(settings, clock, limits_fresh):
    settings.PASSWORD_HASHERS = ["tests.org.test_signin_limits.CountingHasher"]
    settings.RELHEALTH_SIGNIN_RATE_PER_IP = "100/m"
    settings.RELHEALTH_SIGNIN_RATE = "100/m"
    settings.RELHEALTH_SIGNIN_FAILURES_PER_USERNAME = "100/15m"
    settings.RELHEALTH_SIGNIN_FAILURES_PER_DEVICE = "100/15m"


def _sign_in(client, username, password, address="192.0.2.1", url=None):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_the_address_limit_refuses_before_any_password_is_hashed(
    client, settings, employee, password, hashes
):
    settings.RELHEALTH_SIGNIN_RATE_PER_IP = "3/m"
    for _ in range(3):
        assert _sign_in(client, employee.email, "wrong").status_code == 200
    assert len(hashes) == 3
    page = _sign_in(client, employee.email, password)
    assert page.status_code == 429 and "_auth_user_id" not in client.session
    assert 1 <= int(page["Retry-After"]) <= 60
    assert "network address" in page.content.decode()
    assert len(hashes) == 3  # refused without hashing
    # Another address has its own budget.
    assert _sign_in(client, employee.email, password, address="192.0.2.2").status_code == 302


def test_the_overall_limit_holds_against_many_addresses(
    client, settings, employee, password, hashes
):
    settings.RELHEALTH_SIGNIN_RATE = "4/m"
    for n in range(4):
        assert _sign_in(client, f"nobody{n}@example.com", "x", f"198.51.100.{n}").status_code == 200
    page = _sign_in(client, employee.email, password, "198.51.100.50")
    assert page.status_code == 429 and "more sign-in attempts than it accepts" in page.text
    assert len(hashes) == 4


def test_a_full_overall_window_is_remembered_without_asking_redis_again(
    client, settings, employee, password, hashes
):
    """Once this process saw the overall window full, a flood's next attempts are refused
    without a round trip; a browser with its device cookie still goes through."""
    from django.core.cache import caches

    settings.RELHEALTH_SIGNIN_RATE = "2/m"
    assert _sign_in(client, employee.email, password, "198.51.100.1").status_code == 302
    client.post(reverse("logout"))
    stranger = client_class_new()
    assert _sign_in(stranger, "x@example.com", "x", "198.51.100.2").status_code == 200
    assert _sign_in(stranger, "x@example.com", "x", "198.51.100.3").status_code == 429
    settings.CACHES = {  # Redis gone: only the remembered window can refuse now
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert "default" in caches
    page = _sign_in(stranger, "y@example.com", "y", "198.51.100.4")
    assert page.status_code == 429 and 1 <= int(page["Retry-After"]) <= 60
    assert _sign_in(client, employee.email, password, "198.51.100.5").status_code == 302
    assert len(hashes) == 3


def test_a_sprayed_username_is_slowed_down_from_every_new_address(
    client, settings, employee, password, hashes
):
    settings.RELHEALTH_SIGNIN_FAILURES_PER_USERNAME = "3/15m"
    for n in range(3):
        assert _sign_in(client, employee.email, "wrong", f"198.51.100.{n}").status_code == 200
    page = _sign_in(client, employee.email.upper(), password, "198.51.100.9")
    assert page.status_code == 429 and "many wrong passwords for this account" in page.text
    assert 15 * 60 - 60 <= int(page["Retry-After"]) <= 15 * 60
    assert len(hashes) == 3
    # Other accounts are not affected.
    assert _sign_in(client, "someone-else@example.com", "x", "198.51.100.9").status_code == 200


def test_a_stranger_cannot_lock_the_real_person_out_of_their_own_browser(
    client, settings, employee, password
):
    """The person signed in before from this browser; a stranger then sprays the account and
    exhausts every limit, even from the person's own (shared office) address."""
    settings.AXES_ENABLED = True
    settings.RELHEALTH_SIGNIN_RATE_PER_IP = "6/m"
    settings.RELHEALTH_SIGNIN_RATE = "8/m"
    settings.RELHEALTH_SIGNIN_FAILURES_PER_USERNAME = "3/15m"
    office = "203.0.113.5"
    assert _sign_in(client, employee.email, password, office).status_code == 302
    assert DEVICE_COOKIE in client.cookies
    client.post(reverse("logout"))
    stranger = client_class_new()
    outcomes = [
        _sign_in(stranger, employee.email, "wrong", office).status_code for _ in range(6)
    ] + [
        _sign_in(stranger, employee.email, "wrong", f"198.51.100.{n}").status_code
        for n in range(4)
    ]  # fmt: skip
    assert outcomes.count(429) >= 4  # paused, per address, for the account and for everyone
    assert _sign_in(stranger, employee.email, password, "198.51.100.77").status_code == 429
    # The person's own browser, from the office address the stranger used: signed in.
    page = _sign_in(client, employee.email, password, "203.0.113.6")
    assert page.status_code == 302 and client.session["_auth_user_id"] == str(employee.pk)


def client_class_new():
    from django.test import Client

    return Client()


def test_the_device_cookie_is_for_one_account_only(client, settings, employee, manager, password):
    settings.RELHEALTH_SIGNIN_FAILURES_PER_USERNAME = "1/15m"
    assert _sign_in(client, employee.email, password).status_code == 302
    client.post(reverse("logout"))
    assert _sign_in(client_class_new(), manager.email, "wrong").status_code == 200
    # The employee's device cookie does not exempt this browser from the manager's limit.
    assert _sign_in(client, manager.email, password).status_code == 429


def test_a_forged_device_cookie_exempts_nothing(client, settings, employee, password):
    settings.RELHEALTH_SIGNIN_FAILURES_PER_USERNAME = "1/15m"
    assert _sign_in(client_class_new(), employee.email, "wrong").status_code == 200
    forged = signing.dumps({"u": "0" * 32, "d": "x"}, salt="relhealth.org.signin_device")
    client.cookies[DEVICE_COOKIE] = forged
    assert _sign_in(client, employee.email, password).status_code == 429
    client.cookies[DEVICE_COOKIE] = "not-signed"
    assert _sign_in(client, employee.email, password).status_code == 429


def test_a_device_that_keeps_failing_loses_its_exemption(client, settings, employee, password):
    settings.RELHEALTH_SIGNIN_FAILURES_PER_USERNAME = "2/15m"
    settings.RELHEALTH_SIGNIN_FAILURES_PER_DEVICE = "3/15m"
    assert _sign_in(client, employee.email, password).status_code == 302
    client.post(reverse("logout"))
    outcomes = [_sign_in(client, employee.email, "wrong").status_code for _ in range(4)]
    # Three failures on the device itself (past the username's two), then it is a stranger.
    assert outcomes == [200, 200, 200, 429]


def test_the_admin_sign_in_is_limited_too(client, settings, hr_admin, hashes):
    settings.RELHEALTH_SIGNIN_RATE_PER_IP = "1/m"
    url = reverse("admin:login")
    assert _sign_in(client, hr_admin.email, "wrong", url=url).status_code == 200
    assert _sign_in(client, hr_admin.email, "wrong", url=url).status_code == 429
    assert len(hashes) == 1


def test_reading_the_sign_in_page_is_not_counted(client, settings, employee, password):
    settings.RELHEALTH_SIGNIN_RATE_PER_IP = "1/m"
    for _ in range(5):
        assert client.get(reverse("login"), REMOTE_ADDR="192.0.2.1").status_code == 200
    assert _sign_in(client, employee.email, password).status_code == 302


def test_sign_in_works_while_redis_is_down(client, settings, employee, password):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.RELHEALTH_SIGNIN_RATE_PER_IP = "0/m"
    assert _sign_in(client, employee.email, "wrong").status_code == 200
    assert _sign_in(client, employee.email, password).status_code == 302


def test_passwords_are_checked_one_at_a_time_across_the_service(
    client, settings, employee, password, hashes
):
    """A password slot held by another check (another worker, say) refuses at once, before
    hashing; each attempt gives its slot back when it is answered."""
    from org.ratelimits import Slots

    settings.RELHEALTH_SIGNIN_CONCURRENCY = 1
    slots = Slots("signin-passwords", 1)
    other = slots.acquire(now=time.time())
    assert other
    page = _sign_in(client, employee.email, password)
    assert page.status_code == 429 and page["Retry-After"] == "5"
    assert "more sign-in attempts than it accepts" in page.text and len(hashes) == 0
    slots.release(other)
    assert _sign_in(client, employee.email, "wrong").status_code == 200
    assert _sign_in(client, employee.email, password).status_code == 302  # the slot came back
    assert len(hashes) == 2


def test_a_dead_holder_frees_its_slot(settings):
    from org.ratelimits import Slots

    slots = Slots("signin-passwords", 1, ttl=30)
    assert slots.acquire(now=time.time() - 31)  # a worker killed while checking, long ago
    holder = slots.acquire(now=time.time())
    assert holder
    slots.release(holder)
