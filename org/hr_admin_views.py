"""HR screens for the anonymity threshold and the audit log."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from org.audit_display import audit_changes
from org.forms import ThresholdForm
from org.http import AuthenticatedRequest, form_page_render
from org.models import OrgSettings, Person
from org.permissions import hr_admin_required
from org.query_forms import AuditQueryForm, query_parse
from org.selectors import audit_entries_search
from org.services.people import org_threshold_update


@hr_admin_required
def threshold_edit(request: AuthenticatedRequest) -> HttpResponse:
    org = OrgSettings.current()
    form = ThresholdForm(request.POST or None, instance=OrgSettings.current())
    if request.method == "POST" and form.is_valid():
        org_threshold_update(min_group_size=form.cleaned_data["min_group_size"])
        messages.success(request, _("Saved. Rounds that are already open keep their threshold."))
        return redirect("org:hr-threshold")
    return form_page_render(request, "org/hr/threshold.html", {"form": form, "org": org})


@hr_admin_required
def audit_log(request: AuthenticatedRequest) -> HttpResponse:
    params, status = query_parse(request, AuditQueryForm)
    model, query = params["model"], params["q"]
    actor = str(params["actor"] or "")
    entries = audit_entries_search(model=model, actor_id=actor, query=query)
    page = Paginator(entries, 30).get_page(request.GET.get("page"))
    for entry in page:
        entry.changes_shown = audit_changes(entry)
    models = ContentType.objects.filter(
        pk__in=LogEntry.objects.values("content_type").distinct()
    ).order_by("app_label", "model")
    actors = Person.objects.filter(
        pk__in=LogEntry.objects.exclude(actor=None).values("actor").distinct()
    )
    filters = {"model": model, "actor": actor, "q": query}
    return render(
        request,
        "org/hr/audit_log.html",
        {"page": page, "models": models, "actors": actors, "filters": filters},
        status=status,
    )
