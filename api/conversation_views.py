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
from api.permissions import IsManagerOrHrAdmin
from api.views.base import paged
from checkins.models import Message
from checkins.services.conversations import MESSAGE_MAX_LENGTH, ConversationError, message_post
from culture.selectors import comment_thread_get, team_threads_get
from org.selectors import team_for_viewer


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class MessageOut(serializers.Serializer):
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


def _message(m: Message) -> dict:
    return {
        "role": m.role,
        "signature": m.signature,
        "at": m.at.isoformat().replace("+00:00", "Z"),
        "body": None if m.hidden_reason else m.body,
        "hidden_reason": m.hidden_reason,
    }


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
                {
                    "id": str(c.thread.pk),
                    "comment": c.text,
                    "week_of": c.round.period_start.isoformat(),
                    "heard_by": c.thread.heard_by,
                    "closed": c.thread.is_closed,
                    "messages": [_message(m) for m in c.messages],
                }
                for c in team_threads_get(team=team)
                if c.thread is not None
            ],
        )


class ThreadMessagesView(APIView):
    """Reply to a thread shown on the team's page, signed with the caller's name."""

    permission_classes = [IsManagerOrHrAdmin]

    @extend_schema(request=MessageIn, responses={201: MessageOut})
    def post(self, request: Request, pk: int, thread_id: UUID) -> Response:
        team = team_for_viewer(person=request.user, team_id=pk)
        thread = comment_thread_get(team=team, thread_id=thread_id)
        if thread is None:
            raise Http404
        data = MessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        role = Message.Role.HR if request.user.is_hr_admin else Message.Role.MANAGER
        try:
            message = message_post(
                thread=thread, role=role, body=data.validated_data["body"],
                signature=request.user.name,
            )  # fmt: skip
        except ConversationError as error:
            if error.status == status.HTTP_409_CONFLICT:
                raise Conflict(error.message) from None
            raise exceptions.ValidationError({"body": [error.message]}) from None
        return Response(_message(message), status=status.HTTP_201_CREATED)


urls = [
    path("teams/<int:pk>/threads/", TeamThreadsView.as_view(), name="team-threads"),
    path(
        "teams/<int:pk>/threads/<uuid:thread_id>/messages/",
        ThreadMessagesView.as_view(),
        name="team-thread-messages",
    ),
]
