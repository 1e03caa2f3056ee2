"""Access helpers for views: who may open the HR screens."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from org.http import AuthenticatedRequest


def hr_admin_required(view):
    """Anonymous visitors go to the login page; anyone signed in but not an HR admin gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_hr_admin:
            raise PermissionDenied("Only HR admins can open this page.")
        return view(request, *args, **kwargs)

    return wrapper
