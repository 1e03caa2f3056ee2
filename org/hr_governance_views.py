"""HR governance screens: the retention period and the erasure of a person."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from org.governance_forms import ErasureConfirmForm, RetentionForm
from org.http import AuthenticatedRequest
from org.models import OrgSettings, Person
from org.permissions import hr_admin_required
from org.services.erasure import person_erase
from org.services.retention import org_retention_update


@hr_admin_required
def retention_edit(request: AuthenticatedRequest) -> HttpResponse:
    org = OrgSettings.current()
    form = RetentionForm(request.POST or None, instance=OrgSettings.current())
    if request.method == "POST":
        if form.is_valid():
            org_retention_update(months=form.cleaned_data["raw_retention_months"])
            messages.success(request, _("Saved. The daily clean-up applies the new period."))
            return redirect("org:hr-retention")
        return render(request, "org/hr/retention.html", {"form": form, "org": org}, status=400)
    return render(request, "org/hr/retention.html", {"form": form, "org": org})


@hr_admin_required
def person_erase_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    form = ErasureConfirmForm(request.POST or None, expected_email=person.email)
    context = {"form": form, "person": person}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "org/hr/person_erase.html", context, status=400)
        try:
            person_erase(person=person, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "org/hr/person_erase.html", context, status=400)
        messages.success(request, _("The person was erased."))
        return redirect("org:hr-people")
    return render(request, "org/hr/person_erase.html", context)
