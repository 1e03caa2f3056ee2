"""Who may call what: the role rules of the pages (org.permissions, org.selectors)."""

from __future__ import annotations

from django.http import Http404
from rest_framework.permissions import BasePermission

from org.models import Person, Team
from org.query_forms import whole_number_parse
from org.selectors import person_can_view_team


class IsHrAdmin(BasePermission):
    message = "Only HR admins can use this resource."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_hr_admin)


class IsManagerOrHrAdmin(BasePermission):
    message = "Only managers and HR admins can read team figures."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_hr_admin or user.is_manager))


def team_for_viewer(*, person: Person, team_id: int | str) -> Team:
    """A team the viewer may read. 404, as on the team page: another team is not even confirmed."""
    pk = whole_number_parse(team_id)
    if pk is None:
        raise Http404
    team = Team.objects.filter(pk=pk).first()
    if team is None or not person_can_view_team(person=person, team=team):
        raise Http404
    return team
