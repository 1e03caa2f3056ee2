"""The demo outbox shows what the file backend wrote, in demo installs only."""

from checkins.models import OutboundEmail
from checkins.services.emails import email_send


def test_the_demo_outbox_reads_german_as_written(
    client, settings, tmp_path, open_round, employee, hr_admin, password
):
    """The file backend's log is read as bytes and each message decoded by its own headers, so
    a German invitation reads 'Möchten' in the outbox whatever the machine's locale."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.RELHEALTH_DEMO = True
    employee.language = "de"
    employee.save()
    row = OutboundEmail.objects.get(participation__person=employee, kind="invitation")
    assert email_send(email_id=row.pk) == OutboundEmail.Status.SENT
    client.login(username=hr_admin.email, password=password)
    page = client.get("/demo/outbox/")
    html = page.content.decode()
    assert page.status_code == 200 and "Ihr wöchentlicher Check-in" in html
    assert "Ã" not in html and "=C3" not in html
