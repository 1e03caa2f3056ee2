"""HR forms of the collection side: surveys and questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from checkins.languages import translation_fields_add
from checkins.models import Dimension, Question, Survey
from org.forms import TeamMultipleChoiceField
from org.models import Team
from org.validators import validate_single_line

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
        widget=forms.CheckboxSelectMultiple,
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
            "name": _("Name"),
            "cadence": _("Cadence"),
            "interval_weeks": _("Every N weeks (for that cadence)"),
            "window_days": _("Open for (days)"),
            "questions_per_round": _("Questions per round"),
            "enps_every_n_rounds": _("Ask eNPS every N rounds (0 = never)"),
        }
        help_texts = {"enps_every_n_rounds": ""}  # the label says it all

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


class TranslatedFieldMixin(forms.Form):
    """A one-line field in English and in every other shipped language (`<stem>_<language>`).
    A subclass names the stem, the English label, the label holding %(language)s, and the
    length; the field stands first unless the form's `field_order` places it."""

    stem: str
    label: StrOrPromise
    label_per_language: StrOrPromise
    max_length: int

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        english = forms.CharField(
            label=self.label, max_length=self.max_length, validators=[validate_single_line]
        )
        self.fields = {self.stem: english, **self.fields}
        self.order_fields(self.field_order)
        translation_fields_add(
            self,
            prefix=self.stem,
            label=self.label_per_language,
            max_length=self.max_length,
            after=self.stem,
        )


class WordingFieldsMixin(TranslatedFieldMixin):
    """An item's wording."""

    stem = "text"
    label = _("Wording (English)")
    label_per_language = _("Wording (%(language)s)")
    max_length = 500


class QuestionForm(WordingFieldsMixin):
    field_order = ["code", "dimension", "scale", "reverse_scored", "text"]
    code = forms.SlugField(label=_("Code"), help_text=_("A stable identifier, e.g. recognition-1."))
    dimension = forms.ModelChoiceField(
        label=_("Dimension"),
        queryset=Dimension.objects.all(),
        required=False,
        empty_label=_("(none — eNPS or open text)"),
    )
    scale = forms.ChoiceField(label=_("Scale"), choices=Question.Scale.choices)
    reverse_scored = forms.BooleanField(
        label=_("Reverse-scored (agreeing is the unfavourable answer)"), required=False
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        initial="Written by our HR team",
        validators=[validate_single_line],
    )
    licence = forms.CharField(
        label=_("Licence"),
        max_length=200,
        initial="Internal use",
        validators=[validate_single_line],
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if Question.objects.filter(code=code).exists():
            raise forms.ValidationError(_("This code is already in the bank."))
        return code

    def clean(self) -> dict:
        data = super().clean() or {}
        agreement = data.get("scale") in (Question.Scale.AGREE5, Question.Scale.AGREE7)
        if agreement and not data.get("dimension"):
            self.add_error("dimension", _("An agreement item needs a dimension."))
        if data.get("reverse_scored") and not agreement:
            self.add_error("reverse_scored", _("Only agreement items can be reverse-scored."))
        return data


class WordingForm(WordingFieldsMixin):
    """A new wording of an item already in the bank, and where it came from."""

    source = forms.CharField(
        label=_("Source"), max_length=200, required=False, validators=[validate_single_line]
    )
    licence = forms.CharField(
        label=_("Licence"), max_length=200, required=False, validators=[validate_single_line]
    )


class DimensionNamesMixin(TranslatedFieldMixin):
    """A dimension's name."""

    stem = "name"
    label = _("Name (English)")
    label_per_language = _("Name (%(language)s)")
    max_length = 100


class DimensionCreateForm(DimensionNamesMixin):
    key = forms.SlugField(
        label=_("Key"), help_text=_("A short identifier such as 'recognition'; it never changes.")
    )
    description = forms.CharField(
        label=_("What it measures"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if Dimension.objects.filter(key=key).exists():
            raise forms.ValidationError(_("A dimension with this key exists."))
        return key


class DimensionEditForm(DimensionNamesMixin):
    description = forms.CharField(
        label=_("What it measures"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    is_outcome = forms.BooleanField(
        label=_("An outcome of the driver analysis"),
        required=False,
        help_text=_(
            "The team pages then show how closely the other dimensions go together with it, "
            "from the next closed round on."
        ),
    )


class InstrumentImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or JSON file"),
        help_text=_(
            "Fields: code, dimension (key), scale (agree5, agree7, zero_ten, text), reverse, "
            "text_en, text_de, text_fr, source, licence."
        ),
    )
