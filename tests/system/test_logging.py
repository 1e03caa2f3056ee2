"""Check-in tokens never reach the logs (a token beside a time pairs a person with a moment)."""

import logging

import pytest
from django.conf import settings
from django.urls import reverse

from checkins.services.tokens import participation_token
from relhealth.logfilters import RedactCheckinTokens


def test_the_filter_redacts_checkin_paths():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/c/abc123def/",), None
    )
    RedactCheckinTokens().filter(record)
    assert "abc123def" not in record.getMessage() and "/c/[redacted]" in record.getMessage()


def test_every_handler_redacts():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_tokens" in handler.get("filters", []), name


@pytest.mark.django_db
def test_a_bad_link_logs_no_token(client, open_round, employee):
    token = participation_token(round_id=open_round.pk, person_id=employee.pk)
    handler = logging.StreamHandler()
    handler.addFilter(RedactCheckinTokens())
    records: list[str] = []
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("django.request").addHandler(handler)
    try:
        client.post(reverse("checkins:form", args=[token]), {"comment": "x"})  # a 400: logged
        client.get(reverse("checkins:form", args=[token[:-2] + "00"]))  # a 404: logged
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert len(records) == 2
    assert all(token[:20] not in message for message in records)


@pytest.mark.django_db
def test_answers_and_comments_never_reach_the_logs(client, open_round, employee, settings):
    """A canary typed into the comment appears in no log record, even with DEBUG on."""
    canary = "CANARY-7f3a9c-do-not-log"
    token = participation_token(round_id=open_round.pk, person_id=employee.pk)
    data = {
        f"q{v.pk}": ("8" if v.question.scale == "zero_ten" else "4")
        for v in open_round.question_versions.select_related("question")
    }
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    capture = Capture(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(capture)
    settings.DEBUG = True
    try:
        page = client.post(reverse("checkins:form", args=[token]), {**data, "comment": canary})
        client.post(reverse("checkins:form", args=[token]), {**data, "comment": canary})  # again
        # A rejected submission is logged by Django ("Bad Request: ..."): the log sees the request.
        other = participation_token(
            round_id=open_round.pk,
            person_id=open_round.participations.exclude(person=employee).first().person_id,
        )
        client.post(reverse("checkins:form", args=[other]), {"comment": canary})
    finally:
        root.removeHandler(capture)
    assert page.status_code == 302
    assert records, "the capture saw no log record at all: the test would prove nothing"
    assert not [r for r in records if canary in r]


def test_every_response_carries_a_request_id_and_logs_share_it(client, db):
    from relhealth.requestid import RequestIdFilter

    lines: list[str] = []
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(request_id)s %(message)s"))
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    logging.getLogger("django.request").addHandler(handler)
    try:
        page = client.get("/no-such-page/", HTTP_X_REQUEST_ID="proxy-id-12345678")
        other = client.get("/no-such-page/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert page["X-Request-ID"] == "proxy-id-12345678"
    assert other["X-Request-ID"] != "bad id\nwith newline" and len(other["X-Request-ID"]) == 32
    assert lines[0].startswith("proxy-id-12345678 ") and lines[1].startswith(other["X-Request-ID"])


def test_production_logs_are_json_lines():
    import json
    import subprocess
    import sys

    code = (
        "import logging, logging.config; from relhealth.settings import production as p; "
        "logging.config.dictConfig(p.LOGGING); logging.getLogger('x').warning('hello')"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SECRET_KEY": "s" * 60,
        "DJANGO_ALLOWED_HOSTS": "example.org",
        # Production refuses demo mail settings (ADR 0029): give it real-looking ones.
        "DEFAULT_FROM_EMAIL": "Relhealth <pulse@acme-corp.eu>",
        "RELHEALTH_BASE_URL": "https://pulse.acme-corp.eu",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=True,
    )
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert (
        record["message"] == "hello" and record["levelname"] == "WARNING" and "request_id" in record
    )
