"""Pre-computed roll-ups: dashboards read these and never scan raw answers.

Each row holds n, the sum and the sum of squares (and favourable counts), so means, confidence
intervals and Welch's test come from a handful of numbers, and sub-teams add up.
`includes_subteams` tells a team's own members (False) from its whole subtree (True).
"""

from django.db import models

from checkins.models import Dimension, QuestionVersion, Round, Survey
from org.models import Team
from org.validators import validate_single_line


class RollupBase(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    includes_subteams = models.BooleanField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        scope = "subtree" if self.includes_subteams else "team"
        return f"{type(self).__name__} round={self.round_id} team={self.team_id} ({scope})"


class DimensionRollup(RollupBase):
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    n = models.PositiveIntegerField(help_text="Respondents with at least one scored answer.")
    total = models.FloatField(help_text="Sum of respondents' 0-100 scores.")
    total_sq = models.FloatField()
    favourable = models.PositiveIntegerField(help_text="Answers in the top of the scale.")
    answered = models.PositiveIntegerField(help_text="Scored answers.")
    # A2b: respondents who answered every item of the dimension asked in the round. The others
    # (n - complete) shape the dimension figure differently from its items' figures, so the
    # anonymity engine decides on both groups too.
    complete = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "team", "includes_subteams", "dimension"],
                name="dimension_rollup_unique",
            ),
        ]
        indexes = [models.Index(fields=["team", "includes_subteams", "round"])]


class QuestionRollup(RollupBase):
    question_version = models.ForeignKey(
        QuestionVersion, on_delete=models.CASCADE, related_name="+"
    )
    n = models.PositiveIntegerField()
    total = models.FloatField(help_text="Sum of raw values (before reverse-scoring).")
    total_sq = models.FloatField()
    favourable = models.PositiveIntegerField(help_text="After reverse-scoring.")
    counts = models.JSONField(default=dict, help_text="{value: answers}")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "team", "includes_subteams", "question_version"],
                name="question_rollup_unique",
            ),
        ]
        indexes = [models.Index(fields=["team", "includes_subteams", "round"])]


class ParticipationRollup(RollupBase):
    invited = models.PositiveIntegerField()
    responded = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "team", "includes_subteams"], name="participation_rollup_unique"
            ),
        ]
        indexes = [models.Index(fields=["team", "includes_subteams", "round"])]


class DriverRollup(RollupBase):
    """Sums of products for the driver analysis: over the respondents who have a score for the
    driver dimension (x, 0-100) and for the outcome (y: a dimension marked as the outcome, 0-100,
    or the eNPS answer, 0-10, when `outcome` is empty). Pearson's r comes from these six numbers,
    and they add across teams and rounds like the other roll-ups (ADR 0032)."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    outcome = models.ForeignKey(
        Dimension, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    n = models.PositiveIntegerField(help_text="Respondents with both scores.")
    sum_x = models.FloatField()
    sum_y = models.FloatField()
    sum_xx = models.FloatField()
    sum_yy = models.FloatField()
    sum_xy = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "team", "includes_subteams", "dimension", "outcome"],
                name="driver_rollup_unique",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["team", "includes_subteams", "round"])]


class RoundRollupState(models.Model):
    """Marks a closed round whose roll-ups are computed; its figures are visible from then on."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField(auto_now_add=True)
    respondents = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"roll-up of round {self.round_id}"


class WindowDecision(models.Model):
    """The anonymity engine's decision for one fixed window of a survey's rounds (A1-A4), stored
    once its roll-ups exist so pages read it instead of re-deciding per request (ADR 0014).

    It is valid only for the exact roll-ups and team tree it was computed from: `rounds` lists
    [round id, roll-up state id] of the window's rolled-up rounds and `tree` fingerprints the team
    tree; the score book recomputes the window when either differs.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    window = models.PositiveIntegerField(help_text="(round number - 1) // 4")
    rounds = models.JSONField(default=list)
    tree = models.CharField(max_length=64)
    complete = models.BooleanField(default=False)
    # {"d<dimension id>" or "q<question version id>": [round ids that asked it]}
    measures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "window"], name="window_decision_unique"),
        ]

    def __str__(self) -> str:
        return f"decision survey={self.survey_id} window={self.window}"


class NodeDecision(models.Model):
    """What may be shown of one team's subtree (node 0: the organisation) in one window.

    `shown` = {"w": {measure: [round ids shown weekly]}, "p": [measures pooled over the window],
    "part": [round ids with participation], "com": [round ids with comments], "grp": [round ids
    whose invitees of this team were counted in a larger group (A6)], "small": true when
    the team is shown only as whole-window figures}. A node with nothing visible and not small has
    no row: absence means hidden.
    """

    decision = models.ForeignKey(WindowDecision, on_delete=models.CASCADE, related_name="nodes")
    node = models.PositiveIntegerField(help_text="Team id; 0 for the whole organisation.")
    shown = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision", "node"], name="node_decision_unique"),
        ]
        indexes = [models.Index(fields=["node", "decision"])]

    def __str__(self) -> str:
        return f"decision {self.decision_id} node={self.node}"


class DimensionReliability(models.Model):
    """Per-round sums for Cronbach's alpha of one dimension over the whole organisation.

    For the respondents who answered every item of the dimension in the round (listwise): n, and
    per item i the sum of scored answers and per item pair i<=j the sum of products, so item
    covariances and the total's variance follow without raw answers. Organisation-wide only.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    n = models.PositiveIntegerField()
    items = models.JSONField(default=list, help_text="Question version ids, in matrix order.")
    sums = models.JSONField(default=list)
    products = models.JSONField(default=list, help_text="Square matrix of sums of products.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "dimension"], name="dimension_reliability_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"reliability round={self.round_id} dimension={self.dimension_id}"


class TeamRoundSummary(models.Model):
    """The trend summary of a team's subtree for one closed round, written after the roll-ups.

    Every figure here already passed the anonymity rules of `culture.selectors` when it was
    computed: a hidden cell leaves its figure out (None), never a number.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    invited = models.PositiveIntegerField(null=True, blank=True)
    responded = models.PositiveIntegerField(null=True, blank=True)
    low_participation = models.BooleanField(default=False)
    # [{"dimension": id, "name": str, "score": float, "previous": float|None, "delta": float|None,
    #   "p_value": float|None, "real": bool}] for the dimensions visible this round.
    dimensions = models.JSONField(default=list)
    real_drop = models.BooleanField(default=False)
    # Why no dimension has a figure, when none has (a culture.visibility.HiddenReason): the
    # digest then says the true reason, e.g. that the team protects a smaller one (ADR 0034).
    hidden_reason = models.CharField(max_length=32, blank=True, default="")
    strongest = models.ForeignKey(
        Dimension, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weakest = models.ForeignKey(
        Dimension, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "team"], name="team_round_summary_unique"),
        ]

    def __str__(self) -> str:
        return f"summary round={self.round_id} team={self.team_id}"

    @property
    def participation_rate(self) -> float | None:
        if not self.invited or self.responded is None:
            return None
        return round(100.0 * self.responded / self.invited, 1)


class RoundSummaryState(models.Model):
    """Marks a round whose summaries are written and whose digests are queued."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"summaries of round {self.round_id}"


class FocusArea(models.Model):
    """A dimension a manager chose to work on with a team, and where it stood at the time."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    chosen_by = models.ForeignKey(
        "org.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A figure the team page already showed when the focus was set (never a hidden one).
    baseline_score = models.FloatField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "dimension"],
                condition=models.Q(is_active=True),
                name="focus_area_one_active_per_dimension",
            ),
        ]

    def __str__(self) -> str:
        return f"focus on {self.dimension_id} for team {self.team_id}"


class FocusAction(models.Model):
    focus = models.ForeignKey(FocusArea, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300, validators=[validate_single_line])
    follow_up_on = models.DateField()
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["done", "follow_up_on", "pk"]

    def __str__(self) -> str:
        return self.text


class CommentTheme(models.Model):
    """One theme of a slice's comments in one round (`culture.themes`), found by the worker after
    the close for every slice whose comments are shown (A4), with at least k comments. It goes
    with the raw comments at retention. `node` is a team's subtree (0: the organisation)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    node = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField()
    words = models.JSONField(default=list, help_text="Its characteristic words, strongest first.")
    responses = models.JSONField(
        default=list,
        help_text="The sha256 of each comment it groups (`comment_digest`): responses get new "
        "keys at the reshuffle, their texts stay.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "node", "position"], name="comment_theme_unique"
            ),
        ]
        indexes = [models.Index(fields=["node", "round"])]

    def __str__(self) -> str:
        return f"theme {self.position} of node {self.node} in round {self.round_id}"

    @property
    def comments(self) -> list[str]:
        return list(self.responses)
