"""Personas and a small organisation shared by the tests.

Engineering (led by `manager`) has two sub-teams; `employee` works in Platform; `outsider` manages
Sales, a team elsewhere in the tree; `hr_admin` runs the programme.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from checkins.models import Question, Survey
from org.models import Person, Team
from tests.factories import PASSWORD, PersonFactory, TeamFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _round_questions_fresh():
    """Each test starts without the questions a previous test's rounds left in memory: SQLite
    reuses ids after a rollback, and frozen clocks repeat opening times."""
    from checkins.services.responses import round_questions_forget

    round_questions_forget()
    yield


@pytest.fixture(autouse=True)
def _language_fresh():
    """Each test starts in the default language: a page served to a German-speaking person
    activates German for the thread (PersonLanguageMiddleware), and a later test's messages
    would be German."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _readiness_fresh():
    """/readyz keeps its answer for a few seconds in the process: each test asks anew."""
    from relhealth.health import readiness_forget

    readiness_forget()
    yield
    readiness_forget()


@dataclass
class Org:
    root: Team
    engineering: Team
    platform: Team
    payments: Team
    sales: Team


@pytest.fixture
def org(db) -> Org:
    root = TeamFactory(name="Acme")
    engineering = TeamFactory(name="Engineering", parent=root)
    return Org(
        root=root,
        engineering=engineering,
        platform=TeamFactory(name="Platform", parent=engineering),
        payments=TeamFactory(name="Payments", parent=engineering),
        sales=TeamFactory(name="Sales", parent=root),
    )


@pytest.fixture
def employee(org) -> Person:
    return PersonFactory(email="employee@example.com", name="Emma Employee", team=org.platform)


@pytest.fixture
def manager(org) -> Person:
    person = PersonFactory(
        email="manager@example.com",
        name="Max Manager",
        team=org.engineering,
        role=Person.Role.MANAGER,
    )
    org.engineering.managers.add(person)
    return person


@pytest.fixture
def outsider(org) -> Person:
    person = PersonFactory(
        email="outsider@example.com", name="Olga Outsider", team=org.sales, role=Person.Role.MANAGER
    )
    org.sales.managers.add(person)
    return person


@pytest.fixture
def hr_admin(org) -> Person:
    return PersonFactory(
        email="hr@example.com", name="Hanna HR", team=org.root, role=Person.Role.HR_ADMIN
    )


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def survey(db) -> Survey:
    """A weekly pulse over the default instrument.

    The data migration loads it, but transactional tests flush every table, so install it again.
    """
    from checkins import default_bank
    from checkins.models import Dimension, QuestionVersion

    default_bank.install(Dimension=Dimension, Question=Question, QuestionVersion=QuestionVersion)
    pulse = Survey.objects.create(name="Weekly pulse", questions_per_round=5)
    pulse.questions.set(Question.objects.filter(is_active=True))
    return pulse


@pytest.fixture
def require_services() -> bool:
    return getattr(settings, "REQUIRE_SERVICES", False)


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    return f"relhealth: database={engine} broker={broker}"


# A working Monday: the default survey's weekday, after its 09:00 local send time in every zone
# the factories use (Berlin 11:00, New York 05:00 is before it, so tests that need New York pin
# their own moment). Tests that schedule pin the clock here, so they pass on any day at any hour.
PINNED_NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def limits_fresh(settings):
    """No rate-limit counter left by an earlier test (tests pinned to one clock share windows)."""
    from django.core.cache import caches

    from org.signin_limits import signin_memory_forget

    signin_memory_forget()
    store = caches["default"]
    if hasattr(store, "_cache"):
        redis = store._cache.get_client(write=True)
        for pattern in ("rl:*", "slots:*"):
            for key in redis.scan_iter(store.make_key(pattern)):
                redis.delete(key)
    else:
        store.clear()
    yield


@pytest.fixture
def clock():
    """The clock pinned to PINNED_NOW and ticking (a worker thread sees the same time)."""
    with time_machine.travel(PINNED_NOW, tick=True) as traveller:
        yield traveller


def _wall_clock_start() -> None:
    """RELHEALTH_TEST_WALL_CLOCK=2026-12-06T13:00Z runs the whole session as if the machine's clock
    said so (ticking from there). CI runs the scheduling and worker tests on a Sunday, a Monday
    morning and a clock-change night this way, to prove no test depends on the real calendar."""
    value = os.environ.get("RELHEALTH_TEST_WALL_CLOCK")
    if value:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        print(f"relhealth tests: the wall clock reads {moment.isoformat()}", file=sys.stderr)


def pytest_sessionstart(session):
    _wall_clock_start()
    if os.environ.get("REQUIRE_SERVICES") == "1":
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine or not settings.TEST_REDIS_URL:
            raise ImproperlyConfigured("REQUIRE_SERVICES=1 needs PostgreSQL and Redis.")


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session, shared by every browser test module."""
    if not Path(CHROMIUM).exists():
        message = f"Debian's chromium is needed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def open_round(survey, employee, manager, outsider, hr_admin):
    """A round opened for everyone through the real service (participations and ledger rows)."""
    from checkins.services.rounds import round_open

    return round_open(survey=survey)


@pytest.fixture
def worker():
    """A real Celery worker thread on the configured broker (Redis in CI), its queue emptied."""
    from celery.contrib.testing.worker import start_worker

    from relhealth.celery import app

    if settings.REQUIRE_SERVICES:
        assert app.conf.broker_url.startswith("redis://"), "CI must test against the real Redis"
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


def pytest_terminal_summary(terminalreporter):
    """The form fuzzer's counts (tests/system/test_form_fuzz.py), when it ran."""
    fuzz = sys.modules.get("tests.system.test_form_fuzz")
    if fuzz is not None and fuzz.STATS["requests"]:
        terminalreporter.write_line(fuzz.pytest_terminal_summary_line())
