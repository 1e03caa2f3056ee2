from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = "Check-ins"

    def ready(self) -> None:
        # The configuration HR shapes is audited (ADR 0006). Participations, responses and answers
        # are deliberately not: an audit row per response would be a timing and identity leak (A5, A6).
        # Explicit field lists keep reverse relations (a survey's rounds) out of the log.
        from auditlog.registry import auditlog

        from checkins.models import Dimension, Question, QuestionVersion, Survey

        auditlog.register(
            Dimension, include_fields=["key", "name", "translations", "description", "position"]
        )
        auditlog.register(
            Question,
            include_fields=["code", "dimension", "scale", "reverse_scored", "is_active",
                            "position", "source", "licence"],
        )  # fmt: skip
        auditlog.register(
            QuestionVersion, include_fields=["question", "number", "text", "translations"]
        )
        auditlog.register(
            Survey,
            include_fields=["name", "cadence", "interval_weeks", "weekday", "send_time",
                            "window_days", "questions_per_round", "enps_every_n_rounds",
                            "is_active"],
            m2m_fields={"audience", "questions"},
        )  # fmt: skip

        # The organisation asks for set-password emails; the ledger here writes and sends them.
        from checkins import tasks
        from org.signals import sign_in_link_wanted

        sign_in_link_wanted.connect(
            tasks.sign_in_link_wanted_receive, dispatch_uid="checkins.sign_in_link_wanted"
        )
