"""The web UI's language: Vietnamese first (default) or English first, chosen per browser.

The choice lives in a `lang` cookie (`vi` or `en`); `?lang=en` on any page sets it. Templates
write bilingual text through the `t(vi, en)` global, which puts the chosen language first and
the other one second in `<span class="en">` (the muted second line the CSS already styles).

Text with values or markup inside goes through `tf(vi_format, en_format, **values)`: the two
formats are trusted template text (they may hold `<b>`), every value is escaped unless it is
Markup already (so a household name can never inject markup). Longer text with conditions
inside is built in `{% set vi %}...{% endset %}` blocks (Jinja escapes the values in them) and
passed to `t()`. Where the two halves sit apart, `t_first` gives the first half and `t_muted`
the muted second one with its `<span class="en">`; `t_text` is "first / second" as plain text
for places that cannot hold markup (`<option>`, `title=`, `alt=`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, g, has_request_context, request
from markupsafe import Markup, escape

LANGS = ("vi", "en")
DEFAULT = "vi"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def _valid(value: str | None) -> str | None:
    return value if value in LANGS else None


def current_lang() -> str:
    """The language of this request: a valid ?lang=, else the cookie, else Vietnamese."""
    if not has_request_context():
        return DEFAULT
    lang = g.get("lang")
    if lang is None:
        lang = _valid(request.args.get(COOKIE)) or _valid(request.cookies.get(COOKIE)) or DEFAULT
        g.lang = lang
    return lang


def t(vi: object, en: object) -> Markup:
    """Both languages, the chosen one first; each string escaped (Markup passes as it is)."""
    vi_html, en_html = escape(vi), escape(en)
    if current_lang() == "en" and en_html:
        return Markup('{} <span class="en" lang="vi">{}</span>').format(en_html, vi_html)
    return Markup('{} <span class="en">{}</span>').format(vi_html, en_html)


def tf(vi_format: str, en_format: str, /, *args: object, **values: object) -> Markup:
    """t() of two format strings filled with the same values, each value escaped.

    Only literal template text may be a format: it is trusted as markup. Values (names,
    reasons, numbers) are escaped by `Markup.format` unless they are Markup already.
    """
    return t(Markup(vi_format).format(*args, **values), Markup(en_format).format(*args, **values))


def muted(vi: object, en: object) -> Markup:
    """The second language alone in its muted `<span class="en">`, as t() would render it."""
    if current_lang() == "en" and escape(en):
        return Markup('<span class="en" lang="vi">{}</span>').format(vi)
    return Markup('<span class="en">{}</span>').format(en)


def text(vi: object, en: object, sep: str = " / ") -> str:
    """'first / second' as plain text, for places without markup (<option>, attributes)."""
    if not en:
        return str(vi)
    return f"{first(vi, en)}{sep}{second(vi, en)}"


def first(vi: object, en: object) -> object:
    """The chosen language's text alone (for a title whose other half sits elsewhere)."""
    return en if current_lang() == "en" and en else vi


def second(vi: object, en: object) -> object:
    """The other language's text, shown muted after the first."""
    return vi if current_lang() == "en" and en else en


def switch_url() -> str:
    """This page again with the other language chosen (other query arguments kept)."""
    other = "vi" if current_lang() == "en" else "en"
    args = [(k, v) for k, v in request.args.items(multi=True) if k != COOKIE]
    args.append((COOKIE, other))
    return f"{request.path}?{urlencode(args)}"


def _remember_choice(response: Response) -> Response:
    chosen = _valid(request.args.get(COOKIE))
    if chosen and chosen != request.cookies.get(COOKIE):
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_MAX_AGE,
            samesite="Lax",
            secure=request.is_secure,
            httponly=True,
        )
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["t"] = t
    app.jinja_env.globals["t_first"] = first
    app.jinja_env.globals["t_second"] = second
    app.jinja_env.globals["tf"] = tf
    app.jinja_env.globals["t_muted"] = muted
    app.jinja_env.globals["t_text"] = text
    app.jinja_env.globals["current_lang"] = current_lang
    app.jinja_env.globals["lang_switch_url"] = switch_url
    app.after_request(_remember_choice)
