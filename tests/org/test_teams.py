"""The team tree: paths for subtree queries, moves that carry the subtree, no cycles."""

import pytest
from django.core.exceptions import ValidationError

from org.models import OrgSettings, Person, Team
from org.selectors import person_can_view_team, teams_led_get
from tests.factories import TeamFactory


def test_paths_and_depths(org):
    assert org.root.path == f"/{org.root.pk}/" and org.root.depth == 0
    assert org.platform.path == f"/{org.root.pk}/{org.engineering.pk}/{org.platform.pk}/"
    assert org.platform.depth == 2
    assert set(Team.objects.subtree_of(org.engineering)) == {
        org.engineering,
        org.platform,
        org.payments,
    }


def test_moving_a_team_moves_its_subtree(org):
    sre = TeamFactory(name="SRE", parent=org.platform)
    org.platform.parent = org.sales
    org.platform.save()
    sre.refresh_from_db()
    assert sre.path == f"/{org.root.pk}/{org.sales.pk}/{org.platform.pk}/{sre.pk}/"
    assert sre.depth == 3
    assert set(Team.objects.subtree_of(org.engineering)) == {org.engineering, org.payments}


def test_a_team_cannot_move_below_itself(org):
    org.engineering.parent = org.platform
    with pytest.raises(ValidationError):
        org.engineering.save()


def test_manager_views_led_subtree_only(manager, outsider, hr_admin, org):
    assert person_can_view_team(person=manager, team=org.platform)
    assert not person_can_view_team(person=manager, team=org.sales)
    assert not person_can_view_team(person=outsider, team=org.engineering)
    assert person_can_view_team(person=hr_admin, team=org.engineering)
    assert teams_led_get(person=manager) == [org.engineering]


def test_threshold_never_below_three(db):
    from django.db import IntegrityError

    settings_row = OrgSettings.current()
    settings_row.min_group_size = 2
    with pytest.raises(IntegrityError):
        settings_row.save()


def test_people_log_in_by_email(db):
    person = Person.objects.create_user("Someone@Example.com", "pw-123456789", name="Someone")
    assert person.email == "someone@example.com"
    admin = Person.objects.create_superuser("root@example.com", "pw-123456789", name="Root")
    assert admin.is_hr_admin and admin.is_staff
