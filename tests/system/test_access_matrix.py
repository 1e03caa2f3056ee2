"""Every URL x every role x objects that belong to someone else (promise S1).

`ACCESS` is the explicit table: one dict per URL name, saying what each role gets. A URL added to
the resolver without a row here fails `test_every_url_has_a_rule`, so nobody ships a page whose
access nobody decided. Each refusal must be a 403 or 404 (an anonymous visitor may instead be sent
to a login page) and, for a signed-in person, must land in the audit log.

Path converters are filled with objects that belong to others: the Engineering team and its focus
area belong to `manager`; `employee` works below it, `outsider` manages Sales elsewhere in the tree.

Roles: anonymous, employee, outsider (a manager of another team), manager, hr_admin.
Expectations: an int is the exact status of a GET (the page opens, 302 a redirect, 405 a POST-only
action); DENIED is a 403/404 for GET and POST; LOGIN a redirect to a login page for GET and POST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from checkins.models import Question
from culture.models import FocusAction, FocusArea
from org.models import Person
from org.services.refusals import access_refusals_get

DENIED = "denied"
LOGIN = "login"
ROLES = ("anonymous", "employee", "outsider", "manager", "hr_admin")
LOGIN_PAGES = ("/login/", "/django-admin/login/")

SIGNED_IN_ONLY = {"anonymous": LOGIN, "employee": 200, "outsider": 200, "manager": 200,
                  "hr_admin": 200}  # fmt: skip
PUBLIC = dict.fromkeys(ROLES, 200)
HR_ONLY = {"anonymous": LOGIN, "employee": DENIED, "outsider": DENIED, "manager": DENIED,
           "hr_admin": 200}  # fmt: skip
HR_ONLY_POST = {**HR_ONLY, "hr_admin": 405, "post_only": True}
# The manager's own team: the outsider manages another team, the employee manages none.
ENGINEERING_LEADS = {"anonymous": LOGIN, "employee": DENIED, "outsider": DENIED, "manager": 200,
                     "hr_admin": 200}  # fmt: skip
ENGINEERING_LEADS_POST = {**ENGINEERING_LEADS, "manager": 405, "hr_admin": 405, "post_only": True}

# The API (/api/v1/) answers a signed-out caller 401 (no login page to send it to); a read-only
# resource answers POST 405 before it looks at the object, so GET decides there ("get_only").
UNAUTHENTICATED = "unauthenticated"
API_SIGNED_IN = {"anonymous": UNAUTHENTICATED, "employee": 200, "outsider": 200, "manager": 200,
                 "hr_admin": 200}  # fmt: skip
API_MANAGERS = {**API_SIGNED_IN, "employee": DENIED}
API_ENGINEERING_LEADS = {**API_MANAGERS, "outsider": DENIED, "get_only": True,
                         "kwargs": {"pk": "engineering"}}  # fmt: skip
API_HR_ONLY = {"anonymous": UNAUTHENTICATED, "employee": DENIED, "outsider": DENIED,
               "manager": DENIED, "hr_admin": 200}  # fmt: skip
API_HR_ONLY_POST = {**API_HR_ONLY, "hr_admin": 405}

ACCESS: dict[str, dict[str, Any]] = {
    "home": SIGNED_IN_ONLY,
    "login": {"anonymous": 200, "employee": 302, "outsider": 302, "manager": 302, "hr_admin": 302},
    # Django's LogoutView accepts POST only.
    "logout": dict.fromkeys(ROLES, 405),
    "privacy": PUBLIC,
    # The code step of signing in: without a password step just before, back to the sign-in page.
    "signin-code": dict.fromkeys(ROLES, LOGIN),
    "two-factor": HR_ONLY,
    # Single sign-on answers 404 until it is configured (tests/system/test_browser_sso.py runs it).
    "oidc_authentication_init": {**dict.fromkeys(ROLES, DENIED), "get_only": True},
    "oidc_authentication_callback": {**dict.fromkeys(ROLES, DENIED), "get_only": True},
    # "Forgot your password?" answers everyone the same; a forged link is a clear 400 page.
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": {**dict.fromkeys(ROLES, 400),
                               "kwargs": {"uidb64": "forged", "token": "forged"}},
    "password_set": {**dict.fromkeys(ROLES, 400),
                     "kwargs": {"uidb64": "forged", "token": "forged"}},
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "org:hr-people": HR_ONLY,
    "org:hr-person-new": HR_ONLY,
    "org:hr-person-edit": {**HR_ONLY, "kwargs": {"pk": "employee"}},
    "org:hr-person-erase": {**HR_ONLY, "kwargs": {"pk": "employee"}},
    "org:hr-people-import": HR_ONLY,
    # An import job is its uploader's (hr_admin's here); another HR admin gets 404 (its own test).
    "org:hr-people-import-job": {**HR_ONLY, "kwargs": {"pk": "import"}},
    "org:hr-people-import-job-status": {**HR_ONLY, "kwargs": {"pk": "import"}},
    "org:hr-people-import-job-errors": {**HR_ONLY, "kwargs": {"pk": "import"}},
    "org:hr-people-import-job-apply": {**HR_ONLY_POST, "kwargs": {"pk": "import"}},
    "org:hr-sign-in": HR_ONLY_POST,
    "org:hr-teams": HR_ONLY,
    "org:hr-team-new": HR_ONLY,
    "org:hr-team-edit": {**HR_ONLY, "kwargs": {"pk": "engineering"}},
    "org:hr-threshold": HR_ONLY,
    "org:hr-retention": HR_ONLY,
    "org:hr-audit": HR_ONLY,
    "checkins:thanks": PUBLIC,
    # The link is the credential (ADR 0003): a forged or foreign-key token opens nothing for anyone.
    "checkins:form": {**dict.fromkeys(ROLES, DENIED), "kwargs": {"token": "forged"}},
    # A conversation's secret is its only key (ADR 0031): every made-up one is the same 404, served
    # as if nobody were signed in, so no refusal is audited against a person (that would pair
    # them with a conversation).
    "checkins:conversation": {**dict.fromkeys(ROLES, 404), "kwargs": {"secret": "forged"}},
    # The author's browser asks whether there is a reply (ADR 0037): the same 404 for a made-up one.
    "checkins:conversation-status": {**dict.fromkeys(ROLES, 404), "kwargs": {"secret": "forged"}},
    "checkins:hr-questions": HR_ONLY,
    "checkins:hr-question-edit": {**HR_ONLY, "kwargs": {"pk": "question"}},
    "checkins:hr-question-new": HR_ONLY,
    "checkins:hr-question-import": HR_ONLY,
    "checkins:hr-question-retire": {**HR_ONLY_POST, "kwargs": {"pk": "question"}},
    "checkins:hr-question-reactivate": {**HR_ONLY_POST, "kwargs": {"pk": "question"}},
    "checkins:hr-dimensions": HR_ONLY,
    "checkins:hr-dimension-edit": {**HR_ONLY, "kwargs": {"pk": "dimension"}},
    "checkins:hr-surveys": HR_ONLY,
    "checkins:hr-survey-new": HR_ONLY,
    "checkins:hr-survey": {**HR_ONLY, "kwargs": {"pk": "survey"}},
    "checkins:hr-survey-edit": {**HR_ONLY, "kwargs": {"pk": "survey"}},
    "checkins:hr-survey-pause": {**HR_ONLY_POST, "kwargs": {"pk": "survey"}},
    "checkins:hr-survey-resume": {**HR_ONLY_POST, "kwargs": {"pk": "survey"}},
    "checkins:hr-survey-round": {**HR_ONLY_POST, "kwargs": {"pk": "survey"}},
    # Demo installs only; the matrix runs with production's RELHEALTH_DEMO=False.
    "demo:outbox": dict.fromkeys(ROLES, DENIED),
    "culture:dashboard": SIGNED_IN_ONLY,
    "culture:team": {**ENGINEERING_LEADS, "kwargs": {"team_id": "engineering"}},
    "culture:organisation": HR_ONLY,
    "culture:focus-set": {**ENGINEERING_LEADS_POST, "kwargs": {"team_id": "engineering"}},
    "culture:action-add": {
        **ENGINEERING_LEADS_POST,
        "kwargs": {"team_id": "engineering", "focus_id": "focus"},
    },
    "culture:action-done": {
        **ENGINEERING_LEADS_POST,
        "kwargs": {"team_id": "engineering", "focus_id": "focus", "action_id": "action"},
    },
    # Conversations on shown comments (ADR 0031): POST only, where the comment is shown; HR alone
    # hides a message. A thread not shown on the team's page is a 404 like a made-up one.
    **{
        f"culture:thread-{action}": {
            **ENGINEERING_LEADS_POST,
            "kwargs": {"team_id": "engineering", "thread_id": "thread"},
        }
        for action in ("reply", "heard", "close")
    },
    "culture:message-hide": {
        **ENGINEERING_LEADS_POST,
        "manager": DENIED,
        "kwargs": {"team_id": "engineering", "thread_id": "thread", "message_id": "thread"},
    },
    # The language switcher takes a POST from anyone (Django's set_language, kept on the person).
    "set-language": dict.fromkeys(ROLES, 405),
    # The REST API: the same role rules as the pages (tests/api holds its own, finer matrix).
    "api:schema": PUBLIC,
    "api:docs": PUBLIC,
    # Without the team and period it asks for, a permitted caller gets a 400 naming the field.
    "api:export-scores": {**API_MANAGERS, "outsider": 400, "manager": 400, "hr_admin": 400},
    "api:team-list": API_MANAGERS,
    "api:team-tree": API_MANAGERS,
    "api:team-detail": API_ENGINEERING_LEADS,
    "api:team-focus-areas": API_ENGINEERING_LEADS,
    "api:team-scores": API_ENGINEERING_LEADS,
    "api:team-summaries": API_ENGINEERING_LEADS,
    # Conversations (ADR 0031): the threads of the comments the team page shows; reply by POST.
    "api:team-threads": API_ENGINEERING_LEADS,
    "api:team-thread-messages": {**API_MANAGERS, "outsider": DENIED, "manager": 405,
                                 "hr_admin": 405, "post_only": True,
                                 "kwargs": {"pk": "engineering", "thread_id": "thread"}},
    # Marking heard, closing (staff) and hiding a message (HR) take a POST (ADR 0037).
    **{
        f"api:team-thread-{action}": {
            **API_MANAGERS, "outsider": DENIED, "manager": 405, "hr_admin": 405,
            "post_only": True, "kwargs": {"pk": "engineering", "thread_id": "thread"},
        }
        for action in ("heard", "close")
    },
    "api:team-thread-message-hide": {
        **API_MANAGERS, "outsider": DENIED, "manager": DENIED, "hr_admin": 405, "post_only": True,
        "kwargs": {"pk": "engineering", "thread_id": "thread", "message_id": "thread"},
    },
    "api:team-drivers": API_ENGINEERING_LEADS,
    "api:organisation-drivers": {**API_HR_ONLY, "get_only": True},
    # Comment themes (issue 20): where the team page's comments are shown.
    "api:team-themes": API_ENGINEERING_LEADS,
    "api:organisation-themes": {**API_HR_ONLY, "get_only": True},
    "api:person-list": API_HR_ONLY,
    "api:person-bulk": API_HR_ONLY_POST,
    "api:person-detail": {**API_HR_ONLY, "kwargs": {"pk": "employee"}},
    "api:person-deactivate": {**API_HR_ONLY_POST, "kwargs": {"pk": "employee"}},
    "api:dimension-list": API_HR_ONLY,
    "api:dimension-detail": {**API_HR_ONLY, "kwargs": {"pk": "dimension"}},
    "api:question-list": API_HR_ONLY,
    "api:question-detail": {**API_HR_ONLY, "kwargs": {"pk": "question"}},
    "api:survey-list": API_HR_ONLY,
    "api:survey-detail": {**API_HR_ONLY, "kwargs": {"pk": "survey"}},
    "api:survey-pause": {**API_HR_ONLY_POST, "kwargs": {"pk": "survey"}},
    "api:survey-resume": {**API_HR_ONLY_POST, "kwargs": {"pk": "survey"}},
    "api:round-list": API_HR_ONLY,
    "api:round-detail": {**API_HR_ONLY, "kwargs": {"pk": "round"}},
    "api:my-checkin-list": API_SIGNED_IN,
    # Submitting is POST only; who may submit which check-in is tested in tests/api.
    "api:my-checkin-submit": {**dict.fromkeys(ROLES, 405), "anonymous": UNAUTHENTICATED,
                              "kwargs": {"pk": "round"}},
    # Anything else under /api/v1/ is a JSON 404 for everyone.
    "api:None": dict.fromkeys(ROLES, DENIED),
    "api:hr-api-tokens": HR_ONLY,
    # Django's admin, for staff (nobody in the personas): its login page answers everyone.
    "admin:login": PUBLIC,
    # Signed-out, the admin's logout sends to its index, which sends to its login page.
    "admin:logout": {"anonymous": 302, "employee": DENIED, "outsider": DENIED, "manager": DENIED,
                     "hr_admin": DENIED},
}  # fmt: skip

# Whole namespaces behind one gate. Every view of Django's admin passes AdminSite.admin_view
# (relhealth.admin), so a model registered later is covered by the same rule; the test still
# requests each of its URLs as every role.
NAMESPACE_ACCESS: dict[str, dict[str, Any]] = {
    "admin": {"anonymous": LOGIN, "employee": DENIED, "outsider": DENIED, "manager": DENIED,
              "hr_admin": DENIED, "kwargs": {"object_id": "1", "app_label": "org",
                                             "content_type_id": "1", "url": "org/",
                                             "pk": "1"}},
}  # fmt: skip
UNNAMED_OK = {f"{namespace}:None" for namespace in NAMESPACE_ACCESS} | {"api:None"}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    params: tuple[str, ...]


def _routes(patterns=None, prefix: str = "", namespace: str = "") -> list[Route]:
    found: list[Route] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            found += _routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            params = tuple(entry.pattern.regex.groupindex)
            found.append(Route(name, prefix + str(entry.pattern), params))
    return found


ROUTES = _routes()


def rule_for(name: str) -> dict[str, Any] | None:
    if name in ACCESS:
        return ACCESS[name]
    namespace = name.split(":", 1)[0] if ":" in name else ""
    return NAMESPACE_ACCESS.get(namespace)


def test_every_url_has_a_rule():
    """A new URL without a row in ACCESS (or a gated namespace) fails here."""
    missing = [f"{r.name} ({r.route})" for r in ROUTES if rule_for(r.name) is None]
    assert missing == [], "add these URL names to ACCESS in tests/system/test_access_matrix.py"
    # Unnamed URLs are allowed only behind a namespace gate (the admin's redirects and catch-all).
    unnamed = [r.route for r in ROUTES if r.name.endswith("None") and r.name not in UNNAMED_OK]
    assert unnamed == [], "every URL needs a name so the matrix can hold its rule"


def test_every_rule_names_a_real_url():
    names = {r.name for r in ROUTES}
    assert set(ACCESS) - names == set(), "stale rows in ACCESS"
    for name, rule in ACCESS.items():
        assert set(ROLES) <= set(rule), f"{name} does not say what every role gets"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.params], ids=lambda r: r.name)
def test_every_path_parameter_is_filled(route):
    rule = rule_for(route.name)
    assert rule is not None
    assert set(route.params) <= set(rule.get("kwargs", {})), route.route


def rnd_day():
    import datetime as dt

    return dt.date(2099, 1, 5)


@pytest.fixture
def world(org, survey, employee, manager, outsider, hr_admin) -> dict[str, Any]:
    from checkins.services.rounds import round_open

    focus = FocusArea.objects.create(
        team=org.engineering, dimension=Question.objects.first().dimension, chosen_by=manager
    )
    action = FocusAction.objects.create(focus=focus, text="Talk", follow_up_on=rnd_day())
    rnd = round_open(survey=survey)
    from org.models import PeopleImportJob

    job = PeopleImportJob.objects.create(owner=hr_admin, content=b"email,name,team\n")
    return {
        "people": {"employee": employee, "outsider": outsider, "manager": manager,
                   "hr_admin": hr_admin},
        "objects": {"employee": str(employee.pk), "engineering": str(org.engineering.pk),
                    "focus": str(focus.pk), "action": str(action.pk),
                    "survey": str(survey.pk),
                    "question": str(Question.objects.first().pk),
                    "dimension": str(Question.objects.first().dimension_id),
                    "round": str(rnd.pk), "import": str(job.pk),
                    "forged": "forged-token-that-matches-no-participation",
                    "thread": "7d1c3e2a-5b6f-4c8d-9e0f-1a2b3c4d5e6f"},
    }  # fmt: skip


def _url(route: Route, rule: dict[str, Any], objects: dict[str, str]) -> str:
    kwargs = {
        param: objects.get(value, value)
        for param, value in rule.get("kwargs", {}).items()
        if param in route.params
    }
    if not route.name.endswith(":None"):
        return reverse(route.name, kwargs=kwargs)
    # An unnamed route cannot be reversed: fill its converters and groups by hand.
    filled = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: kwargs[m.group(1)], route.route)
    filled = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: kwargs[m.group(1)], filled)
    return "/" + filled.replace("^", "").replace("$", "")


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PAGES)


def _check(
    client: Client,
    person: Person | None,
    url: str,
    expected: Any,
    post_only: bool,
    get_only: bool = False,
):
    """None when the role got what the table says, else what went wrong."""

    def refusals() -> int:
        return access_refusals_get(actor=person).count() if person else 0

    if expected == LOGIN:
        for response in (client.get(url), client.post(url)):
            if not _is_login_redirect(response):
                return f"{response.status_code}, not a login redirect"
        return None
    if expected == UNAUTHENTICATED:
        for response in (client.get(url), client.post(url)):
            if response.status_code != 401:
                return f"{response.status_code}, not a 401"
        return None
    if expected == DENIED:
        before = refusals()
        get = client.get(url)
        allowed_get = {403, 404, 405} if post_only else {403, 404}
        allowed_post = {403, 404, 405} if get_only else {403, 404}
        post = client.post(url)
        if get.status_code not in allowed_get or post.status_code not in allowed_post:
            return f"GET {get.status_code}, POST {post.status_code}, not a refusal"
        audited = sum(r.status_code in {403, 404} for r in (get, post))
        if person is not None and refusals() - before != audited:
            return "a refusal is missing from the audit log"
        return None
    status = client.get(url).status_code
    return None if status == expected else f"{status}, expected {expected}"


@override_settings(RELHEALTH_DEMO=False)
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role, world):
    """One role against every URL; all wrong answers are listed at once."""
    person = world["people"].get(role)
    client = Client()
    if person is not None:
        client.force_login(person)
    wrong = {}
    for route in ROUTES:
        rule = rule_for(route.name)
        assert rule is not None
        url = _url(route, rule, world["objects"])
        problem = _check(
            client,
            person,
            url,
            rule[role],
            rule.get("post_only", False),
            rule.get("get_only", False),
        )
        if problem:
            wrong[f"{route.name} {url}"] = problem
    assert wrong == {}


def _organisation_change(person: Person, **changes) -> None:
    from org.services.people import person_update

    person = Person.objects.get(pk=person.pk)
    fields = dict(
        email=person.email, name=person.name, team=person.team, role=person.role,
        time_zone=person.time_zone, language=person.language, is_active=person.is_active,
    )  # fmt: skip
    person_update(person=person, **{**fields, **changes})


# The manager signs in, then HR demotes, deactivates, or deactivates and reactivates them. Their
# old session cookie then gets what an anonymous visitor gets, on every URL; a new sign-in (where
# they may still sign in) gets exactly the column of their new role.
ORGANISATION_CHANGES = {
    "demoted": ([{"role": Person.Role.EMPLOYEE}], "employee"),
    "deactivated": ([{"is_active": False}], None),
    "reactivated": ([{"is_active": False}, {"is_active": True}], "manager"),
}


@override_settings(RELHEALTH_DEMO=False)
@pytest.mark.parametrize("change", sorted(ORGANISATION_CHANGES))
def test_access_matrix_after_an_organisation_change(change, world, manager, password):
    old_session = Client()
    assert old_session.login(username=manager.email, password=password)
    steps, column_after = ORGANISATION_CHANGES[change]
    for step in steps:
        _organisation_change(manager, **step)
    clients = [("old session", old_session, None, "anonymous")]
    if column_after is not None:
        fresh = Client()
        assert fresh.login(username=manager.email, password=password)
        clients.append(("new session", fresh, Person.objects.get(pk=manager.pk), column_after))
    else:
        assert not Client().login(username=manager.email, password=password)
    wrong = {}
    for label, client, person, column in clients:
        for route in ROUTES:
            rule = rule_for(route.name)
            assert rule is not None
            url = _url(route, rule, world["objects"])
            problem = _check(client, person, url, rule[column], rule.get("post_only", False),
                             rule.get("get_only", False))  # fmt: skip
            if problem:
                wrong[f"{label}: {route.name} {url}"] = problem
    assert wrong == {}


TEAM_ROUTES = [r for r in ROUTES if "team_id" in r.params]


@pytest.mark.parametrize("route", TEAM_ROUTES, ids=lambda r: r.name)
def test_a_manager_gets_nothing_of_a_team_outside_their_subtree(route, world, org, manager):
    """The mirror of the matrix: Engineering's manager against Sales's objects."""
    focus = FocusArea.objects.create(
        team=org.sales, dimension=Question.objects.first().dimension, chosen_by=None
    )
    action = FocusAction.objects.create(focus=focus, text="Sales's own", follow_up_on=rnd_day())
    thread = "7d1c3e2a-5b6f-4c8d-9e0f-1a2b3c4d5e6f"
    available = {"team_id": org.sales.pk, "focus_id": focus.pk, "action_id": action.pk,
                 "thread_id": thread, "message_id": thread}  # fmt: skip
    url = reverse(route.name, kwargs={p: available[p] for p in route.params})
    client = Client()
    client.force_login(manager)
    assert _check(client, manager, url, DENIED, ENGINEERING_LEADS_POST["post_only"]) is None
    assert list(focus.actions.values_list("text", "done")) == [("Sales's own", False)]


def test_an_action_cannot_reach_another_teams_focus_through_ones_own_team(world, org, manager):
    foreign = FocusArea.objects.create(
        team=org.sales, dimension=Question.objects.first().dimension, chosen_by=None
    )
    client = Client()
    client.force_login(manager)
    url = f"/teams/{org.engineering.pk}/focus/{foreign.pk}/actions/"
    response = client.post(url, {"text": "Sneak in", "follow_up_on": "2030-01-01"})
    assert response.status_code == 404
    assert not foreign.actions.exists()
    assert access_refusals_get(actor=manager).filter(additional_data__status=404).count() == 1


def test_a_refusal_is_recorded_with_who_what_and_no_token(client, employee, manager, org):
    client.force_login(employee)
    assert client.get(f"/teams/{org.engineering.pk}/").status_code == 404
    assert client.get("/c/some-secret-token/").status_code == 404
    entries = list(access_refusals_get(actor=employee))
    assert [e.additional_data["path"] for e in entries] == [
        "/c/[redacted]/",
        f"/teams/{org.engineering.pk}/",
    ]
    assert entries[1].additional_data["url_name"] == "culture:team"
    assert entries[1].additional_data["status"] == 404
    assert all("some-secret-token" not in str(e.changes) for e in entries)
    # The manager of Engineering opens the same page without a refusal.
    client.force_login(manager)
    assert client.get(f"/teams/{org.engineering.pk}/").status_code == 200
    assert not access_refusals_get(actor=manager).exists()


def test_anonymous_refusals_are_not_recorded(client, db):
    assert client.get("/c/some-secret-token/").status_code == 404
    assert client.get("/no-such-page/").status_code == 404
    assert not access_refusals_get().exists()
