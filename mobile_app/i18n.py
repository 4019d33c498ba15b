"""Every text the officer reads on the tablet, from gettext catalogues; Vietnamese first.

Catalogues: mobile_app/locale/<lang>/LC_MESSAGES/mobile_app.po (edited by people) and the
compiled .mo beside each (read by the app). The .mo files are committed: the tablet reads
them with the standard library's gettext, so neither python-for-android nor the app needs
Babel at run time. After editing a .po, run
`pybabel compile -d mobile_app/locale -D mobile_app`; tests/mobile_app/test_i18n.py fails
while a .mo is out of date with its .po, or a key lacks a language.

msgids are symbolic keys ("enrol_title"), not English sentences: the default language is
Vietnamese, and a key cannot drift when the English wording is improved. Form questions
come from forms/ definitions, which carry their own vi/en labels.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LANGUAGES = ("vi", "en")
DOMAIN = "mobile_app"
LOCALE_DIR = Path(__file__).with_name("locale")


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang`, falling back to Vietnamese for a missing entry; a
    language we do not ship reads as Vietnamese."""
    if lang not in LANGUAGES:
        lang = "vi"
    # languages=[lang, "vi"] chains the catalogues: gettext asks the next one when the first
    # lacks a key. (Comparing the answer with the key cannot tell "missing" from a text
    # that happens to equal its key, such as "never".)
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang, "vi"])


def tr(key: str, lang: str = "vi", **values: object) -> str:
    """The text for `key` in `lang`, with {placeholders} filled. A key in no catalogue comes
    back as itself (test_i18n makes sure none does)."""
    text = catalogue(lang).gettext(key)
    return text.format(**values) if values else text
