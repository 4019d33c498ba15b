"""The gettext catalogues: every key in both languages with the same placeholders, the
committed .mo files match their .po sources, and every key the app uses exists."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from mobile_app.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, tr

PLACEHOLDER = re.compile(r"{(\w+)}")
APP_DIR = Path(__file__).resolve().parents[2] / "mobile_app"


def po_messages(lang: str) -> dict[str, str]:
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as source:
        catalog = read_po(source, locale=lang)
    return {m.id: m.string for m in catalog if m.id}


CATALOGUES = {lang: po_messages(lang) for lang in LANGUAGES}
KEYS = sorted(CATALOGUES["vi"])


@pytest.mark.parametrize("key", KEYS)
def test_every_key_has_both_languages_with_the_same_placeholders(key):
    texts = [CATALOGUES[lang].get(key, "") for lang in LANGUAGES]
    assert all(t.strip() for t in texts), f"{key} is missing a translation"
    assert len({frozenset(PLACEHOLDER.findall(t)) for t in texts}) == 1


def test_both_catalogues_hold_the_same_keys():
    assert set(CATALOGUES["vi"]) == set(CATALOGUES["en"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_committed_mo_matches_its_po(lang):
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with open(path, "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    stale = [k for k, text in CATALOGUES[lang].items() if mo.gettext(k) != text]
    assert not stale, f"run: pybabel compile -d mobile_app/locale -D {DOMAIN} ({stale[:5]})"


def test_every_key_the_app_uses_is_defined():
    used = set()
    for path in APP_DIR.rglob("*"):
        if path.suffix in (".py", ".kv"):
            used |= set(re.findall(r"\btr\(\s*\"(\w+)\"", path.read_text(encoding="utf-8")))
    dynamic = {k for k in KEYS if k.startswith(("status_", "stage_"))}
    assert used, "no tr(...) calls found: the pattern above is out of date"
    assert used - set(KEYS) == set()
    assert set(KEYS) - used - dynamic == set(), "unused strings: remove them"


def test_vietnamese_is_the_default_and_placeholders_are_filled():
    assert tr("households_count", n=12) == "12 hộ"
    assert tr("households_count", "en", n=12) == "12 households"
    assert tr("offline", "fr") == "Không kết nối được máy chủ"
    assert tr("never", "en") == "never"  # a text equal to its key is still a translation
