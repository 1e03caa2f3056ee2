"""The HR screen's people import as a background job: upload, preview, apply, each by a worker.

The uploaded file is stored on the job row (ADR 0027), so the preview and the apply read the
same bytes on whichever machine the worker runs, and the apply needs no second upload. Each run
is claimed with a conditional UPDATE, so a redelivered task does nothing; progress is written to
the job row between phases (the apply's own writes are one transaction, shown as "Writing").
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from org.models import PeopleImportJob, Person
from org.services.people_apply import ImportResult
from org.services.people_import import ImportFileError, people_import

Job = PeopleImportJob
ERRORS_SHOWN = 1000
SAMPLE = 20
# A job that shows no progress for this long was interrupted (a worker killed mid-run).
STALE_AFTER = dt.timedelta(hours=1)


def people_import_job_create(
    *, owner: Person, filename: str, content: bytes, full_sync: bool, force: bool
) -> PeopleImportJob:
    """Store the upload and queue its preview once the job row is committed."""
    job = PeopleImportJob.objects.create(
        owner=owner, filename=filename[:255], content=content, full_sync=full_sync, force=force,
        rows_total=max(content.count(b"\n") - 1, 1),
    )  # fmt: skip
    transaction.on_commit(lambda: _queue(job.pk))
    return job


def people_import_job_apply(*, job: PeopleImportJob) -> bool:
    """Queue the apply of a job whose preview was clean; False if it is not ready (any more)."""
    claimed = PeopleImportJob.objects.filter(pk=job.pk, status=Job.Status.READY).update(
        status=Job.Status.APPLYING, phase=Job.Phase.QUEUED, rows_done=0, updated_at=timezone.now()
    )
    if claimed:
        transaction.on_commit(lambda: _queue(job.pk))
    return bool(claimed)


def _queue(job_id: int) -> None:
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from org.tasks import people_import_job_run

    try:
        people_import_job_run.delay(job_id)
    except BrokerUnavailable:
        # Tell HR the truth instead of a progress bar that never moves.
        PeopleImportJob.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED, phase=Job.Phase.DONE,
            result={"file_error": "The import could not be queued: the task queue is not "
                                  "reachable. Nothing was changed; try again in a few minutes."},
        )  # fmt: skip


def _progress(job_id: int) -> Callable[[int], None]:
    last = [0.0]

    def report(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5:  # a row update every half second is plenty for a progress bar
            last[0] = now
            PeopleImportJob.objects.filter(pk=job_id).update(
                rows_done=done, updated_at=timezone.now()
            )

    return report


def _summary(result: ImportResult) -> dict:
    return {
        "created": len(result.created),
        "updated": len(result.updated),
        "unchanged": result.unchanged,
        "deactivated": len(result.deactivated),
        "deactivated_sample": result.deactivated[:SAMPLE],
        "teams_created": len(result.teams_created),
        "teams_created_sample": result.teams_created[:SAMPLE],
        "n_errors": len(result.errors),
        "errors": [list(error) for error in result.errors],
        "refused": result.refused,
        "applied": result.applied,
    }


def people_import_job_run(*, job_id: int) -> str:
    """Run a queued preview or apply; the job's status afterwards ("" if there was nothing to do:
    gone, or another worker has it)."""
    job = PeopleImportJob.objects.filter(pk=job_id).first()
    if job is None or job.phase != Job.Phase.QUEUED:
        return ""
    claimed = PeopleImportJob.objects.filter(pk=job_id, phase=Job.Phase.QUEUED).update(
        phase=Job.Phase.READING, rows_done=0
    )
    if not claimed:
        return ""
    applying = job.status == Job.Status.APPLYING

    def checked() -> None:
        # Between the rows checked and the plan: the apply's writes follow in one transaction.
        PeopleImportJob.objects.filter(pk=job_id).update(
            phase=Job.Phase.WRITING if applying else Job.Phase.PLANNING, updated_at=timezone.now()
        )

    try:
        result = people_import(
            content=bytes(job.content), full_sync=job.full_sync, force=job.force,
            dry_run=not applying, actor=job.owner, source=job.filename,
            progress=_progress(job_id), checked=checked,
        )  # fmt: skip
    except ImportFileError as exc:
        status = Job.Status.FAILED if applying else Job.Status.REJECTED
        summary: dict = {"file_error": str(exc)}
    except Exception:
        PeopleImportJob.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED, phase=Job.Phase.DONE, updated_at=timezone.now(),
            result={"file_error": "The import stopped on an unexpected error. Nothing was "
                                  "changed; the error was logged."},
        )  # fmt: skip
        raise
    else:
        summary = _summary(result)
        if applying:
            status = Job.Status.APPLIED if result.applied else Job.Status.FAILED
        else:
            status = Job.Status.READY if result.ok else Job.Status.REJECTED
    updates: dict = {"status": status, "phase": Job.Phase.DONE, "result": summary}
    if status == Job.Status.APPLIED:
        updates["content"] = b""  # applied: the file is no longer needed on the server
    updates["updated_at"] = timezone.now()
    PeopleImportJob.objects.filter(pk=job_id).update(**updates)
    return status


def people_import_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete jobs (and their files) older than RELHEALTH_IMPORT_JOB_HOURS; mark runs that have
    stopped moving as failed. Returns how many jobs were deleted."""
    now = now or timezone.now()
    PeopleImportJob.objects.filter(
        status__in=[Job.Status.CHECKING, Job.Status.APPLYING], updated_at__lt=now - STALE_AFTER
    ).update(
        status=Job.Status.FAILED, phase=Job.Phase.DONE,
        result={"file_error": "The import was interrupted. Nothing was changed; upload the "
                              "file again."},
    )  # fmt: skip
    cutoff = now - dt.timedelta(hours=settings.RELHEALTH_IMPORT_JOB_HOURS)
    deleted, _by_model = PeopleImportJob.objects.filter(created_at__lt=cutoff).delete()
    return deleted
