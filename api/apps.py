from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        import api.schema  # noqa: F401  (registers the token scheme with drf-spectacular)
        from api.models import ApiToken

        # Creating and revoking a token is a configuration change HR can read in the audit log;
        # the hash and the use stamp are never logged.
        auditlog.register(
            ApiToken, include_fields=["person", "name", "prefix", "revoked_at", "expires_at"]
        )

        # A person whose access ended (deactivation, role or password change) loses their tokens.
        from org.signals import access_ended

        access_ended.connect(_tokens_end, dispatch_uid="api.tokens_end")


def _tokens_end(sender, *, person_ids: list[int], **kwargs) -> None:
    from api.services.tokens import api_tokens_end

    api_tokens_end(person_ids=person_ids)
