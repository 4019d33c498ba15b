"""The audit log page for administrators: search by actor, action, area and dates; CSV."""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Response, abort, g, render_template, request

from server.services import audit_search
from server.services.devices_admin import ADMIN_ROLES
from server.web.auth import login_required

bp = Blueprint("audit_log", __name__, url_prefix="/admin/audit")
SAFE = re.compile(r"[\w.:@-]{1,64}")


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


def _filters() -> dict:
    def text(name: str) -> str:
        value = request.args.get(name, "").strip()
        return value if SAFE.fullmatch(value) else ""

    return {
        "actor": text("actor"),
        "action": text("action"),
        "area": text("area"),
        "date_from": _date("from"),
        "date_to": _date("to"),
    }


@bp.get("")
@login_required
def index():
    if g.user.role not in ADMIN_ROLES:
        abort(403)
    filters = _filters()
    events = audit_search.search(g.user, **filters)
    if request.args.get("format") == "csv":
        return Response(
            audit_search.to_csv(events),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=nhat-ky.csv"},
        )
    return render_template("admin/audit.html", events=events, filters=filters)
