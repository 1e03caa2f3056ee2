"""The client's address behind reverse proxies (relhealth.clientip): one rule for django-axes,
django-ratelimit and our own limits, and a forged X-Forwarded-For never moves it."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from checkins.models import Response
from checkins.services.tokens import participation_token
from relhealth.clientip import UNKNOWN_ADDRESS, client_ip

PROXY = "10.9.9.9"  # REMOTE_ADDR of every request that came through our proxy
STRANGER, COLLEAGUE = "198.51.100.7", "203.0.113.5"


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No proxy configured: the header is the client's own words, never believed.
        (0, "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        # One proxy: the address it appended, the last one; the client's own entries are ignored.
        (1, PROXY, "203.0.113.5", "203.0.113.5"),
        (1, PROXY, "1.1.1.1, 203.0.113.5", "203.0.113.5"),
        (1, PROXY, "1.1.1.1,203.0.113.5 ", "203.0.113.5"),
        # Two proxies: the outer one appended the client, the inner one the outer proxy.
        (2, PROXY, "1.1.1.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        # Fewer entries than proxies (the request bypassed one): nothing in it is believed.
        (2, PROXY, "203.0.113.5", PROXY),
        (1, PROXY, "", PROXY),
        # Garbage where the address should be: the proxy's address, never a crash.
        (1, PROXY, "1.1.1.1, not-an-address", PROXY),
        # Ports and IPv6 as some proxies write them.
        (1, PROXY, "203.0.113.5:5123", "203.0.113.5"),
        (1, PROXY, "[2001:db8::1]:443", "2001:db8::1"),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
        # No REMOTE_ADDR at all (a Unix socket without a proxy count): one well-formed address.
        (0, "", "203.0.113.5", UNKNOWN_ADDRESS),
    ],
)
def test_the_client_is_the_address_our_outermost_proxy_appended(
    settings, proxies, remote, forwarded, expected
):
    settings.RELHEALTH_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def _sign_in(client, username: str, password: str, address: str):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )


def test_behind_a_proxy_a_strangers_guesses_pause_only_the_stranger(
    client, settings, limits_fresh, employee, password
):
    """Everyone shares the proxy's REMOTE_ADDR; django-axes keys on the real client address."""
    settings.AXES_ENABLED = True
    settings.RELHEALTH_TRUSTED_PROXIES = 1
    for _ in range(4):
        assert _sign_in(client, employee.email, "wrong", STRANGER).status_code == 200
    assert _sign_in(client, employee.email, "wrong", STRANGER).status_code == 429  # the 5th
    paused = _sign_in(client, employee.email, password, STRANGER)
    assert paused.status_code == 429 and "_auth_user_id" not in client.session
    assert paused["Retry-After"] == "900" and "paused for 15 minutes" in paused.text
    # Forging an entry in front of the proxy's does not make the stranger someone else.
    forged = _sign_in(client, employee.email, password, f"{COLLEAGUE}, {STRANGER}")
    assert forged.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    # The real person, from their own address behind the same proxy, signs in.
    own = _sign_in(client, employee.email, password, COLLEAGUE)
    assert own.status_code == 302 and client.session["_auth_user_id"] == str(employee.pk)


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_pause(
    client, settings, limits_fresh, employee, password
):
    settings.AXES_ENABLED = True
    settings.RELHEALTH_TRUSTED_PROXIES = 0
    for n in range(5):
        page = client.post(
            reverse("login"),
            {"username": employee.email, "password": "wrong"},
            REMOTE_ADDR="192.0.2.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        assert page.status_code == (200 if n < 4 else 429)
    page = client.post(
        reverse("login"),
        {"username": employee.email, "password": password},
        REMOTE_ADDR="192.0.2.1",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert page.status_code == 429 and "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.1"}


def _checkin(client, rnd, person, data, **headers):
    link = reverse(
        "checkins:form", args=[participation_token(round_id=rnd.pk, person_id=person.pk)]
    )
    return client.post(link, data, **headers)


def _answers(rnd) -> dict[str, str]:
    return {
        f"q{v.pk}": ("8" if v.question.scale == "zero_ten" else "4")
        for v in rnd.question_versions.select_related("question")
    }


def test_check_in_limits_count_the_real_client_behind_a_proxy(
    client, settings, clock, limits_fresh, open_round, employee, manager, outsider
):
    settings.RELHEALTH_TRUSTED_PROXIES = 1
    settings.RELHEALTH_CHECKIN_RATE_PER_IP = "1/m"
    behind = {"REMOTE_ADDR": PROXY}
    first = _checkin(
        client, open_round, employee, {"comment": "x"}, **behind, HTTP_X_FORWARDED_FOR=STRANGER
    )
    assert first.status_code == 400
    # The same client, forging a fresh address in front: still the same client, refused.
    forged = _checkin(
        client, open_round, manager, {"comment": "x"},
        **behind, HTTP_X_FORWARDED_FOR=f"192.0.2.77, {STRANGER}",
    )  # fmt: skip
    assert forged.status_code == 429
    # A colleague behind the same proxy is counted on their own.
    other = _checkin(
        client, open_round, outsider, _answers(open_round),
        **behind, HTTP_X_FORWARDED_FOR=COLLEAGUE,
    )  # fmt: skip
    assert other.status_code == 302 and Response.objects.count() == 1


def test_without_a_trusted_proxy_a_forged_header_shares_the_address_budget(
    client, settings, clock, limits_fresh, open_round, employee, manager
):
    settings.RELHEALTH_TRUSTED_PROXIES = 0
    settings.RELHEALTH_CHECKIN_RATE_PER_IP = "1/m"
    first = _checkin(client, open_round, employee, {"comment": "x"}, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert first.status_code == 400
    again = _checkin(
        client, open_round, manager, _answers(open_round), HTTP_X_FORWARDED_FOR="5.6.7.8"
    )
    assert again.status_code == 429 and Response.objects.count() == 0


def test_axes_and_django_ratelimit_are_pointed_at_the_one_rule(settings):
    assert settings.AXES_CLIENT_IP_CALLABLE == "relhealth.clientip.client_ip"
    assert settings.RATELIMIT_IP_META_KEY == "relhealth.clientip.client_ip"
