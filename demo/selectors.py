"""The demo outbox's reads: the emails the file backend wrote to EMAIL_FILE_PATH."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from django.conf import settings

SEPARATOR = "-" * 79


def outbox_emails_list() -> list[dict]:
    """Every email the file backend wrote, newest file first."""
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
