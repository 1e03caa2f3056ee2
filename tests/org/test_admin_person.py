"""The Django admin's person form cannot bypass the app's rules (org/admin.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from org.models import Person


@pytest.fixture
def operator(org, password):
    from tests.factories import PersonFactory

    return PersonFactory(email="ops@example.com", team=org.root, role=Person.Role.EMPLOYEE,
                         is_staff=True, is_superuser=True)  # fmt: skip


def _form(person: Person, **changes) -> dict:
    data = {"email": person.email, "name": person.name, "team": person.team_id,
            "role": person.role, "time_zone": person.time_zone, "language": person.language,
            "is_active": "on" if person.is_active else ""}  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_person_form_shows_no_hash_and_no_privilege_fields(client, operator, manager):
    client.force_login(operator)
    page = client.get(reverse("admin:org_person_change", args=[manager.pk])).content.decode()
    assert "pbkdf2" not in page and manager.password not in page
    for field in ('name="password"', 'name="is_superuser"', 'name="user_permissions"',
                  'name="groups"', 'name="is_staff"', 'name="auth_version"'):  # fmt: skip
        assert field not in page, field
    assert "Set by the person (never shown)" in page


def test_the_admin_cannot_remove_the_last_hr_admin(client, operator, hr_admin):
    client.force_login(operator)
    url = reverse("admin:org_person_change", args=[hr_admin.pk])
    page = client.post(url, _form(hr_admin, role="employee"))
    assert page.status_code == 200 and "last active HR admin" in page.content.decode()
    hr_admin.refresh_from_db()
    assert hr_admin.role == Person.Role.HR_ADMIN


def test_an_admin_demotion_goes_through_the_service(client, operator, manager, org):
    client.force_login(operator)
    url = reverse("admin:org_person_change", args=[manager.pk])
    assert client.post(url, _form(manager, role="employee")).status_code == 302
    manager.refresh_from_db()
    assert manager.role == Person.Role.EMPLOYEE and not manager.managed_teams.exists()
    assert manager.auth_version == 1  # sessions and tokens ended


def test_people_are_neither_added_nor_deleted_in_the_admin(client, operator, employee):
    client.force_login(operator)
    assert client.get(reverse("admin:org_person_add")).status_code == 403
    delete = reverse("admin:org_person_delete", args=[employee.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=employee.pk).exists()
