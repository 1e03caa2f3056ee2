"""The admin site: staff only, and a signed-in person who is not staff gets 403, not a login form.

Django's admin sends such a person to its own login page, which reads as "sign in again" rather
than "not for you" and would make the refusal invisible to the access matrix and the audit log.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied


class RelhealthAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied("Only staff can open the admin.")
            return inner(request, *args, **kwargs)

        return guarded
