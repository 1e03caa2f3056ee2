"""Collection models.

The anonymity promise lives in this schema: `Participation` knows who was asked and whether they
answered; `Response` and `Answer` hold what was said, with no column that leads back to a person
(no person key, no participation key, no timestamp finer than the round, random UUID keys).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from org.models import Team
from org.validators import MIN_GROUP_SIZE_FLOOR, validate_single_line


def translations_check(translations: object, *, max_length: int) -> None:
    """A {language: text} map of single-line labels, checked like the English one."""
    if not isinstance(translations, dict):
        raise ValidationError({"translations": _("Give the translations as {language: text}.")})
    for text in translations.values():
        if not isinstance(text, str) or len(text) > max_length:
            message = _("A translation is text of at most %(n)s characters.") % {"n": max_length}
            raise ValidationError({"translations": message})
        try:
            validate_single_line(text)
        except ValidationError as exc:
            raise ValidationError({"translations": exc.messages}) from None


class Dimension(models.Model):
    key = models.SlugField(unique=True)
    name = models.CharField(max_length=100, validators=[validate_single_line])
    translations = models.JSONField(default=dict, blank=True, help_text="{language: name}")
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_core = models.BooleanField(default=False)
    # HR marks the dimension the others are related to in the driver analysis (the eNPS
    # question is always an outcome where a round asks it).
    is_outcome = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        translations_check(self.translations, max_length=100)

    @property
    def label(self) -> str:
        return self.translations.get(get_language() or "en", self.name)


class Question(models.Model):
    """An item of the question bank. Its wording lives in versions, so trends survive rewording."""

    class Scale(models.TextChoices):
        AGREE5 = "agree5", _("Agreement, 5 points")
        AGREE7 = "agree7", _("Agreement, 7 points")
        ZERO_TEN = "zero_ten", _("0 to 10 (eNPS)")
        TEXT = "text", _("Open text")

    code = models.SlugField(unique=True, help_text="A stable identifier, e.g. belonging-1.")
    dimension = models.ForeignKey(
        Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    scale = models.CharField(max_length=10, choices=Scale.choices, default=Scale.AGREE5)
    reverse_scored = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(
        max_length=200, default="Relhealth default instrument", validators=[validate_single_line]
    )
    licence = models.CharField(
        max_length=200, default="CC BY 4.0", validators=[validate_single_line]
    )

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.code

    @property
    def scale_points(self) -> tuple[int, int]:
        return {
            self.Scale.AGREE5: (1, 5),
            self.Scale.AGREE7: (1, 7),
            self.Scale.ZERO_TEN: (0, 10),
        }.get(self.Scale(self.scale), (0, 0))

    @property
    def is_enps(self) -> bool:
        return self.scale == self.Scale.ZERO_TEN

    def current_version(self) -> QuestionVersion:
        return self.versions.order_by("-number").first()  # type: ignore[return-value]


class QuestionVersion(models.Model):
    """One wording of a question. Answers point here, so old answers keep the words they answered."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(max_length=500, validators=[validate_single_line])
    translations = models.JSONField(default=dict, blank=True, help_text="{language: wording}")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="question_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.question.code} v{self.number}"

    def clean(self) -> None:
        translations_check(self.translations, max_length=500)

    def text_in(self, language: str | None = None) -> str:
        language = language or get_language() or "en"
        return self.translations.get(language) or self.text


class Survey(models.Model):
    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        EVERY_N_WEEKS = "every_n_weeks", _("Every N weeks")
        MONTHLY = "monthly", _("Monthly")

    name = models.CharField(max_length=200, validators=[validate_single_line])
    audience = models.ManyToManyField(
        Team, blank=True, help_text="Team subtrees asked; empty means everyone."
    )
    questions = models.ManyToManyField(Question, blank=True, related_name="surveys")
    cadence = models.CharField(max_length=20, choices=Cadence.choices, default=Cadence.WEEKLY)
    interval_weeks = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    weekday = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(6)], help_text="0 = Monday"
    )
    send_time = models.TimeField(default="09:00")
    window_days = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    questions_per_round = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    enps_every_n_rounds = models.PositiveSmallIntegerField(
        default=4, help_text="Ask the eNPS item every N rounds; 0 never."
    )
    is_active = models.BooleanField(default=True)
    next_round_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    period_start = models.DateField(help_text="The first day of the week the round belongs to.")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(db_index=True)
    # Frozen when the round opens, so nobody can lower the threshold to expose a closed round.
    min_group_size = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR)]
    )
    question_versions = models.ManyToManyField(QuestionVersion, through="RoundQuestion")
    # Set once the closed round's responses were rewritten in random order (promise A6).
    responses_shuffled = models.BooleanField(default=False)
    # Set when the round closed: its team tree is frozen (`RoundTeam`, A3) and who answered is
    # forgotten (A6); `tree_roots` are that tree's root teams (the organisation's figure).
    tree_frozen = models.BooleanField(default=False)
    tree_roots = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="round_unique_number"),
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=MIN_GROUP_SIZE_FLOOR),
                name="round_min_group_size_at_least_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} #{self.number} ({self.period_start:%d %b %Y})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class RoundQuestion(models.Model):
    """The questions of a round: the same set, in the same order, for everyone in it."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE)
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "question_version"], name="round_question_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"round {self.round_id} question {self.position}"


class RoundTeam(models.Model):
    """One team of the tree a closed round is rolled up and decided on (promise A3).

    Frozen when the round closes: the tree of the earlier rounds of its fixed window, plus any team
    created since, so moves, merges and splits shape later windows only and a released figure
    never changes. Plain ids (no foreign keys): the frozen history outlives a deleted team.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="frozen_teams")
    team_id = models.PositiveIntegerField()
    parent_id = models.PositiveIntegerField(null=True, blank=True)
    path = models.CharField(max_length=1000, help_text="Ids from the frozen root: /1/4/9/")
    # False when the round's invitee groups cut across this team's subtree (some of its people
    # counted in a group outside it, or people from outside in its group): it has no figure of
    # its own that round (A6, `checkins.services.tree.groups_label`).
    whole = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "team_id"], name="round_team_unique"),
        ]
        indexes = [
            models.Index(fields=["round", "path"]),
            models.Index(fields=["team_id", "round"]),
        ]

    def __str__(self) -> str:
        return f"round {self.round_id} team {self.team_id}"


class Participation(models.Model):
    """Who was invited to a round and, while it is open, whether they answered. Never joined to
    a response.

    When the round closes `team` becomes the invitee's *group* (a team whose group reaches k
    invitees, see `checkins.services.tree`) and `responded` is forgotten (None): after the close
    nothing stored pairs a person with an answer more finely than k invitees (A6, A7).
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    # sha256 of the check-in link's token; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    responded = models.BooleanField(default=False, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "round"], name="participation_unique"),
        ]

    def __str__(self) -> str:
        return f"participation {self.pk}"


class Response(models.Model):
    """What one person said in one round, with no way back to them (promise A6)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="responses")
    # The respondent's team when the round opened, so later moves do not rewrite history; from
    # the close on, their group of at least k invitees (see Participation).
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        indexes = [models.Index(fields=["round", "team"])]

    def __str__(self) -> str:
        return f"response {self.id}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT)
    value = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_version"], name="answer_unique_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"answer {self.id}"


class OutboundEmail(models.Model):
    """The email ledger: a row per message, with a unique key, written before anything is sent.

    The body is rendered at send time, so check-in tokens are never stored.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        DIGEST = "digest", _("Digest")
        ALERT = "alert", _("Alert")
        SIGN_IN_INVITATION = "sign_in_invite", _("Sign-in invitation")
        PASSWORD_RESET = "password_reset", _("Password reset")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    participation = models.ForeignKey(
        Participation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The round an invitation, reminder or digest is about; the renderer reads figures from it.
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Not before this instant (UTC), computed from the recipient's time zone when the row is
    # written; the sender takes only due rows, so no task ever waits with an ETA.
    send_after = models.DateTimeField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why the last failed attempt failed ("550 5.1.1 User unknown", a template error); empty
    # while nothing failed (services/emails.py: retries and when a row is failed for good).
    last_error = models.CharField(max_length=500, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class Thread(models.Model):
    """A private conversation about one comment (ADR 0031).

    It hangs on the response that holds the comment and on nothing else: no person, no
    participation, no time. The author holds the only key, a long random secret of which just the
    sha256 is stored here. The closing reshuffle rewrites threads with their responses (A6), so a
    thread is never easier to pair with a person than the comment it belongs to.
    """

    class Closer(models.TextChoices):
        OPEN = "", _("Open")
        AUTHOR = "author", _("The author")
        MANAGER = "manager", _("The manager")
        HR = "hr", _("HR")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="thread")
    # sha256 of the author's secret; blank once the author closed the thread (the link is gone).
    secret_hash = models.CharField(max_length=64, blank=True, db_index=True)
    closed_by = models.CharField(max_length=10, choices=Closer.choices, blank=True, default="")
    # "Heard": who acknowledged the comment (a manager's or HR's name, never the author's) and
    # when, to the minute, as a staff message is timed: a staff act, which says nothing of the
    # author (it counts towards the invitation's "answered" line, ADR 0037).
    heard_by = models.CharField(max_length=200, blank=True, default="")
    heard_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"thread {self.id}"

    @property
    def is_closed(self) -> bool:
        return bool(self.closed_by)


class Message(models.Model):
    """One message of a thread. An author's message carries the delivery batch as its only time."""

    class Role(models.TextChoices):
        AUTHOR = "author", _("The author")
        MANAGER = "manager", _("Manager")
        HR = "hr", _("HR")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    body = models.TextField(max_length=2000)
    # The manager's or HR's name at the time of writing; blank for the author.
    signature = models.CharField(max_length=200, blank=True, default="")
    # Author: the batch time it is delivered at. Manager and HR: when it was written, to the minute.
    at = models.DateTimeField()
    # Order among the same role's messages of the thread only (never across roles or threads).
    seq = models.PositiveIntegerField()
    hidden_reason = models.CharField(max_length=500, blank=True, default="")
    # An author's message is rewritten at its batch, in random order with the batch's others and
    # under a new key (`messages_deliver`); staff see it only then. Staff messages start True.
    delivered = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "role", "seq"], name="message_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"message {self.id}"
