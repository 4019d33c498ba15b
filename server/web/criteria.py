"""Criteria configuration page for province officers (their province) and system
administrators (any province, or the national setting): thresholds per indicator, level and
region / commune group with their legal reference, and each commune's region or group."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select

from forms.catalogue import LEVELS, catalogues
from server.extensions import db
from server.models import AdminUnit, CommunePartition
from server.services import criteria_config
from server.services.criteria_config import ConfigError
from server.services.indicators import DEFAULT_SET
from server.web.auth import check_csrf, login_required

bp = Blueprint("criteria", __name__)
CONFIG_ROLES = ("province_officer", "sysadmin")


def _scope() -> str:
    """The province whose configuration the page shows ('' = national, sysadmin only)."""
    if g.user.role not in CONFIG_ROLES:
        abort(403)
    if g.user.role == "province_officer":
        if not g.user.area_code:
            abort(403)
        return g.user.area_code
    wanted = (request.values.get("province") or "").strip()
    if wanted:
        unit = db.session.get(AdminUnit, wanted)
        if unit is None or unit.level != "province":
            abort(404)
    return wanted


def _set_id() -> str:
    set_id = request.values.get("set", DEFAULT_SET)
    return set_id if set_id in catalogues() else DEFAULT_SET


def _rows(set_id: str, province: str):
    """One row per (indicator, level) with a threshold: catalogue value and overrides."""
    criteria = catalogues()[set_id]
    by_key: dict[tuple[str, str], list] = {}
    for o in criteria_config.overrides(set_id, province or None):
        by_key.setdefault((o.indicator_id, o.level), []).append(o)
    rows = []
    for kind, items in (
        ("household", criteria.indicators),
        ("commune", criteria.commune_indicators),
    ):
        for item in items:
            for level in item.levels:
                base = item.thresholds.get(level)
                if base is None:
                    continue  # yes/no commune indicators have no threshold (listed apart)
                rows.append(
                    {
                        "kind": kind,
                        "item": item,
                        "level": level,
                        "base": base,
                        "share": getattr(item, "kind", "ratio") == "ratio",
                        "overrides": by_key.get((item.id, level), []),
                    }
                )
    return rows


def _render(set_id: str, province: str, error=None, status: int = 200):
    criteria = catalogues()[set_id]
    communes = []
    if province:
        communes = db.session.scalars(
            select(AdminUnit)
            .where(AdminUnit.parent_code == province, AdminUnit.level == "commune")
            .order_by(AdminUnit.name)
        ).all()
    assigned = {
        p.commune_code: p
        for p in db.session.scalars(
            select(CommunePartition).where(
                CommunePartition.set_id == set_id,
                CommunePartition.commune_code.in_([c.code for c in communes]),
            )
        )
    }
    provinces = []
    if g.user.role == "sysadmin":
        provinces = db.session.scalars(
            select(AdminUnit).where(AdminUnit.level == "province").order_by(AdminUnit.name)
        ).all()
    return render_template(
        "criteria/page.html",
        sets=catalogues(),
        criteria=criteria,
        province=db.session.get(AdminUnit, province) if province else None,
        provinces=provinces,
        rows=_rows(set_id, province),
        yes_no=[i for i in criteria.commune_indicators if i.kind == "boolean"],
        communes=communes,
        assigned=assigned,
        levels=LEVELS,
        error=error,
    ), status


@bp.get("/criteria")
@login_required
def page():
    return _render(_set_id(), _scope())


@bp.post("/criteria")
@login_required
def change():
    check_csrf()
    province = _scope()
    set_id = _set_id()
    action = request.form.get("action", "")
    try:
        if action == "set":
            indicator_id, _, level = request.form.get("target", "").partition("|")
            raw_date = request.form.get("legal_date", "").strip()
            try:
                legal_date = dt.date.fromisoformat(raw_date) if raw_date else None
            except ValueError:
                raise ConfigError(
                    422, "bad_date", "Ngày văn bản không hợp lệ.", "Not a valid date."
                ) from None
            criteria_config.set_override(
                g.user,
                set_id,
                indicator_id,
                level,
                province,
                request.form.get("partition", "").strip(),
                request.form.get("value", ""),
                request.form.get("legal_ref", ""),
                legal_date,
            )
        elif action == "clear":
            override_id = request.form.get("override", "")
            if not override_id.isdigit():
                abort(400)
            criteria_config.clear_override(g.user, int(override_id))
        elif action == "partition":
            commune = request.form.get("commune", "").strip()
            unit = db.session.get(AdminUnit, commune)
            if unit is None or unit.parent_code != province:
                raise ConfigError(
                    422,
                    "unknown_commune",
                    "Hãy chọn một xã của tỉnh.",
                    "Choose a commune of the province.",
                )
            criteria_config.set_commune_partition(
                g.user,
                commune,
                set_id,
                request.form.get("partition", "").strip(),
                request.form.get("legal_ref", ""),
            )
        else:
            abort(400)
    except ConfigError as exc:
        db.session.rollback()
        return _render(set_id, province, (exc.message, exc.message_en), exc.status)
    return redirect(url_for("criteria.page", set=set_id, province=province or None))
