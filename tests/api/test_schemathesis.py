"""Schemathesis against the live /api/v1/schema/, as every persona, with all its checks.

Each operation x persona runs the generated cases through the real WSGI application (the
database is the test's PostgreSQL, the cache the real Redis) and validates every response:
no 5xx, the status code, content type, headers and body conform to the schema, and the
negative/positive data checks. An operation on one row ({id}) is also sent with the id of a
row that exists, so generated writes (PUT, PATCH, POST actions) reach the services. The number
of cases run is printed at the end of the session.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.api.conftest import client_for

CASES: dict[str, int] = {}
# Schema-valid requests refused with a 400 that names the rule's field (see below), by operation.
RULE_REFUSALS: dict[str, int] = {}


def positive_data_acceptance_or_named_rule(ctx, response, case):
    """Schemathesis's positive-data check, except for a 400 that names a field: a rule the schema
    cannot express (period_from after period_to, a team moved below itself, the last HR admin,
    an unknown time zone, a team path with an empty part) is refused clearly, by field, as the
    pages refuse it. Anything else the check would reject still fails."""
    if (
        response.status_code == 400
        and case.meta is not None
        and case.meta.generation.mode.is_positive
    ):
        body = response.json()
        if body.get("code") == "invalid" and body.get("fields"):
            label = f"{case.method} {case.path}"
            RULE_REFUSALS[label] = RULE_REFUSALS.get(label, 0) + 1
            return None
    return positive_data_acceptance(ctx, response, case)


PERSONAS = ["anonymous", "employee", "manager", "hr_admin"]


@pytest.fixture
def api_schema(db):
    # The real WSGI application. Like Django's test client, keep the test's database connection
    # open across requests (the handler would close it after each, losing the test transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def persona_headers(survey, open_round, org, employee, manager, hr_admin):
    """One token per persona; every generated case is sent as each of them."""
    from django.core.cache import cache

    cache.delete_many([f"throttle_{s}_ip:127.0.0.1" for s in ("api", "export")])
    people = {"employee": employee, "manager": manager, "hr_admin": hr_admin}
    headers = {"anonymous": {}}
    for name, person in people.items():
        credentials = client_for(person)._credentials["HTTP_AUTHORIZATION"]
        headers[name] = {"Authorization": credentials}
    return headers


@pytest.fixture
def real_ids(survey, open_round, org, outsider):
    """An existing object for each {id} in a path, so generated writes reach a real row (the
    generated ids almost never exist). People: `outsider`, so the personas keep their access."""
    from checkins.models import Dimension, Question

    return {
        "/api/v1/teams/": org.engineering.pk,
        "/api/v1/people/": outsider.pk,
        "/api/v1/dimensions/": Dimension.objects.order_by("pk").first().pk,
        "/api/v1/questions/": Question.objects.order_by("pk").first().pk,
        "/api/v1/surveys/": survey.pk,
        "/api/v1/rounds/": open_round.pk,
        "/api/v1/me/checkins/": open_round.pk,
    }


@override_settings(
    REST_FRAMEWORK={
        **django_settings.REST_FRAMEWORK,
        # Fuzzing is many requests a second from one token; the limits have their own test.
        "DEFAULT_THROTTLE_RATES": {"api": "1000000/min", "export": "1000000/min"},
    }
)
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("RELHEALTH_SCHEMATHESIS_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)  # fmt: skip
def test_api_conforms_to_its_schema(case, persona_headers, real_ids):
    # A negative case that carries its own (malformed) Authorization header is sent as it is;
    # every other case is sent as each persona, with that persona's real token.
    own_auth = bool(case.headers) and "authorization" in {h.lower() for h in case.headers}
    negative = case.meta is not None and not case.meta.generation.mode.is_positive
    for name in ["anonymous"] if own_auth and negative else PERSONAS:
        headers = persona_headers[name]
        response = case.call(headers=headers)
        assert response.status_code < 500, (name, case.method, case.path, response.text[:300])
        case.validate_response(
            response,
            headers=headers,
            excluded_checks=[positive_data_acceptance],
            additional_checks=[positive_data_acceptance_or_named_rule],
        )
        CASES[name] = CASES.get(name, 0) + 1
    # Again on a row that exists (as HR; a check-in as the employee invited to the round), so
    # writes with generated bodies reach the services, not only the 404 of an unknown id.
    real = next((pk for prefix, pk in real_ids.items() if case.path.startswith(prefix)), None)
    if real is not None and "{id}" in case.path and not (own_auth and negative):
        name = "employee" if case.path.startswith("/api/v1/me/") else "hr_admin"
        headers = persona_headers[name]
        saved = case.path_parameters
        case.path_parameters = {**(saved or {}), "id": real}
        # A negative case is checked for crashes and a conforming answer, not for refusal: the
        # API ignores an unknown query parameter (schemathesis's "unexpected property"), which on
        # a real row answers 200, by design.
        excluded = [positive_data_acceptance, *([negative_data_rejection] if negative else [])]
        try:
            response = case.call(headers=headers)
            assert response.status_code < 500, (name, case.method, case.path, response.text[:300])
            case.validate_response(
                response,
                headers=headers,
                excluded_checks=excluded,
                additional_checks=[positive_data_acceptance_or_named_rule],
            )
        finally:
            case.path_parameters = saved
        CASES[f"{name} on a real row"] = CASES.get(f"{name} on a real row", 0) + 1
