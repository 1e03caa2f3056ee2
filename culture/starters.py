"""Conversation starters: our own prompts for a low or falling dimension (brief: capability 5).

Data informs the conversation, it never replaces it: each prompt opens a question to the team,
none asks who said what. Written for Relhealth; no copyrighted instrument is quoted.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LOW_SCORE = 60.0  # below this, a dimension gets starters even when it is not falling

STARTERS = {
    "belonging": [
        _("When did you last feel part of something here, and what made it so?"),
        _("Who on the team do we hear from least, and how could we make room for them?"),
        _("What is one ritual we dropped that used to bring us together?"),
        _("How do we welcome someone new, and what would you change about it?"),
    ],
    "trust": [
        _("What is one decision from the last month you would have liked to hear about earlier?"),
        _("Where do we promise more than we can deliver, and how could we say no sooner?"),
        _("What would help you hand work to a colleague without checking on it twice?"),
        _("What is something I (the manager) could explain better about how I decide?"),
    ],
    "psych-safety": [
        _("What is a question you held back in a meeting recently, and what stopped you?"),
        _("How did we react the last time something went wrong, and how should we react?"),
        _("Which risk would you take if you knew a failure would be treated as learning?"),
        _("What could I do in our meetings to make disagreeing easier?"),
        _("Let's agree on one phrase anyone can use to say 'I see a problem'."),
    ],
}
GENERIC = [
    _("What is going well for us that we should protect?"),
    _("What is one thing that would make next week better for you?"),
    _("What should we stop doing as a team?"),
]


def starters_for(*, dimension_key: str) -> list[str]:
    return [str(text) for text in STARTERS.get(dimension_key, GENERIC)]


def needs_starters(*, score: float | None, falling: bool) -> bool:
    """A low score or a real drop: the manager gets prompts for a conversation."""
    return falling or (score is not None and score < LOW_SCORE)
