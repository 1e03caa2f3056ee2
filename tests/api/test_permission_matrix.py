"""Every API operation (from the live schema) x every persona x their own and other people's
objects: nothing beyond the role of the pages, and nothing changes when a request is refused.

Personas (tests/conftest.py): anonymous, `employee` (Platform), `manager` (leads Engineering),
`outsider` (leads Sales, elsewhere in the tree) and `hr_admin`.
"""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from checkins.models import Dimension, Question, Survey
from org.models import Person, Team
from tests.api.conftest import client_for

PUBLIC = {"/api/v1/schema/", "/api/v1/docs/"}
# Team figures and the team tree: managers for the subtrees they lead (others 404), HR for all.
TEAM_READ = ("/scores/", "/summaries/", "/focus-areas/")


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    ops = [
        (path, method.upper())
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    return sorted(ops) + [(p, "GET") for p in sorted(PUBLIC)]


OPERATIONS = _operations()
PERSONAS = ["anonymous", "employee", "manager", "outsider", "hr_admin"]


def test_the_schema_lists_every_resource():
    paths = {p for p, _ in OPERATIONS}
    for expected in ("/api/v1/teams/", "/api/v1/people/bulk/", "/api/v1/teams/{id}/scores/",
                     "/api/v1/exports/scores.csv", "/api/v1/me/checkins/{id}/submit/",
                     "/api/v1/questions/{id}/", "/api/v1/surveys/{id}/pause/", "/api/v1/rounds/",
                     "/api/v1/dimensions/"):  # fmt: skip
        assert expected in paths
    assert len(OPERATIONS) >= 35


def _snapshot() -> tuple:
    return (
        list(Person.objects.order_by("pk").values_list("pk", "is_active", "role", "name")),
        list(Team.objects.order_by("pk").values_list("pk", "name", "parent_id")),
        list(Survey.objects.values_list("pk", "is_active", "name")),
        Question.objects.count(),
        Dimension.objects.count(),
    )


def _may_read_team(persona: str, target: str) -> bool:
    return persona == "hr_admin" or (persona, target) in {
        ("manager", "engineering"), ("manager", "platform"), ("outsider", "sales"),
    }  # fmt: skip


def _expected(persona: str, path: str, method: str, target: str) -> set[int] | str:
    """The status codes allowed, or "pass" for "anything but 401/403/404/5xx"."""
    if path in PUBLIC:
        return {200}
    if persona == "anonymous":
        return {401}
    if path.startswith("/api/v1/me/"):
        return "pass"
    team_read = path.startswith("/api/v1/teams/") and method == "GET"
    export = path == "/api/v1/exports/scores.csv"
    if team_read or export:
        if persona == "employee":
            return {403}
        if path in ("/api/v1/teams/", "/api/v1/teams/tree/"):
            return {200} if persona != "employee" else {403}
        if persona != "hr_admin" and not _may_read_team(persona, target):
            return {404}
        return "pass"
    if path.endswith("/hide/"):  # ADR 0037: HR alone hides; a message not shown there is 404
        return {404} if persona == "hr_admin" else {403}
    if "/threads/" in path:  # ADR 0031: managers and HR reply; a thread not shown there is 404
        return {403} if persona == "employee" else {404}
    if persona != "hr_admin":
        return {403}
    return "pass"


@pytest.fixture
def objects(org, survey, open_round, employee, manager, outsider, hr_admin):
    return {
        "team": {"engineering": org.engineering, "platform": org.platform, "sales": org.sales},
        "person": employee,
        "survey": survey,
        "round": open_round,
        "question": Question.objects.first(),
        "dimension": Dimension.objects.first(),
    }


def _object_id(path: str, objects: dict, target: str) -> int:
    if path.startswith("/api/v1/teams/"):
        return objects["team"][target].pk
    for prefix, key in (("people", "person"), ("surveys", "survey"), ("rounds", "round"),
                        ("questions", "question"), ("dimensions", "dimension"),
                        ("me/checkins", "round")):  # fmt: skip
        if path.startswith(f"/api/v1/{prefix}/"):
            return objects[key].pk
    raise AssertionError(path)


def _matrix_check(client, persona: str, objects: dict) -> int:
    """Every operation against `persona`'s expectations with this client; returns the count."""
    checked = 0
    for path, method in OPERATIONS:
        targets = (
            ["engineering", "platform", "sales"] if path.startswith("/api/v1/teams/{") else ["-"]
        )
        for target in targets:
            url = path
            if "{id}" in path:
                url = path.replace("{id}", str(_object_id(path, objects, target)))
            url = url.replace("{thread_id}", "7d1c3e2a-5b6f-4c8d-9e0f-1a2b3c4d5e6f")
            url = url.replace("{message_id}", "0e5a4c1b-7f2d-4b3a-8c6e-2d1f0a9b8c7d")
            params = {"team": objects["team"][target if target != "-" else "sales"].pk}
            expected = _expected(persona, path, method, target if target != "-" else "sales")
            before = _snapshot()
            if method == "GET":
                response = client.get(url, params if "exports" in path else None)
            else:
                response = getattr(client, method.lower())(url, {}, format="json")
            status = response.status_code
            where = f"{persona} {method} {url} ({target})"
            assert status < 500, where
            if expected == "pass":
                assert status not in (401, 403, 404), (where, status, response.content[:200])
            else:
                assert status in expected, (where, status, response.content[:200])
                if status in (401, 403, 404):
                    assert _snapshot() == before, where
                    if path not in PUBLIC:
                        body = response.json()
                        assert set(body) == {"code", "detail", "fields"}, where
            checked += 1
    return checked


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(request, persona, objects, org):
    person = None if persona == "anonymous" else request.getfixturevalue(persona)
    assert _matrix_check(client_for(person), persona, objects) >= 50


def _change(person: Person, **changes) -> Person:
    from org.services.people import person_update

    person = Person.objects.get(pk=person.pk)
    fields = dict(
        email=person.email, name=person.name, team=person.team, role=person.role,
        time_zone=person.time_zone, language=person.language, is_active=person.is_active,
    )  # fmt: skip
    return person_update(person=person, **{**fields, **changes})


# After a change, the token from before answers like no token at all; a new token (where the
# person may still have one) gets exactly what their new role gets.
CHANGES = {
    "demoted": ([{"role": Person.Role.EMPLOYEE}], "employee"),
    "deactivated": ([{"is_active": False}], None),
    "reactivated": ([{"is_active": False}, {"is_active": True}], "manager"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_permission_matrix_after_an_organisation_change(change, objects, manager, org):
    old_client = client_for(manager)
    assert old_client.get("/api/v1/teams/").status_code == 200
    steps, persona_after = CHANGES[change]
    for step in steps:
        _change(manager, **step)
    for path, method in OPERATIONS:
        url = path
        if "{id}" in path:
            url = path.replace("{id}", str(_object_id(path, objects, "engineering")))
        before = _snapshot()
        response = getattr(old_client, method.lower())(url)
        # A refused token is refused everywhere, even where no token is needed.
        assert response.status_code == 401, (change, method, url, response.status_code)
        assert _snapshot() == before
    if persona_after is not None:
        fresh = client_for(Person.objects.get(pk=manager.pk))
        assert _matrix_check(fresh, persona_after, objects) >= 50


def test_a_manager_lists_only_the_teams_they_lead(manager, outsider, org):
    names = {t["name"] for t in client_for(manager).get("/api/v1/teams/").json()["results"]}
    assert names == {"Engineering", "Platform", "Payments"}
    tree = client_for(outsider).get("/api/v1/teams/tree/").json()["results"]
    assert tree == [{"id": org.sales.pk, "name": "Sales", "children": []}]


def test_an_employees_token_reads_no_one_elses_figures(employee, org):
    client = client_for(employee)
    for url in (f"/api/v1/teams/{org.platform.pk}/scores/", "/api/v1/people/", "/api/v1/rounds/"):
        assert client.get(url).status_code == 403
