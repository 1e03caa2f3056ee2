"""Which mail settings reach real people (relhealth.mailconfig), without a subprocess."""

import pytest

from relhealth.mailconfig import mail_settings_problems

REAL_FROM, REAL_URL = "Relhealth <pulse@acme-corp.eu>", "https://pulse.acme-corp.eu/"


def _named(**changes: str) -> set[str]:
    values = {"from_email": REAL_FROM, "base_url": REAL_URL} | changes
    return {name for name, _text in mail_settings_problems(**values)}


def test_a_real_sender_and_https_links_pass():
    assert _named() == set()
    assert (
        _named(from_email="pulse@mail.acme-corp.eu", base_url="https://pulse.acme-corp.eu:8443")
        == set()
    )


@pytest.mark.parametrize(
    "sender",
    ["Relhealth <relhealth@localhost>", "pulse@example.com", "pulse@mail.example.org",
     "pulse@acme.test", "pulse@intranet.local", "pulse@[127.0.0.1]", "pulse", "", "pulse@acme"],
)  # fmt: skip
def test_a_sender_nobody_can_receive_from_is_refused(sender):
    assert _named(from_email=sender) == {"DEFAULT_FROM_EMAIL"}


@pytest.mark.parametrize(
    "url",
    ["http://pulse.acme-corp.eu", "http://127.0.0.1:8000", "https://localhost:8000",
     "https://10.0.0.4", "https://pulse.example.org", "pulse.acme-corp.eu", ""],
)  # fmt: skip
def test_links_that_are_not_public_https_are_refused(url):
    assert _named(base_url=url) == {"RELHEALTH_BASE_URL"}
