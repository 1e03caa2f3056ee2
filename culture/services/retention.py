"""Retention: raw answers and comments go N months after their round closed; figures stay.

Runs daily from beat (`culture.tasks.raw_data_retention_apply`). A round qualifies only once its
roll-ups and summaries exist, so every dashboard figure, trend and digest reads the same numbers
before and after. Each run that deletes anything leaves one entry in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from checkins.services.retention import round_raw_data_purge, rounds_past_retention
from culture.models import CommentTheme, RoundRollupState, RoundSummaryState
from org.models import OrgSettings
from org.services.audit import audit_event_record

RETENTION_EVENT = "retention_purge"


@dataclass
class RetentionRun:
    months: int
    rounds: list[int] = field(default_factory=list)
    responses: int = 0
    answers: int = 0


def raw_data_retention_apply(*, now: dt.datetime | None = None) -> RetentionRun:
    now = now or timezone.now()
    months = OrgSettings.current().raw_retention_months
    run = RetentionRun(months=months)
    due = (
        rounds_past_retention(now=now, months=months)
        .filter(pk__in=RoundRollupState.objects.values("round_id"))
        .filter(pk__in=RoundSummaryState.objects.values("round_id"))
    )
    for rnd in due:
        purged = round_raw_data_purge(round=rnd)
        CommentTheme.objects.filter(round=rnd).delete()  # the themes go with their comments
        if purged.responses or purged.answers:
            run.rounds.append(rnd.pk)
            run.responses += purged.responses
            run.answers += purged.answers
    if run.rounds:
        audit_event_record(
            actor=None,
            event=RETENTION_EVENT,
            summary=(
                f"Deleted the raw answers and comments of {len(run.rounds)} round(s) closed more "
                f"than {months} months ago ({run.responses} responses, {run.answers} answers)"
            ),
            details={"rounds": run.rounds, "responses": run.responses, "answers": run.answers,
                     "months": months},
        )  # fmt: skip
    return run
