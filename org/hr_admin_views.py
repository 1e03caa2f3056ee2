"""HR screens for the people import, the anonymity threshold and the audit log."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from org.forms import PeopleImportApplyForm, PeopleImportForm, ThresholdForm
from org.http import AuthenticatedRequest, form_page_status
from org.models import OrgSettings, Person
from org.permissions import hr_admin_required
from org.query_forms import AuditQueryForm, query_parse
from org.selectors import audit_entries_search
from org.services.people import org_threshold_update
from org.services.people_import import ImportFileError, people_import


@hr_admin_required
def people_import_view(request: AuthenticatedRequest) -> HttpResponse:
    """Upload → dry-run preview → apply. The preview is the same run as the import, rolled back."""
    form: PeopleImportForm | PeopleImportApplyForm = PeopleImportForm()
    context: dict = {}
    if request.method == "POST":
        apply = "content" in request.POST
        form = (
            PeopleImportApplyForm(request.POST)
            if apply
            else PeopleImportForm(request.POST, request.FILES)
        )
        if form.is_valid():
            data = form.cleaned_data
            content = data["content"] if apply else data["file"].read()
            filename = data["filename"] if apply else data["file"].name
            try:
                result = people_import(
                    content=content, full_sync=data["full_sync"], force=data["force"],
                    dry_run=not apply, actor=request.user, source=filename,
                )  # fmt: skip
            except ImportFileError as exc:
                if apply:
                    messages.error(request, str(exc))  # the upload form below starts afresh
                else:
                    form.add_error("file", str(exc))
                status = 400
            else:
                if result.applied:
                    messages.success(request, _("The import was applied."))
                    return redirect("org:hr-people")
                text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
                context = {
                    "result": result,
                    "apply_form": PeopleImportApplyForm(
                        initial={
                            "content": text,
                            "full_sync": data["full_sync"],
                            "force": data["force"],
                            "filename": filename,
                        }
                    ),
                }
                status = 200 if result.ok else 400
            if apply:
                form = PeopleImportForm()
            context["form"] = form
            return render(request, "org/hr/people_import.html", context, status=status)
        if apply:
            messages.error(request, _("The import could not be applied; upload the file again."))
            form = PeopleImportForm()
        return render(request, "org/hr/people_import.html", {"form": form}, status=400)
    return render(request, "org/hr/people_import.html", {"form": form})


@hr_admin_required
def threshold_edit(request: AuthenticatedRequest) -> HttpResponse:
    org = OrgSettings.current()
    form = ThresholdForm(request.POST or None, instance=OrgSettings.current())
    if request.method == "POST" and form.is_valid():
        org_threshold_update(min_group_size=form.cleaned_data["min_group_size"])
        messages.success(request, _("Saved. Rounds that are already open keep their threshold."))
        return redirect("org:hr-threshold")
    return render(
        request,
        "org/hr/threshold.html",
        {"form": form, "org": org},
        status=form_page_status(request),
    )


@hr_admin_required
def audit_log(request: AuthenticatedRequest) -> HttpResponse:
    params, status = query_parse(request, AuditQueryForm)
    model, query = params["model"], params["q"]
    actor = str(params["actor"] or "")
    entries = audit_entries_search(model=model, actor_id=actor, query=query)
    page = Paginator(entries, 30).get_page(request.GET.get("page"))
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
