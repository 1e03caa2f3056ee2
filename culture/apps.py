from django.apps import AppConfig


class CultureConfig(AppConfig):
    name = "culture"
    verbose_name = "Culture"

    def ready(self) -> None:
        # The digest and the HR alert are rendered at send time by the collection side's ledger,
        # which never imports reporting: reporting registers its renderers there.
        from culture.services.digests import renderers_register

        renderers_register()
        # The invitation's "answered" line of conversations (ADR 0037), worked out at send time.
        from culture.conversation_lines import invitation_context_register

        invitation_context_register()
