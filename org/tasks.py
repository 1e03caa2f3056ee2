"""Celery tasks of the organisation app: each takes ids and calls a service (safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from org.services import import_jobs


@shared_task
def people_import_job_run(job_id: int) -> str:
    return import_jobs.people_import_job_run(job_id=job_id)


@shared_task
def people_import_jobs_expire() -> int:
    return import_jobs.people_import_jobs_expire()
