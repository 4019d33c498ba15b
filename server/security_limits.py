"""Rate limits on web login and on device enrolment (Flask-Limiter).

Only failures count (a wrong password answers 401, a wrong enrolment code 400), so an office
where many people log in or many tablets enrol from one address is never slowed down. Once
a limit is reached every attempt is refused with 429 before the password or code is even
looked at, so a right password during the lockout is refused too. The lockout message is the
same whether the username exists or not: the keys below never depend on the database.

Login failures are counted three ways (each its own counter):
  - one address and one username  LOGIN_LIMIT_USER_IP  (the lockout a person meets)
  - one address, any usernames     LOGIN_LIMIT_IP       (one machine trying many names)
  - one username, any addresses    LOGIN_LIMIT_USER     (many machines trying one name)
Enrolment failures are counted per address (ENROL_LIMIT_IP).

Storage (RATELIMIT_STORAGE_URI): `memory://` (the default for create_app) is per process:
with gunicorn's W workers a client could get W times each limit. `chungsuc serve` therefore
uses `sqlite-file://ratelimits.sqlite3` (a file in the instance folder shared by the workers of
one host, server/security_storage.py) unless RATELIMIT_STORAGE_URI says otherwise; several
hosts need `redis://host:6379` or `memcached://host:11211`. See docs/administration.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from server import security_storage  # noqa: F401  (registers sqlite-file:// with limits)

LOCKOUT = {
    "auth.login": (
        "Đăng nhập sai quá nhiều lần. Vì an toàn, hãy chờ {minutes} phút rồi thử lại.",
        "Too many failed logins. For safety, wait {minutes} minutes and try again.",
    ),
    "devices.enroll": (
        "Nhập sai mã đăng ký quá nhiều lần. Hãy chờ {minutes} phút, kiểm tra lại mã với quản "
        "trị viên đồng bộ rồi thử lại.",
        "Too many wrong enrolment codes. Wait {minutes} minutes, check the code with the sync "
        "administrator and try again.",
    ),
}
DEFAULTS = {
    "LOGIN_LIMIT_USER_IP": "5 per 15 minutes",
    "LOGIN_LIMIT_IP": "30 per 15 minutes",
    "LOGIN_LIMIT_USER": "20 per hour",
    "ENROL_LIMIT_IP": "10 per 15 minutes",
}


def _address() -> str:
    return get_remote_address() or "-"


def _username() -> str:
    # Normalised the way a person would see the name; never looked up in the database.
    return normalise_username(request.form.get("username", ""))


def _key_user_ip() -> str:
    return f"ip-user:{_address()}|{_username()}"


def _key_ip() -> str:
    return f"ip:{_address()}"


def _key_user() -> str:
    return _key_user_for(_username())


def _key_user_for(name: str) -> str:
    return f"user:{name}"


def _key_enrol() -> str:
    return f"enrol-ip:{_address()}"


def _login_failed(response) -> bool:
    return response.status_code == 401


def _enrol_failed(response) -> bool:
    return 400 <= response.status_code < 500 and response.status_code != 429


def _configured(name: str):
    return lambda: current_app.config.get(name) or DEFAULTS[name]


def _minutes_left(limiter: Limiter) -> int:
    current = limiter.current_limit
    if current is None:
        return 15
    return max(1, round((current.reset_at - time.time()) / 60))


def _locked_out(exc: RateLimitExceeded):
    from server.errors import respond

    limiter = current_app.extensions["chungsuc_limiter"]
    vi, en = LOCKOUT.get(request.endpoint or "", LOCKOUT["auth.login"])
    minutes = _minutes_left(limiter)
    if request.endpoint == "auth.login":
        from server.extensions import db
        from server.services import audit

        audit.log("login.locked", actor=_username(), details={"ip": _address()})
        db.session.commit()
    vi, en = vi.format(minutes=minutes), en.format(minutes=minutes)
    response = respond(429, "too_many_attempts", vi, en)
    response.headers["Retry-After"] = str(minutes * 60)
    return response


def normalise_username(username: str) -> str:
    return username.strip().casefold()[:64] or "-"


def unlock_login(username: str, addresses: Iterable[str]) -> None:
    """Clear one username's login failure counters: the count across addresses, and the
    per-address count for each address given (the caller passes only the user's own known
    addresses). An address trying many names (`ip:`) stays limited. Needs a request
    context (a web action)."""
    limiter = current_app.extensions["chungsuc_limiter"]
    name = normalise_username(username)
    keys = {_key_user_for(name)} | {f"ip-user:{address}|{name}" for address in addresses}
    default, decorated = limiter.limit_manager.resolve_limits(current_app, "auth.login", "auth")
    for limit in [*default, *decorated]:
        scope = limit.scope_for("auth.login", "POST")
        for key in sorted(keys):
            limiter.limiter.clear(limit.limit, key, scope)


def storage_uri(uri: str, instance_path: str) -> str:
    """A relative sqlite-file:// store lives in the instance folder (`chungsuc serve`)."""
    if uri.startswith("sqlite-file://") and not uri.startswith("sqlite-file:///"):
        return "sqlite-file://" + str(Path(instance_path) / uri[len("sqlite-file://") :])
    return uri


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(
        app.config["RATELIMIT_STORAGE_URI"], app.instance_path
    )
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A shared store that is down must not stop every login: fall back to per-process memory.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # One limiter per app (tests build many apps; each gets its own counters).
    limiter = Limiter(key_func=_address, app=app)
    app.extensions["chungsuc_limiter"] = limiter
    # The limits wrap this app's view functions (Flask-Limiter checks decorated limits when
    # the wrapped view runs); the blueprints' own functions stay untouched for other apps.
    login = app.view_functions["auth.login"]
    for name, key in (
        ("LOGIN_LIMIT_USER_IP", _key_user_ip),
        ("LOGIN_LIMIT_IP", _key_ip),
        ("LOGIN_LIMIT_USER", _key_user),
    ):
        login = limiter.limit(
            _configured(name), key_func=key, methods=["POST"], deduct_when=_login_failed
        )(login)
    app.view_functions["auth.login"] = login
    app.view_functions["devices.enroll"] = limiter.limit(
        _configured("ENROL_LIMIT_IP"),
        key_func=_key_enrol,
        methods=["POST"],
        deduct_when=_enrol_failed,
    )(app.view_functions["devices.enroll"])
    app.register_error_handler(RateLimitExceeded, _locked_out)
