"""The check-in form, built from the round's questions (the same for everyone in the round)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from checkins.models import Question, RoundQuestion
from checkins.services.responses import COMMENT_MAX_LENGTH

SKIP = "skip"

AGREE5_LABELS = {
    1: _("Strongly disagree"),
    2: _("Disagree"),
    3: _("Neutral"),
    4: _("Agree"),
    5: _("Strongly agree"),
}


class CheckinForm(forms.Form):
    comment = forms.CharField(
        label=_("Anything you would like to add? (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
    )
    conversation = forms.BooleanField(
        label=_("Let my manager reply to this anonymously"), required=False
    )

    def __init__(self, *args, round_questions: list[RoundQuestion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.round_questions = round_questions
        fields: dict[str, forms.Field] = {}
        for rq in round_questions:
            version = rq.question_version
            question = version.question
            if question.scale == Question.Scale.TEXT:
                fields[f"q{version.pk}"] = forms.CharField(
                    label=version.text_in(), required=False, max_length=COMMENT_MAX_LENGTH
                )
                continue
            low, high = question.scale_points
            choices = [
                (str(v), str(AGREE5_LABELS.get(v, v)) if question.scale == "agree5" else str(v))
                for v in range(low, high + 1)
            ]
            choices.append((SKIP, str(_("Prefer not to answer"))))
            fields[f"q{version.pk}"] = forms.ChoiceField(
                label=version.text_in(),
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer or 'Prefer not to answer'.")},
            )
        # Questions first, the comment last.
        self.fields = {
            **fields,
            "comment": self.fields["comment"],
            "conversation": self.fields["conversation"],
        }

    def answers(self) -> dict[int, int | str | None]:
        out: dict[int, int | str | None] = {}
        for rq in self.round_questions:
            raw = self.cleaned_data.get(f"q{rq.question_version_id}")
            out[rq.question_version_id] = None if raw in (SKIP, "", None) else raw
        return out

    def question_fields(self):
        for rq in self.round_questions:
            yield rq, self[f"q{rq.question_version_id}"]
