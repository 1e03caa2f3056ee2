"""The demo outbox: the emails the file backend wrote, readable in the browser. Demo installs only."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from demo.selectors import outbox_emails_list


def outbox(request: HttpRequest) -> HttpResponse:
    if not settings.RELHEALTH_DEMO:
        raise Http404("The outbox exists only in demo installs.")
    # Not "messages": that name belongs to django.contrib.messages in every template.
    emails = outbox_emails_list()
    return render(request, "demo/outbox.html", {"emails": emails[:200], "total": len(emails)})
