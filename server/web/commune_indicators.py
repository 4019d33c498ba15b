"""Commune-level indicators page: the board enters a value with its document; everyone who
may see the commune sees the values, who entered them and when, and opens the documents."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, send_file, url_for

from forms.catalogue import LEVELS, catalogues
from server.extensions import db
from server.services import commune_indicators
from server.services.commune_indicators import MAX_DOCUMENT_BYTES, EntryError
from server.services.indicators import DEFAULT_SET
from server.web.auth import check_csrf, login_required
from server.web.dashboard import LEVEL_NAMES, _commune

bp = Blueprint("commune_indicators", __name__)


def _choices() -> tuple[str, str]:
    set_id = request.values.get("set", DEFAULT_SET)
    if set_id not in catalogues():
        set_id = DEFAULT_SET
    level = request.values.get("level", "standard")
    return set_id, level if level in LEVELS else "standard"


def _render(code: str, error=None, status: int = 200, failed: str = ""):
    commune = _commune(code)
    set_id, level = _choices()
    results = commune_indicators.results(code, set_id, level)
    return render_template(
        "dashboard_commune.html",
        commune=commune,
        criteria=catalogues()[set_id],
        level=level,
        levels=LEVEL_NAMES,
        results=results,
        history={
            r.indicator.id: commune_indicators.history(code, set_id, r.indicator.id)
            for r in results
        },
        can_enter=commune_indicators.may_enter(g.user, code),
        max_mb=MAX_DOCUMENT_BYTES // (1024 * 1024),
        error=error,
        failed=failed,
    ), status


@bp.get("/communes/<code>/commune-indicators")
@login_required
def page(code: str):
    return _render(code)


@bp.post("/communes/<code>/commune-indicators/<indicator_id>")
@login_required
def enter(code: str, indicator_id: str):
    check_csrf()
    _commune(code)  # 404 / 403 before anything is read
    set_id, level = _choices()
    upload = request.files.get("document")
    content = upload.read(MAX_DOCUMENT_BYTES + 1) if upload else b""
    try:
        commune_indicators.enter(
            g.user,
            code,
            set_id,
            indicator_id,
            request.form.to_dict(),
            content,
            upload.filename if upload else "",
        )
    except EntryError as exc:
        db.session.rollback()
        return _render(code, (exc.message, exc.message_en), exc.status, indicator_id)
    return redirect(url_for("commune_indicators.page", code=code, set=set_id, level=level))


@bp.get("/communes/<code>/commune-indicators/entries/<int:entry_id>/document")
@login_required
def document(code: str, entry_id: int):
    _commune(code)
    entry = commune_indicators.get_entry(code, entry_id)
    if entry is None:
        abort(404)
    path = commune_indicators.document_path(entry.document_sha256)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=entry.document_type,
        as_attachment=entry.document_type == "application/pdf",
        download_name=entry.document_name,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
