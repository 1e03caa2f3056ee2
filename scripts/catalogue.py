"""Fill one language's django.po from a translation table and compile it to django.mo.

Used by scripts/translations_<language>.py after `manage.py makemessages -l <language>`.
A table maps each msgid to its translation, or to a (singular, plural) pair for plural entries.
Needs polib (`pip install polib`) only when translations change; the .mo is committed.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def fill(
    language: str,
    table: Mapping[str, str | Sequence[str]],
    team_name: str,
    plural_forms: str,
) -> None:
    """Write `table` into locale/<language>/LC_MESSAGES/django.po and .mo; exit listing
    every msgid the table does not translate."""
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    missing = []
    for entry in po:
        value = table.get(entry.msgid)
        if value is None:
            missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: value[0], 1: value[1]}
        else:
            assert isinstance(value, str), entry.msgid
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        # Drop the stale "#| msgid" hints makemessages leaves on a fuzzy match.
        entry.previous_msgid = entry.previous_msgid_plural = None
    po.metadata["Project-Id-Version"] = "Relhealth"
    po.metadata["PO-Revision-Date"] = po.metadata.get("POT-Creation-Date", "")
    po.metadata["Last-Translator"] = "Relhealth maintainers"
    po.metadata["Language-Team"] = team_name
    po.metadata["Language"] = language
    po.metadata["Plural-Forms"] = plural_forms
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    po.save_as_mofile(str(path.with_suffix(".mo")))
    if missing:
        raise SystemExit("Untranslated: " + " | ".join(missing))
