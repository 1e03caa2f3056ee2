from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = "Check-ins"

    def ready(self) -> None:
        # The configuration HR shapes is audited (ADR 0006). Participations, responses and answers
        # are deliberately not: an audit row per response would be a timing and identity leak (A5, A6).
        from auditlog.registry import auditlog

        from checkins.models import Dimension, Question, QuestionVersion, Survey

        auditlog.register(Dimension)
        auditlog.register(Question)
        auditlog.register(QuestionVersion)
        auditlog.register(
            Survey, m2m_fields={"audience", "questions"}, exclude_fields=["next_round_at"]
        )
