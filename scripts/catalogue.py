"""Check and compile the interface catalogues.

A translation lives in one place only: `locale/<language>/LC_MESSAGES/django.po`. To add or
change an interface string:

1. `DJANGO_SETTINGS_MODULE=relhealth.settings.local .venv/bin/python manage.py makemessages -a`
   (needs GNU gettext) adds the new msgids to every django.po and marks changed ones fuzzy.
2. Translate them in each django.po, with a PO editor or a text editor: fill the msgstr, and drop
   the `#, fuzzy` line once the translation fits the new English. Keep every placeholder
   (`%(n)s`, `{name}`) and tag of the English.
3. `.venv/bin/python scripts/catalogue.py` checks every catalogue and compiles its django.mo
   (with polib; no gettext needed). It lists each untranslated or fuzzy msgid and fails while any
   is left. In French it turns the space before : ; ? ! and inside « » into a no-break space, so
   a colon never starts a line.

`tests/system/test_i18n_catalogues.py` fails in CI on the same faults.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"

# Each shipped language: the name written in its catalogue and its plural rule.
LANGUAGES = {
    "de": ("German", "nplurals=2; plural=(n != 1);"),
    "fr": ("French", "nplurals=2; plural=(n > 1);"),
}

_FRENCH_SPACE = re.compile(r" (?=[:;?!»])|(?<=«) ")


def typography(language: str, text: str) -> str:
    """`text` with its language's spacing rules applied (French: no-break spaces)."""
    return _FRENCH_SPACE.sub("\u00a0", text) if language == "fr" else text


def _texts(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def catalogue_compile(language: str) -> list[str]:
    """Tidy and compile one language's catalogue; the msgids still to translate."""
    team_name, plural_forms = LANGUAGES[language]
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    pending = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {
                i: typography(language, text) for i, text in entry.msgstr_plural.items()
            }
        else:
            entry.msgstr = typography(language, entry.msgstr)
        if "fuzzy" in entry.flags or not all(_texts(entry)):
            pending.append(entry.msgid)
    po.metadata.update(
        {
            "Project-Id-Version": "Relhealth",
            "Last-Translator": "Relhealth maintainers",
            "Language-Team": team_name,
            "Language": language,
            "Plural-Forms": plural_forms,
            "Content-Type": "text/plain; charset=UTF-8",
        }
    )
    po.save()
    po.save_as_mofile(str(path.with_suffix(".mo")))
    return pending


def main() -> int:
    status = 0
    for language in LANGUAGES:
        pending = catalogue_compile(language)
        if pending:
            status = 1
            print(f"{language}: {len(pending)} to translate:", *pending, sep="\n  ")
    return status


if __name__ == "__main__":
    sys.exit(main())
