"""The demo outbox: the emails the file backend wrote, readable in the browser. Demo installs only."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

SEPARATOR = "-" * 79


def _messages() -> list[dict]:
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        # Bytes, not text in the machine's locale: each message declares its own charset and
        # transfer encoding, which the parser decodes (German and French read as written).
        for chunk in path.read_bytes().split(SEPARATOR.encode()):
            chunk = chunk.strip()
            if not chunk:
                continue
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            found.append(
                {
                    "subject": message["subject"],
                    "to": message["to"],
                    "date": message["date"],
                    "body": body.get_content() if body else "",
                }
            )
    return found


def outbox(request: HttpRequest) -> HttpResponse:
    if not settings.RELHEALTH_DEMO:
        raise Http404("The outbox exists only in demo installs.")
    # Not "messages": that name belongs to django.contrib.messages in every template.
    emails = _messages()
    return render(request, "checkins/outbox.html", {"emails": emails[:200], "total": len(emails)})
