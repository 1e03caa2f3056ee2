"""Forms of the password pages: asking for a reset link, and setting a password from a link."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from org.models import OrgSettings
from org.services.access import password_reset_send, person_password_set


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, sending through the email ledger. The page that follows reads the same
    whether or not the address belongs to anyone."""

    def save(self, *args, **kwargs) -> None:  # type: ignore[override]
        password_reset_send(email=self.cleaned_data["email"])


class PersonSetPasswordForm(SetPasswordForm):
    """Django's set-password form; saving ends the person's other sessions and API tokens."""

    def save(self, commit: bool = True):
        return person_password_set(person=self.user, password=self.cleaned_data["new_password1"])


class SignInSettingsForm(forms.ModelForm):
    class Meta:
        model = OrgSettings
        fields = ["employees_may_sign_in"]
        labels = {"employees_may_sign_in": _("Employees may sign in")}
        help_texts = {
            "employees_may_sign_in": _(
                "Managers and HR admins always can. Turning this on emails a link to set a "
                "password to every active employee who has none; turning it off signs employees "
                "out. Check-in links work either way."
            )
        }
