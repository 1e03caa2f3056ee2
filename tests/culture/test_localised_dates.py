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
    """Platform and Payments answer twice (8 each): Engineering, the manager's home, has weekly
    figures."""
    rounds = []
    for value in (4, 2):
        rnd = round_open(survey=survey)
        for team in (org.platform, org.payments):
            found = Participation.objects.filter(round=rnd, team=team)[:8]
            for p in found if rounds else people_in(team, 8, rnd):
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
    # SVG coordinates stay numbers with a decimal point in every language, on the team page's
    # charts and on the manager home's (its axis writes the week the reader's way too).
    home = client.get(reverse("culture:dashboard")).content.decode()
    assert 'class="home-svg"' in home and written in home
    for page in (html, home):
        numbers = re.findall(r'\s(?:x|y|x1|x2|y1|y2|cx|cy)="([^"]*)"', page)
        numbers += [n for p in re.findall(r'\spoints="([^"]*)"', page) for n in re.split("[ ,]", p)]
        assert numbers or page is html  # Platform alone (8) has only 4-week figures yet
        for number in numbers:
            assert re.fullmatch(r"-?\d+(\.\d+)?", number), number
