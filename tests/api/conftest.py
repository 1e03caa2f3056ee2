"""API clients for the personas of tests/conftest.py, each signed in with a real personal token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.services.tokens import api_token_create
from org.models import Person


def client_for(person: Person | None) -> APIClient:
    client = APIClient()
    if person is not None:
        secret = api_token_create(person=person, name="tests").secret
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def as_person():
    return client_for


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Anonymous counters are per address, shared by every test: start each test afresh.
    (Token and person counters are keyed by ids that PostgreSQL never hands out twice.)"""
    from django.core.cache import cache

    cache.delete_many([f"throttle_{scope}_ip:127.0.0.1" for scope in ("api", "export")])
    yield


def pytest_terminal_summary(terminalreporter):
    from tests.api import test_schemathesis

    if test_schemathesis.CASES:
        total = sum(test_schemathesis.CASES.values())
        terminalreporter.write_line(
            f"schemathesis: {total} cases ({test_schemathesis.CASES}), zero 5xx"
        )
        refusals = sum(test_schemathesis.RULE_REFUSALS.values())
        terminalreporter.write_line(
            f"schemathesis: {refusals} schema-valid requests refused by a named rule: "
            f"{test_schemathesis.RULE_REFUSALS}"
        )
