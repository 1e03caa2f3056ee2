"""Every shipped language besides English gets its own wording and name fields, the default bank
speaks all of them, and a check-in in French reads the French wording."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from checkins import default_bank
from checkins.languages import translated_languages
from checkins.models import Dimension, Question, QuestionVersion
from checkins.services.instrument_import import instrument_import
from checkins.services.tokens import participation_token


@pytest.fixture
def hr_client(client, hr_admin, password):
    client.login(username=hr_admin.email, password=password)
    return client


def test_the_translated_languages_follow_the_settings():
    assert translated_languages() == [code for code, _ in settings.LANGUAGES if code != "en"]
    assert {"de", "fr"} <= set(translated_languages())


def test_the_default_bank_speaks_every_shipped_language(db):
    for version in QuestionVersion.objects.filter(question__code__in=default_bank.FRENCH):
        assert set(version.translations) == set(translated_languages()), version
    for dimension in Dimension.objects.filter(is_core=True):
        assert set(dimension.translations) == set(translated_languages()), dimension


def test_hr_writes_a_wording_in_every_language(hr_client):
    form = hr_client.get(reverse("checkins:hr-question-new")).context["form"]
    names = list(form.fields)
    assert names[names.index("text") : names.index("text") + 3] == ["text", "text_de", "text_fr"]
    assert str(form.fields["text_fr"].label) == "Wording (French)"
    page = hr_client.post(
        reverse("checkins:hr-question-new"),
        {"code": "retro-1", "dimension": Dimension.objects.get(key="trust").pk,
         "scale": "agree5", "text": "Our retros lead to changes.", "text_de": "",
         "text_fr": "Nos rétrospectives mènent à des changements.", "source": "Acme",
         "licence": "Internal"},
    )  # fmt: skip
    assert page.status_code == 302
    version = Question.objects.get(code="retro-1").current_version()
    assert version.translations == {"fr": "Nos rétrospectives mènent à des changements."}


def test_a_french_wording_is_checked_like_the_others_and_changes_nothing(hr_client):
    question = Question.objects.get(code="trust-1")
    before = question.current_version().translations
    page = hr_client.post(
        reverse("checkins:hr-question-edit", args=[question.pk]),
        {"text": question.current_version().text, "text_fr": "deux\nlignes"},
    )
    assert page.status_code == 400 and "text_fr" in page.context["form"].errors
    assert question.current_version().translations == before


def test_a_dimension_is_renamed_in_french_and_german_reads_the_label(hr_client, hr_admin):
    trust = Dimension.objects.get(key="trust")
    hr_admin.language = "de"
    hr_admin.save()
    page = hr_client.get(reverse("checkins:hr-dimension-edit", args=[trust.pk]))
    assert str(page.context["form"].fields["name_fr"].label) == "Name (Französisch)"
    hr_client.post(
        reverse("checkins:hr-dimension-edit", args=[trust.pk]),
        {"name": "Trust", "name_de": "Vertrauen", "name_fr": "Confiance mutuelle"},
    )
    trust.refresh_from_db()
    assert trust.translations == {"de": "Vertrauen", "fr": "Confiance mutuelle"}


def test_an_instrument_brings_french_and_a_bad_french_cell_is_named(db):
    csv = (
        "code,dimension,scale,reverse,text_en,text_fr,source,licence\n"
        "lic-1,trust,agree5,no,My team is reliable.,Mon équipe est fiable.,Lic Co,L1\n"
    )
    result = instrument_import(content=csv.encode(), filename="i.csv")
    assert result.errors == [] and result.created == ["lic-1"]
    assert Question.objects.get(code="lic-1").current_version().translations == {
        "fr": "Mon équipe est fiable."
    }
    bad = csv.replace("lic-1", "lic-2").replace("Mon équipe est fiable.", "x" * 501)
    result = instrument_import(content=bad.encode(), filename="i.csv")
    assert [problem.split(":")[0] for _, problem in result.errors] == ["text_fr"]
    assert not Question.objects.filter(code="lic-2").exists()


def test_an_older_installation_gains_french_where_hr_kept_the_default(db):
    reworded = Question.objects.get(code="trust-2").current_version()
    reworded.text, reworded.translations = "Our own words.", {"de": "Unsere Worte."}
    reworded.save()
    kept = Question.objects.get(code="trust-1").current_version()
    kept.translations = {"de": kept.translations["de"]}
    kept.save()
    Dimension.objects.filter(key="trust").update(translations={"de": "Vertrauen"})
    default_bank.french_add(Dimension=Dimension, QuestionVersion=QuestionVersion)
    kept.refresh_from_db()
    reworded.refresh_from_db()
    assert kept.translations["fr"] == default_bank.FRENCH["trust-1"]
    assert "fr" not in reworded.translations
    assert Dimension.objects.get(key="trust").translations["fr"] == "Confiance"


def test_a_french_reader_checks_in_with_the_french_wording(client, open_round, employee):
    employee.language = "fr"
    employee.save()
    link = reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=employee.pk)]
    )
    html = client.get(link).content.decode()
    assert 'lang="fr"' in html and "Je préfère ne pas répondre" in html
    for version in open_round.question_versions.select_related("question"):
        assert version.translations["fr"] in html.replace("&#x27;", "'")
