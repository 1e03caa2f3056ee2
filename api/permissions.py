"""Who may call what: the role rules of the pages (org.permissions, org.selectors)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class IsHrAdmin(BasePermission):
    message = "Only HR admins can use this resource."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_hr_admin)


class IsManagerOrHrAdmin(BasePermission):
    message = "Only managers and HR admins can read team figures."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_hr_admin or user.is_manager))
