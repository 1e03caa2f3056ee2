"""The scores export (CSV)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filters, selectors
from api import serializers as s
from api.permissions import IsManagerOrHrAdmin
from api.throttling import ApiRateThrottle, ExportRateThrottle
from org.selectors import team_for_viewer
from org.services.audit import audit_event_record


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
            team=team, n_rounds=data["n_rounds"], period_from=data.get("period_from"),
            period_to=data.get("period_to"),
        )  # fmt: skip
        audit_event_record(
            actor=request.user,
            event="scores export",
            summary=f"API CSV export of {team.name} and below: {rows} rows",
            details={
                "team": team.pk, "rounds": data["n_rounds"],
                "period_from": str(data.get("period_from") or ""),
                "period_to": str(data.get("period_to") or ""),
            },
        )  # fmt: skip
        stamp = timezone.now().strftime("%Y%m%d")
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="scores-team{team.pk}-{stamp}.csv"'
        return response
