"""Health endpoints for operators: /healthz (alive) and /readyz (database and broker)."""

import socket

import pytest

from tests.helpers import wait_for


def test_healthz_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_broker(client):
    # A new process answers once its first checks are back (the web process starts them early).
    assert wait_for(lambda: client.get("/readyz").status_code == 200, timeout=10)
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_down(client, settings):
    from relhealth.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503 and response.json()["broker"] == "unavailable"


def test_readyz_checks_run_under_short_timeouts():
    from relhealth import health

    assert health.READY_WAIT_SECONDS <= 0.05
    assert health.CHECK_TIMEOUT_SECONDS <= 0.5


@pytest.mark.django_db
def test_readyz_keeps_its_answer_for_a_few_seconds(client, settings):
    """Once answered, a broker outage shows only after the kept answer expires: a flood of
    unauthenticated calls starts one round of checks per process every few seconds."""
    from relhealth import health
    from relhealth.celery import app

    settings.RELHEALTH_READY_CACHE_SECONDS = 60
    assert wait_for(lambda: client.get("/readyz").status_code == 200, timeout=10)
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        assert client.get("/readyz").status_code == 200  # the kept answer
        health.readiness_forget()
        response = client.get("/readyz")
        assert response.status_code == 503 and response.json()["broker"] == "unavailable"
    finally:
        app.conf.broker_url = original


@pytest.mark.django_db
def test_readyz_does_not_wait_for_a_broker_that_hangs(client):
    """A Redis that accepts the connection and never answers: /readyz says unavailable at once,
    and no second copy of the check is started while the first still waits."""
    from relhealth import health
    from relhealth.celery import app

    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(8)  # the kernel completes the connection; nobody ever reads or answers
    original = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{hanging.getsockname()[1]}/0"
    try:
        for _ in range(3):
            response = client.get("/readyz")
            assert response.status_code == 503 and response.json()["broker"] == "unavailable"
        assert len([f for f in health._running.values() if not f.done()]) <= 1
    finally:
        app.conf.broker_url = original
        hanging.close()
