"""The project's own app configs."""

from django.contrib.admin.apps import AdminConfig


class RelhealthAdminConfig(AdminConfig):
    default_site = "relhealth.admin.RelhealthAdminSite"
