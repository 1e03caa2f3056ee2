"""After a round closes, rewrite its responses in random order under new keys (promise A6).

While a round is open, the order rows were written in, their physical position and the id of the
transaction that wrote them could pair a response with the participation flipped in the same
transaction. Rewriting every response of the closed round in one transaction, in a random order
and with fresh random keys, leaves all of them with the same transaction and no meaningful order.
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict

from django.db import transaction

from checkins.models import Answer, Response, Round, Thread
from checkins.services.conversations import threads_rewrite


def round_responses_reshuffle(*, round: Round) -> bool:
    """Shuffle a closed round's responses once. False if open, or done already."""
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.status != Round.Status.CLOSED or locked.responses_shuffled:
            return False
        responses = list(
            Response.objects.filter(round=locked).values_list("id", "team_id", "comment")
        )
        answers: dict[uuid.UUID, list[tuple[int, int | None, str]]] = defaultdict(list)
        for response_id, version_id, value, text in Answer.objects.filter(
            response__round=locked
        ).values_list("response_id", "question_version_id", "value", "text"):
            answers[response_id].append((version_id, value, text))
        threads = Thread.objects.filter(response__round=locked)
        kept_threads = list(
            threads.values_list("response_id", "secret_hash", "closed_by", "heard_by", "heard_at")
        )
        threads.delete()
        Answer.objects.filter(response__round=locked).delete()
        Response.objects.filter(round=locked).delete()
        secrets.SystemRandom().shuffle(responses)
        new_responses, new_answers = [], []
        new_id: dict[uuid.UUID, uuid.UUID] = {}
        for old_id, team_id, comment in responses:
            response = Response(id=uuid.uuid4(), round=locked, team_id=team_id, comment=comment)
            new_id[old_id] = response.id
            new_responses.append(response)
            new_answers += [
                Answer(response=response, question_version_id=version_id, value=value, text=text)
                for version_id, value, text in answers[old_id]
            ]
        Response.objects.bulk_create(new_responses, batch_size=2000)
        Answer.objects.bulk_create(new_answers, batch_size=5000)
        threads_rewrite(kept=kept_threads, new_response_of=new_id)
        Round.objects.filter(pk=locked.pk).update(responses_shuffled=True)
    return True


def rounds_to_reshuffle() -> list[int]:
    return list(
        Round.objects.filter(status=Round.Status.CLOSED, responses_shuffled=False).values_list(
            "pk", flat=True
        )
    )
