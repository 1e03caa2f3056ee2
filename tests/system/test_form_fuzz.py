"""A Hypothesis fuzzer over every HR form and the check-in form, through the real pages.

The targets come from the URLconf: every route under hr/, the team page's focus forms and the
check-in link. Each form's fields are read from the pages themselves (every <form method=post>
on every HR page, the team page and the check-in page), then filled with hostile values (NUL,
CR/LF, huge strings, unicode digits, negative and huge numbers, wrong types, repeated and
missing fields) mixed with the page's own options. Every post must answer below 500, and a
refused post (a 4xx, a form shown again, or a redirect carrying an error message) must leave
every table as it was. The number of requests and 500s is printed at the end of the session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.services.tokens import api_token_create
from checkins.models import Dimension, Question
from checkins.services.tokens import participation_token
from culture.models import FocusAction, FocusArea
from org.models import PeopleImportJob
from org.services.refusals import ACCESS_REFUSED

# Bounded so the whole run takes about a minute; raise it for a longer hunt.
settings.register_profile(
    "form-fuzz",
    max_examples=int(os.environ.get("RELHEALTH_FORM_FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)  # fmt: skip
FUZZ = settings.get_profile("form-fuzz")

STATS = {"requests": 0, "server_errors": 0, "refused": 0, "accepted": 0}

HOSTILE = [
    "", " ", "\x00", "a\x00b", "Pulse\r\nBcc: all@example.com", "\n", "\t", "\x1b[31m",
    "\u2028", "=HYPERLINK(\"x\")", "+1", "-1", "0", "-0", "-2147483649", "9" * 30, "1e309",
    "NaN", "inf", "²", "٣", "\uff11\uff12", "\uff21\uff22\uff23", "é" * 300, "x" * 10_001, "<script>alert(1)</script>",
    "' OR 1=1 --", "../../etc/passwd", "🙂" * 60, "true", "on", "null", "[]", '{"a": 1}',
    "2026-02-30", "0001-01-01", "9999-12-31", "25:61", "-5:00", "Europe/Atlantis", "xx",
]  # fmt: skip


def _routes() -> list[str]:
    """Names of the routes the fuzzer posts to, from the URLconf."""
    names: list[str] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                ns = f"{namespace}{item.namespace}:" if item.namespace else namespace
                walk(item, prefix + str(item.pattern), ns)
            elif isinstance(item, URLPattern) and item.name:
                route = prefix + str(item.pattern)
                if route.startswith(("hr/", "c/<", "teams/<int:team_id>/focus")):
                    names.append(namespace + item.name)

    walk(get_resolver(), "", "")
    return sorted(set(names))


class _Forms(HTMLParser):
    """Every POST form of a page: its action and, per field name, the values the page offers."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._fields = {}
            self.forms.append((urlsplit(a.get("action") or self.page).path, self._fields))
        elif self._fields is None:
            return
        elif tag in ("input", "textarea", "button") and a.get("name"):
            if a["name"] != "csrfmiddlewaretoken":
                self._fields.setdefault(a["name"], []).append(a.get("value", "on"))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._fields.setdefault(a["name"], [])
        elif tag == "option" and self._select:
            self._fields[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


@pytest.fixture
def world(survey, open_round, org, employee, manager, hr_admin):
    """A seeded organisation with one object of each kind a form edits."""
    focus = FocusArea.objects.create(
        team=org.engineering, dimension=Dimension.objects.filter(questions__isnull=False).first()
    )
    token = participation_token(round_id=open_round.pk, person_id=employee.pk)
    api_token_create(person=hr_admin, name="HRIS sync")  # so the revoke button is on the page
    action = FocusAction.objects.create(
        focus=focus, text="Talk it through", follow_up_on=dt.date(2099, 1, 5)
    )
    job = PeopleImportJob.objects.create(owner=hr_admin, content=b"email,name,team\n")
    return {
        "team_id": org.engineering.pk, "focus_id": focus.pk, "token": token,
        "action": action.pk, "import": job.pk,
        "person": employee.pk, "team": org.platform.pk, "survey": survey.pk,
        "question": Question.objects.filter(scale=Question.Scale.AGREE5).first().pk,
        "dimension": Dimension.objects.first().pk, "hr_admin": hr_admin,
    }  # fmt: skip


PAGES = [
    "org:hr-people", "org:hr-person-new", "org:hr-teams", "org:hr-team-new", "org:hr-threshold",
    "org:hr-retention", "org:hr-people-import", "checkins:hr-questions",
    "checkins:hr-question-new", "checkins:hr-question-import", "checkins:hr-dimensions",
    "checkins:hr-surveys", "checkins:hr-survey-new", "api:hr-api-tokens",
]  # fmt: skip


def _page_urls(world: dict) -> list[str]:
    return [reverse(name) for name in PAGES] + [
        reverse("org:hr-person-edit", args=[world["person"]]),
        reverse("org:hr-person-erase", args=[world["person"]]),
        reverse("org:hr-team-edit", args=[world["team"]]),
        reverse("checkins:hr-question-edit", args=[world["question"]]),
        reverse("checkins:hr-dimension-edit", args=[world["dimension"]]),
        reverse("checkins:hr-survey", args=[world["survey"]]),
        reverse("checkins:hr-survey-edit", args=[world["survey"]]),
        reverse("culture:team", args=[world["team_id"]]),
    ]


# Which pages (by position in the crawl) hold a form posting to a route, learnt by the first
# test's full crawl; later tests fetch only those pages (their ids are the test's own).
HOSTS: dict[str, set[int]] = {}


def _discover(
    client: Client, world: dict, route: str | None = None
) -> dict[str, list[dict[str, list[str]]]]:
    """The POST forms of every page (or of the pages known to post to `route`), by route."""
    found: dict[str, list[dict[str, list[str]]]] = {}
    checkin = reverse("checkins:form", args=[world["token"]])
    urls = [*_page_urls(world), checkin]
    crawled = bool(HOSTS) and route is not None
    for index, url in enumerate(urls):
        if crawled and index not in HOSTS.get(route or "", set()):
            continue
        response = (Client() if url == checkin else client).get(url)
        assert response.status_code == 200, url
        parser = _Forms(url)
        parser.feed(response.content.decode())
        for action, fields in parser.forms:
            match = resolve(action)
            name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
            found.setdefault(name, []).append(fields)
            if not crawled:
                HOSTS.setdefault(name, set()).add(index)
    if not crawled:
        HOSTS.setdefault("", set())  # crawled once, even if no page had a form
    return found


def _snapshot() -> str:
    """A digest of every row of our tables and of the audit log (refusals of access aside)."""
    digest = hashlib.sha256()
    for label in ("org", "checkins", "culture", "api"):
        for model in apps.get_app_config(label).get_models():
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
            for row in model.objects.order_by("pk").values_list(*fields):
                # Binary columns come back as memoryviews, whose repr holds an address.
                row = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                digest.update(repr(row).encode())
    audit = LogEntry.objects.exclude(additional_data__event=ACCESS_REFUSED)
    digest.update(repr(list(audit.order_by("pk").values_list("pk", "changes_text"))).encode())
    return digest.hexdigest()


def _values(offered: list[str]) -> st.SearchStrategy:
    one = st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(offered) if offered else st.sampled_from(HOSTILE),
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))


def _encodable(value):
    # Lone surrogates cannot be sent as UTF-8 at all; a browser never could either.
    if isinstance(value, list):
        return [_encodable(v) for v in value]
    return value.encode("utf-8", "replace").decode("utf-8")


ROUTES = _routes()


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_posts_never_crash_and_refusals_change_nothing(route, world, client):
    client.force_login(world["hr_admin"])
    forms = _discover(client, world, route)
    if route not in forms:
        # A list or a read-only screen: nothing on any page posts here.
        response = client.post(_url(route, world), {"x": "\x00"})
        STATS["requests"] += 1
        assert response.status_code < 500
        return
    fields: dict[str, list[str]] = {}
    for form in forms[route]:
        for name, offered in form.items():
            fields.setdefault(name, []).extend(offered)
    url = _url(route, world)
    poster = Client() if route == "checkins:form" else client
    if route == "checkins:form":
        poster.raise_request_exception = True

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional={n: _values(v) for n, v in fields.items()}))
    def post(data: dict) -> None:
        before = _snapshot()
        STATS["requests"] += 1
        try:
            response = poster.post(url, {k: _encodable(v) for k, v in data.items()})
        except Exception:
            STATS["server_errors"] += 1
            raise
        if response.status_code >= 500:
            STATS["server_errors"] += 1
        assert response.status_code < 500, (route, data)
        errors = [m for m in get_messages(response.wsgi_request) if m.level == message_levels.ERROR]
        shown_again = response.status_code == 200 and any(
            getattr(value, "errors", None)
            for context in (response.context or [])
            for value in context.flatten().values()
        )
        refused = response.status_code >= 400 or shown_again or errors
        if refused:
            STATS["refused"] += 1
            assert _snapshot() == before, (route, response.status_code, data)
        else:
            STATS["accepted"] += 1

    post()


def _url(route: str, world: dict) -> str:
    kwargs = {
        "org:hr-person-edit": {"pk": world["person"]},
        "org:hr-person-erase": {"pk": world["person"]},
        "org:hr-team-edit": {"pk": world["team"]},
        "checkins:hr-question-edit": {"pk": world["question"]},
        "checkins:hr-question-retire": {"pk": world["question"]},
        "checkins:hr-question-reactivate": {"pk": world["question"]},
        "checkins:hr-dimension-edit": {"pk": world["dimension"]},
        "checkins:form": {"token": world["token"]},
        "culture:focus-set": {"team_id": world["team_id"]},
        "culture:action-add": {"team_id": world["team_id"], "focus_id": world["focus_id"]},
        "culture:action-done": {"team_id": world["team_id"], "focus_id": world["focus_id"],
                                "action_id": world["action"]},
        "org:hr-people-import-job": {"pk": world["import"]},
        "org:hr-people-import-job-apply": {"pk": world["import"]},
        "org:hr-people-import-job-errors": {"pk": world["import"]},
        "org:hr-people-import-job-status": {"pk": world["import"]},
    }.get(route)  # fmt: skip
    if kwargs is None and route.startswith("checkins:hr-survey") and route != "checkins:hr-surveys":
        kwargs = {} if route == "checkins:hr-survey-new" else {"pk": world["survey"]}
    return reverse(route, kwargs=kwargs or {})


def test_every_form_route_is_fuzzed():
    """The fuzzer reaches the forms HR and employees post: a new form route shows up here."""
    posted = {
        "org:hr-person-new", "org:hr-person-edit", "org:hr-team-new", "org:hr-team-edit",
        "org:hr-threshold", "org:hr-retention", "org:hr-person-erase", "org:hr-people-import",
        "checkins:hr-question-new", "checkins:hr-question-edit", "checkins:hr-question-import",
        "checkins:hr-dimensions", "checkins:hr-dimension-edit", "checkins:hr-survey-new",
        "checkins:hr-survey-edit", "api:hr-api-tokens", "culture:focus-set",
        "culture:action-add", "checkins:form",
    }  # fmt: skip
    assert posted <= set(ROUTES)


def pytest_terminal_summary_line() -> str:
    return (
        f"form fuzz: {STATS['requests']} requests, {STATS['server_errors']} responses of 500 "
        f"({STATS['refused']} refused and unchanged, {STATS['accepted']} accepted)"
    )
