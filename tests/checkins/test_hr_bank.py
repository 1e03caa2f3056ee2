"""Growing the question bank: new items of each scale, retire/reactivate, dimensions, imports."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from checkins.models import Dimension, Question
from checkins.services.instrument_import import InstrumentFileError, instrument_import
from checkins.services.rounds import round_questions_pick


@pytest.fixture
def hr_client(client, hr_admin, password):
    client.login(username=hr_admin.email, password=password)
    return client


@pytest.mark.parametrize(
    ("scale", "dimension", "reverse_scored"),
    [("agree5", "trust", True), ("agree7", "belonging", False), ("zero_ten", "", False),
     ("text", "", False)],
)  # fmt: skip
def test_hr_adds_questions_of_every_scale(hr_client, hr_admin, scale, dimension, reverse_scored):
    data = {
        "code": f"new-{scale}",
        "dimension": Dimension.objects.get(key=dimension).pk if dimension else "",
        "scale": scale,
        "text": "Our retros lead to changes.",
        "text_de": "Unsere Retros führen zu Veränderungen.",
        "source": "Acme HR",
        "licence": "Internal",
    }
    if reverse_scored:
        data["reverse_scored"] = "on"
    assert hr_client.post(reverse("checkins:hr-question-new"), data).status_code == 302
    question = Question.objects.get(code=f"new-{scale}")
    assert (question.scale, question.reverse_scored, question.source) == (
        scale,
        reverse_scored,
        "Acme HR",
    )
    version = question.current_version()
    assert version.translations == {"de": "Unsere Retros führen zu Veränderungen."}
    assert LogEntry.objects.get_for_object(question).get().actor == hr_admin


def test_agreement_item_needs_a_dimension_and_only_it_can_be_reversed(hr_client):
    page = hr_client.post(
        reverse("checkins:hr-question-new"),
        {"code": "x-1", "scale": "zero_ten", "reverse_scored": "on", "text": "T",
         "source": "s", "licence": "l"},
    )  # fmt: skip
    assert page.status_code == 400 and "reverse_scored" in page.context["form"].errors
    page = hr_client.post(
        reverse("checkins:hr-question-new"),
        {"code": "x-2", "scale": "agree5", "text": "T", "source": "s", "licence": "l"},
    )
    assert "dimension" in page.context["form"].errors
    assert not Question.objects.filter(code__in=["x-1", "x-2"]).exists()


def test_retired_items_leave_the_rotation_and_can_come_back(hr_client, survey):
    question = Question.objects.get(code="trust-1")
    hr_client.post(reverse("checkins:hr-question-retire", args=[question.pk]))
    question.refresh_from_db()
    assert not question.is_active
    asked = {
        v.question_id for n in range(1, 10) for v in round_questions_pick(survey=survey, number=n)
    }
    assert question.pk not in asked
    hr_client.post(reverse("checkins:hr-question-reactivate", args=[question.pk]))
    question.refresh_from_db()
    assert question.is_active


def test_edit_records_source_and_licence(hr_client):
    question = Question.objects.get(code="trust-2")
    version = question.current_version()
    hr_client.post(
        reverse("checkins:hr-question-edit", args=[question.pk]),
        {"text": version.text, "text_de": version.translations["de"], "source": "Ours",
         "licence": "CC0"},
    )  # fmt: skip
    question.refresh_from_db()
    assert (question.source, question.licence) == ("Ours", "CC0")


def test_hr_adds_a_dimension(hr_client):
    page = hr_client.post(
        reverse("checkins:hr-dimensions"),
        {"name": "Recognition", "name_de": "Anerkennung", "key": "recognition"},
    )
    assert page.status_code == 302
    dimension = Dimension.objects.get(key="recognition")
    assert dimension.translations == {"de": "Anerkennung"} and not dimension.is_core
    again = hr_client.post(reverse("checkins:hr-dimensions"), {"name": "R", "key": "recognition"})
    assert again.status_code == 400 and "key" in again.context["form"].errors


GOOD_CSV = (
    "code,dimension,scale,reverse,text_en,text_de,source,licence\n"
    "lic-1,trust,agree5,no,My team is reliable.,Mein Team ist zuverlässig.,Licensed Co. 2024,Licence #42\n"
    "lic-2,trust,agree5,yes,I doubt my team.,Ich zweifle an meinem Team.,Licensed Co. 2024,Licence #42\n"
)


def test_instrument_import_from_csv(hr_admin, db):
    result = instrument_import(content=GOOD_CSV.encode(), filename="lic.csv", actor=hr_admin)
    assert result.errors == [] and result.created == ["lic-1", "lic-2"]
    lic2 = Question.objects.get(code="lic-2")
    assert lic2.reverse_scored and lic2.licence == "Licence #42"
    assert lic2.current_version().translations["de"] == "Ich zweifle an meinem Team."
    entry = LogEntry.objects.get(additional_data__event="question import")
    assert entry.actor == hr_admin and entry.additional_data["codes"] == ["lic-1", "lic-2"]


def test_instrument_import_from_json_reports_every_bad_item_and_adds_nothing(db):
    items = [
        {"code": "ok-1", "dimension": "trust", "scale": "agree5", "text_en": "Fine.",
         "source": "S", "licence": "L"},
        {"code": "trust-1", "dimension": "nope", "scale": "agree9", "text_en": "",
         "source": "", "licence": "L"},
    ]  # fmt: skip
    result = instrument_import(content=json.dumps(items).encode(), filename="i.json")
    assert [where for where, _ in result.errors] == ["item 2"]
    reason = result.errors[0][1]
    for expected in (
        "already in the bank",
        "agree9",
        "nope",
        "text_en is empty",
        "source is empty",
    ):
        assert expected in reason
    assert not Question.objects.filter(code="ok-1").exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"{not json", "x.json", "not valid JSON"),
        (b'{"items": 3}', "x.json", "list of items"),
        (b"code,text_en\nx,y\n", "x.csv", "missing: scale, source, licence"),
        (b"[]", "x.json", "no items"),
    ],
)
def test_malformed_instrument_files_are_clear_errors(db, content, name, message):
    with pytest.raises(InstrumentFileError, match=message):
        instrument_import(content=content, filename=name)


def test_instrument_upload_screen(hr_client):
    bad = SimpleUploadedFile(
        "bad.csv", b"code,dimension,scale,text_en,source,licence\nq!,trust,agree5,T,S,L\n"
    )
    page = hr_client.post(reverse("checkins:hr-question-import"), {"file": bad})
    assert page.status_code == 400 and "Line 2: code" in page.content.decode()
    good = SimpleUploadedFile("good.csv", GOOD_CSV.encode())
    assert hr_client.post(reverse("checkins:hr-question-import"), {"file": good}).status_code == 302
    assert Question.objects.filter(code__startswith="lic-").count() == 2


def test_hr_renames_a_dimension_keeping_its_key_and_history(hr_client, hr_admin):
    trust = Dimension.objects.get(key="trust")
    page = hr_client.get(reverse("checkins:hr-dimensions"))
    assert reverse("checkins:hr-dimension-edit", args=[trust.pk]) in page.content.decode()
    page = hr_client.post(
        reverse("checkins:hr-dimension-edit", args=[trust.pk]),
        {"name": "Mutual trust", "name_de": "Gegenseitiges Vertrauen", "description": "Reliance."},
        follow=True,
    )
    assert "Dimension Mutual trust was saved." in page.content.decode()
    trust.refresh_from_db()
    assert (trust.key, trust.name, trust.description) == ("trust", "Mutual trust", "Reliance.")
    assert trust.translations["de"] == "Gegenseitiges Vertrauen"
    entry = LogEntry.objects.get_for_object(trust).latest("timestamp")
    assert entry.actor == hr_admin and "name" in entry.changes_dict


def test_a_dimension_without_a_name_is_refused_and_unchanged(hr_client):
    trust = Dimension.objects.get(key="trust")
    before = (trust.name, trust.translations, trust.description)
    page = hr_client.post(
        reverse("checkins:hr-dimension-edit", args=[trust.pk]), {"name": " ", "name_de": "X"}
    )
    assert page.status_code == 400 and "name" in page.context["form"].errors
    trust.refresh_from_db()
    assert (trust.name, trust.translations, trust.description) == before


def test_only_hr_edits_dimensions(client, manager, password):
    client.login(username=manager.email, password=password)
    trust = Dimension.objects.get(key="trust")
    page = client.post(reverse("checkins:hr-dimension-edit", args=[trust.pk]), {"name": "Hacked"})
    assert page.status_code == 403
    trust.refresh_from_db()
    assert trust.name != "Hacked"
