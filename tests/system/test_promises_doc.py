"""The docs cannot drift from the code: docs/promises.md names every promise of the brief once, each
with where it is enforced and which tests would fail, every test file it names exists, and every
promise code a comment cites is defined there; each ADR's heading carries its file's number; the
functions and modules docs/architecture.md names exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "manage.py").exists())
CODE_DIRS = (
    "dialect",
    "relhealth",
    "org",
    "checkins",
    "culture",
    "api",
    "scripts",
    "bench",
    "tests",
)
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
        re.findall(r"`((?:tests|api|relhealth|scripts|culture|checkins|org|demo)/[^`]+?)`", text)
    )
    assert named
    assert [path for path in sorted(named) if not (ROOT / path).exists()] == []


def _defined_promises() -> set[str]:
    text = (ROOT / "docs" / "promises.md").read_text()
    return {block.split(".", 1)[0] for block in re.split(r"\n\*\*(?=[ADS]\d)", text)[1:]}


def test_every_promise_code_cited_in_the_code_is_defined():
    cited: dict[str, str] = {}
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for code in re.findall(r"\b(A[0-9][a-z]?|D[0-9])\b", path.read_text()):
                cited.setdefault(code, str(path.relative_to(ROOT)))
    assert len(cited) >= 10  # the comments do cite them: the scan found the code
    undefined = {code: where for code, where in cited.items() if code not in _defined_promises()}
    assert undefined == {}


def test_each_adr_heading_carries_its_file_number():
    adrs = sorted((ROOT / "docs" / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert len(adrs) >= 30
    wrong = {
        path.name: path.read_text().split("\n", 1)[0]
        for path in adrs
        if not path.read_text().startswith(f"# {path.name[:4]}. ")
    }
    assert wrong == {}


def test_amendments_are_written_on_both_sides():
    decisions = ROOT / "docs" / "decisions"
    texts = {path.name[:4]: path.read_text() for path in decisions.glob("[0-9]*.md")}
    pairs = set()
    for number, text in texts.items():
        for label, later in (("Amends", False), ("Amended by", True)):
            for line in re.findall(rf"^\*\*{label}:\*\* (.*)$", text, flags=re.M):
                for other in re.findall(r"\b(\d{4})\b \(", line):
                    pairs.add((number, other) if later else (other, number))
    assert pairs, "no ADR says which one amends it"
    one_sided = [
        (earlier, later)
        for earlier, later in sorted(pairs)
        if not re.search(rf"^\*\*Amends:\*\*.*\b{earlier}\b", texts[later], flags=re.M)
        or not re.search(rf"^\*\*Amended by:\*\*.*\b{later}\b", texts[earlier], flags=re.M)
    ]
    assert one_sided == [] and all(earlier < later for earlier, later in pairs)


def test_the_architecture_page_names_code_that_exists():
    text = (ROOT / "docs" / "architecture.md").read_text()
    assert len(text.split()) < 1000  # one page
    missing = []
    for dotted in sorted(
        set(re.findall(r"`((?:dialect|org|checkins|culture|api|demo)\.[a-z_.]+)`", text))
    ):
        module, _, name = dotted.rpartition(".")
        try:
            found = hasattr(importlib.import_module(module), name)
        except ImportError:
            found = False
        if not found:
            try:
                importlib.import_module(dotted)
            except ImportError:
                missing.append(dotted)
    paths = set(
        re.findall(r"`((?:dialect|org|checkins|culture|api|demo|tests|docs)/[^`*]+)`", text)
    )
    missing += [path for path in sorted(paths) if not (ROOT / path).exists()]
    assert missing == []
