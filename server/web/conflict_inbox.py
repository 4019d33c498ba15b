"""The conflict inbox page for sync administrators: open conflicts of their province with
filters, one conflict side by side field by field, resolve per field or by typed value, and
bulk-resolve by taking one side for the selected conflicts."""

from __future__ import annotations

import re

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from forms import default_registry
from server.extensions import db
from server.models import Conflict
from server.services import conflict_inbox, conflicts
from server.services.access import can_access_commune, communes_in_area
from server.services.devices_admin import ADMIN_ROLES, communes_for
from server.web.auth import check_csrf, login_required

SAFE_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")

bp = Blueprint("conflict_inbox", __name__, url_prefix="/admin/conflicts")


def _require_admin() -> None:
    if g.user.role not in ADMIN_ROLES:
        abort(403)


def _filters() -> dict:
    age = request.args.get("age", "").strip()
    commune = request.args.get("commune", "").strip()
    form_id = request.args.get("form", "").strip()
    # filters only ever hold codes: anything else (NUL bytes, markup) is ignored
    return {
        "commune": commune if SAFE_CODE.fullmatch(commune) else None,
        "form_id": form_id if SAFE_CODE.fullmatch(form_id) else None,
        "min_age_days": int(age) if age.isdigit() and int(age) < 100000 else None,
    }


def _list_page(status: int = 200, **extra):
    filters = _filters()
    rows = conflicts.list_open(communes_in_area(g.user), **filters)
    return (
        render_template(
            "admin/conflicts.html",
            rows=rows,
            filters=filters,
            communes=communes_for(g.user),
            forms=[(f.id, f.title.vi) for f in default_registry().current()],
            **extra,
        ),
        status,
    )


def _get(conflict_id: int) -> Conflict:
    conflict = db.session.get(Conflict, conflict_id)
    if conflict is None or not can_access_commune(g.user, conflict.commune_code):
        abort(404)
    return conflict


@bp.get("")
@login_required
def index():
    _require_admin()
    return _list_page()


@bp.get("/<int:conflict_id>")
@login_required
def show(conflict_id: int):
    _require_admin()
    return render_template("admin/conflict.html", v=conflict_inbox.view(_get(conflict_id)))


@bp.post("/<int:conflict_id>/resolve")
@login_required
def resolve(conflict_id: int):
    _require_admin()
    check_csrf()
    conflict = _get(conflict_id)
    v = conflict_inbox.view(conflict)
    choices, values = {}, {}
    try:
        for name in conflict.fields:
            picked = request.form.get(f"choice-{name}", "")
            if picked == "typed":
                values[name] = conflict_inbox.parse_typed(
                    v.form, name, request.form.get(f"value-{name}", "")
                )
            elif picked:
                choices[name] = picked
        record = conflicts.resolve(conflict, choices, values, g.user.username)
    except conflict_inbox.TypedValueError as exc:
        return render_template(
            "admin/conflict.html", v=v, error=(exc.message, exc.message_en), form_data=request.form
        ), 422
    except conflicts.ResolutionError as exc:
        db.session.rollback()
        details = exc.extra.get("errors") or []
        return render_template(
            "admin/conflict.html",
            v=conflict_inbox.view(_get(conflict_id)),
            error=(exc.message, exc.message_en),
            field_errors=details,
            form_data=request.form,
        ), exc.status
    return redirect(url_for("conflict_inbox.index", resolved=conflict.id, version=record.version))


@bp.post("/bulk")
@login_required
def bulk():
    _require_admin()
    check_csrf()
    side = request.form.get("side", "")
    if side not in ("device", "server"):
        return _list_page(400, error=("Hãy chọn lấy bên nào.", "Choose which side to take."))
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:200]
    if not ids:
        return _list_page(400, error=("Chưa chọn xung đột nào.", "No conflicts selected."))
    picked = [
        c
        for c in db.session.scalars(db.select(Conflict).where(Conflict.id.in_(ids)))
        if can_access_commune(g.user, c.commune_code)
    ]
    done, failed = conflict_inbox.bulk_resolve(picked, side, g.user.username)
    return _list_page(200 if not failed else 422, done=done, failed=failed)
