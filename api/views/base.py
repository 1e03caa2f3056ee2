"""The pieces every resource shares: one paging rule, the audit actor, the resource shape (list, read,
create, edit through the apps' services), the 409 for a taken unique field, and the API's 404."""

from __future__ import annotations

from typing import Any

from auditlog.context import set_extra_data
from auditlog.middleware import AuditlogMiddleware
from django.db.models import Manager, Model, QuerySet
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import Conflict
from api.pagination import ApiPagination
from api.permissions import IsHrAdmin


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


def refuse_taken(rows: QuerySet | Manager, *, field: str, value: object, message: str) -> None:
    """Answer 409 naming `field` when one of `rows` already holds `value` there."""
    if rows.filter(**{field: value}).exists():
        raise Conflict(message, field=field)


# The two bases below carry comments, not docstrings: drf-spectacular gives the first docstring it
# meets in a view's MRO before DRF's own classes to every operation that has none. For the same
# reason UpdateModelMixin comes last in EditableViewSet: the schema stays as it was.


class ResourceViewSet(
    AuditActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    # A resource listed, read and created (by HR unless the subclass says otherwise), audited as
    # the token's owner. A subclass states its queryset, serializer and filter, and how a
    # validated payload becomes a row (`save_new`, calling the app's service); the serializer's
    # `instance` is what is answered.
    permission_classes = [IsHrAdmin]

    def perform_create(self, serializer) -> None:
        serializer.instance = self.save_new(serializer.validated_data)

    def save_new(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError


class EditableViewSet(ResourceViewSet, mixins.UpdateModelMixin):
    # The same, and edited (PUT/PATCH): `save_changes` applies a validated payload to a row.

    def perform_update(self, serializer) -> None:
        serializer.instance = self.save_changes(serializer.instance, serializer.validated_data)

    def save_changes(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError


class NotFoundView(APIView):
    """Any other path under /api/v1/: the API's JSON 404, not the site's HTML page."""

    permission_classes = [AllowAny]
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    def get(self, request: Request, *args, **kwargs) -> Response:
        raise NotFound()

    post = put = patch = delete = get
