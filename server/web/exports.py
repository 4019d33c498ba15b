"""Downloads for the commune board: the ledger and the indicator table as XLSX and CSV,
records as GeoJSON, and the PDF dossier. Each download is written to the audit log."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, Response, abort, g

from server.extensions import db
from server.services import audit, exports, exports_geojson, exports_pdf, ledger_commendation
from server.services.ledger import compute
from server.web.auth import login_required
from server.web.ledger import commune_or_abort, parse_filters

bp = Blueprint("exports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, filename: str, mimetype: str, code: str, what: str) -> Response:
    audit.log(
        "export." + what,
        actor=g.user.username,
        area_code=code,
        target=f"commune:{code}",
        details={"file": filename, "bytes": len(body)},
    )
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _stamp() -> str:
    return dt.date.today().strftime("%Y%m%d")


def _ledger(code: str):
    commune = commune_or_abort(code)
    filters, errors = parse_filters(commune)
    if errors:
        abort(400)
    return compute(commune, filters)


@bp.get("/communes/<code>/exports/ledger.xlsx")
@login_required
def ledger_xlsx(code: str):
    body = exports.ledger_xlsx(_ledger(code))
    return _download(body, f"so-dong-gop-{code}-{_stamp()}.xlsx", XLSX, code, "ledger_xlsx")


@bp.get("/communes/<code>/exports/ledger.csv")
@login_required
def ledger_csv(code: str):
    body = exports.ledger_csv(_ledger(code))
    name = f"so-dong-gop-{code}-{_stamp()}.csv"
    return _download(body, name, "text/csv; charset=utf-8", code, "ledger_csv")


def _indicators(code: str):
    commune = commune_or_abort(code)
    rows = exports.indicator_rows(code)
    if rows is None:
        abort(404)  # the indicator table is not available yet
    return commune, rows


@bp.get("/communes/<code>/exports/indicators.xlsx")
@login_required
def indicators_xlsx(code: str):
    commune, rows = _indicators(code)
    body = exports.indicators_xlsx(commune.name, rows)
    return _download(body, f"chi-tieu-{code}-{_stamp()}.xlsx", XLSX, code, "indicators_xlsx")


@bp.get("/communes/<code>/exports/indicators.csv")
@login_required
def indicators_csv(code: str):
    _, rows = _indicators(code)
    body = exports.indicators_csv(rows)
    name = f"chi-tieu-{code}-{_stamp()}.csv"
    return _download(body, name, "text/csv; charset=utf-8", code, "indicators_csv")


@bp.get("/communes/<code>/exports/records.geojson")
@login_required
def records_geojson(code: str):
    commune = commune_or_abort(code)
    body = json.dumps(exports_geojson.records_geojson(commune), ensure_ascii=False).encode()
    name = f"ban-ghi-{code}-{_stamp()}.geojson"
    return _download(body, name, "application/geo+json", code, "records_geojson")


@bp.get("/communes/<code>/exports/dossier.pdf")
@login_required
def dossier_pdf(code: str):
    ledger = _ledger(code)
    entries, _ = ledger_commendation.commendation(
        ledger.commune, ledger_commendation.rules_of(code), ledger.filters
    )
    body = exports_pdf.build(
        ledger, exports.indicator_rows(code), entries, generated_by=g.user.display_name
    )
    return _download(body, f"ho-so-{code}-{_stamp()}.pdf", "application/pdf", code, "dossier_pdf")
