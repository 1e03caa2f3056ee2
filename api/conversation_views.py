"""Conversations through the API (ADR 0031): managers and HR read and answer the threads of the
comments a team's page shows them, by the same rules as the page. The author's side is reachable
only with the private secret, on its page, never here."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import ApiPagination
from api.permissions import IsHrAdmin, IsManagerOrHrAdmin
from api.views.base import paged
from checkins.models import Message, Thread
from checkins.services.conversations import (
    HIDE_REASON_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    ConversationError,
    messages_for_staff,
)
from culture.selectors import comment_thread_get, team_threads_get
from culture.services.conversations import (
    THREAD_ACTS,
    staff_message_hide,
    staff_message_post,
)
from org.selectors import team_for_viewer


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class MessageOut(serializers.Serializer):
    id = serializers.UUIDField(help_text="An author's message gets a new id at its delivery.")
    role = serializers.CharField(help_text="author, manager or hr")
    signature = serializers.CharField()
    at = serializers.DateTimeField(help_text="An author's message: its delivery batch only.")
    body = serializers.CharField(allow_null=True, help_text="null when HR hid the message")
    hidden_reason = serializers.CharField()


class ThreadOut(serializers.Serializer):
    id = serializers.UUIDField()
    comment = serializers.CharField()
    week_of = serializers.DateField()
    heard_by = serializers.CharField()
    closed = serializers.BooleanField()
    messages = MessageOut(many=True)


class MessageIn(serializers.Serializer):
    body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, trim_whitespace=True)


class HideIn(serializers.Serializer):
    reason = serializers.CharField(
        max_length=HIDE_REASON_MAX_LENGTH,
        trim_whitespace=True,
        help_text="One line, shown in the thread in the message's place.",
    )


def _message(m: Message) -> dict:
    return {
        "id": str(m.pk),
        "role": m.role,
        "signature": m.signature,
        "at": m.at.isoformat().replace("+00:00", "Z"),
        "body": None if m.hidden_reason else m.body,
        "hidden_reason": m.hidden_reason,
    }


def _thread_out(thread: Thread, messages: list[Message]) -> dict:
    return {
        "id": str(thread.pk),
        "comment": thread.response.comment,
        "week_of": thread.response.round.period_start.isoformat(),
        "heard_by": thread.heard_by,
        "closed": thread.is_closed,
        "messages": [_message(m) for m in messages],
    }


def _shown_thread(request: Request, pk: int, thread_id: UUID) -> Thread:
    """The thread if its comment is shown on the team's page to the caller (A4), else 404."""
    team = team_for_viewer(person=request.user, team_id=pk)
    thread = comment_thread_get(team=team, thread_id=thread_id)
    if thread is None:
        raise Http404
    return thread


def _refusal(error: ConversationError, field: str) -> exceptions.APIException:
    if error.status == status.HTTP_409_CONFLICT:
        return Conflict(error.message)
    if error.status == status.HTTP_403_FORBIDDEN:
        return exceptions.PermissionDenied(error.message)
    return exceptions.ValidationError({field: [error.message]})


class TeamThreadsView(APIView):
    """The threads on the comments the team's page shows the caller (A4), in random order; an
    author's message appears from its delivery batch on, timed by the batch only."""

    permission_classes = [IsManagerOrHrAdmin]
    pagination_class = ApiPagination  # every list is a page (ADR 0030)

    @extend_schema(responses={200: ThreadOut(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        team = team_for_viewer(person=request.user, team_id=pk)
        return paged(
            self,
            request,
            [
                _thread_out(c.thread, c.messages)
                for c in team_threads_get(team=team)
                if c.thread is not None
            ],
        )


class ThreadMessagesView(APIView):
    """Reply to a thread shown on the team's page, signed with the caller's name."""

    permission_classes = [IsManagerOrHrAdmin]

    @extend_schema(request=MessageIn, responses={201: MessageOut})
    def post(self, request: Request, pk: int, thread_id: UUID) -> Response:
        thread = _shown_thread(request, pk, thread_id)
        data = MessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            message = staff_message_post(
                thread=thread, person=request.user, body=data.validated_data["body"]
            )
        except ConversationError as error:
            raise _refusal(error, "body") from None
        return Response(_message(message), status=status.HTTP_201_CREATED)


class ThreadActView(APIView):
    """A one-click act on a thread shown on the team's page, as on the page: "heard" (the first
    name to acknowledge it stays) or "close" (for good; a closed thread answers 409)."""

    permission_classes = [IsManagerOrHrAdmin]
    act = ""

    @extend_schema(request=None, responses={200: ThreadOut})
    def post(self, request: Request, pk: int, thread_id: UUID) -> Response:
        thread = _shown_thread(request, pk, thread_id)
        try:
            thread = THREAD_ACTS[self.act](thread=thread, person=request.user)
        except ConversationError as error:
            raise _refusal(error, "non_field_errors") from None
        return Response(_thread_out(thread, messages_for_staff(thread=thread)))


class MessageHideView(APIView):
    """HR hides a message of a thread shown on the team's page, with a reason shown in its
    place; the audit log records it against the thread, never a person."""

    permission_classes = [IsHrAdmin]

    @extend_schema(request=HideIn, responses={200: MessageOut})
    def post(self, request: Request, pk: int, thread_id: UUID, message_id: UUID) -> Response:
        thread = _shown_thread(request, pk, thread_id)
        data = HideIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            message = staff_message_hide(
                thread=thread,
                person=request.user,
                message_id=message_id,
                reason=data.validated_data["reason"],
            )
        except ConversationError as error:
            raise _refusal(error, "reason") from None
        if message is None:
            raise Http404
        return Response(_message(message))


THREAD = "teams/<int:pk>/threads/<uuid:thread_id>/"
urls = [
    path("teams/<int:pk>/threads/", TeamThreadsView.as_view(), name="team-threads"),
    path(f"{THREAD}messages/", ThreadMessagesView.as_view(), name="team-thread-messages"),
    *(
        path(f"{THREAD}{act}/", ThreadActView.as_view(act=act), name=f"team-thread-{act}")
        for act in THREAD_ACTS
    ),
    path(
        f"{THREAD}messages/<uuid:message_id>/hide/",
        MessageHideView.as_view(),
        name="team-thread-message-hide",
    ),
]
