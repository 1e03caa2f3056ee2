"""docs/promises.md names every promise of the brief once, each with where it is enforced and
which tests would fail, and every test file it names exists (so the page cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMISES = [*(f"A{i}" for i in range(1, 8)), "A2b", "A3b", "A4b", "D1", "D2", "D3", "D4"]
PROMISES += ["S1", "S2", "S3", "S4"]


def test_every_promise_is_written_once_with_enforcement_and_tests():
    text = (ROOT / "docs" / "promises.md").read_text()
    blocks = re.split(r"\n\*\*(?=[ADS]\d)", text)[1:]
    found = {block.split(".", 1)[0]: block for block in blocks}
    assert sorted(found) == sorted(PROMISES)
    for promise, block in found.items():
        assert "Enforced by:" in block and "Tested by:" in block, promise


def test_every_named_file_exists():
    text = (ROOT / "docs" / "promises.md").read_text()
    named = set(
        re.findall(r"`((?:tests|api|relhealth|scripts|culture|checkins|org)/[^`]+?)`", text)
    )
    assert named
    assert [path for path in sorted(named) if not (ROOT / path).exists()] == []
