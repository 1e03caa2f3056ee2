"""Forms of the team page: choosing a focus area and recording an action with a follow-up."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkins.models import Dimension
from org.query_forms import IdField
from org.validators import validate_single_line


class FocusForm(forms.Form):
    dimension = forms.ModelChoiceField(queryset=Dimension.objects.filter(questions__isnull=False))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dimension"].queryset = Dimension.objects.filter(  # type: ignore[attr-defined]
            questions__isnull=False
        ).distinct()


class ActionForm(forms.Form):
    text = forms.CharField(max_length=300, label=_("Action"), validators=[validate_single_line])
    follow_up_on = forms.DateField(
        label=_("Follow up on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_follow_up_on(self) -> dt.date:
        value = self.cleaned_data["follow_up_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("Pick a follow-up date from today on."))
        return value


class HeatmapQueryForm(forms.Form):
    """The organisation heatmap's query string: the dimension to sort by, if any."""

    sort = IdField(label=_("Sort by"))
