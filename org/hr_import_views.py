"""HR screens for the people CSV import: upload, the job's progress and preview, apply.

The rows are checked and applied by a worker (org.services.import_jobs); these views store the
upload, show the job to the HR admin who uploaded it (anyone else gets 404) and queue the apply.
"""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from org.forms import PeopleImportForm
from org.http import AuthenticatedRequest
from org.models import PeopleImportJob
from org.permissions import hr_admin_required
from org.services.import_jobs import (
    ERRORS_SHOWN,
    people_import_job_apply,
    people_import_job_create,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _own_job(request: AuthenticatedRequest, pk: int) -> PeopleImportJob:
    # Another HR admin's upload is theirs: its rows may name people they have not seen yet.
    return get_object_or_404(PeopleImportJob.objects.defer("content"), pk=pk, owner=request.user)


@hr_admin_required
def people_import_view(request: AuthenticatedRequest) -> HttpResponse:
    """Upload: the file is stored and its preview (a dry run) queued; then the job's page."""
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            job = people_import_job_create(
                owner=request.user, filename=data["file"].name, content=form.content,
                full_sync=data["full_sync"], force=data["force"],
            )  # fmt: skip
            return redirect("org:hr-people-import-job", pk=job.pk)
        return render(request, "org/hr/people_import.html", {"form": form}, status=400)
    return render(request, "org/hr/people_import.html", {"form": form})


def _job_context(job: PeopleImportJob) -> dict:
    errors = job.result.get("errors", [])
    return {"job": job, "errors": errors[:ERRORS_SHOWN], "n_errors": len(errors)}


@hr_admin_required
def people_import_job_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    return render(request, "org/hr/people_import_job.html", _job_context(job))


@hr_admin_required
def people_import_job_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The progress region alone, which the job page polls (htmx) until the job is finished."""
    job = _own_job(request, pk)
    return render(request, "org/hr/partials/import_job_status.html", _job_context(job))


@hr_admin_required
@require_POST
def people_import_job_apply_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if not people_import_job_apply(job=job):
        # Applied already, still checking, or its preview found problems: nothing to apply.
        context = {**_job_context(job), "not_applied": True}
        return render(request, "org/hr/people_import_job.html", context, status=409)
    return redirect("org:hr-people-import-job", pk=job.pk)


@hr_admin_required
def people_import_job_errors(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every bad row of the job's last run as CSV (line, problem), for a file with many."""
    job = _own_job(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    writer = csv.writer(response)
    writer.writerow(["line", "problem"])
    for line, problem in job.result.get("errors", []):
        # A problem quotes the file's own text; a spreadsheet must not run it as a formula.
        writer.writerow([line, f"'{problem}" if problem[:1] in FORMULA_STARTS else problem])
    return response
