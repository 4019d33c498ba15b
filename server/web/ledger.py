"""Ledger pages for the commune board: the contribution ledger with its filters and VND
valuation, the unit rates, and the commendation rules and list."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, g, render_template, request

from server.extensions import db
from server.models import AdminUnit
from server.services import ledger_commendation, ledger_rates
from server.services.access import can_access_commune
from server.services.exports import indicators_available
from server.services.ledger import KIND_UNITS, LedgerFilter, compute, households, labels
from server.services.ledger_rates import RateError
from server.web.auth import check_csrf, login_required

bp = Blueprint("ledger", __name__)
PAGE_LINES = 300  # the page shows the latest entries; the XLSX/CSV carry all of them
PAGE_HOUSEHOLDS = 200
EDITORS = ("board", "sysadmin")


def commune_or_abort(code: str) -> AdminUnit:
    commune = db.session.get(AdminUnit, code)
    if commune is None or commune.level != "commune":
        abort(404)
    if not can_access_commune(g.user, code):
        abort(403)
    return commune


def can_edit(code: str) -> bool:
    user = g.user
    return user.role == "sysadmin" or (user.role == "board" and user.area_code == code)


def _date_arg(name: str, errors: list[tuple[str, str]]) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append((f"Ngày không hợp lệ: {raw[:20]}", f"Not a date: {raw[:20]}"))
        return None


def parse_filters(commune: AdminUnit) -> tuple[LedgerFilter, list[tuple[str, str]]]:
    """Filters from the query string; a bad one is dropped and reported, never a 500."""
    errors: list[tuple[str, str]] = []
    names = labels()
    village = request.args.get("village", "").strip() or None
    if village is not None:
        unit = db.session.get(AdminUnit, village)
        if unit is None or unit.parent_code != commune.code:
            errors.append(("Thôn không thuộc xã này.", "That village is not in this commune."))
            village = None
    works = request.args.get("works", "").strip() or None
    if works is not None and works not in names["works"]:
        errors.append(("Công trình không hợp lệ.", "Unknown works."))
        works = None
    kind = request.args.get("kind", "").strip() or None
    if kind is not None and kind not in names["kind"]:
        errors.append(("Loại đóng góp không hợp lệ.", "Unknown kind of contribution."))
        kind = None
    date_from, date_to = _date_arg("from", errors), _date_arg("to", errors)
    if date_from and date_to and date_from > date_to:
        errors.append(("Ngày bắt đầu sau ngày kết thúc.", "The start date is after the end date."))
        date_from = date_to = None
    return LedgerFilter(village, works, kind, date_from, date_to), errors


def _villages(commune: AdminUnit) -> list[AdminUnit]:
    return list(
        db.session.scalars(
            db.select(AdminUnit)
            .where(AdminUnit.parent_code == commune.code, AdminUnit.level == "village")
            .order_by(AdminUnit.name)
        )
    )


def export_query() -> str:
    keys = ("village", "works", "kind", "from", "to")
    parts = [f"{k}={request.args[k]}" for k in keys if request.args.get(k)]
    return ("?" + "&".join(parts)) if parts else ""


@bp.get("/communes/<code>/ledger")
@login_required
def page(code: str):
    commune = commune_or_abort(code)
    filters, errors = parse_filters(commune)
    ledger = compute(commune, filters)
    return render_template(
        "ledger.html",
        commune=commune,
        ledger=ledger,
        households=households(ledger)[:PAGE_HOUSEHOLDS],
        lines=ledger.lines[-PAGE_LINES:],
        names=labels(),
        villages=_villages(commune),
        errors=errors,
        query=export_query() if not errors else "",
        has_indicators=indicators_available(),
    ), (400 if errors else 200)


def _int(raw: str, errors: list, field: str, vi: str, en: str) -> int | None:
    raw = raw.strip().replace(".", "").replace(" ", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        errors.append((field, vi, en))
        return None
    return int(raw)


def _float(raw: str, errors: list, field: str, vi: str, en: str) -> float | None:
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors.append((field, vi, en))
        return None
    if not 0 <= value <= 1e10:
        errors.append((field, vi, en))
        return None
    return value


@bp.route("/communes/<code>/ledger/rates", methods=["GET", "POST"])
@login_required
def rates(code: str):
    commune = commune_or_abort(code)
    editable = can_edit(code)
    errors: list[tuple[str, str, str]] = []
    status = 200
    if request.method == "POST":
        if not editable:
            abort(403)
        check_csrf()
        form = request.form
        key = form.get("key", "")
        kind, _, unit = key.partition(":")
        if (kind, unit) not in rate_keys():
            errors.append(("key", "Hãy chọn loại và đơn vị.", "Choose a kind and unit."))
        rate = _int(
            form.get("rate_vnd", ""),
            errors,
            "rate_vnd",
            "Đơn giá phải là số đồng (số nguyên).",
            "The rate must be whole VND.",
        )
        day_errors: list[tuple[str, str]] = []
        valid_from = _parse_date(form.get("valid_from", ""), day_errors)
        valid_to = _parse_date(form.get("valid_to", ""), day_errors)
        errors += [("valid_from", vi, en) for vi, en in day_errors]
        if valid_from is None and not day_errors:
            errors.append(("valid_from", "Hãy nhập ngày bắt đầu.", "Give the start date."))
        if not errors:
            try:
                ledger_rates.add_rate(
                    code,
                    kind=kind,
                    unit=unit,
                    rate_vnd=rate or 0,
                    basis=form.get("basis", ""),
                    valid_from=valid_from,
                    valid_to=valid_to,
                    actor=g.user.username,
                )
                db.session.commit()
            except RateError as exc:
                db.session.rollback()
                errors.append((exc.field, exc.vi, exc.en))
        status = 422 if errors else 201
    return render_template(
        "ledger_rates.html",
        commune=commune,
        rates=ledger_rates.rates_of(code),
        keys=rate_keys(),
        names=labels(),
        editable=editable,
        errors=errors,
        saved=status == 201,
        form=request.form if errors else {},
        today=dt.date.today(),
    ), (200 if status == 201 else status)


def _parse_date(raw: str, errors: list[tuple[str, str]]) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append((f"Ngày không hợp lệ: {raw[:20]}", f"Not a date: {raw[:20]}"))
        return None


def rate_keys() -> list[tuple[str, str]]:
    """Kinds and units a rate can be set for (cash is its own value)."""
    names = labels()
    keys = [(kind, unit) for kind, unit in KIND_UNITS.items() if kind != "cash"]
    for kind in ("materials", "demolished", "cleared"):
        keys += [(kind, unit) for unit in names["unit"] if unit not in ("vnd", "labour_day")]
    return keys


@bp.route("/communes/<code>/commendation", methods=["GET", "POST"])
@login_required
def commendation(code: str):
    commune = commune_or_abort(code)
    editable = can_edit(code)
    errors: list[tuple[str, str, str]] = []
    saved = False
    if request.method == "POST":
        if not editable:
            abort(403)
        check_csrf()
        form = request.form
        bad = ("Hãy nhập một số không âm.", "Enter a number, not negative.")
        values = {
            "min_land_m2": _float(form.get("min_land_m2", ""), errors, "min_land_m2", *bad),
            "min_labour_days": _float(
                form.get("min_labour_days", ""), errors, "min_labour_days", *bad
            ),
            "min_value_vnd": _int(form.get("min_value_vnd", ""), errors, "min_value_vnd", *bad),
            "top_per_village": _int(
                form.get("top_per_village", ""), errors, "top_per_village", *bad
            ),
            "approved_only": form.get("approved_only") == "1",
        }
        if not errors:
            try:
                ledger_commendation.save_rules(code, values, g.user.username)
                db.session.commit()
                saved = True
            except RateError as exc:
                db.session.rollback()
                errors.append((exc.field, exc.vi, exc.en))
    rules = ledger_commendation.rules_of(code)
    entries, _ = ledger_commendation.commendation(commune, rules)
    return render_template(
        "commendation.html",
        commune=commune,
        rules=rules,
        entries=entries,
        names=labels(),
        editable=editable,
        errors=errors,
        saved=saved,
        form=request.form if errors else {},
    ), (422 if errors else 200)
