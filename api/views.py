"""The REST API, /api/v1/. Views check roles and shapes; the apps' services and selectors do the
work, with the same rules as the pages (org.permissions / org.selectors, culture's engine)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from auditlog.context import set_extra_data
from auditlog.middleware import AuditlogMiddleware
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filters, selectors
from api import serializers as s
from api.exceptions import Conflict, Gone
from api.pagination import ApiPagination
from api.permissions import IsHrAdmin, IsManagerOrHrAdmin
from api.services.people_sync import people_bulk_upsert
from api.throttling import ApiRateThrottle, ExportRateThrottle
from checkins.models import Dimension, Participation, Question, Round, Survey
from checkins.services.questions import (
    dimension_create,
    question_active_set,
    question_create,
    question_provenance_update,
    question_wording_update,
)
from checkins.services.responses import (
    AlreadyRecorded,
    CheckinError,
    response_submit,
    round_questions,
)
from checkins.services.surveys import (
    survey_pause,
    survey_resume,
    survey_round_start_now,
    survey_save,
)
from org.models import Person, Team
from org.query_forms import whole_number_parse
from org.selectors import team_for_viewer, teams_visible_qs
from org.services.audit import audit_event_record
from org.services.people import (
    EmailTaken,
    person_create,
    person_update,
    team_create,
    team_update,
)


def paged(view, request: Request, items: list) -> Response:
    """One rule for every list the API returns: a page of `results` with `count`, `next` and
    `previous`, steered by `page` and `page_size` (ADR 0030)."""
    paginator = ApiPagination()
    page = paginator.paginate_queryset(items, request, view=view)
    return paginator.get_paginated_response(page)


class AuditActorMixin:
    """Names the token's owner as the actor of audited changes. The audit middleware runs before
    DRF authenticates a token, so it only knows session users; this sets the actor once the view
    has authenticated, for the rest of the request."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.user.is_authenticated:
            self._audit_context = set_extra_data(
                context_data={
                    "actor": request.user,
                    "remote_addr": AuditlogMiddleware._get_remote_addr(request._request),
                    "remote_port": None,
                }
            )
            self._audit_context.__enter__()

    def finalize_response(self, request: Request, response, *args, **kwargs):
        context = getattr(self, "_audit_context", None)
        if context is not None:
            context.__exit__(None, None, None)
            self._audit_context = None
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class TeamViewSet(
    AuditActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The team tree. HR reads and edits every team; a manager reads the subtrees they lead."""

    serializer_class = s.TeamSerializer
    filterset_class = filters.TeamFilter

    def get_permissions(self):
        if self.action in ("create", "update", "partial_update"):
            return [IsHrAdmin()]
        return [IsManagerOrHrAdmin()]

    def get_queryset(self) -> QuerySet[Team]:
        user = self.request.user
        if not user.is_authenticated:
            return Team.objects.none()
        # The pages' rule (org.selectors): a role change applies on the next request.
        return teams_visible_qs(person=user).prefetch_related("managers").order_by("path")

    def perform_create(self, serializer: s.TeamSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = team_create(name=data["name"], parent=data.get("parent"))

    def perform_update(self, serializer: s.TeamSerializer) -> None:
        team = serializer.instance
        data = serializer.validated_data
        serializer.instance = team_update(
            team=team, name=data.get("name", team.name), parent=data.get("parent", team.parent)
        )

    @extend_schema(responses={200: s.TeamTreeNodeSerializer(many=True)})
    @action(detail=False, filterset_class=None)
    def tree(self, request: Request) -> Response:
        """The visible teams nested under their parents: a page of the top teams the viewer
        sees, each with its sub-teams to any depth."""
        teams = list(self.get_queryset())
        nodes: dict[int, dict] = {t.pk: {"id": t.pk, "name": t.name, "children": []} for t in teams}
        roots: list[dict] = []
        for team in teams:
            parent = nodes.get(team.parent_id) if team.parent_id else None
            (parent["children"] if parent else roots).append(nodes[team.pk])
        return paged(self, request, roots)

    def _team(self, pk: str) -> Team:
        return team_for_viewer(person=self.request.user, team_id=pk)

    @extend_schema(
        parameters=[s.ScoreQuerySerializer],
        responses={200: s.TeamScoresSerializer},
    )
    @action(detail=True, filterset_class=None)
    def scores(self, request: Request, pk: str) -> Response:
        """Scores per dimension and question per period (newest first), through the anonymity
        engine. A hidden figure is {"suppressed": true, "reason": <code>} and carries no number."""
        team = self._team(pk)
        filters.single_values(request, s.ScoreQuerySerializer().fields, empty_ok=False)
        query = s.ScoreQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = selectors.team_scores_data(
            team=team, query=selectors.ScoreQuery(**query.validated_data)
        )
        return Response(data)

    @extend_schema(
        parameters=[s.PeriodQuerySerializer],
        responses={200: s.TeamSummarySerializer(many=True)},
    )
    @action(detail=True, filterset_class=None)
    def summaries(self, request: Request, pk: str) -> Response:
        """Trend summaries per closed round (newest first): only figures the engine shows today."""
        team = self._team(pk)
        filters.single_values(request, s.PeriodQuerySerializer().fields, empty_ok=False)
        query = s.PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paged(
            self, request, selectors.team_summaries_data(team=team, **query.validated_data)
        )

    @extend_schema(responses={200: s.FocusAreaSerializer(many=True)})
    @action(detail=True, url_path="focus-areas", filterset_class=None)
    def focus_areas(self, request: Request, pk: str) -> Response:
        return paged(self, request, selectors.focus_areas_data(team=self._team(pk)))


@contextmanager
def _email_conflict() -> Iterator[None]:
    """The person services' uniqueness rule, answered as the API's 409."""
    try:
        yield
    except EmailTaken:
        raise Conflict("A person with this email address already exists.", field="email") from None


class PersonViewSet(
    AuditActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People (HR only). Deactivate instead of delete; bulk upsert by email for HR-system sync."""

    serializer_class = s.PersonSerializer
    permission_classes = [IsHrAdmin]
    filterset_class = filters.PersonFilter
    queryset = Person.objects.select_related("team").prefetch_related("managed_teams")

    def perform_create(self, serializer: s.PersonSerializer) -> None:
        data = serializer.validated_data
        with _email_conflict():
            serializer.instance = person_create(
                email=data["email"], name=data["name"], team=data.get("team"),
                role=data.get("role", Person.Role.EMPLOYEE), time_zone=data.get("time_zone", "UTC"),
                language=data.get("language", "en"), is_active=data.get("is_active", True),
                managed_teams=data.get("managed_teams", []),
            )  # fmt: skip

    def perform_update(self, serializer: s.PersonSerializer) -> None:
        person: Person = serializer.instance
        data = serializer.validated_data
        with _email_conflict():
            serializer.instance = person_update(
                person=person, email=data.get("email", person.email),
                name=data.get("name", person.name),
                team=data.get("team", person.team), role=data.get("role", person.role),
                time_zone=data.get("time_zone", person.time_zone),
                language=data.get("language", person.language),
                is_active=data.get("is_active", person.is_active),
                managed_teams=data.get("managed_teams"),
            )  # fmt: skip

    @extend_schema(request=None, responses={200: s.PersonSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def deactivate(self, request: Request, pk: str) -> Response:
        """Deactivate (never delete): history stays, invitations stop. Idempotent."""
        person = self.get_object()
        person_update(
            person=person, email=person.email, name=person.name, team=person.team,
            role=person.role, time_zone=person.time_zone, language=person.language,
            is_active=False,
        )  # fmt: skip
        return Response(s.PersonSerializer(person).data)

    @extend_schema(
        request=s.PeopleBulkSerializer,
        responses={200: s.PeopleBulkResultSerializer},
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def bulk(self, request: Request) -> Response:
        """Upsert people by email, all or nothing, with the CSV import's rules (a full sync that
        would deactivate more than 40 % is refused unless `force`). Sending the same list twice
        changes nothing the second time."""
        payload = s.PeopleBulkSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result, errors = people_bulk_upsert(
            records=data["people"], actor=request.user, full_sync=data["full_sync"],
            force=data["force"], dry_run=data["dry_run"],
        )  # fmt: skip
        if errors:
            raise ValidationError(
                {
                    "people": [
                        {"record": [errors[i]]} if i in errors else {}
                        for i in range(max(errors) + 1)
                    ]
                }
            )
        if result.refused:
            raise ValidationError({"full_sync": [result.refused]})
        return Response(
            {
                "applied": result.applied, "dry_run": data["dry_run"], "created": result.created,
                "updated": result.updated, "unchanged": result.unchanged,
                "deactivated": result.deactivated, "teams_created": result.teams_created,
            }
        )  # fmt: skip


class DimensionViewSet(
    AuditActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.DimensionSerializer
    permission_classes = [IsHrAdmin]
    queryset = Dimension.objects.all()

    def perform_create(self, serializer: s.DimensionSerializer) -> None:
        data = serializer.validated_data
        if Dimension.objects.filter(key=data["key"]).exists():
            raise Conflict("A dimension with this key already exists.", field="key")
        serializer.instance = dimension_create(
            key=data["key"], name=data["name"],
            translations={"de": data.get("name_de", "")},
            description=data.get("description", ""),
        )  # fmt: skip


class QuestionViewSet(
    AuditActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The question bank. Changing the wording of an answered question starts a new version."""

    permission_classes = [IsHrAdmin]
    filterset_class = filters.QuestionFilter
    queryset = Question.objects.prefetch_related("versions")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.QuestionUpdateSerializer
        return s.QuestionSerializer

    def perform_create(self, serializer: s.QuestionSerializer) -> None:
        data = serializer.validated_data
        if Question.objects.filter(code=data["code"]).exists():
            raise Conflict("A question with this code already exists.", field="code")
        serializer.instance = question_create(
            code=data["code"], text=data["text"], scale=data.get("scale", Question.Scale.AGREE5),
            dimension=data.get("dimension"), reverse_scored=data.get("reverse_scored", False),
            translations=data.get("translations"), position=data.get("position", 0),
            source=data.get("source", ""), licence=data.get("licence", ""),
        )  # fmt: skip

    def perform_update(self, serializer: s.QuestionSerializer) -> None:
        question: Question = serializer.instance
        data = serializer.validated_data
        current = question.current_version()
        if "text" in data or "translations" in data:
            question_wording_update(
                question=question,
                text=data.get("text", current.text if current else ""),
                translations=data.get("translations", current.translations if current else {}),
            )
        if "source" in data or "licence" in data:
            question_provenance_update(
                question=question, source=data.get("source", question.source),
                licence=data.get("licence", question.licence),
            )  # fmt: skip
        if "is_active" in data:
            question_active_set(question=question, is_active=data["is_active"])
        serializer.instance = Question.objects.prefetch_related("versions").get(pk=question.pk)


class SurveyViewSet(
    AuditActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.SurveySerializer
    permission_classes = [IsHrAdmin]
    filterset_class = filters.SurveyFilter
    queryset = Survey.objects.prefetch_related("audience", "questions")

    def _save(self, serializer: s.SurveySerializer, survey: Survey) -> None:
        data = dict(serializer.validated_data)
        audience = data.pop("audience", None)
        questions = data.pop("questions", None)
        for field, value in data.items():
            setattr(survey, field, value)
        serializer.instance = survey_save(
            survey=survey,
            audience=audience
            if audience is not None
            else (survey.audience.all() if survey.pk else []),
            questions=questions
            if questions is not None
            else (survey.questions.all() if survey.pk else []),
        )

    def perform_create(self, serializer: s.SurveySerializer) -> None:
        self._save(serializer, Survey())

    def perform_update(self, serializer: s.SurveySerializer) -> None:
        self._save(serializer, serializer.instance)

    @extend_schema(request=None, responses={200: s.SurveySerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def pause(self, request: Request, pk: str) -> Response:
        return Response(s.SurveySerializer(survey_pause(survey=self.get_object())).data)

    @extend_schema(request=None, responses={200: s.SurveySerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def resume(self, request: Request, pk: str) -> Response:
        return Response(s.SurveySerializer(survey_resume(survey=self.get_object())).data)


class RoundViewSet(AuditActorMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Rounds (HR). No participation counts here: figures appear only through the scores."""

    permission_classes = [IsHrAdmin]
    filterset_class = filters.RoundFilter
    queryset = Round.objects.prefetch_related("question_versions").order_by("-period_start", "-pk")

    def get_serializer_class(self):
        return s.RoundOpenSerializer if self.action == "create" else s.RoundSerializer

    @extend_schema(request=s.RoundOpenSerializer, responses={201: s.RoundSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Open an extra round of a survey now, outside its rhythm (its schedule carries on), as
        HR > Surveys > "Start a round now" does: the same service, audited the same way, and the
        invitations queued once the round is saved."""
        from checkins.tasks import round_invitations_queue

        payload = s.RoundOpenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rnd = survey_round_start_now(
            survey=payload.validated_data["survey"],
            actor=request.user,
            on_emails=round_invitations_queue,
        )
        rnd = self.get_queryset().get(pk=rnd.pk)
        return Response(s.RoundSerializer(rnd).data, status=201)


def _open_checkin(participation: Participation) -> dict:
    rnd = participation.round
    questions = []
    for rq in round_questions(round=rnd):
        version = rq.question_version
        low, high = version.question.scale_points
        scored = version.question.scale != Question.Scale.TEXT
        questions.append(
            {
                "question_version": version.pk, "code": version.question.code,
                "text": version.text_in(participation.person.language),
                "scale": version.question.scale,
                "low": low if scored else None, "high": high if scored else None,
            }
        )  # fmt: skip
    return {
        "round": rnd.pk,
        "survey": rnd.survey.name,
        "period_start": rnd.period_start,
        "closes_at": rnd.closes_at,
        "questions": questions,
    }


def _checkin_field(field: str, submitted: list[int]) -> str:
    """The service names a question "q<version id>"; the API names the item of `answers`."""
    if field.startswith("q") and field[1:].isdigit():
        version = int(field[1:])
        return f"answers[{submitted.index(version)}]" if version in submitted else "answers"
    return field


class MyCheckinViewSet(viewsets.ViewSet):
    """The signed-in person's open check-ins, and submitting one (exactly once, as on the page)."""

    permission_classes = [IsAuthenticated]
    pagination_class = ApiPagination
    # ASCII digits only: \d also matches "²" and "٣", which int() refuses or misreads.
    lookup_value_regex = r"[0-9]{1,19}"

    def _open(self) -> QuerySet[Participation]:
        return Participation.objects.filter(
            person=self.request.user, responded=False, round__status=Round.Status.OPEN
        ).select_related("round__survey", "person")

    @extend_schema(responses={200: s.OpenCheckinSerializer(many=True)})
    def list(self, request: Request) -> Response:
        return paged(
            self, request, [_open_checkin(p) for p in self._open().order_by("round__closes_at")]
        )

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The round.")],
        request=s.CheckinSubmitSerializer,
        responses={201: s.CheckinReceiptSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Answer every question (value null: prefer not to answer). A second submission for the
        same round is refused with 409 and changes nothing; a closed round answers 410."""
        payload = s.CheckinSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        round_id = whole_number_parse(pk)
        if round_id is None:
            raise NotFound()
        participation = get_object_or_404(
            Participation.objects.select_related("round"), person=request.user, round_id=round_id
        )
        submitted = [a["question_version"] for a in payload.validated_data["answers"]]
        answers: dict[int, int | str | None] = {
            a["question_version"]: a.get("text") if a.get("text") else a.get("value")
            for a in payload.validated_data["answers"]
        }
        try:
            response_submit(
                participation=participation,
                answers=answers,
                comment=payload.validated_data.get("comment", ""),
            )
        except AlreadyRecorded as error:
            raise Conflict(error.message) from None
        except CheckinError as error:
            if error.status == 410:
                raise Gone(error.message) from None
            raise ValidationError(
                {_checkin_field(error.field, submitted): [error.message]}
            ) from None
        return Response({"round": participation.round_id, "recorded": True}, status=201)


class NotFoundView(APIView):
    """Any other path under /api/v1/: the API's JSON 404, not the site's HTML page."""

    permission_classes = [AllowAny]
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    def get(self, request: Request, *args, **kwargs) -> Response:
        raise NotFound()

    post = put = patch = delete = get


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        # The export itself is a ready HttpResponse and errors switch to JSON, so nothing but a
        # string ever reaches this renderer.
        return str(data).encode()


class ScoresExportView(APIView):
    """CSV of aggregated scores for a team subtree and period range, through the anonymity
    engine; every export is written to the audit log. Rate-limited more tightly."""

    permission_classes = [IsManagerOrHrAdmin]
    throttle_classes = [ApiRateThrottle, ExportRateThrottle]
    # CSV only (`format`, if given, must be csv). Errors are still JSON (handle_exception).
    renderer_classes = [CSVRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False):
        fmt = request.query_params.getlist("format")
        if fmt and fmt != ["csv"]:
            raise ValidationError({"format": ["The export is CSV only: leave out or use csv."]})
        return super().perform_content_negotiation(request, force)

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON (the one error body), whatever format the client asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="exports_scores_retrieve",
        parameters=[s.ExportQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        filters.single_values(request, s.ExportQuerySerializer().fields, empty_ok=False)
        query = s.ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        team = team_for_viewer(person=request.user, team_id=data["team"])
        text, rows = selectors.scores_export_csv(
            team=team, rounds=data["rounds"], period_from=data.get("period_from"),
            period_to=data.get("period_to"),
        )  # fmt: skip
        audit_event_record(
            actor=request.user,
            event="scores export",
            summary=f"API CSV export of {team.name} and below: {rows} rows",
            details={
                "team": team.pk, "rounds": data["rounds"],
                "period_from": str(data.get("period_from") or ""),
                "period_to": str(data.get("period_to") or ""),
            },
        )  # fmt: skip
        stamp = timezone.now().strftime("%Y%m%d")
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="scores-team{team.pk}-{stamp}.csv"'
        return response
