"""The code step of signing in, and HR admins' own second-factor page."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.http import AuthenticatedRequest
from org.services.two_factor import (
    app_code_verify,
    backup_codes_issue,
    backup_codes_left,
    totp_device_confirm,
    totp_device_pending_get_or_create,
)
from org.two_factor import second_factor_needed, signin_code_check, signin_pending_get


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "")


@require_http_methods(["GET", "POST"])
def signin_code(request: HttpRequest) -> HttpResponse:
    pending = signin_pending_get(request)
    if pending is None:
        messages.error(request, _("Your sign-in expired. Please sign in again."))
        return redirect("login")
    person, state = pending
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if signin_code_check(request, person=person, code=form.cleaned_data["code"]):
            return redirect(state["next"])
        # django-otp makes each device wait after a wrong code (1 s, then 2, 4 …).
        form.add_error(
            "code",
            _("That code did not work. Wait a moment, then try the current one or a backup code."),
        )
    status = 400 if request.method == "POST" else 200
    return render(request, "org/signin_code.html", {"form": form}, status=status)


def _qr_data_uri(device: TOTPDevice) -> str:
    """The enrolment QR code as an inline SVG image, made here (no third-party service sees it)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: AuthenticatedRequest) -> HttpResponse:
    """Enrol an authenticator app (QR code + confirm with a code), or renew the backup codes."""
    person = request.user
    if not person.is_hr_admin:
        raise PermissionDenied("The second factor is for HR admins.")
    enrolled = second_factor_needed(person)
    form = CodeForm(request.POST or None)
    action = request.POST.get("action")
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if action == "backup-codes" and enrolled and app_code_verify(person=person, code=code):
            return render(
                request, "org/two_factor_codes.html", {"codes": backup_codes_issue(person=person)}
            )
        if action == "enrol" and not enrolled:
            device = totp_device_pending_get_or_create(person=person)
            confirmed_codes = totp_device_confirm(person=person, device=device, code=code)
            if confirmed_codes is not None:
                otp_login(request, device)
                return render(request, "org/two_factor_codes.html", {"codes": confirmed_codes})
        form.add_error("code", _("That code did not work. Try the current one."))
    context: dict = {
        "form": form,
        "enrolled": enrolled,
        "require_2fa": settings.RELHEALTH_REQUIRE_HR_2FA,
    }
    if enrolled:
        context["n_backup_codes"] = backup_codes_left(person=person)
    else:
        device = totp_device_pending_get_or_create(person=person)
        context["qr"] = _qr_data_uri(device)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    status = 400 if request.method == "POST" else 200
    return render(request, "org/two_factor.html", context, status=status)
