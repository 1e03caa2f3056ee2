"""Sessions end after idle time (Django's cookie age) and after an absolute lifetime."""

import datetime as dt

import time_machine
from django.conf import settings
from django.urls import reverse


def test_a_busy_session_still_ends_after_the_absolute_lifetime(client, employee, password):
    start = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        assert (
            client.post(
                reverse("login"), {"username": employee.email, "password": password}
            ).status_code
            == 302
        )
        for _ in range(29):  # a request every 20 minutes for 9 h 40 min: never idle
            traveller.shift(dt.timedelta(minutes=20))
            assert client.get(reverse("home")).status_code == 200
        traveller.shift(dt.timedelta(minutes=21))
        page = client.get(reverse("home"))
    assert page.status_code == 302 and reverse("login") in page["Location"]
    assert "_auth_user_id" not in client.session


def test_an_idle_session_ends(client, employee, password):
    start = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.post(reverse("login"), {"username": employee.email, "password": password})
        traveller.shift(dt.timedelta(minutes=31))
        assert client.get(reverse("home")).status_code == 302


def test_activity_extends_the_idle_window(client, employee, password):
    start = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.post(reverse("login"), {"username": employee.email, "password": password})
        traveller.shift(dt.timedelta(minutes=25))
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(dt.timedelta(minutes=25))  # 50 minutes after sign-in, 25 idle
        assert client.get(reverse("home")).status_code == 200
    assert settings.SESSION_COOKIE_AGE <= 3600 < settings.RELHEALTH_SESSION_ABSOLUTE_SECONDS
