"""Every committed interface catalogue (German, French) translates every string with its
placeholders intact and is compiled; French reads with French plural rules and typography."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%|\{[a-z_]+\}")
PLURAL_FORMS = {"de": "nplurals=2; plural=(n != 1);", "fr": "nplurals=2; plural=(n > 1);"}


def _strings(entry: polib.POEntry | polib.MOEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_every_catalogue_entry_is_translated_and_compiled(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 600
    assert po.percent_translated() == 100
    assert not [e.msgid for e in po if "fuzzy" in e.flags]
    assert po.metadata["Language"] == language
    assert po.metadata["Plural-Forms"] == PLURAL_FORMS[language]
    compiled = {
        e.msgid: e for e in polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    }
    for entry in po.translated_entries():
        assert entry.msgid in compiled, f"{entry.msgid!r} is missing from the .mo: recompile"
        strings = _strings(entry)
        assert all(strings), entry.msgid
        assert _strings(compiled[entry.msgid]) == strings, f"{entry.msgid!r}: recompile the .mo"
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in strings:
            got = sorted(PLACEHOLDER.findall(text))
            # A singular plural form may say "every round" instead of "every %(e)s rounds".
            assert got == wanted or (entry.msgid_plural and set(got) <= set(wanted)), (
                entry.msgid,
                text,
            )
            # Markup and entities survive translation (e.g. <code>, &lt;).
            assert sorted(re.findall(r"</?\w+>|&\w+;", text)) == sorted(
                re.findall(r"</?\w+>|&\w+;", entry.msgid)
            ), (entry.msgid, text)


def test_french_punctuation_is_kept_with_its_word():
    """A colon, semicolon, question or exclamation mark, or a guillemet never starts or ends a
    line on its own: the space before it is a no-break space."""
    po = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))
    loose = [t for e in po for t in _strings(e) if re.search(r" [:;?!»]|« ", t)]
    assert loose == []
    assert (
        "Enregistré comme version %(n)s\u00a0: "
        in po.find("Saved as version %(n)s: earlier answers keep the wording they answered.").msgstr
    )


def test_strings_render_in_french():
    template = Template(
        "{% load i18n %}{% translate 'Sign in' %} | {% translate 'Weekly check-in' %} | "
        "{% blocktranslate count counter=n %}{{ counter }} question · about a minute"
        "{% plural %}{{ counter }} questions · about a minute{% endblocktranslate %}"
    )
    with translation.override("fr"):
        assert translation.gettext("Forgot your password?") == "Mot de passe oublié\u00a0?"
        assert translation.gettext("Dashboard") == "Tableau de bord"
        # French uses the singular for 0 and 1, unlike English and German.
        for n, text in ((0, "0 personne"), (1, "1 personne"), (2, "2 personnes")):
            assert translation.ngettext("%(n)s person", "%(n)s people", n) % {"n": n} == text
        html = template.render(Context({"n": 1}))
        assert html == ("Se connecter | Check-in hebdomadaire | 1 question · environ une minute")
        assert template.render(Context({"n": 0})).endswith("0 question · environ une minute")
        assert template.render(Context({"n": 3})).endswith("3 questions · environ une minute")
    with translation.override("de"):
        assert template.render(Context({"n": 0})).endswith("0 Fragen · etwa eine Minute")


def test_every_shipped_language_has_its_catalogue_in_the_compile_script():
    """A translation lives only in its django.po; scripts/catalogue.py compiles every shipped
    language's, and no other table of translations exists beside the catalogues."""
    import importlib.util

    from django.conf import settings

    root = LOCALE.parent
    spec = importlib.util.spec_from_file_location("catalogue", root / "scripts" / "catalogue.py")
    assert spec is not None and spec.loader is not None
    catalogue = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(catalogue)
    shipped = {code for code, _name in settings.LANGUAGES} - {"en"}
    assert set(catalogue.LANGUAGES) == shipped
    assert {plural for _team, plural in catalogue.LANGUAGES.values()} <= set(PLURAL_FORMS.values())
    assert not list((root / "scripts").glob("translations_*.py"))
