"""How check-ins are served: kept database connections, and the two rate limits counted in one
round trip to Redis (ADR 0018)."""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

import psycopg2
import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from checkins.models import Participation, Response
from checkins.services.tokens import participation_token
from dialect import is_postgresql
from org.ratelimits import Window, rate_parse, windows_count

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _link(rnd, person) -> str:
    return reverse(
        "checkins:form", args=[participation_token(round_id=rnd.pk, person_id=person.pk)]
    )


def _answers(rnd, value="4") -> dict[str, str]:
    return {
        f"q{v.pk}": ("8" if v.question.scale == "zero_ten" else value)
        for v in rnd.question_versions.select_related("question")
    }


def _serve(environ: dict) -> tuple[int, dict[str, str], bytes]:
    """One request through Django's WSGI handler as gunicorn calls it, with the request signals
    that close or check kept connections (the test client switches those off)."""
    answer: dict = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), headers

    body = b"".join(WSGIHandler()(environ, start_response))
    cookies = {}
    for name, value in answer["headers"]:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key] = rest.split(";")[0]
    return answer["status"], cookies, body


def _drop_server_side(pid: int) -> None:
    """PostgreSQL ends the backend of a kept connection (a restart or an idle timeout would)."""
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
        host=settings["HOST"], port=settings["PORT"] or 5432,
    )  # fmt: skip
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()


@pytest.fixture
def kept_connections():
    if not is_postgresql():
        pytest.skip("PostgreSQL ends the connection (CI runs it with REQUIRE_SERVICES=1)")
    settings = connection.settings_dict
    saved = settings["CONN_MAX_AGE"], settings["CONN_HEALTH_CHECKS"]
    connection.close()

    def configure(*, health_checks: bool) -> None:
        settings["CONN_MAX_AGE"], settings["CONN_HEALTH_CHECKS"] = 60, health_checks
        connection.close()

    yield configure
    connection.close()
    settings["CONN_MAX_AGE"], settings["CONN_HEALTH_CHECKS"] = saved


def test_the_settings_keep_connections_and_check_them_before_reuse():
    from relhealth.settings import base

    assert base.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert base.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("health_checks", [True, False])
def test_a_kept_connection_the_server_dropped_costs_no_check_in(
    kept_connections, health_checks, open_round, employee
):
    kept_connections(health_checks=health_checks)
    link = _link(open_round, employee)
    answers = _answers(open_round)
    factory = RequestFactory()
    status, cookies, body = _serve(factory.get(link).environ)
    assert status == 200
    kept_pid = connection.connection.get_backend_pid()  # still open after the request
    _drop_server_side(kept_pid)
    token = CSRF_FIELD.search(body.decode())
    assert token is not None
    data = answers | {"csrfmiddlewaretoken": token.group(1)}
    request = factory.post(
        link, urlencode(data), content_type="application/x-www-form-urlencoded",
        HTTP_COOKIE="; ".join(f"{k}={v}" for k, v in cookies.items()),
    )  # fmt: skip
    status, _cookies, _body = _serve(request.environ)
    connection.close()  # the test's own look below needs a live connection in either case
    stored = Response.objects.filter(round=open_round).count()
    if health_checks:
        # The dead connection is noticed before the request uses it and replaced.
        assert status == 302 and stored == 1
        assert Participation.objects.get(round=open_round, person=employee).responded
    else:
        # Without the check the request meets the dead connection: a clean 503, nothing stored.
        assert status == 503 and stored == 0


def test_rates_read_like_django_ratelimit_rates():
    assert rate_parse("20/m") == (20, 60)
    assert rate_parse("600/m") == (600, 60)
    assert rate_parse("5/10s") == (5, 10)
    assert rate_parse("100/h") == (100, 3600)
    with pytest.raises(ValueError):
        rate_parse("20 per minute")


def test_the_address_limit_counts_every_link_from_that_address(
    client, settings, open_round, employee, manager, outsider
):
    settings.RELHEALTH_CHECKIN_RATE_PER_IP = "2/m"
    for person in (employee, manager):
        assert client.post(_link(open_round, person), {"comment": "x"}).status_code == 400
    page = client.post(_link(open_round, outsider), _answers(open_round))
    assert page.status_code == 429 and "Too many attempts" in page.content.decode()
    assert Response.objects.count() == 0
    # Another address is counted on its own.
    other = client.post(_link(open_round, outsider), _answers(open_round), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302 and Response.objects.count() == 1


def test_a_thousand_junk_posts_leave_a_real_check_in_from_that_address_unaffected(
    client, settings, clock, limits_fresh, open_round, employee
):
    """Behind a proxy everyone shares one address: made-up links must not use up its budget.
    Each junk post is a 404 that is never counted; the address's counter stays at zero."""
    settings.RELHEALTH_CHECKIN_RATE_PER_IP = "600/m"  # the production default
    for n in range(1000):
        junk = reverse("checkins:form", args=[f"{n:064x}"])
        assert client.post(junk, {"comment": "x"}).status_code == 404
    address = Window("checkin-ip", "127.0.0.1", "600/m", counts=False)
    assert windows_count([address], now=time.time()) == [0]
    page = client.post(_link(open_round, employee), _answers(open_round))
    assert page.status_code == 302 and Response.objects.filter(round=open_round).count() == 1
    assert windows_count([address], now=time.time()) == [1]


def test_a_junk_link_is_refused_even_when_the_address_is_over_its_limit(
    client, settings, clock, limits_fresh, open_round, employee
):
    """Junk is answered 404 (not 429): it is looked up before anything is counted."""
    settings.RELHEALTH_CHECKIN_RATE_PER_IP = "1/m"
    assert client.post(_link(open_round, employee), {"comment": "x"}).status_code == 400
    assert client.post(_link(open_round, employee), {"comment": "x"}).status_code == 429
    junk = reverse("checkins:form", args=["f" * 64])
    assert client.post(junk, {"comment": "x"}).status_code == 404


def test_a_refused_post_stores_nothing_even_with_a_valid_check_in(
    client, settings, open_round, employee
):
    settings.RELHEALTH_CHECKIN_RATE = "1/m"
    link = _link(open_round, employee)
    assert client.post(link, {"comment": "x"}).status_code == 400
    assert client.post(link, _answers(open_round)).status_code == 429
    assert Response.objects.count() == 0
    assert not Participation.objects.get(round=open_round, person=employee).responded


def test_the_counters_hold_no_link_token(client, open_round, employee):
    store = caches["default"]
    if not hasattr(store, "_cache"):
        pytest.skip("the counters are looked at in Redis")
    link = _link(open_round, employee)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    redis = store._cache.get_client(write=True)
    pattern = store.make_key("rl:checkin-*")
    for key in redis.keys(pattern):  # other tests' counters
        redis.delete(key)
    client.post(link, {"comment": "x"})
    keys = [key.decode() for key in redis.keys(pattern)]
    assert len(keys) == 2  # one per address, one per link
    assert not any(token in key for key in keys)


def test_the_limit_holds_with_the_in_process_cache_too(client, settings, open_round, employee):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.RELHEALTH_CHECKIN_RATE = "2/m"
    link = _link(open_round, employee)
    for _ in range(2):
        assert client.post(link, {"comment": "x"}).status_code == 400
    assert client.post(link, _answers(open_round)).status_code == 429
    assert Response.objects.count() == 0
