"""Integrity pages: the commune's summary of flags (counts per kind, households most
affected, the flags themselves) and "checked, acceptable" with a required reason.
Also the `integrity_flags` template globals the review queue, the record page and the
dashboard drill-down use to show flag badges with their reason."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from server.extensions import db
from server.models import AdminUnit, IntegrityFlag
from server.services import integrity, integrity_summary
from server.services.access import can_access_commune
from server.services.integrity_kinds import KINDS
from server.web.auth import check_csrf, login_required

bp = Blueprint("integrity", __name__)
integrity.listen_to_photo_pipeline()  # flags follow the photo pipeline's results


def _commune(code: str) -> AdminUnit:
    commune = db.session.get(AdminUnit, code)
    if commune is None or commune.level != "commune":
        abort(404)
    if not can_access_commune(g.user, code):
        abort(403)
    return commune


def _page(commune: AdminUnit, error: tuple[str, str] | None = None, status: int = 200):
    code = commune.code
    kind = request.values.get("kind", "")
    state = request.values.get("state", "open")
    household = request.values.get("household", "")
    villages = db.session.query(AdminUnit).filter(AdminUnit.parent_code == code)
    return render_template(
        "integrity/summary.html",
        commune=commune,
        counts=integrity_summary.counts(code),
        affected=integrity_summary.most_affected(code),
        rows=integrity_summary.listing(code, kind, state, household),
        kinds=KINDS,
        kind=kind if kind in KINDS else "",
        state=state if state in ("open", "accepted", "closed") else "open",
        household=household,
        villages=villages.order_by(AdminUnit.code).all(),
        can_accept=integrity.may_accept(g.user, code),
        error=error,
        limit=integrity_summary.LIST_LIMIT,
    ), status


@bp.get("/communes/<code>/integrity")
@login_required
def summary(code: str):
    return _page(_commune(code))


@bp.post("/integrity/flags/<int:flag_id>/accept")
@login_required
def accept(flag_id: int):
    check_csrf()
    flag = db.session.get(IntegrityFlag, flag_id)
    if flag is None or not can_access_commune(g.user, flag.commune_code):
        abort(404)
    commune = _commune(flag.commune_code)
    if not integrity.may_accept(g.user, flag.commune_code):
        abort(403)
    try:
        integrity.accept(g.user, flag_id, request.form.get("reason", ""))
    except integrity.IntegrityError as exc:
        db.session.rollback()
        return _page(commune, (exc.message, exc.message_en), exc.status)
    args = {k: request.form[k] for k in ("kind", "state", "household") if request.form.get(k)}
    return redirect(url_for("integrity.summary", code=commune.code, **args) + f"#flag-{flag_id}")


@bp.app_template_global("integrity_flags")
def flags_for_records(records) -> dict[str, list[IntegrityFlag]]:
    """{record uuid: [open or accepted flags]} for the records a page already shows."""
    return integrity_summary.for_records(r.uuid for r in records)


@bp.app_template_global("integrity_household_flags")
def flags_for_household(household_id: str) -> list[IntegrityFlag]:
    return integrity_summary.for_household(household_id)


@bp.app_template_global("integrity_kind_name")
def kind_name(kind: str) -> tuple[str, str]:
    return KINDS.get(kind, (kind, kind))
