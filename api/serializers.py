"""Request and response shapes. Writes go through the apps' services, never `Model.save` here."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from api import fields as f
from checkins.models import Dimension, Question, QuestionVersion, Round, Survey
from culture.visibility import ChangeVerdict, HiddenReason
from org.models import Person, Team
from org.validators import validate_single_line


class TeamSerializer(f.StrictModelSerializer):
    parent = f.PrimaryKeyRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    managers = f.PrimaryKeyRelatedField(many=True, read_only=True)
    name = f.CharField(max_length=120, validators=[validate_single_line])

    class Meta:
        model = Team
        fields = ["id", "name", "parent", "path", "depth", "managers"]
        read_only_fields = ["path", "depth"]
        # DRF would turn the one-name-per-parent constraint into a validator that makes `parent`
        # required; the service checks the constraint (a taken name is a 409, by field).
        validators: list = []


class TeamTreeNodeSerializer(serializers.Serializer):
    """A team of the tree with its visible sub-teams (the same shape, to any depth)."""

    id = f.IntegerField()
    name = f.CharField()

    def get_fields(self):
        fields = super().get_fields()
        fields["children"] = TeamTreeNodeSerializer(many=True)
        return fields


class PersonSerializer(f.StrictModelSerializer):
    team = f.PrimaryKeyRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    managed_teams = f.PrimaryKeyRelatedField(queryset=Team.objects.all(), many=True, required=False)
    name = f.CharField(max_length=200, validators=[validate_single_line])
    language = f.ChoiceField(choices=settings.LANGUAGES, required=False)

    class Meta:
        model = Person
        fields = [
            "id", "email", "name", "team", "role", "time_zone", "language", "is_active",
            "managed_teams", "date_joined",
        ]  # fmt: skip
        read_only_fields = ["date_joined"]
        # Uniqueness is the service's business (it lower-cases first); it reports it by field.
        extra_kwargs: dict[str, dict] = {"email": {"validators": []}}


class BulkPersonSerializer(serializers.Serializer):
    email = f.EmailField(max_length=254)
    name = f.CharField(max_length=200, validators=[validate_single_line])
    team = f.CharField(
        max_length=1000,
        validators=[validate_single_line],
        help_text="A team path, e.g. Engineering/SRE",
    )
    role = f.ChoiceField(choices=Person.Role.choices, required=False)
    time_zone = f.CharField(max_length=64, required=False, validators=[validate_single_line])
    language = f.ChoiceField(choices=settings.LANGUAGES, required=False)
    manages = serializers.ListField(
        child=f.CharField(max_length=1000, validators=[validate_single_line]),
        required=False,
        allow_null=True,
        help_text="Team paths this person leads; leave out to keep what they lead.",
    )
    active = f.BooleanField(required=False, allow_null=True, default=None)

    def validate_manages(self, value: list[str] | None) -> list[str] | None:
        if value and any("|" in path for path in value):
            raise serializers.ValidationError("A team path cannot contain “|”.")
        return value


class PeopleBulkSerializer(serializers.Serializer):
    people = BulkPersonSerializer(many=True, allow_empty=False, max_length=10000)
    full_sync = f.BooleanField(
        default=False, help_text="Deactivate active people missing from the list."
    )
    force = f.BooleanField(
        default=False, help_text="Allow a full sync to deactivate more than 40 % of people."
    )
    dry_run = f.BooleanField(default=False, help_text="Report, then roll back.")


class PeopleBulkResultSerializer(serializers.Serializer):
    applied = f.BooleanField()
    dry_run = f.BooleanField()
    created = serializers.ListField(child=f.EmailField())
    updated = serializers.ListField(child=f.EmailField())
    unchanged = f.IntegerField()
    deactivated = serializers.ListField(child=f.EmailField())
    teams_created = serializers.ListField(child=f.CharField())


class DimensionSerializer(f.StrictModelSerializer):
    name_de = f.CharField(
        max_length=100,
        write_only=True,
        required=False,
        allow_blank=True,
        validators=[validate_single_line],
    )

    class Meta:
        model = Dimension
        fields = ["id", "key", "name", "name_de", "translations", "description", "position",
                  "is_core"]  # fmt: skip
        read_only_fields = ["translations", "position", "is_core"]
        extra_kwargs: dict[str, dict] = {"key": {"validators": []}}


class QuestionVersionSerializer(f.StrictModelSerializer):
    class Meta:
        model = QuestionVersion
        fields = ["id", "number", "text", "translations", "created_at"]


class QuestionSerializer(f.StrictModelSerializer):
    text = f.CharField(
        max_length=500,
        write_only=True,
        help_text="The wording; a new version if answered.",
        validators=[validate_single_line],
    )
    translations = serializers.DictField(
        child=f.CharField(max_length=500, allow_blank=True, validators=[validate_single_line]),
        write_only=True,
        required=False,
    )
    dimension = f.PrimaryKeyRelatedField(
        queryset=Dimension.objects.all(), allow_null=True, required=False
    )
    versions = QuestionVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = [
            "id", "code", "dimension", "scale", "reverse_scored", "is_active", "position",
            "source", "licence", "text", "translations", "versions",
        ]  # fmt: skip
        extra_kwargs: dict[str, dict] = {"code": {"validators": []}}

    def validate_translations(self, value: dict[str, str]) -> dict[str, str]:
        languages = {code for code, _ in settings.LANGUAGES}
        unknown = sorted(set(value) - languages)
        if unknown:
            raise serializers.ValidationError(f"Unknown language {unknown[0]}.")
        return value


class QuestionUpdateSerializer(QuestionSerializer):
    """Scale, reverse-scoring, dimension and code are fixed once a question exists."""

    class Meta(QuestionSerializer.Meta):
        read_only_fields = ["code", "dimension", "scale", "reverse_scored", "position"]


class SurveySerializer(f.StrictModelSerializer):
    audience = f.PrimaryKeyRelatedField(queryset=Team.objects.all(), many=True, required=False)
    questions = f.PrimaryKeyRelatedField(queryset=Question.objects.all(), many=True, required=False)
    name = f.CharField(max_length=200, validators=[validate_single_line])

    class Meta:
        model = Survey
        fields = [
            "id", "name", "audience", "questions", "cadence", "interval_weeks", "weekday",
            "send_time", "window_days", "questions_per_round", "enps_every_n_rounds",
            "is_active", "next_round_at", "created_at",
        ]  # fmt: skip
        read_only_fields = ["is_active", "next_round_at", "created_at"]


class RoundSerializer(f.StrictModelSerializer):
    question_versions = f.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Round
        fields = [
            "id", "survey", "number", "status", "period_start", "opens_at", "closes_at",
            "min_group_size", "question_versions",
        ]  # fmt: skip


# Figures: a shown figure and a hidden one are separate named shapes; a hidden one carries no
# number at all. `suppressed` tells them apart: false on a shown figure, true on a hidden one.
@extend_schema_field({"type": "boolean", "description": "Always false: the figure is shown."})
class ShownFlag(serializers.BooleanField):
    pass


@extend_schema_field({"type": "boolean", "description": "Always true: the figure is hidden."})
class HiddenFlag(serializers.BooleanField):
    pass


class HiddenFigureSerializer(serializers.Serializer):
    """A figure the anonymity engine hides: a stable reason code, no number (A3b)."""

    suppressed = HiddenFlag()
    reason = serializers.ChoiceField(choices=HiddenReason.choices)


class ShownFigureSerializer(serializers.Serializer):
    suppressed = ShownFlag()
    n = serializers.IntegerField()
    mean = serializers.FloatField()
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()
    favourable_pct = serializers.FloatField(allow_null=True)
    pooled_rounds = serializers.IntegerField()


class ShownQuestionFigureSerializer(serializers.Serializer):
    suppressed = ShownFlag()
    n = serializers.IntegerField()
    favourable_pct = serializers.FloatField(allow_null=True)
    enps = serializers.FloatField(allow_null=True)
    pooled_rounds = serializers.IntegerField()


class ShownParticipationSerializer(serializers.Serializer):
    suppressed = ShownFlag()
    invited = serializers.IntegerField()
    responded = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


def _shown_or_hidden(name: str, shown: type[serializers.Serializer]) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name=name,
        serializers=[shown, HiddenFigureSerializer],
        resource_type_field_name=None,
    )


@extend_schema_field(_shown_or_hidden("Figure", ShownFigureSerializer))
class FigureField(serializers.DictField):
    pass


@extend_schema_field(_shown_or_hidden("QuestionFigureValue", ShownQuestionFigureSerializer))
class QuestionFigureField(serializers.DictField):
    pass


@extend_schema_field(_shown_or_hidden("ParticipationFigure", ShownParticipationSerializer))
class ParticipationField(serializers.DictField):
    pass


class PeriodRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.IntegerField()
    number = serializers.IntegerField()
    period_start = serializers.DateField()
    min_group_size = serializers.IntegerField()


class DimensionFigureSerializer(serializers.Serializer):
    dimension = serializers.IntegerField()
    key = serializers.CharField()
    figure = FigureField()


class QuestionFigureSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    code = serializers.CharField()
    version = serializers.IntegerField()
    dimension = serializers.IntegerField(allow_null=True)
    figure = QuestionFigureField()


class PeriodSerializer(serializers.Serializer):
    round = PeriodRoundSerializer()
    participation = ParticipationField()
    dimensions = DimensionFigureSerializer(many=True)
    questions = QuestionFigureSerializer(many=True)


class TeamScoresSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    periods = PeriodSerializer(many=True)


class SummaryDimensionSerializer(serializers.Serializer):
    dimension = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField()
    previous = serializers.FloatField(allow_null=True)
    delta = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    real_change = serializers.BooleanField()
    # A3b: from the shown figures only; "not_enough" where the previous one is not shown.
    change = serializers.ChoiceField(choices=ChangeVerdict.choices)


class TeamSummarySerializer(serializers.Serializer):
    round = PeriodRoundSerializer()
    invited = serializers.IntegerField(allow_null=True)
    responded = serializers.IntegerField(allow_null=True)
    participation_rate = serializers.FloatField(allow_null=True)
    low_participation = serializers.BooleanField()
    real_drop = serializers.BooleanField()
    strongest = serializers.IntegerField(allow_null=True)
    weakest = serializers.IntegerField(allow_null=True)
    dimensions = SummaryDimensionSerializer(many=True)


class FocusActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    follow_up_on = serializers.DateField()
    done = serializers.BooleanField()


class FocusAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    dimension = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    baseline_score = serializers.FloatField(allow_null=True)
    moved = serializers.FloatField(allow_null=True)
    actions = FocusActionSerializer(many=True)


class PeriodQuerySerializer(serializers.Serializer):
    # The query says `rounds`; the selectors take the count as `n_rounds`.
    rounds = serializers.IntegerField(
        source="n_rounds",
        min_value=1,
        max_value=104,
        default=12,
        help_text="How many of the latest rounds to read.",
    )
    period_from = serializers.DateField(
        required=False, help_text="Only rounds whose period starts on or after this day."
    )
    period_to = serializers.DateField(
        required=False, help_text="Only rounds whose period starts on or before this day."
    )

    def validate(self, attrs: dict) -> dict:
        low, high = attrs.get("period_from"), attrs.get("period_to")
        if low and high and low > high:
            raise serializers.ValidationError({"period_to": "period_to is before period_from."})
        return attrs


class ScoreQuerySerializer(PeriodQuerySerializer):
    questions = serializers.BooleanField(
        default=True, help_text="Include the per-question figures (false: dimensions only)."
    )


class ExportQuerySerializer(PeriodQuerySerializer):
    team = serializers.IntegerField(min_value=1, help_text="The top of the subtree to export.")
    format = serializers.ChoiceField(
        choices=["csv"], required=False, help_text="The one format of the export: CSV."
    )


class RoundOpenSerializer(serializers.Serializer):
    """An extra round of a survey now, outside its rhythm, as HR > Surveys > "Start a round now"."""

    survey = f.PrimaryKeyRelatedField(queryset=Survey.objects.all())


class CheckinQuestionSerializer(serializers.Serializer):
    question_version = serializers.IntegerField()
    code = serializers.CharField()
    text = serializers.CharField()
    scale = serializers.CharField()
    low = serializers.IntegerField(allow_null=True)
    high = serializers.IntegerField(allow_null=True)


class OpenCheckinSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    survey = serializers.CharField()
    period_start = serializers.DateField()
    closes_at = serializers.DateTimeField()
    questions = CheckinQuestionSerializer(many=True)


class AnswerSerializer(serializers.Serializer):
    question_version = f.IntegerField(min_value=1)
    value = f.IntegerField(
        required=False, allow_null=True, min_value=-32768, max_value=32767,
        help_text="The chosen point of the scale; null or absent: prefer not to answer.",
    )  # fmt: skip
    text = f.CharField(required=False, allow_blank=True, max_length=2000)


class CheckinSubmitSerializer(serializers.Serializer):
    answers = AnswerSerializer(many=True, max_length=100)
    comment = f.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_answers(self, value: list[dict]) -> list[dict]:
        seen: set[int] = set()
        for answer in value:
            if answer["question_version"] in seen:
                raise serializers.ValidationError(
                    f"Question {answer['question_version']} is answered twice."
                )
            seen.add(answer["question_version"])
        return value


class CheckinReceiptSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    recorded = serializers.BooleanField()
