import time

from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        # django-auditlog records who changed what (before → after) for people, teams, roles and
        # the threshold (ADR 0006). Secrets and login bookkeeping stay out of the log.
        from auditlog.registry import auditlog

        from org.models import OrgSettings, Person, Team

        # Explicit field lists: reverse relations (a person's participations) must never appear.
        auditlog.register(
            Person,
            include_fields=["email", "name", "team", "role", "time_zone", "language",
                            "is_active", "is_staff", "is_superuser"],
        )  # fmt: skip
        auditlog.register(Team, include_fields=["name", "parent"], m2m_fields={"managers"})
        auditlog.register(
            OrgSettings,
            include_fields=[
                "name",
                "min_group_size",
                "raw_retention_months",
                "employees_may_sign_in",
            ],
        )
        # Second factor (ADR 0022): who turned it on or lost it, never a key or a code.
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        auditlog.register(TOTPDevice, include_fields=["name", "confirmed"])
        auditlog.register(StaticDevice, include_fields=["name"])

        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_note_session_start, dispatch_uid="org.session_start")
        # Failed sign-ins count against their username; a signed-in browser gets its device.
        from org import signin_limits  # noqa: F401


def _note_session_start(sender, request, user, **kwargs) -> None:
    """The absolute session lifetime counts from sign-in (org.middleware)."""
    from org.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY

    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = request.session[SESSION_SEEN_KEY] = int(time.time())
