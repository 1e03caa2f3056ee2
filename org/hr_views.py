"""HR screens for people and teams. Only HR admins reach them (org.permissions)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.access_forms import SignInSettingsForm
from org.forms import PersonForm, TeamForm
from org.http import AuthenticatedRequest, form_page_render
from org.models import OrgSettings, Person, Team
from org.permissions import hr_admin_required
from org.query_forms import PeopleQueryForm, query_parse
from org.selectors import people_search, team_for_viewer, teams_tree_get
from org.services.access import org_sign_in_update
from org.services.people import person_create, person_update, team_create, team_update


@hr_admin_required
def people_list(request: AuthenticatedRequest) -> HttpResponse:
    params, status = query_parse(request, PeopleQueryForm)
    query = params["q"]
    team = Team.objects.filter(pk=params["team"]).first() if params["team"] else None
    people = people_search(query=query, team=team, undeliverable=params["undeliverable"])
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "org/hr/people_list.html",
        {
            "page": page,
            "query": query,
            "team": team,
            "undeliverable": params["undeliverable"],
            "undeliverable_count": people_search(undeliverable=True).count(),
            "teams": Team.objects.order_by("path"),
            "sign_in_form": SignInSettingsForm(instance=OrgSettings.current()),
        },
        status=status,
    )


@hr_admin_required
@require_POST
def sign_in_settings_edit(request: AuthenticatedRequest) -> HttpResponse:
    """Whether employees may sign in (People screen). A checkbox: any POST is a valid answer."""
    form = SignInSettingsForm(request.POST, instance=OrgSettings.current())
    form.is_valid()
    org_sign_in_update(employees_may_sign_in=bool(form.cleaned_data.get("employees_may_sign_in")))
    messages.success(request, _("Sign-in settings saved."))
    return redirect("org:hr-people")


@hr_admin_required
def person_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk) if pk is not None else None
    form = PersonForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if person is None:
                person = person_create(**data)
                messages.success(request, _("%(name)s was added.") % {"name": person.name})
            else:
                person_update(person=person, **data)
                messages.success(request, _("%(name)s was saved.") % {"name": person.name})
            return redirect("org:hr-people")
        except ValidationError as exc:
            form.add_error(None, exc)
    return form_page_render(request, "org/hr/person_form.html", {"form": form, "person": person})


@hr_admin_required
def team_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "org/hr/team_list.html", {"teams": teams_tree_get()})


@hr_admin_required
def team_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    team = team_for_viewer(person=request.user, team_id=pk) if pk is not None else None
    form = TeamForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            if team is None:
                team = team_create(**form.cleaned_data)
                messages.success(request, _("Team %(name)s was created.") % {"name": team.name})
            else:
                team_update(team=team, **form.cleaned_data)
                messages.success(request, _("Team %(name)s was saved.") % {"name": team.name})
            return redirect("org:hr-teams")
        except ValidationError as exc:
            form.add_error(None, exc)
    return form_page_render(request, "org/hr/team_form.html", {"form": form, "team": team})
