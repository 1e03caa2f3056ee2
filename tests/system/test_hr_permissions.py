"""Every HR URL, taken from the resolver, by every persona: only HR admins get in.

New HR screens are covered without editing this file: any route under hr/ is collected.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from checkins.models import Survey


def _hr_routes(patterns=None, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _hr_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("hr/"):
            found.append((entry.name or route, route))
    return found


HR_ROUTES = _hr_routes()


def _url(route: str, pk: int) -> str:
    return "/" + re.sub(r"<int:\w+>", str(pk), route)


def test_the_resolver_finds_the_hr_screens():
    names = {name for name, _ in HR_ROUTES}
    assert {
        "hr-people",
        "hr-teams",
        "hr-questions",
        "hr-surveys",
        "hr-threshold",
        "hr-audit",
    } <= names
    assert not any("<str" in route or "<slug" in route for _, route in HR_ROUTES)


@pytest.fixture
def target(org, survey) -> int:
    """An id that exists for every kind of object the routes take (teams, people, surveys...)."""
    return Survey.objects.get().pk


@pytest.mark.parametrize(("name", "route"), HR_ROUTES)
@pytest.mark.parametrize("persona", ["employee", "manager", "outsider"])
def test_everyone_but_hr_gets_403(client, request, password, persona, name, route, target):
    person = request.getfixturevalue(persona)
    client.login(username=person.email, password=password)
    url = _url(route, target)
    assert client.get(url).status_code == 403, url
    rounds_before = Survey.objects.get().rounds.count()
    assert client.post(url, {"name": "x", "min_group_size": 3}).status_code == 403, url
    assert Survey.objects.get().rounds.count() == rounds_before


@pytest.mark.parametrize(("name", "route"), HR_ROUTES)
def test_anonymous_is_sent_to_login(client, name, route, target):
    url = _url(route, target)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


@pytest.mark.parametrize(("name", "route"), HR_ROUTES)
def test_hr_admin_gets_in(client, hr_admin, password, employee, name, route, target, org):
    client.login(username=hr_admin.email, password=password)
    pk = {"person": employee.pk, "team": org.platform.pk}.get(
        "person" if "person" in name else "team" if "team" in name else "", target
    )
    if "question" in name:
        from checkins.models import Question

        pk = Question.objects.first().pk
    if "dimension" in name:
        from checkins.models import Dimension

        pk = Dimension.objects.first().pk
    if name.startswith("hr-people-import-job"):
        from org.models import PeopleImportJob

        pk = PeopleImportJob.objects.create(owner=hr_admin, content=b"email,name,team\n").pk
    response = client.get(_url(route, pk))
    # The state-changing routes accept POST only; every other screen renders.
    post_only = {
        "hr-people-import-job-apply",
        "hr-survey-pause",
        "hr-survey-resume",
        "hr-survey-round",
        "hr-question-retire",
        "hr-question-reactivate",
        "hr-sign-in",
    }
    expected = 405 if name in post_only else 200
    assert response.status_code == expected, route
