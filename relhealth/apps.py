"""The project's own app configs."""

from django.contrib.admin.apps import AdminConfig


class RelhealthAdminConfig(AdminConfig):
    default_site = "relhealth.admin.RelhealthAdminSite"

    def ready(self) -> None:
        super().ready()
        # The project's own system checks. `check --deploy` refuses demo mail settings (a
        # localhost sender, plain-http links): relhealth.E101, relhealth.E102.
        from django.core import checks

        from relhealth.mailconfig import mail_settings_check

        checks.register(mail_settings_check, "mail", deploy=True)
