"""The HR screen's people import as a background job: the upload is kept on the server, checked
(the preview) and applied by the worker's function, with progress; only its uploader sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from org.models import PeopleImportJob, Person, Team
from org.services.import_jobs import people_import_job_run, people_import_jobs_expire
from org.services.people_import import people_import
from tests.factories import PersonFactory

Job = PeopleImportJob


def _roster(n: int, team: str = "Acme/Sales", name: str = "Person") -> str:
    return "email,name,team\n" + "".join(f"p{i}@example.com,{name} {i},{team}\n" for i in range(n))


def _upload(client, content: str | bytes, **options) -> PeopleImportJob:
    data = content.encode() if isinstance(content, str) else content
    upload = SimpleUploadedFile("people.csv", data, content_type="text/csv")
    response = client.post(reverse("org:hr-people-import"), {"file": upload, **options})
    assert response.status_code == 302, response.content[:500]
    job = Job.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert response["Location"] == reverse("org:hr-people-import-job", args=[job.pk])
    return job


@pytest.fixture
def hr_client(client, hr_admin, password):
    client.login(username=hr_admin.email, password=password)
    return client


def test_upload_is_kept_checked_in_the_background_then_applied(hr_client, hr_admin):
    job = _upload(hr_client, _roster(3))
    assert (job.owner, job.status, job.phase) == (hr_admin, Job.Status.CHECKING, Job.Phase.QUEUED)
    assert bytes(job.content) == _roster(3).encode()
    page = hr_client.get(reverse("org:hr-people-import-job", args=[job.pk])).content.decode()
    # Waiting for the worker: a progress bar that polls the status region.
    assert "<progress" in page and 'hx-trigger="every 1s"' in page
    apply_url = reverse("org:hr-people-import-job-apply", args=[job.pk])
    assert apply_url not in page  # no apply button yet
    assert people_import_job_run(job_id=job.pk) == Job.Status.READY
    assert people_import_job_run(job_id=job.pk) == ""  # a redelivered task does nothing
    status = hr_client.get(reverse("org:hr-people-import-job-status", args=[job.pk]))
    html = status.content.decode()
    assert status.status_code == 200 and apply_url in html and "hx-trigger" not in html
    assert status.context["n_errors"] == 0 and 'value="100"' in html
    assert status.context["job"].result["created"] == 3  # the preview's figures are shown
    assert not Person.objects.filter(email="p0@example.com").exists()  # the preview wrote nothing
    applied = hr_client.post(reverse("org:hr-people-import-job-apply", args=[job.pk]))
    assert applied.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.phase) == (Job.Status.APPLYING, Job.Phase.QUEUED)
    # A second click while it runs applies nothing twice.
    again = hr_client.post(reverse("org:hr-people-import-job-apply", args=[job.pk]))
    assert again.status_code == 409
    assert people_import_job_run(job_id=job.pk) == Job.Status.APPLIED
    assert Person.objects.filter(email__startswith="p", team__name="Sales").count() == 3
    job.refresh_from_db()
    assert job.result["created"] == 3 and bytes(job.content) == b""  # the file is gone once used
    status = hr_client.get(reverse("org:hr-people-import-job-status", args=[job.pk]))
    assert status.context["job"].status == Job.Status.APPLIED
    assert 'class="alert alert-success' in status.content.decode()
    assert (
        hr_client.post(reverse("org:hr-people-import-job-apply", args=[job.pk])).status_code == 409
    )
    assert Person.objects.filter(email__startswith="p", team__name="Sales").count() == 3


def test_a_file_over_3_mb_is_kept_between_preview_and_apply(hr_client, hr_admin):
    rows = 16_000
    team = "Acme/A rather long department name/" + "And a team below it named at length " * 3
    content = _roster(rows, team=team.strip(), name="Person with a long name " * 4 + "no.")
    assert len(content.encode()) > 3 * 1024 * 1024
    job = _upload(hr_client, content)
    assert people_import_job_run(job_id=job.pk) == Job.Status.READY
    assert (
        hr_client.post(reverse("org:hr-people-import-job-apply", args=[job.pk])).status_code == 302
    )
    assert people_import_job_run(job_id=job.pk) == Job.Status.APPLIED
    assert Person.objects.filter(email__startswith="p").count() == rows
    # Audited per person, as one by one, with who did it.
    created = LogEntry.objects.filter(
        action=LogEntry.Action.CREATE, content_type__model="person", actor=hr_admin
    )
    assert created.count() == rows
    entry = created.get(object_pk=str(Person.objects.get(email="p7@example.com").pk))
    assert entry.changes["team"] == ["None", team.strip().rsplit("/", 1)[1]]
    assert entry.changes["email"] == ["None", "p7@example.com"]


def test_every_bad_row_is_listed_and_nothing_can_be_applied(hr_client, org):
    content = (
        "email,name,team\n"
        "ok@example.com,Okay,Acme/New team\n"
        "nope,Nobody,Acme\n"
        "nul@example.com,Nu\0l,Acme\n"
        f"long@example.com,{'x' * 201},Acme\n"
        f"deep@example.com,Deep,{'/'.join(['Level'] * 600)}\n"
    )
    before = (Person.objects.count(), Team.objects.count())
    job = _upload(hr_client, content)
    assert people_import_job_run(job_id=job.pk) == Job.Status.REJECTED
    page = hr_client.get(reverse("org:hr-people-import-job", args=[job.pk]))
    html = page.content.decode()
    assert page.context["n_errors"] == 4 and [line for line, _ in page.context["errors"]] == [
        3,
        4,
        5,
        6,
    ]
    for line in (3, 4, 5, 6):
        assert f"Line {line}:" in html
    assert "NUL character" in html and "longer than 200 characters" in html
    assert "600 levels" in html
    assert reverse("org:hr-people-import-job-apply", args=[job.pk]) not in html
    assert (
        hr_client.post(reverse("org:hr-people-import-job-apply", args=[job.pk])).status_code == 409
    )
    assert (Person.objects.count(), Team.objects.count()) == before
    errors = hr_client.get(reverse("org:hr-people-import-job-errors", args=[job.pk]))
    assert errors["Content-Type"].startswith("text/csv")
    assert errors.content.decode().splitlines()[0] == "line,problem"
    assert len(errors.content.decode().splitlines()) == 5


def test_a_file_that_cannot_be_read_is_refused_at_once(hr_client, org):
    for content, message in [
        (b"name\nA\n", "missing: email"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"email,na\0me,team\nA,B,C\n", "NUL"),
    ]:
        upload = SimpleUploadedFile("x.csv", content)
        page = hr_client.post(reverse("org:hr-people-import"), {"file": upload})
        assert page.status_code == 400 and message in page.content.decode()
    assert not Job.objects.exists()


def test_only_the_uploader_sees_or_applies_a_job(client, hr_client, hr_admin, password, employee):
    job = _upload(hr_client, _roster(2))
    people_import_job_run(job_id=job.pk)
    colleague = PersonFactory(role=Person.Role.HR_ADMIN, team=hr_admin.team)
    client.logout()
    client.login(username=colleague.email, password=password)
    for name in ("job", "job-status", "job-errors"):
        assert client.get(reverse(f"org:hr-people-import-{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("org:hr-people-import-job-apply", args=[job.pk])).status_code == 404
    client.logout()
    client.login(username=employee.email, password=password)
    assert client.get(reverse("org:hr-people-import-job", args=[job.pk])).status_code == 403
    assert client.post(reverse("org:hr-people-import-job-apply", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == Job.Status.READY
    assert not Person.objects.filter(email="p0@example.com").exists()


def test_data_changed_since_the_preview_fails_the_apply_and_writes_nothing(hr_client, hr_admin):
    content = f"email,name,team,role\n{hr_admin.email},Hanna,Acme,employee\nx@example.com,X,Acme,\n"
    colleague = PersonFactory(role=Person.Role.HR_ADMIN, team=hr_admin.team)
    job = _upload(hr_client, content)
    assert people_import_job_run(job_id=job.pk) == Job.Status.READY
    # Before the apply runs, the only other HR admin leaves: the file would now remove the last.
    colleague.role = Person.Role.EMPLOYEE
    colleague.save()
    hr_client.post(reverse("org:hr-people-import-job-apply", args=[job.pk]))
    assert people_import_job_run(job_id=job.pk) == Job.Status.FAILED
    job.refresh_from_db()
    assert job.result["errors"] == [[2, "Hanna HR is the last active HR admin."]]
    assert not Person.objects.filter(email="x@example.com").exists()
    hr_admin.refresh_from_db()
    assert hr_admin.role == Person.Role.HR_ADMIN


def test_old_jobs_and_their_files_are_deleted_and_stuck_ones_fail(hr_admin):
    now = timezone.now()
    old = Job.objects.create(owner=hr_admin, content=b"x", status=Job.Status.READY)
    stuck = Job.objects.create(owner=hr_admin, content=b"x", phase=Job.Phase.READING)
    fresh = Job.objects.create(owner=hr_admin, content=b"x", status=Job.Status.READY)
    Job.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(hours=25))
    Job.objects.filter(pk=stuck.pk).update(updated_at=now - dt.timedelta(hours=2))
    assert people_import_jobs_expire(now=now) == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {stuck.pk, fresh.pk}
    stuck.refresh_from_db()
    assert stuck.status == Job.Status.FAILED and "interrupted" in stuck.result["file_error"]
    fresh.refresh_from_db()
    assert fresh.status == Job.Status.READY


def test_progress_is_reported_while_rows_are_read(hr_admin):
    seen: list[int] = []
    result = people_import(content=_roster(5000), dry_run=True, progress=seen.append)
    assert result.ok and seen == [2000, 4000]
    job = Job(owner=hr_admin, rows_total=5000, rows_done=2000, phase=Job.Phase.READING)
    assert job.percent == 5 + 70 * 2000 // 5000 and not job.finished
    job.phase = Job.Phase.WRITING
    assert job.percent == 90
    job.status, job.phase = Job.Status.APPLIED, Job.Phase.DONE
    assert job.percent == 100 and job.finished
