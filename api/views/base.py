"""The pieces every resource shares: one paging rule, the audit actor, and the API's 404."""

from __future__ import annotations

from auditlog.context import set_extra_data
from auditlog.middleware import AuditlogMiddleware
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import ApiPagination


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


class NotFoundView(APIView):
    """Any other path under /api/v1/: the API's JSON 404, not the site's HTML page."""

    permission_classes = [AllowAny]
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    def get(self, request: Request, *args, **kwargs) -> Response:
        raise NotFound()

    post = put = patch = delete = get
