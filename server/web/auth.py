"""Web login with a session cookie, CSRF tokens on forms, and area checks for pages."""

from __future__ import annotations

import secrets
from functools import wraps

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from server.extensions import db
from server.models import User
from server.services import audit

bp = Blueprint("auth", __name__)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    # Also checked for every web POST in server.security.require_csrf; kept here so a view
    # never depends on the hook's order.
    from server.security import CsrfRejected, csrf_ok

    if not csrf_ok():
        raise CsrfRejected()


_DUMMY_HASH: list[str] = []


def _dummy_check(password: str) -> None:
    from werkzeug.security import check_password_hash, generate_password_hash

    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_hex(8), method="scrypt"))
    check_password_hash(_DUMMY_HASH[0], password)


def load_user() -> None:
    user_id = session.get("user_id")
    g.user = db.session.get(User, user_id) if user_id else None
    if g.user is not None and (
        not g.user.active or session.get("session_version", 0) != g.user.session_version
    ):
        g.user = None  # deactivated, or the password was reset since this session began


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        username = request.form.get("username", "").strip()
        user = db.session.scalar(select(User).where(User.username == username))
        password = request.form.get("password", "")
        if user is None:
            # Hash anyway, so the answer takes as long as for a real name (no user probing).
            _dummy_check(password)
        elif user.check_password(password) and user.active:  # same cost for inactive names
            session.clear()
            session["user_id"] = user.id
            session["session_version"] = user.session_version
            audit.log("login.success", actor=user.username, area_code=user.area_code)
            db.session.commit()
            target = request.args.get("next", "")
            # Only local paths: never bounce a user to another site after login.
            # ("/\\host" is "//host" to a browser.)
            if not target.startswith("/") or target[1:2] in ("/", "\\"):
                target = url_for("commune.home")
            return redirect(target)
        error = True  # the same message whether the name or the password was wrong
        # the attempted name is recorded for the administrator, never shown to the visitor
        audit.log("login.failure", actor=username[:64] or "?", details={"known": user is not None})
        db.session.commit()
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    check_csrf()
    session.clear()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    app.before_request(load_user)
    app.jinja_env.globals["csrf_token"] = csrf_token
