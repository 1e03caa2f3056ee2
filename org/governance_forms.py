"""Forms of the governance screens: the retention period and the erasure confirmation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import OrgSettings


class RetentionForm(forms.ModelForm):
    class Meta:
        model = OrgSettings
        fields = ["raw_retention_months"]
        labels = {"raw_retention_months": _("Keep raw answers and comments for (months)")}


class ErasureConfirmForm(forms.Form):
    email = forms.EmailField(
        label=_("Type the person's email address to confirm"),
        help_text=_("Erasure cannot be undone."),
    )

    def __init__(self, *args, expected_email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expected_email = expected_email

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email != self.expected_email.lower():
            raise forms.ValidationError(_("That is not this person's email address."))
        return email
