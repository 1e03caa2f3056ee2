"""Anonymous two-way conversations about a comment (issue 18, ADR 0031), through the real views."""

from __future__ import annotations

import datetime as dt
import logging
import re
from html import unescape as html_unescape

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from checkins.models import Message, OutboundEmail, Participation, Response, Thread
from checkins.services.conversations import (
    ConversationError,
    batch_time_next,
    message_post,
    messages_deliver,
    secret_hash,
    thread_for_secret,
    thread_heard,
    threads_purge,
)
from checkins.services.emails import RENDERERS
from checkins.services.reshuffle import round_responses_reshuffle
from checkins.services.responses import response_submit
from checkins.services.rounds import round_open
from checkins.services.tokens import participation_token
from culture.conversation_lines import invitation_answered_get, team_answered_count_get
from org.models import Person
from relhealth.logfilters import redact_checkin_tokens
from tests.factories import PersonFactory, TeamFactory
from tests.helpers import answer_all, close_and_roll_up, people_in

BERLIN = "Europe/Berlin"
# Monday 2 March 2026, 11:00 in Berlin: the next batch is 15:00 Berlin = 14:00 UTC.
MONDAY_11 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
MONDAY_15 = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)


def _answers(participation: Participation) -> dict[int, int | str | None]:
    return {
        v.pk: (8 if v.question.scale == "zero_ten" else 4)
        for v in participation.round.question_versions.select_related("question")
    }


@pytest.fixture
def conversation(settings, survey, org, manager, hr_admin, outsider):
    """Engineering answers (12 in Platform, 4 in Payments): its page shows all 16 comments; one
    author in Platform opted in. The round is closed, rolled up and reshuffled."""
    settings.RELHEALTH_CONVERSATION_TIME_ZONE = BERLIN
    settings.RELHEALTH_CONVERSATION_BATCH_HOURS = (9, 15)
    survey.audience.set([org.engineering])
    with time_machine.travel(dt.datetime(2026, 2, 23, 9, 0, tzinfo=dt.UTC), tick=False):
        rnd = round_open(survey=survey)
        platform = people_in(org.platform, 12, rnd)
        author = platform[0]
        response = response_submit(
            participation=author,
            answers=_answers(author),
            comment="Deadlines are unrealistic",
            conversation=True,
        )
        secret = response.conversation_secret
        for i, p in enumerate(platform[1:]):
            answer_all(p, value=4, comment=f"platform remark {i}")
        for i, p in enumerate(people_in(org.payments, 4, rnd)):
            answer_all(p, value=4, comment=f"payments remark {i}")
    before = Thread.objects.get().pk
    close_and_roll_up(rnd)
    assert round_responses_reshuffle(round=rnd)
    return {"secret": secret, "round": rnd, "old_thread_id": before}


def _form(participation: Participation) -> dict[str, str]:
    return {f"q{pk}": str(value) for pk, value in _answers(participation).items()}


def _page_text(page) -> str:
    """The page without what differs per request (nonces, CSRF tokens)."""
    return re.sub(r'(nonce|value|content)="[^"]*"', "", page.content.decode())


def _staff_page(client, person, password, team):
    client.force_login(person)
    return client.get(reverse("culture:team", args=[team.pk])).content.decode()


def _thread_url(name, team, thread, *extra):
    return reverse(f"culture:{name}", args=[team.pk, thread.pk, *extra])


# --- opting in at the check-in ------------------------------------------------------------


def test_opting_in_shows_the_private_link_once_and_stores_only_its_hash(
    client, open_round, employee
):
    link = reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=employee.pk)]
    )
    form = client.get(link).content.decode()
    assert "Let my manager reply to this anonymously" in form
    data = {**_form(Participation.objects.get(person=employee)), "comment": "More focus time"}
    data["conversation"] = "on"
    page = client.post(link, data)
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r'href="/t/([A-Za-z0-9_-]{43})/"', html).group(1)
    assert "If you lose it, you lose the conversation" in html
    assert "js/conversation.js" in html and "<script>" not in html
    thread = Thread.objects.get()
    assert thread.secret_hash == secret_hash(secret) and secret not in str(
        list(Thread.objects.values())
    )
    assert thread.response.comment == "More focus time"
    # The thread points only at the response: no person, no participation, no time.
    fields = {f.name for f in Thread._meta.get_fields()} | {
        f.name for f in Message._meta.get_fields()
    }
    assert not fields & {"person", "participation", "created_at", "token_hash"}
    # The page is shown once: the same link again says "already recorded", with no secret.
    again = client.post(link, data).content.decode()
    assert "already recorded" in again and "/t/" not in again


@pytest.mark.parametrize("comment,box", [("", "on"), ("Fine", "")])
def test_no_thread_without_a_comment_or_without_the_box(client, open_round, employee, comment, box):
    link = reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=employee.pk)]
    )
    data = {**_form(Participation.objects.get(person=employee)), "comment": comment}
    if box:
        data["conversation"] = box
    page = client.post(link, data)
    assert page.status_code == 302 and Response.objects.count() == 1
    assert not Thread.objects.exists()


def test_before_the_close_the_author_waits_and_nothing_is_stored(client, open_round, employee):
    participation = Participation.objects.get(person=employee)
    response = response_submit(
        participation=participation,
        answers=_answers(participation),
        comment="Hi",
        conversation=True,
    )
    url = f"/t/{response.conversation_secret}/"
    page = client.get(url).content.decode()
    assert "once the check-in has closed" in page and "Your answer" not in page
    refused = client.post(url, {"action": "reply", "body": "hello"})
    assert refused.status_code == 409 and not Message.objects.exists()


# --- the whole conversation ---------------------------------------------------------------


def test_a_conversation_both_ways_with_batch_delivery(
    client, conversation, org, manager, hr_admin, password
):
    thread = Thread.objects.get()
    # The reshuffle wrote the thread again under a new key; the secret still opens it.
    assert thread.pk != conversation["old_thread_id"]
    assert thread_for_secret(secret=conversation["secret"]) == thread
    author_url = f"/t/{conversation['secret']}/"

    with time_machine.travel(MONDAY_11, tick=False):
        html = _staff_page(client, manager, password, org.engineering)
        assert "Deadlines are unrealistic" in html and f'id="thread-{thread.pk}"' in html
        assert client.post(_thread_url("thread-heard", org.engineering, thread)).status_code == 302
        reply = client.post(
            _thread_url("thread-reply", org.engineering, thread),
            {"body": "Thank you.\nLet us plan it together."},
        )
        assert reply.status_code == 302
        client.logout()

        page = client.get(author_url).content.decode()
        assert "Heard by Max Manager" in page and "Your manager" in page
        assert "ShownMessage" not in page and "alert-info" not in page.split("<main")[0]
        assert "Let us plan it together." in page and "Max Manager" in page
        assert client.post(author_url, {"action": "reply", "body": "Which day?"}).status_code == 302
        mine = Message.objects.get(role=Message.Role.AUTHOR)
        # Its only time is the batch: 15:00 in Berlin, never 11:00 when it was written.
        assert mine.at == MONDAY_15
        page = client.get(author_url).content.decode()
        assert "Delivered to your manager on 2 Mar 2026, 15:00." in page

        html = _staff_page(client, manager, password, org.engineering)
        assert "Which day?" not in html
    with time_machine.travel(MONDAY_15 - dt.timedelta(seconds=1), tick=False):
        assert messages_deliver() == 0
        assert "Which day?" not in _staff_page(client, manager, password, org.engineering)
    with time_machine.travel(MONDAY_15, tick=False):
        # At the batch the message is rewritten under a new key, then staff see it.
        assert "Which day?" not in _staff_page(client, manager, password, org.engineering)
        assert messages_deliver() == 1 and messages_deliver() == 0
        delivered = Message.objects.get(role=Message.Role.AUTHOR)
        assert delivered.pk != mine.pk and delivered.at == MONDAY_15 and delivered.seq == 1
        mine = delivered
        html = _staff_page(client, manager, password, org.engineering)
        assert "Which day?" in html and "The author" in html
        # HR sees the same thread where HR sees the comment, and can hide a message.
        html = _staff_page(client, hr_admin, password, org.engineering)
        assert "Which day?" in html and "Hide message" in html
        hide = client.post(
            _thread_url("message-hide", org.engineering, thread, mine.pk),
            {"reason": "Names a colleague"},
        )
        assert hide.status_code == 302
        entry = LogEntry.objects.filter(additional_data__event="conversation_message_hidden").get()
        assert entry.actor == hr_admin and str(thread.pk) in str(entry.additional_data)
        client.logout()
        page = client.get(author_url).content.decode()
        assert "Hidden by HR: Names a colleague" in page and "Which day?" not in page


def test_staff_reach_a_thread_only_where_its_comment_is_shown(
    client, conversation, org, manager, outsider, hr_admin
):
    thread = Thread.objects.get()
    client.force_login(outsider)  # manages Sales: not Engineering
    assert (
        client.post(_thread_url("thread-reply", org.engineering, thread), {"body": "x"}).status_code
        == 404
    )
    client.force_login(hr_admin)
    # Platform's own page shows no comment (Engineering minus Platform would be four): no thread.
    assert (
        client.post(_thread_url("thread-reply", org.platform, thread), {"body": "x"}).status_code
        == 404
    )
    client.force_login(manager)
    hide = client.post(
        _thread_url("message-hide", org.engineering, thread, thread.pk), {"reason": "x"}
    )
    assert hide.status_code == 404  # managers do not moderate
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "body,status",
    [("", 400), ("   \n ", 400), ("x" * 2001, 400), ("nul\x00", 400)],
)
def test_bad_messages_change_nothing(client, conversation, org, manager, body, status):
    thread = Thread.objects.get()
    client.force_login(manager)
    refused = client.post(_thread_url("thread-reply", org.engineering, thread), {"body": body})
    assert refused.status_code == status
    client.logout()
    page = client.post(f"/t/{conversation['secret']}/", {"action": "reply", "body": body})
    assert page.status_code == status
    assert not Message.objects.exists()


def test_closing_stops_replies_and_the_authors_close_revokes_the_link(
    client, conversation, org, manager
):
    thread = Thread.objects.get()
    client.force_login(manager)
    assert client.post(_thread_url("thread-close", org.engineering, thread)).status_code == 302
    refused = client.post(_thread_url("thread-reply", org.engineering, thread), {"body": "late"})
    assert refused.status_code == 409
    client.logout()
    url = f"/t/{conversation['secret']}/"
    assert client.post(url, {"action": "reply", "body": "late"}).status_code == 409
    assert "This conversation is closed" in client.get(url).content.decode()
    assert client.post(url, {"action": "close"}).status_code == 200
    gone = client.get(url)
    mistyped = client.get(f"/t/{conversation['secret'][:-1]}x/")
    assert gone.status_code == mistyped.status_code == 404
    assert _page_text(gone) == _page_text(mistyped)
    assert not Message.objects.exists() and Thread.objects.get().secret_hash == ""


def test_the_author_page_is_rate_limited(client, settings, conversation, limits_fresh):
    settings.RELHEALTH_CONVERSATION_RATE_PER_IP = "3/m"
    codes = [client.get(f"/t/guess{i}/").status_code for i in range(4)]
    assert codes == [404, 404, 404, 429]


def test_the_author_page_never_sees_who_is_signed_in(client, conversation, employee):
    """A signed-in person visiting a conversation is served as nobody: no session refresh, no
    audit row for a refusal, nothing that pairs them with the thread."""
    client.force_login(employee)
    audited = LogEntry.objects.count()
    page = client.get(f"/t/{conversation['secret']}/")
    assert page.status_code == 200 and "Emma Employee" not in page.content.decode()
    assert client.get("/t/not-a-secret/").status_code == 404
    assert LogEntry.objects.count() == audited


def test_secrets_are_redacted_from_logs(caplog):
    assert redact_checkin_tokens("Not Found: /t/abcDEF_123-x/") == "Not Found: /t/[redacted]/"
    with caplog.at_level(logging.WARNING):
        logging.getLogger("django.request").warning("Not Found: /t/abc/")


def test_the_status_answers_the_secret_alone(client, conversation, employee):
    """The home page's script asks /t/<secret>/status/ without cookies; the server answers from
    the secret alone, the same 404 for a mistyped or revoked one, and never reads a session
    sent along (the middleware drops it, so no session row is touched)."""
    secret = conversation["secret"]
    url = f"/t/{secret}/status/"
    assert client.get(url).json() == {"replies": 0, "heard": False, "closed": False}
    thread = Thread.objects.get()
    thread_heard(thread=thread, signature="Max Manager")
    message_post(thread=thread, role="manager", body="Noted", signature="Max Manager")
    message_post(thread=thread, role="author", body="Thanks")  # the author's own: not a reply
    client.force_login(employee)
    answered = client.get(url)
    assert answered.json() == {"replies": 1, "heard": True, "closed": False}
    assert answered["Cache-Control"].startswith("max-age=0") and "Set-Cookie" not in answered
    assert client.post(url).status_code == 405
    mistyped = client.get(f"/t/{secret[:-1]}x/status/")
    client.post(f"/t/{secret}/", {"action": "close"})
    revoked = client.get(url)
    assert mistyped.status_code == revoked.status_code == 404
    assert mistyped.content == revoked.content


# --- the invitation's "answered" line (ADR 0037) ------------------------------------------

ANSWERED = re.compile(r"answered (\d+) comments? from your team")


def test_everyone_in_the_group_reads_the_same_answered_line(conversation, survey, org):
    """Engineering's page shows its 16 comments (Platform's and Payments' alone show none): every
    invitee of Engineering's subtree reads the same count of threads answered (a staff reply or
    "heard", once per thread, never an author's message) between the two openings; a group
    whose page shows no comment reads nothing, and the ledger row names no thread."""
    thread = Thread.objects.get()
    spare = Response.objects.exclude(comment="").filter(thread__isnull=True).order_by("pk")[:3]
    others = [Thread.objects.create(response=r, secret_hash=secret_hash(str(r.pk))) for r in spare]
    inside = dt.datetime(2026, 2, 27, 10, 0, tzinfo=dt.UTC)  # between the two openings
    next_open = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    thread_heard(thread=thread, signature="Max Manager", now=inside)
    for role in ("manager", "hr"):  # two replies on one thread: one answered comment
        message_post(thread=others[0], role=role, body="Noted", signature="Max", now=inside)
    message_post(thread=others[1], role="author", body="Still here", now=inside)
    message_post(  # after the opening: it counts for the invitation after this one
        thread=others[2], role="manager", body="Late", signature="Max",
        now=next_open + dt.timedelta(hours=1),
    )  # fmt: skip
    elsewhere = TeamFactory(name="Elsewhere")
    lone = PersonFactory(team=elsewhere)
    survey.audience.set([org.engineering, elsewhere])
    with time_machine.travel(next_open, tick=False):
        nxt = round_open(survey=survey)
    rows = OutboundEmail.objects.filter(round=nxt, kind=OutboundEmail.Kind.INVITATION)
    lines, html_lines, counts = {}, {}, {}
    for email in rows.select_related("recipient", "participation__round__survey"):
        message = RENDERERS[email.kind](email)
        html = message.alternatives[0][0]
        lines[email.recipient] = ANSWERED.findall(message.body)
        html_lines[email.recipient] = ANSWERED.findall(html)
        counts[email.recipient] = invitation_answered_get(email.recipient, nxt)["answered_count"]
    engineering = {p for p in lines if p.team_id in {org.platform.pk, org.payments.pk}}
    assert len(engineering) == 16 and lone in lines
    assert {tuple(lines[p]) for p in engineering} == {("2",)}
    assert {tuple(html_lines[p]) for p in engineering} == {("2",)}
    assert {counts[p] for p in engineering} == {2}
    assert lines[lone] == html_lines[lone] == [] and counts[lone] is None
    # Platform's own page shows no comment: no count of its own, whatever was answered there.
    assert team_answered_count_get(team=org.platform, since=inside, until=next_open) is None
    # The ledger row is the person's: nothing in it points at a thread or a message.
    related = {f.related_model for f in OutboundEmail._meta.get_fields() if f.is_relation}
    assert not related & {Thread, Message}
    # A reminder goes without the line (it adds nothing to the invitation).
    reminder = OutboundEmail.objects.filter(round=nxt, kind=OutboundEmail.Kind.REMINDER).first()
    if reminder is not None:
        assert ANSWERED.findall(RENDERERS[reminder.kind](reminder).body) == []


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_the_answered_line_reads_in_every_shipped_language(conversation, survey, org, language):
    thread_heard(
        thread=Thread.objects.get(),
        signature="Max Manager",
        now=dt.datetime(2026, 2, 27, 10, 0, tzinfo=dt.UTC),
    )
    Person.objects.filter(team=org.platform).update(language=language)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        nxt = round_open(survey=survey)
    email = OutboundEmail.objects.filter(
        round=nxt, kind=OutboundEmail.Kind.INVITATION, recipient__team=org.platform
    ).first()
    message = RENDERERS[email.kind](email)
    singular = (
        "Since the last check-in, your manager or HR answered %(counter)s comment from your team."
    )
    plural = (
        "Since the last check-in, your manager or HR answered %(counter)s comments from your team."
    )
    with translation.override(language):
        expected = ngettext(singular, plural, 1) % {"counter": 1}
    assert (expected == singular % {"counter": 1}) is (language == "en")
    assert expected in message.body and expected in html_unescape(message.alternatives[0][0])


# --- batches, retention -------------------------------------------------------------------


@pytest.mark.parametrize(
    "now,expected",
    [
        # Monday 08:59 Berlin (winter, UTC+1) -> 09:00 the same day.
        (
            dt.datetime(2026, 3, 2, 7, 59, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC),
        ),
        # Exactly at a batch: the next one (never "at once").
        (
            dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC),
        ),
        # Friday 16:00 Berlin -> Monday 09:00.
        (
            dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC),
        ),
        # Across the clock change (29 March): Friday 27th evening -> Monday 30th 09:00 CEST.
        (
            dt.datetime(2026, 3, 27, 18, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC),
        ),
    ],
)
def test_batch_times_are_fixed_local_hours_of_working_days(settings, now, expected):
    settings.RELHEALTH_CONVERSATION_TIME_ZONE = BERLIN
    settings.RELHEALTH_CONVERSATION_BATCH_HOURS = (9, 15)
    settings.RELHEALTH_WORKING_WEEKDAYS = (0, 1, 2, 3, 4)
    assert batch_time_next(now=now) == expected


@pytest.mark.parametrize(
    "holidays,expected",
    [
        # Thursday 2 April 2026, 16:00 in Berlin: Good Friday and Easter Monday are public
        # holidays in Germany, so the next batch is Tuesday 7 April, 09:00 (CEST).
        ("auto", dt.datetime(2026, 4, 7, 7, 0, tzinfo=dt.UTC)),
        ("DE-BY", dt.datetime(2026, 4, 7, 7, 0, tzinfo=dt.UTC)),
        # No calendar: Friday 3 April, 09:00.
        ("none", dt.datetime(2026, 4, 3, 7, 0, tzinfo=dt.UTC)),
    ],
)
def test_batches_skip_the_organisations_public_holidays(settings, holidays, expected):
    settings.RELHEALTH_CONVERSATION_TIME_ZONE = BERLIN
    settings.RELHEALTH_CONVERSATION_BATCH_HOURS = (9, 15)
    settings.RELHEALTH_WORKING_WEEKDAYS = (0, 1, 2, 3, 4)
    settings.RELHEALTH_HOLIDAYS = holidays
    thursday_16 = dt.datetime(2026, 4, 2, 14, 0, tzinfo=dt.UTC)
    with time_machine.travel(thursday_16, tick=False):
        assert batch_time_next(now=thursday_16) == expected


def test_purging_old_threads_and_retention(conversation):
    rnd = conversation["round"]
    thread = Thread.objects.get()
    message_post(thread=thread, role="manager", body="Noted", signature="Max Manager")
    assert threads_purge(now=rnd.closes_at + dt.timedelta(days=20), months=1) == 0
    assert threads_purge(now=rnd.closes_at + dt.timedelta(days=40), months=1) == 1
    assert not Message.objects.exists()
    assert Response.objects.filter(comment="Deadlines are unrealistic").exists()
    with pytest.raises(ConversationError):
        threads_purge(months=0)


def test_purge_command(conversation):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("purge_conversations", "--months", "0")
    call_command("purge_conversations", "--months", "1")
    assert not Thread.objects.exists()


# --- the API --------------------------------------------------------------------------------


def test_the_api_reads_and_answers_threads_by_the_pages_rules(
    client, conversation, org, manager, outsider, employee
):
    thread = Thread.objects.get()
    client.force_login(manager)
    listed = client.get(f"/api/v1/teams/{org.engineering.pk}/threads/")
    assert listed.status_code == 200
    assert [(t["id"], t["comment"]) for t in listed.json()["results"]] == [
        (str(thread.pk), "Deadlines are unrealistic")
    ]
    # Platform's page shows no comment, so no thread either.
    assert client.get(f"/api/v1/teams/{org.platform.pk}/threads/").json()["results"] == []
    url = f"/api/v1/teams/{org.engineering.pk}/threads/{thread.pk}/messages/"
    for body, code in [("", 400), ("x" * 2001, 400), ({"nested": 1}, 400)]:
        bad = client.post(url, {"body": body}, content_type="application/json")
        assert bad.status_code == code
    assert not Message.objects.exists()
    made = client.post(url, {"body": "Thanks, noted."}, content_type="application/json")
    assert made.status_code == 201 and made.json()["signature"] == "Max Manager"
    assert made.json()["role"] == "manager"
    wrong_team = f"/api/v1/teams/{org.platform.pk}/threads/{thread.pk}/messages/"
    client.force_login(outsider)
    assert client.post(url, {"body": "x"}, content_type="application/json").status_code == 404
    client.force_login(employee)
    assert client.post(url, {"body": "x"}, content_type="application/json").status_code == 403
    assert client.get(wrong_team).status_code in {403, 405}
    client.force_login(manager)
    client.post(reverse("culture:thread-close", args=[org.engineering.pk, thread.pk]))
    closed = client.post(url, {"body": "late"}, content_type="application/json")
    assert closed.status_code == 409 and Message.objects.count() == 1


def test_the_api_hides_and_closes_by_the_pages_rules(
    client, conversation, org, manager, hr_admin, outsider
):
    """HR hides a message with a reason (audited against the thread) and either role closes,
    through the same services as the pages: bad input and a second try change nothing."""
    thread = Thread.objects.get()
    base = f"/api/v1/teams/{org.engineering.pk}/threads/{thread.pk}/"
    mine = message_post(thread=thread, role="manager", body="Noted", signature="Max Manager")
    hide = f"{base}messages/{mine.pk}/hide/"
    client.force_login(manager)
    assert client.post(hide, {"reason": "x"}, content_type="application/json").status_code == 403
    heard = client.post(f"{base}heard/")
    assert heard.status_code == 200 and heard.json()["heard_by"] == "Max Manager"
    assert [m["id"] for m in heard.json()["messages"]] == [str(mine.pk)]
    client.force_login(outsider)
    assert client.post(f"{base}close/").status_code == 404
    client.force_login(hr_admin)
    for reason in ["", "two\nlines", "x" * 501]:
        bad = client.post(hide, {"reason": reason}, content_type="application/json")
        assert bad.status_code == 400 and "reason" in bad.json()["fields"]
    missing = f"{base}messages/{thread.pk}/hide/"
    assert client.post(missing, {"reason": "x"}, content_type="application/json").status_code == 404
    assert not Message.objects.exclude(hidden_reason="").exists()
    audited = LogEntry.objects.filter(additional_data__event="conversation_message_hidden")
    assert not audited.exists()
    done = client.post(hide, {"reason": "Rule 3: no insults"}, content_type="application/json")
    assert done.status_code == 200
    assert (done.json()["body"], done.json()["hidden_reason"]) == (None, "Rule 3: no insults")
    entry = audited.get()
    assert entry.actor == hr_admin and entry.additional_data["thread"] == str(thread.pk)
    again = client.post(hide, {"reason": "twice"}, content_type="application/json")
    assert again.status_code == 409 and audited.count() == 1
    closed = client.post(f"{base}close/")
    assert closed.status_code == 200 and closed.json()["closed"] is True
    thread.refresh_from_db()
    assert thread.closed_by == Thread.Closer.HR and thread.secret_hash  # the author keeps the link
    assert client.post(f"{base}close/").status_code == 409


def test_comment_retention_takes_the_conversation_with_it(conversation):
    from checkins.services.retention import round_raw_data_purge

    thread = Thread.objects.get()
    message_post(thread=thread, role="manager", body="Noted", signature="Max Manager")
    purged = round_raw_data_purge(round=conversation["round"])
    assert purged.responses == 16  # Engineering's 16 check-ins; the thread is not counted
    assert not Thread.objects.exists() and not Message.objects.exists()


def test_before_the_reshuffle_staff_see_the_thread_but_cannot_act(
    client, settings, survey, org, manager
):
    survey.audience.set([org.engineering])
    rnd = round_open(survey=survey)
    platform = people_in(org.platform, 12, rnd)
    response_submit(
        participation=platform[0], answers=_answers(platform[0]), comment="Early", conversation=True
    )
    for i, p in enumerate(platform[1:]):
        answer_all(p, value=4, comment=f"platform remark {i}")
    close_and_roll_up(rnd)  # closed and decided, not reshuffled yet
    thread = Thread.objects.get()
    html = _staff_page(client, manager, "", org.engineering)
    assert f'id="thread-{thread.pk}"' in html and "/reply/" not in html and "/heard/" not in html
    refused = client.post(_thread_url("thread-reply", org.engineering, thread), {"body": "Hi"})
    assert refused.status_code == 409 and not Message.objects.exists()


def test_the_team_page_reads_threads_in_a_fixed_number_of_queries(conversation, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from culture.selectors import team_page_get

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = team_page_get(team=org.engineering)
        assert len([c for c in page.comments if c.thread]) == Thread.objects.count()
        return len(captured)

    one = queries()
    for response in Response.objects.exclude(comment="").filter(thread__isnull=True)[:5]:
        thread = Thread.objects.create(response=response, secret_hash=secret_hash(str(response.pk)))
        message_post(thread=thread, role="manager", body="Noted", signature="Max Manager")
    assert Thread.objects.count() == 6 and queries() == one
