"""Rules for text that every app's forms, API serializers and models share.

One validator for every single-line name or label (a team, a person, a survey, a dimension, a
question's wording, a focus action): a line break there ends up in an email subject or a CSV row
and breaks it, so it is refused at the door with a message that says why.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The anonymity threshold k is never below this, whatever HR, the environment or a round says:
# below three respondents a figure and what one person knows of the others reveal an answer.
MIN_GROUP_SIZE_FLOOR = 3

# C0 and C1 control characters (NUL, tab, LF, CR, ESC, NEL …), DEL, and the Unicode line and
# paragraph separators: none of them belongs in one line of text.
_NOT_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

SINGLE_LINE_MESSAGE = _(
    "Write this on one line: line breaks, tabs and other control characters are not allowed."
)


def validate_single_line(value: str) -> None:
    """Refuse a line break or any other control character (code "single_line")."""
    if isinstance(value, str) and _NOT_SINGLE_LINE.search(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="single_line")
