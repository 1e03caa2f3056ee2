"""HR forms of the collection side: surveys and questions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from checkins.models import Dimension, Question, Survey
from org.forms import TeamMultipleChoiceField
from org.models import Team

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class QuestionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Question) -> str:
        version = obj.current_version()
        dimension = obj.dimension.name if obj.dimension else "eNPS"
        return f"{dimension} · {version.text if version else obj.code}"


class SurveyForm(forms.ModelForm):
    audience = TeamMultipleChoiceField(
        label=_("Audience"),
        queryset=Team.objects.order_by("path"),
        required=False,
        help_text=_("Each team is asked with every team below it. Choose none to ask everyone."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    questions = QuestionChoiceField(
        label=_("Questions from the bank"),
        queryset=Question.objects.filter(is_active=True)
        .select_related("dimension")
        .order_by("dimension__position", "position", "code"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Rounds rotate through these; the eNPS item is asked on its own rhythm."),
    )
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAYS, coerce=int)
    send_time = forms.TimeField(
        label=_("Send time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In each person's own time zone."),
    )

    class Meta:
        model = Survey
        fields = [
            "name",
            "audience",
            "cadence",
            "interval_weeks",
            "weekday",
            "send_time",
            "window_days",
            "questions_per_round",
            "enps_every_n_rounds",
            "questions",
        ]
        labels = {
            "interval_weeks": _("Every N weeks (for that cadence)"),
            "window_days": _("Open for (days)"),
            "questions_per_round": _("Questions per round"),
            "enps_every_n_rounds": _("Ask eNPS every N rounds (0 = never)"),
        }

    def clean_enps_every_n_rounds(self) -> int:
        value = self.cleaned_data["enps_every_n_rounds"]
        if value > 52:
            raise forms.ValidationError(_("At most every 52 rounds."))
        return value

    def clean_questions(self):
        questions = self.cleaned_data["questions"]
        if not any(
            q.scale not in (Question.Scale.ZERO_TEN, Question.Scale.TEXT) for q in questions
        ):
            raise forms.ValidationError(_("Choose at least one scored question."))
        return questions


class DimensionForm(forms.ModelForm):
    class Meta:
        model = Dimension
        fields = ["name", "key", "description"]
        help_texts = {"key": _("A short identifier such as 'recognition'; it cannot change later.")}
