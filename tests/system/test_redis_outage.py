"""Redis down: every page still answers as it should (caches fail open), HR is told the truth
when invitations cannot be queued, and the sweep sends them once the queue is back.

The outage is real: the cache and the broker point at a port where nothing listens.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from checkins.models import OutboundEmail, Round
from checkins.services.emails import emails_send, emails_sweep
from relhealth.celery import app
from tests.system.test_access_matrix import (
    DENIED,
    LOGIN,
    ROLES,
    ROUTES,
    UNAUTHENTICATED,
    _url,
    rule_for,
)
from tests.system.test_access_matrix import world as world  # the fixture: the matrix's objects
from tests.system.test_db_outage import _closed_port, broker_down


@pytest.fixture
def redis_down(settings):
    """The cache on a closed port (the broker too, for the length of the test)."""
    if not app.conf.broker_url.startswith("redis://"):
        pytest.skip("needs the Redis broker and cache")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with broker_down():
        yield


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_with_redis_down(role, world, redis_down, settings):
    """Each page a role may open opens; what it may not is still refused (nothing is a 500)."""
    settings.RELHEALTH_DEMO = False  # as in the access matrix: no demo outbox
    person = world["people"].get(role)
    client = Client(raise_request_exception=False)
    if person is not None:
        client.force_login(person)
    wrong, opened = {}, 0
    for route in ROUTES:
        rule = rule_for(route.name)
        assert rule is not None
        url = _url(route, rule, world["objects"])
        status = client.get(url).status_code
        expected = rule[role]
        if route.name == "readyz":
            ok = status == 503  # the broker is down: not ready, and says so
        elif expected in (DENIED, LOGIN, UNAUTHENTICATED):
            ok = status in {302, 401, 403, 404, 405}
        else:
            ok = status == expected
            opened += status == 200
        if not ok:
            wrong[f"{route.name} {url}"] = f"{status}, expected {expected}"
    assert wrong == {}
    assert opened >= 3  # privacy, the thank-you page, health... at least


def test_the_hr_heatmap_renders_without_its_cache(client, hr_admin, redis_down):
    client.force_login(hr_admin)
    assert client.get("/organisation/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_hr_is_told_when_invitations_cannot_be_queued_and_the_sweep_sends_them_later(
    clock, survey, hr_admin, employee, manager
):
    client = Client(raise_request_exception=False)
    client.force_login(hr_admin)
    with broker_down():
        page = client.post(f"/hr/surveys/{survey.pk}/round/", follow=True)
    text = page.content.decode()
    assert page.status_code == 200
    assert "could not be queued" in text and "go out automatically" in text
    assert "on their way" not in text
    rnd = Round.objects.get(survey=survey)
    invitations = set(
        OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.INVITATION).values_list(
            "pk", flat=True
        )
    )
    assert len(invitations) == 3 and mail.outbox == []
    # The queue is back: the next sweep (every tick) takes the rows left behind and sends them.
    clock.shift(dt.timedelta(minutes=3))
    due = set(emails_sweep(now=timezone.now()))
    assert invitations <= due
    emails_send(email_ids=sorted(invitations))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [hr_admin.email, employee.email, manager.email]
    )


@pytest.mark.django_db(transaction=True)
def test_hr_hears_the_invitations_are_on_their_way_when_they_are(client, survey, hr_admin):
    client.force_login(hr_admin)
    text = client.post(f"/hr/surveys/{survey.pk}/round/", follow=True).content.decode()
    assert "invitations are on their way" in text and "could not be queued" not in text
