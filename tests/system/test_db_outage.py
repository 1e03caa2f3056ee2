"""A database outage is a clean 503 page, never a stack trace or a half-stored check-in; a
broker outage does not turn an opened round into an error page.

The outage is real: the connection is pointed at a port where no PostgreSQL listens, so the
driver itself fails to connect (psycopg2's OperationalError), in a view and in a middleware.
"""

from __future__ import annotations

import socket
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from kombu import pools

from checkins.models import OutboundEmail, Participation, Response, Round
from checkins.services.tokens import participation_token
from dialect import is_postgresql
from relhealth.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # released on exit: nothing listens there


@contextmanager
def database_down():
    if not is_postgresql():
        pytest.skip("the outage is simulated on PostgreSQL's port")
    settings = connection.settings_dict
    saved = settings["HOST"], settings["PORT"]
    connection.close()
    settings["HOST"], settings["PORT"] = "127.0.0.1", str(_closed_port())
    try:
        yield
    finally:
        connection.close()
        settings["HOST"], settings["PORT"] = saved


def _assert_clean_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "briefly unavailable" in body and "Traceback" not in body


def test_a_view_that_loses_the_database_answers_503():
    client = Client(raise_request_exception=False)
    with database_down():
        _assert_clean_503(client.get("/privacy/"))
        # /healthz needs no database; /readyz says it is missing.
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["database"] == "unavailable"
    assert client.get("/privacy/").status_code == 200  # full service once it is back


def test_a_signed_in_page_answers_503_when_the_session_cannot_load(employee):
    client = Client(raise_request_exception=False)
    client.force_login(employee)
    with database_down():
        # The session is read by a middleware, before any view: handler500 turns it into 503.
        _assert_clean_503(client.get("/dashboard/"))
    assert client.get("/dashboard/").status_code == 200


def test_a_check_in_during_an_outage_stores_nothing_and_says_so(open_round, employee):
    participation = Participation.objects.get(round=open_round, person=employee)
    token = participation_token(round_id=open_round.pk, person_id=employee.pk)
    client = Client(raise_request_exception=False)
    with database_down():
        _assert_clean_503(client.post(f"/c/{token}/", {"comment": "hello"}))
    participation.refresh_from_db()
    assert not participation.responded
    assert not Response.objects.filter(round=open_round).exists()


@contextmanager
def broker_down():
    """Point the Celery app at a port where no Redis listens, then back."""
    saved = app.conf.broker_url
    app.pool.force_close_all()
    app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.pool.force_close_all()
        app.conf.broker_url = saved
        app._pool = None
        app.amqp._producer_pool = None
        # kombu keeps producer pools per broker in a global registry; the one for the real
        # broker was closed above, so later publishing in this process would fail without this.
        pools.reset()


def test_starting_a_round_while_redis_is_down_opens_it_once_and_keeps_its_emails(
    client, survey, hr_admin, employee
):
    """The round commits before its invitations are queued: a dead broker is not an error page
    (which would invite a second click and a second round); the sweep sends the rows later."""
    if not app.conf.broker_url.startswith("redis://"):
        pytest.skip("needs the Redis broker")
    client.force_login(hr_admin)
    with broker_down():
        response = client.post(f"/hr/surveys/{survey.pk}/round/")
    assert response.status_code == 302
    rnd = Round.objects.get(survey=survey)
    invitations = OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.INVITATION)
    assert invitations.filter(status=OutboundEmail.Status.PENDING).count() == 2
