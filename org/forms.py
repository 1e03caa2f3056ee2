"""HR forms for people, teams, the CSV import and the anonymity threshold."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from org.models import OrgSettings, Person, Team, subtree_q
from org.services.people import person_email_check
from org.services.people_import import ImportFileError, people_csv_header_check
from org.validators import MIN_GROUP_SIZE_FLOOR, validate_single_line

TIME_ZONES = sorted(zoneinfo.available_timezones())


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{'— ' * obj.depth}{obj.name}"


class TeamMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{'— ' * obj.depth}{obj.name}"


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, validators=[validate_single_line])
    email = forms.EmailField(label=_("Email"))
    team = TeamChoiceField(label=_("Team"), queryset=Team.objects.order_by("path"))
    managed_teams = TeamMultipleChoiceField(
        label=_("Teams managed"),
        queryset=Team.objects.order_by("path"),
        required=False,
        help_text=_("A manager sees these teams and every team below them."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Person.Role.choices)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(tz, tz) for tz in TIME_ZONES],
        initial="UTC",
        help_text=_("Invitations arrive at the survey's send time in this zone."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive people are not invited. Nobody is deleted, so history stays whole."),
    )

    def __init__(self, *args, person: Person | None = None, **kwargs) -> None:
        self.person = person
        if person is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": person.name,
                    "email": person.email,
                    "team": person.team_id,
                    "managed_teams": list(person.managed_teams.values_list("pk", flat=True)),
                    "role": person.role,
                    "time_zone": person.time_zone,
                    "language": person.language,
                    "is_active": person.is_active,
                },
            )
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        person_email_check(email=email, person=self.person)
        return email


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, validators=[validate_single_line])
    parent = TeamChoiceField(
        label=_("Parent team"),
        queryset=Team.objects.order_by("path"),
        required=False,
        empty_label=_("(none — a top-level team)"),
        help_text=_("Moving a team moves its sub-teams with it; its results history stays."),
    )

    def __init__(self, *args, team: Team | None = None, **kwargs) -> None:
        self.team = team
        if team is not None:
            kwargs.setdefault("initial", {"name": team.name, "parent": team.parent_id})
        super().__init__(*args, **kwargs)
        if team is not None:
            # A team cannot move below itself: offer only teams outside its subtree.
            parent_field = self.fields["parent"]
            assert isinstance(parent_field, TeamChoiceField)
            parent_field.queryset = Team.objects.exclude(subtree_q(team)).order_by("path")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if "/" in name:
            raise forms.ValidationError(_("A team name cannot contain “/”."))
        return name

    def clean(self) -> dict:
        data = super().clean() or {}
        name, parent = data.get("name"), data.get("parent")
        if name:
            clash = Team.objects.filter(name=name, parent=parent)
            if self.team is not None:
                clash = clash.exclude(pk=self.team.pk)
            if clash.exists():
                self.add_error("name", _("A team with this name already exists there."))
        return data


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email, name, team (a path like Engineering/Platform/SRE); optional role, "
            "time_zone, language, manages (team paths separated by |), active."
        ),
    )
    full_sync = forms.BooleanField(
        label=_("Full sync: deactivate active people who are not in the file"), required=False
    )
    force = forms.BooleanField(
        label=_("Allow deactivating more than 40 % of active people"), required=False
    )

    def clean_file(self):
        # Only the file as a whole is read here (size, encoding, header); the rows are checked
        # by the background preview.
        upload = self.cleaned_data["file"]
        try:
            self.content = people_csv_header_check(upload)
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = OrgSettings
        fields = ["min_group_size"]
        labels = {"min_group_size": _("Minimum group size k")}
        help_texts = {
            "min_group_size": _("At least 3. Applies to rounds that open from now on."),
        }

    def clean_min_group_size(self) -> int:
        value = self.cleaned_data["min_group_size"]
        if value < MIN_GROUP_SIZE_FLOOR:
            raise forms.ValidationError(_("The threshold can never be below 3."))
        if value > 50:
            raise forms.ValidationError(_("Above 50 almost every team would show nothing."))
        return value
