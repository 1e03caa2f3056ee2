"""The staff side of a conversation: a manager or HR acts where the comment is shown (ADR 0031).

Every action first finds the thread among the comments the team page shows the viewer right now
(`culture.selectors.comment_thread_get`, the A4 rule unchanged): anything else is a 404, whether
the thread exists or not.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from checkins.models import Thread
from checkins.services.conversations import ConversationError
from culture.selectors import comment_thread_get
from culture.services.conversations import (
    THREAD_ACTS,
    staff_message_hide,
    staff_message_post,
)
from org.http import AuthenticatedRequest
from org.models import Team
from org.selectors import person_can_view_team


def _thread(request: AuthenticatedRequest, team_id: int, thread_id: UUID) -> tuple[Team, Thread]:
    team = get_object_or_404(Team, pk=team_id)
    if not person_can_view_team(person=request.user, team=team):
        raise Http404
    thread = comment_thread_get(team=team, thread_id=thread_id)
    if thread is None:
        raise Http404
    return team, thread


def _back(team: Team, thread: Thread) -> HttpResponse:
    return redirect(reverse("culture:team", args=[team.pk]) + f"#thread-{thread.pk}")


def _refused(request: AuthenticatedRequest, team: Team, error: ConversationError) -> HttpResponse:
    return render(
        request,
        "conversations/staff_error.html",
        {"team": team, "error": error.message},
        status=error.status,
    )


@login_required
@require_POST
def thread_reply(request: AuthenticatedRequest, team_id: int, thread_id: UUID) -> HttpResponse:
    team, thread = _thread(request, team_id, thread_id)
    try:
        staff_message_post(thread=thread, person=request.user, body=request.POST.get("body", ""))
    except ConversationError as error:
        return _refused(request, team, error)
    return _back(team, thread)


@login_required
@require_POST
def thread_act(
    request: AuthenticatedRequest, team_id: int, thread_id: UUID, act: str
) -> HttpResponse:
    """A one-click act on a thread ("heard", "close"; `THREAD_ACTS`), signed by the caller."""
    team, thread = _thread(request, team_id, thread_id)
    try:
        THREAD_ACTS[act](thread=thread, person=request.user)
    except ConversationError as error:
        return _refused(request, team, error)
    return _back(team, thread)


@login_required
@require_POST
def message_hide_view(
    request: AuthenticatedRequest, team_id: int, thread_id: UUID, message_id: UUID
) -> HttpResponse:
    """HR only: hide a message with a reason, recorded in the audit log (the thread, never a
    person: the author is unknown)."""
    if not request.user.is_hr_admin:
        raise Http404
    team, thread = _thread(request, team_id, thread_id)
    try:
        message = staff_message_hide(
            thread=thread,
            person=request.user,
            message_id=message_id,
            reason=request.POST.get("reason", ""),
        )
    except ConversationError as error:
        return _refused(request, team, error)
    if message is None:
        raise Http404
    return _back(team, thread)
