"""What a real mail server receives from the worker, byte for byte (aiosmtpd, tests/mailserver.py).

Invitations go through a real Celery worker on the real broker; digests and set-password emails
through the send task. Every message must be 7-bit clean and declare it, say it was machine-made,
carry a Message-ID on the sending domain, state why its reader gets it, and have valid HTML.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from checkins.models import OutboundEmail
from checkins.services.access_emails import sign_in_emails_queue
from checkins.tasks import emails_send, surveys_open_due
from culture.services.digests import digests_queue
from culture.services.summaries import round_summaries_compute
from org.models import Person
from org.signals import RESET
from tests.factories import PersonFactory
from tests.helpers import round_answered, wait_for
from tests.mailserver import smtp_server

SENDER = "Relhealth <pulse@acme-corp.eu>"
WHY = {
    "en": "You get this email because",
    "de": "Sie erhalten diese E-Mail, weil",
}
WHY_DIGEST = {
    "en": "You get this summary because you lead a team",
    "de": "Sie erhalten diese Zusammenfassung, weil Sie in Relhealth ein Team leiten",
}


@pytest.fixture
def mailbox(settings):
    settings.DEFAULT_FROM_EMAIL = SENDER
    settings.RELHEALTH_BASE_URL = "https://pulse.acme-corp.eu"
    with smtp_server(settings) as box:
        yield box


class _Html(HTMLParser):
    """Records the start tags, and the elements left open at the end."""

    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.open: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _received(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _check_message(raw: bytes, *, language: str, subject_word: str) -> tuple[str, str]:
    """The headers and parts every message must have; returns its text and HTML bodies."""
    assert all(byte < 128 for byte in raw), "8-bit bytes on the wire"
    message = _received(raw)
    assert message["From"] == SENDER
    assert message["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<[^@<>]+@acme-corp\.eu>", message["Message-ID"])
    assert subject_word in message["Subject"]
    parts = {part.get_content_type(): part for part in message.walk()}
    text, html = parts["text/plain"], parts["text/html"]
    for part in (text, html):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] in {"quoted-printable", "base64", "7bit"}
    text_body, html_body = text.get_content(), html.get_content()
    parser = _Html()
    parser.feed(html_body)
    parser.close()
    tags = dict(parser.tags)
    assert html_body.lstrip().lower().startswith("<!doctype html>")
    assert tags["html"].get("lang") == language
    assert "head" in tags and tags["meta"].get("charset") == "utf-8"
    assert parser.title.strip() == " ".join(message["Subject"].split())
    assert parser.open == [], f"left open: {parser.open}"
    return text_body, html_body


@pytest.mark.django_db(transaction=True)
def test_the_worker_s_invitations_as_a_mail_server_receives_them(
    clock, worker, mailbox, survey, employee, manager, outsider, hr_admin
):
    Person.objects.filter(pk=employee.pk).update(language="de", time_zone="Europe/Berlin")
    Person.objects.filter(pk=manager.pk).update(language="en", time_zone="Asia/Kolkata")
    survey.next_round_at = timezone.now()
    survey.save()
    surveys_open_due.delay()
    people = {employee.email, manager.email, outsider.email, hr_admin.email}
    assert wait_for(lambda: len(mailbox.messages) >= len(people)), len(mailbox.messages)
    by_recipient = {envelope[1][0]: raw for envelope, raw in zip(
        mailbox.envelopes, mailbox.raw, strict=True)}  # fmt: skip
    assert set(by_recipient) == people
    assert {sender for sender, _to in mailbox.envelopes} == {"pulse@acme-corp.eu"}
    cases = {employee.email: ("de", "Ortszeit Berlin"), manager.email: ("en", "(Kolkata time)")}
    for address, (language, zone) in cases.items():
        text, html = _check_message(
            by_recipient[address],
            language=language,
            subject_word="Check-in" if language == "de" else "check-in",
        )
        assert zone in text and zone in html
        assert WHY[language] in text and WHY[language] in html
        assert "https://pulse.acme-corp.eu/c/" in text
        assert "List-Unsubscribe" not in _received(by_recipient[address])  # the check-in: HR's call


def _closed_round_with_digest(survey, org):
    """A round five of Platform's people answered, closed and summarised: a digest for its lead."""
    crew = [PersonFactory(team=org.platform) for _ in range(6)]
    rnd = round_answered(survey, dict.fromkeys(crew[:5], 4))
    assert round_summaries_compute(round=rnd)
    return rnd


@pytest.mark.parametrize("language", ["en", "de"])
def test_digests_and_sign_in_links_as_a_mail_server_receives_them(
    clock, mailbox, survey, org, manager, hr_admin, language
):
    Person.objects.filter(pk=manager.pk).update(language=language)
    manager.refresh_from_db()
    rnd = _closed_round_with_digest(survey, org)
    OutboundEmail.objects.all().delete()  # the invitations were another test's subject
    digest_ids = digests_queue(round=rnd)
    OutboundEmail.objects.filter(pk__in=digest_ids).update(send_after=None)
    sign_in_ids = sign_in_emails_queue(people=[manager], purpose=RESET)
    digest = OutboundEmail.objects.get(recipient=manager, kind=OutboundEmail.Kind.DIGEST)

    emails_send.apply(args=[[digest.pk, *sign_in_ids]]).get()

    assert len(mailbox.raw) == 2, [m["Subject"] for m in mailbox.messages]
    received = {_received(raw)["Subject"]: raw for raw in mailbox.raw}
    (digest_raw,) = [raw for subject, raw in received.items() if "Relhealth" not in subject]
    (sign_in_raw,) = [raw for subject, raw in received.items() if "Relhealth" in subject]
    text, html = _check_message(
        digest_raw, language=language, subject_word=rnd.period_start.strftime("W%V")
    )
    assert WHY_DIGEST[language] in text and WHY_DIGEST[language] in html
    unsubscribe = _received(digest_raw)["List-Unsubscribe"].strip()  # it may be folded
    assert re.fullmatch(r"<mailto:hr@example\.com\?subject=[^>\s]+>", unsubscribe), unsubscribe
    assert re.search(r"p &lt; 0[.,]05", html) and not re.search(r"p < 0[.,]05", html)
    assert re.search(r"p < 0[.,]05", text)  # plain text is not HTML-escaped
    text, html = _check_message(sign_in_raw, language=language, subject_word="Relhealth")
    assert WHY[language] in text and WHY[language] in html
    assert "List-Unsubscribe" not in _received(sign_in_raw)


def test_every_email_says_why_its_reader_gets_it():
    """Every body template ends with the reason line, or includes one that does."""
    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    bodies = sorted(folder.glob("*-body.*"))
    assert len(bodies) >= 12
    for body in bodies:
        text = body.read_text()
        why = f'"emails/_why{body.suffix}"'
        included = re.findall(r"""\{% include ['"]emails/([\w-]+\.\w+)['"] %\}""", text)
        assert why in text or any(
            f"emails/_why{body.suffix}" in (folder / name).read_text() for name in included
        ), body.name


def test_the_digest_unsubscribes_to_the_configured_hr_contact(settings, hr_admin):
    from culture.services.digests import _unsubscribe, hr_contact

    assert hr_contact() == hr_admin.email
    settings.RELHEALTH_HR_CONTACT_EMAIL = "people-team@acme-corp.eu"
    assert hr_contact() == "people-team@acme-corp.eu"
    header = _unsubscribe(contact=hr_contact(), language="de")["List-Unsubscribe"]
    assert header.startswith("<mailto:people-team@acme-corp.eu?subject=Bitte%20meine%20")
    assert _unsubscribe(contact="", language="en") == {}
