"""Submitting a check-in: exactly once, unlinkably, all or nothing (promises A6, D1, D2, D4)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from checkins.models import Answer, Participation, Question, Response, Round, RoundQuestion
from checkins.services.conversations import thread_start
from checkins.services.tokens import token_hash
from dialect import row_update_under_share

COMMENT_MAX_LENGTH = 2000


class CheckinError(Exception):
    """Bad input or a state that forbids submitting. `field` names what is wrong."""

    def __init__(self, message: str, *, field: str = "__all__", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


class AlreadyRecorded(CheckinError):
    def __init__(self) -> None:
        super().__init__("Your check-in for this round is already recorded.", status=409)


@dataclass(frozen=True)
class LinkState:
    participation: Participation | None
    problem: str | None  # "unknown", "inactive", "closed", "used" or None


def participation_for_token(*, token: str) -> LinkState:
    """Resolve a check-in link. Unknown and tampered tokens look the same: there is no oracle."""
    if not token or len(token) > 128:
        return LinkState(None, "unknown")
    participation = (
        Participation.objects.select_related("round", "person")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if participation is None:
        return LinkState(None, "unknown")
    if not participation.person.is_active:
        # A person deactivated since the round opened (a leaver) answers for nobody any more.
        return LinkState(participation, "inactive")
    if participation.responded:
        return LinkState(participation, "used")
    if not participation.round.is_open:
        return LinkState(participation, "closed")
    return LinkState(participation, None)


# A round's questions per process: (round id, opening time) -> its questions in order.
_ROUND_QUESTIONS: dict[tuple[int, object], list[RoundQuestion]] = {}
_ROUND_QUESTIONS_KEPT = 16


def round_questions(*, round: Round) -> list[RoundQuestion]:
    """The round's questions in order, read once per process and round.

    Every check-in of a round shows and checks the same questions, and what they hold cannot
    change once the round has opened: its RoundQuestion rows are written when it opens, a wording
    that a round asked is never edited in place (a new version starts), and a question's scale is
    fixed. So the rows are kept in memory instead of being read and built again on every form and
    submission. The key holds the opening time as well, so a reused id is never mistaken for
    another round. Callers only read what they get.
    """
    key = (round.pk, round.opens_at)
    cached = _ROUND_QUESTIONS.get(key)
    if cached is not None:
        return cached
    questions = list(
        RoundQuestion.objects.filter(round=round)
        .select_related("question_version__question")
        .order_by("position")
    )
    if len(_ROUND_QUESTIONS) >= _ROUND_QUESTIONS_KEPT:
        _ROUND_QUESTIONS.clear()  # a handful of rounds are open at once; rarely reached
    _ROUND_QUESTIONS[key] = questions
    return questions


def round_questions_forget() -> None:
    """Drop the kept questions (tests whose database reuses ids, e.g. SQLite after a rollback)."""
    _ROUND_QUESTIONS.clear()


def _validated_answers(
    *, asked: list[RoundQuestion], answers: dict[int, int | str | None]
) -> list[tuple[int, int | None, str]]:
    """Check every answer against the round's questions. `None` means "prefer not to answer"."""
    questions = {rq.question_version_id: rq.question_version for rq in asked}
    unknown = set(answers) - set(questions)
    if unknown:
        raise CheckinError(
            f"Question {sorted(unknown)[0]} is not part of this check-in.", field="answers"
        )
    missing = set(questions) - set(answers)
    if missing:
        raise CheckinError(
            "Every question needs an answer or 'prefer not to answer'.",
            field=f"q{sorted(missing)[0]}",
        )
    rows: list[tuple[int, int | None, str]] = []
    for version_id, raw in answers.items():
        question = questions[version_id].question
        if raw is None or raw == "":
            continue
        if question.scale == Question.Scale.TEXT:
            text = str(raw)
            if len(text) > COMMENT_MAX_LENGTH:
                raise CheckinError(
                    f"Answers are limited to {COMMENT_MAX_LENGTH} characters.",
                    field=f"q{version_id}",
                )
            rows.append((version_id, None, text))
            continue
        low, high = question.scale_points
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise CheckinError(
                f"Choose a value from {low} to {high}.", field=f"q{version_id}"
            ) from None
        if isinstance(raw, bool) or not low <= value <= high or str(raw).strip() != str(value):
            raise CheckinError(f"Choose a value from {low} to {high}.", field=f"q{version_id}")
        rows.append((version_id, value, ""))
    return rows


def _round_closed() -> CheckinError:
    return CheckinError("This check-in has closed.", field="round", status=410)


def _round_is_open(*, round_id: int) -> bool:
    return Round.objects.filter(pk=round_id, status=Round.Status.OPEN).exists()


def _participation_claim(*, participation: Participation) -> bool:
    """Flip the participation to responded, if it was not and its round is open, in one statement.

    The round is read under a shared row lock (where the database has them): submissions share
    it and do not queue behind each other, while closing the round (an UPDATE of that row) waits
    for those in flight and later ones see it closed, so no response lands in a round whose
    figures were already computed. The lock is held until this transaction ends, i.e. until the
    response and its answers are written.
    """
    return row_update_under_share(
        Participation,
        pk=participation.pk,
        where={"responded": False},
        values={"responded": True},
        shared=Round,
        shared_pk=participation.round_id,
        shared_where={"status": Round.Status.OPEN.value},
    )


def response_submit(
    *,
    participation: Participation,
    answers: dict[int, int | str | None],
    comment: str = "",
    asked: list[RoundQuestion] | None = None,
    conversation: bool = False,
) -> Response:
    """Store one check-in: the response, its answers and the participation flag in one transaction.

    The conditional UPDATE on the participation is the guard: of two concurrent submissions exactly
    one updates the row, the other sees `AlreadyRecorded`, and an error anywhere rolls back all.
    A closed round wins over any other error, then bad input, then "already recorded".
    With `conversation` and a comment, a thread is opened on the comment in the same transaction
    and its secret is left on the returned response as `conversation_secret` (stored nowhere).
    """
    comment = (comment or "").strip()
    try:
        if len(comment) > COMMENT_MAX_LENGTH:
            raise CheckinError(
                f"The comment is limited to {COMMENT_MAX_LENGTH} characters "
                f"(this one has {len(comment)}).",
                field="comment",
            )
        # A round's questions are fixed when it opens, so a caller that already read them (the
        # form) passes them in rather than have them read twice.
        if asked is None:
            asked = round_questions(round=participation.round)
        rows = _validated_answers(asked=asked, answers=answers)
    except CheckinError:
        if not _round_is_open(round_id=participation.round_id):
            raise _round_closed() from None
        raise
    with transaction.atomic():
        if not _participation_claim(participation=participation):
            if not _round_is_open(round_id=participation.round_id):
                raise _round_closed()
            raise AlreadyRecorded()
        response = Response.objects.create(
            round_id=participation.round_id, team_id=participation.team_id, comment=comment
        )
        Answer.objects.bulk_create(
            Answer(response=response, question_version_id=version_id, value=value, text=text)
            for version_id, value, text in rows
        )
        if conversation and comment:
            response.conversation_secret = thread_start(response=response)  # type: ignore[attr-defined]
    participation.responded = True
    return response
