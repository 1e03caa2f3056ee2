"""The German interface: a digest email and HR pages render in German, with nothing left in
English (the catalogue itself is checked in tests/system/test_i18n_catalogues.py)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from checkins.models import OutboundEmail
from checkins.services.emails import email_send
from culture.services.digests import digests_queue
from culture.services.summaries import round_summaries_compute
from org.models import Person
from tests.factories import PersonFactory
from tests.helpers import round_answered


@pytest.fixture
def german_digests(survey, org, manager):
    """Two rounds with a clear drop in Platform (12 people) and Payments at 2 people (below k),
    and each team's manager reading in German."""
    platform = [PersonFactory(team=org.platform) for _ in range(12)]
    payments = [PersonFactory(team=org.payments) for _ in range(2)]
    payments_lead = PersonFactory(team=org.payments, role=Person.Role.MANAGER, language="de")
    org.payments.managers.add(payments_lead)
    manager.language = "de"
    manager.save()
    high, low = (4, 5, 4, 5, 4, 5) * 2, (2, 1, 2, 1, 2, 1) * 2
    round_answered(survey, dict(zip(platform, high, strict=True)) | dict.fromkeys(payments, 4))
    rnd = round_answered(survey, dict(zip(platform, low, strict=True)) | {payments[0]: 1,
                                                                         payments[1]: 5})  # fmt: skip
    round_summaries_compute(round=rnd)
    for email_id in digests_queue(round=rnd):
        row = OutboundEmail.objects.get(pk=email_id)
        if row.kind == OutboundEmail.Kind.DIGEST:
            assert email_send(email_id=email_id) == OutboundEmail.Status.SENT
    return {m.to[0]: m for m in mail.outbox}, manager, payments_lead


def test_the_digest_email_is_in_german(german_digests):
    messages, manager, _ = german_digests
    message = messages[manager.email]
    html = message.alternatives[0][0]
    assert message.subject.endswith(": die Check-in-Zusammenfassung")
    for body in (message.body, html):
        assert "Hallo Max Manager," in body
        assert "So geht es Ihren Teams." in body
        assert re.search(r"Beteiligung: \d+ von \d+ haben geantwortet \(\d+(,\d)? %\)\.", body)
        assert "Zahlen aus weniger als 5 Personen werden nie gezeigt." in body
        assert "kein Urteil über irgendjemanden" in body
        for english in (
            "Here is how your teams are doing",
            "Participation:",
            "points since the last round",
            "a real change",
            "within noise",
            "are never shown",
            "How answers are protected",
            "not a verdict on anyone",
        ):
            assert english not in body, english
    assert "Punkte seit der letzten Runde (eine echte Veränderung)" in message.body
    # Dimensions carry their German names, in the list and in strongest/weakest.
    for body in (message.body, html):
        assert "Zugehörigkeit" in body and "Psychologische Sicherheit" in body
        assert "Belonging" not in body and "Psychological safety" not in body
    assert "(with its sub-teams)" not in message.body
    assert "p &lt; 0,05" in html and "p < 0,05" in message.body


def test_the_german_digest_of_a_small_team_shows_no_figure(german_digests):
    messages, _, payments_lead = german_digests
    message = messages[payments_lead.email]
    for body in (message.body, message.alternatives[0][0]):
        assert "weniger als 5 Personen" in body
        assert "fewer than" not in body
        # Payments answered 1 and 5 (scores 0 and 100, mean 50): no score appears at all.
        assert not re.search(r"\b(0|50|100)(\.0)? */ *100", body)
        assert "von 2 haben geantwortet" not in body


def test_hr_pages_are_in_german(client, hr_admin, password, org):
    hr_admin.language = "de"
    hr_admin.save()
    client.login(username=hr_admin.email, password=password)
    threshold = client.get(reverse("org:hr-threshold")).content.decode()
    assert '<html lang="de"' in threshold
    for german in ("Anonymitätsschwelle", "Die Abwägung", "Mindestgruppengröße k",
                   "HR-Administration", "Änderungsprotokoll"):  # fmt: skip
        assert german in threshold, german
    for english in ("Anonymity threshold", "The trade-off", "Minimum group size k", "Audit log",
                    "Most organisations keep the default of 5."):  # fmt: skip
        assert english not in threshold, english
    people = client.get(reverse("org:hr-people")).content.decode()
    assert "Person hinzufügen" in people and "Personen" in people
    assert "Add a person" not in people and "Search name or email" not in people
