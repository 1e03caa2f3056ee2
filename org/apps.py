import time

from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_note_session_start, dispatch_uid="org.session_start")


def _note_session_start(sender, request, user, **kwargs) -> None:
    """The absolute session lifetime counts from sign-in (org.middleware)."""
    from org.middleware import SESSION_STARTED_KEY

    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = int(time.time())
