"""The Django admin, for operators (staff). It cannot bypass the app's rules: a person is changed
through `person_update` (the last HR admin stays, a role change ends sessions and tokens), the
password is never shown or edited here, superuser and permission flags are not offered, and
people are added and erased on the HR screens only. Managers are set on the person, not here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from org.models import OrgSettings, Person, Team
from org.services.people import person_update, person_update_check


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "path"]
    search_fields = ["name"]
    # Who leads a team is set on the person (HR > People), where the role rule is checked.
    readonly_fields = ["managers"]


class PersonAdminForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["email", "name", "team", "role", "time_zone", "language", "is_active"]

    def clean(self) -> dict:
        data = super().clean() or {}
        if self.instance.pk and "role" in data and "is_active" in data:
            try:
                person_update_check(
                    person=Person.objects.get(pk=self.instance.pk),
                    role=data["role"],
                    is_active=data["is_active"],
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ["name", "email", "team", "role", "is_active"]
    search_fields = ["name", "email"]
    list_filter = ["role", "is_active"]
    fields = ["email", "name", "team", "role", "time_zone", "language", "is_active",
              "password_state", "last_login", "date_joined"]  # fmt: skip
    readonly_fields = ["password_state", "last_login", "date_joined"]

    @admin.display(description=_("Password"))
    def password_state(self, person: Person) -> str:
        if person.has_usable_password():
            return str(_("Set by the person (never shown)."))
        return str(_("Not set yet: the person uses their invitation or “Forgot your password?”."))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # HR > People: creating someone sends their invitation

    def has_delete_permission(self, request: HttpRequest, obj: Person | None = None) -> bool:
        return False  # HR > People > Erase, which keeps the figures whole

    def save_model(self, request: HttpRequest, obj: Person, form, change: bool) -> None:
        data = form.cleaned_data
        person = Person.objects.get(pk=obj.pk)
        person_update(
            person=person, email=data["email"], name=data["name"], team=data["team"],
            role=data["role"], time_zone=data["time_zone"], language=data["language"],
            is_active=data["is_active"],
        )  # fmt: skip


@admin.register(OrgSettings)
class OrgSettingsAdmin(admin.ModelAdmin):
    # Changing who may sign in invites or signs people out: HR > People does it through the service.
    readonly_fields = ["employees_may_sign_in"]
