"""Dates on the pages are written the reader's way ("23 Nov", "23. Nov.", "23 nov."), while
machine-read attributes (SVG coordinates, datetime=) stay the same in every language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from checkins.models import Participation
from checkins.services.rounds import round_open
from tests.helpers import answer_all, close_and_roll_up, people_in


@pytest.fixture
def two_weeks(survey, org):
    rounds = []
    for value in (4, 2):
        rnd = round_open(survey=survey)
        for p in people_in(org.platform, 8, rnd) if not rounds else []:
            answer_all(p, value=value)
        for p in Participation.objects.filter(round=rnd, team=org.platform)[:8] if rounds else []:
            answer_all(p, value=value)
        close_and_roll_up(rnd)
        rounds.append(rnd)
    return rounds


@pytest.mark.parametrize(
    ("language", "pattern"),
    [
        ("en", r"^\d{1,2} [A-Z][a-z]{2}$"),
        ("de", r"^\d{1,2}\. \w+\.?$"),
        ("fr", r"^\d{1,2} \w+\.?$"),
    ],
)
def test_each_language_writes_the_week_its_own_way(
    client, password, manager, org, two_weeks, language, pattern
):
    manager.language = language
    manager.save()
    client.login(username=manager.email, password=password)
    html = client.get(reverse("culture:team", args=[org.platform.pk])).content.decode()
    latest = two_weeks[-1].period_start
    with translation.override(language):
        written = date_format(latest, "MONTH_DAY_FORMAT")
        full = date_format(latest, "DATE_FORMAT")
    assert re.match(pattern, written), written
    assert written in html and full in html
    if language == "de":
        assert f"{latest.day}. " in written  # "23. Nov.", never "23 Nov"
    # SVG coordinates stay numbers with a decimal point in every language.
    for number in re.findall(r'\s(?:x|y|x1|x2|y1|y2|cx|cy)="([^"]*)"', html):
        assert re.fullmatch(r"-?\d+(\.\d+)?", number), number
