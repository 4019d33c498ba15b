"""Request hygiene for the web and the API: NUL bytes refused, CSRF on every web write of a
logged-in user, bounded integers in URLs, safe response headers, the client address behind a
proxy, and the rate limits (server.security_limits). See docs/administration.md "Security".

NUL bytes: PostgreSQL text cannot hold U+0000, so a NUL in a query string, a form field or a
JSON string would end as a database error (a 500) on PostgreSQL while SQLite stores it. No
field of this product has a use for it, so every request carrying one is refused up front with
a 400 that names the problem, on both databases alike.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from flask import Flask, current_app, g, request, session
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

NUL_MESSAGE = (
    "Dữ liệu gửi lên chứa ký tự NUL (\\0), không được phép. Hãy xoá ký tự đó rồi gửi lại.",
    "The request contains a NUL character (\\0), which is not allowed. Remove it and resend.",
)

HEADERS = {
    # Served files keep the type the server decided (sniffed with Pillow), never the browser's.
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Restricts framing, plugins, <base>, where forms post, and scripts to files served by
    # this server (no inline script, no eval: a markup injection cannot run code).
    "Content-Security-Policy": (
        "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "script-src 'self'"
    ),
}


class NulRejected(BadRequest):
    """A 400 whose message the error handlers show as it is."""

    vi, en = NUL_MESSAGE


class CsrfRejected(BadRequest):
    vi = (
        "Yêu cầu không hợp lệ: biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. "
        "Hãy tải lại trang rồi thử lại."
    )
    en = (
        "Bad request: the form has expired or lacks its security token. "
        "Reload the page and try again."
    )


UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def csrf_ok() -> bool:
    sent = request.form.get("csrf_token", "") or request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf", "")
    return bool(sent and expected) and hmac.compare_digest(sent, expected)


def require_csrf() -> None:
    """Every write of a logged-in web user needs the session's CSRF token, for every route,
    present and future (the API's writes are checked by server.api.users / device tokens).

    A visitor without a login has nothing a forged request could act as: their writes are
    refused by login_required (a redirect to the login page), and the two forms open to them,
    login and logout, check the token in their views."""
    if request.method not in UNSAFE or request.endpoint is None:
        return  # reads, and unknown routes (404/405 as usual)
    if request.path.startswith("/api/") or getattr(g, "user", None) is None:
        return
    if not csrf_ok():
        raise CsrfRejected()


def _has_nul(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth > 64:  # deeper than any envelope; the JSON parser has its own recursion limit
        return False
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


def reject_nul() -> None:
    if "\x00" in request.path:
        raise NulRejected()
    if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        raise NulRejected()
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any(_has_nul(k) or _has_nul(v) for k, v in request.form.items(multi=True)):
            raise NulRejected()
    if request.is_json and _json_has_nul():
        raise NulRejected()


def _json_has_nul() -> bool:
    """In JSON a NUL can only be written `\\u0000` (a raw NUL byte is invalid JSON anyway), so
    the bytes are searched first and parsed only when that escape is there (a push of 500
    records is searched in well under a millisecond)."""
    raw = _json_bytes()
    if raw is None or b"\\u0000" not in raw:
        return False
    try:
        return _has_nul(json.loads(raw))
    except ValueError:
        return False  # not JSON: the endpoint answers 400/422 itself


def _json_bytes() -> bytes | None:
    coding = request.headers.get("Content-Encoding", "").strip().lower()
    if coding in ("", "identity"):
        return request.get_data(cache=True)  # cached: the view reads the same bytes
    if coding != "gzip":
        return None  # refused by the endpoint itself (415)
    from server.services.push_gzip import BodyRefused, inflate

    try:  # a copy: the sync endpoint inflates the cached raw body again itself
        return inflate(request.get_data(cache=True), current_app.config["MAX_CONTENT_LENGTH"])
    except BodyRefused:
        return None  # damaged or too big: the endpoint answers 400 or 413


def add_headers(response):
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    if request.is_secure:  # over HTTPS (directly, or via a proxy trusted by PROXY_FIX_X_FOR)
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


class DbInt(IntegerConverter):
    """`<int:...>` in every route: at most 2**31 - 1 (PostgreSQL INTEGER), so a huge id in a
    URL is a 404 like any unknown id, never an overflow error in the database."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def bound_url_integers(app: Flask, api) -> None:
    """Call before any blueprint is registered (rules keep the converter they were made with)."""
    from flask_smorest.spec.plugins import integerconverter2paramschema

    app.url_map.converters["int"] = DbInt
    if not any(converter is DbInt for converter, _ in api._converters):
        api.register_converter(DbInt, integerconverter2paramschema)  # documents the maximum


def init_app(app: Flask) -> None:
    hops = int(app.config.get("PROXY_FIX_X_FOR", 0))
    if hops > 0:
        # Behind nginx or a load balancer: trust that many X-Forwarded-For hops, so rate
        # limits and the audit log see the visitor's address, not the proxy's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.before_request(reject_nul)
    app.before_request(require_csrf)
    app.after_request(add_headers)
    from server import security_limits

    security_limits.init_app(app)
