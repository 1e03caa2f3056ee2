"""HR > API tokens: create a personal token (shown once), see every token's last use, revoke."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from api.models import ApiToken
from api.services.tokens import api_token_create, api_token_revoke, api_tokens_list
from org.http import AuthenticatedRequest
from org.permissions import hr_admin_required
from org.query_forms import IdField
from org.validators import validate_single_line


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        validators=[validate_single_line],
        help_text=gettext_lazy("What uses it, e.g. “HRIS sync” or “BI export”."),
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=settings.RELHEALTH_API_TOKEN_MAX_DAYS,
        initial=settings.RELHEALTH_API_TOKEN_DAYS,
        help_text=gettext_lazy(
            "Also ends when you change role, are deactivated or set a new password."
        ),
    )


class RevokeForm(forms.Form):
    revoke = IdField(required=True)


@never_cache
@hr_admin_required
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    """One screen: the list, the create form, and a revoke button per token (POST `revoke`)."""
    form = TokenForm()
    secret = None
    status = 200
    if request.method == "POST" and "revoke" in request.POST:
        pick = RevokeForm(request.POST)
        token = get_object_or_404(
            ApiToken, pk=pick.cleaned_data["revoke"] if pick.is_valid() else 0
        )
        api_token_revoke(token=token)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("api:hr-api-tokens")
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                new = api_token_create(
                    person=request.user,
                    name=form.cleaned_data["name"],
                    expires_in_days=form.cleaned_data["expires_in_days"],  # None: default
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                # Rendered once, in this response only; never stored, never in a message cookie.
                secret = new.secret
                form = TokenForm()
        else:
            status = 400
    return render(
        request,
        "api/tokens.html",
        {"form": form, "secret": secret, "tokens": api_tokens_list()},
        status=status,
    )
