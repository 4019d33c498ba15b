"""Ledger and indicator tables as XLSX (openpyxl) and CSV (UTF-8 with a BOM for Excel).

Both formats are built from the same rows, so the CSV and the XLSX always agree. Numbers
are written as numbers (a dot for decimals in the CSV, no thousands separator) so a
spreadsheet can sum them; labels are Vietnamese first, English second.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from server.services.ledger import Ledger, households, labels
from server.services.ledger_rates import rates_of

BOM = "\ufeff"

LEDGER_COLUMNS = (
    ("Ngày", "Date"),
    ("Thôn", "Village"),
    ("Chủ hộ", "Household head"),
    ("Số nhà", "House no."),
    ("Loại", "Kind"),
    ("Vật liệu / công trình / cây", "Item"),
    ("Đơn vị", "Unit"),
    ("Công trình", "Works"),
    ("Tên công trình", "Works name"),
    ("SL đã duyệt", "Approved quantity"),
    ("SL chờ duyệt", "Pending quantity"),
    ("Đơn giá (đ)", "Rate (VND)"),
    ("Căn cứ đơn giá", "Rate basis"),
    ("Giá trị đã duyệt (đ)", "Approved value (VND)"),
    ("Giá trị chờ duyệt (đ)", "Pending value (VND)"),
    ("Số lần điều chỉnh", "Corrections"),
    ("Số ảnh", "Photos"),
    ("Mã bản ghi", "Record id"),
)

INDICATOR_COLUMNS = (
    ("Mã", "Code"),
    ("Chỉ tiêu", "Indicator"),
    ("Indicator (EN)", "Indicator (EN)"),
    ("Giá trị", "Value"),
    ("Ngưỡng", "Threshold"),
    ("Kết quả", "Status"),
    ("Độ phủ", "Coverage"),
)

STATUS_LABELS = {
    "met": "Đạt / Met",
    "not_met": "Chưa đạt / Not met",
    "no_data": "Chưa đủ dữ liệu / Not enough data",
}


@dataclass(frozen=True)
class IndicatorRow:
    """One row of the indicator table, the interface between the indicators service and
    the exports: coverage is e.g. "45/60 hộ"; status is met, not_met or no_data."""

    code: str
    name_vi: str
    name_en: str
    value: float | str | None
    threshold: str
    status: str
    coverage: str


def _num(value: float | int | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 4)


def ledger_rows(ledger: Ledger) -> list[list[Any]]:
    names = labels()
    rows = []
    for line in ledger.lines:
        household = line.household
        kind = names["kind"].get(line.kind)
        unit = names["unit"].get(line.unit)
        works = names["works"].get(line.works)
        rows.append(
            [
                line.date.isoformat(),
                line.village_name,
                household.head_name if household else "",
                (household.house_number or "") if household else "",
                f"{kind.vi} / {kind.en}" if kind else line.kind,
                line.item,
                unit.vi if unit else line.unit,
                f"{works.vi} / {works.en}" if works else line.works,
                line.works_name,
                _num(line.quantity["approved"]),
                _num(line.quantity["pending"]),
                line.rate_vnd,
                line.basis,
                line.value("approved"),
                line.value("pending"),
                line.adjustments,
                len(line.photos),
                line.record.uuid,
            ]
        )
    return rows


def summary_rows(ledger: Ledger) -> list[list[Any]]:
    """Totals by kind and unit, then the commune's valued total."""
    names = labels()
    rows = []
    for (kind, unit), bucket in sorted(ledger.by_kind.items()):
        k, u = names["kind"].get(kind), names["unit"].get(unit)
        rows.append(
            [
                f"{k.vi} / {k.en}" if k else kind,
                u.vi if u else unit,
                _num(bucket.qty(kind, "approved", unit)),
                _num(bucket.qty(kind, "pending", unit)),
                bucket.value["approved"],
                bucket.value["pending"],
            ]
        )
    rows.append(
        [
            "Tổng giá trị quy đổi / Total VND equivalent",
            "đ",
            None,
            None,
            ledger.total.value["approved"],
            ledger.total.value["pending"],
        ]
    )
    return rows


SUMMARY_HEADER = [
    "Loại / Kind",
    "Đơn vị / Unit",
    "SL đã duyệt / Approved",
    "SL chờ duyệt / Pending",
    "Giá trị đã duyệt (đ) / Approved value",
    "Giá trị chờ duyệt (đ) / Pending value",
]


HOUSEHOLD_HEADER = [
    "Chủ hộ / Household head",
    "Thôn / Village",
    "Đất đã duyệt (m²) / Approved land",
    "Ngày công đã duyệt / Approved labour days",
    "Tiền mặt đã duyệt (đ) / Approved cash",
    "Quy đổi đã duyệt (đ) / Approved VND",
    "Quy đổi chờ duyệt (đ) / Pending VND",
]


def household_rows(ledger: Ledger) -> list[list[Any]]:
    return [
        [
            r["household"].head_name,
            ledger.villages.get(r["household"].village_code, ""),
            _num(r["bucket"].qty("land")),
            _num(r["bucket"].qty("labour")),
            _num(r["bucket"].qty("cash")),
            r["bucket"].value["approved"],
            r["bucket"].value["pending"],
        ]
        for r in households(ledger)
    ]


def _header(columns) -> list[str]:
    return [f"{vi} / {en}" if vi != en else vi for vi, en in columns]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """Text typed on a tablet must not become a spreadsheet formula when the file is opened
    (CSV/formula injection): a leading = + - @ gets an apostrophe, as Excel itself does."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else _safe(v) for v in row] for row in rows)
    return (BOM + out.getvalue()).encode("utf-8")


def ledger_csv(ledger: Ledger) -> bytes:
    return _csv(_header(LEDGER_COLUMNS), ledger_rows(ledger))


def indicators_csv(rows: list[IndicatorRow]) -> bytes:
    return _csv(_header(INDICATOR_COLUMNS), [_indicator_cells(r) for r in rows])


def _indicator_cells(row: IndicatorRow) -> list[Any]:
    value = _num(row.value) if isinstance(row.value, int | float) else row.value
    status = STATUS_LABELS.get(row.status, row.status)
    return [row.code, row.name_vi, row.name_en, value, row.threshold, status, row.coverage]


def _sheet(ws, title: str, caption: str, header: list[str], rows: list[list[Any]]) -> None:
    ws.title = title
    ws.append([caption])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_safe(v) for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = "#,##0" if float(cell.value).is_integer() else "#,##0.##"
    ws.freeze_panes = "A3"
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in list(column)[1:]) if ws.max_row > 1 else 10
        ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 50)


def _caption(ledger: Ledger) -> str:
    filters = ", ".join(f"{k}={v}" for k, v in ledger.filters.as_dict().items())
    text = f"Sổ đóng góp / Contribution ledger — {ledger.commune.name} ({ledger.commune.code})"
    return text + (f" — {filters}" if filters else "")


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ledger_xlsx(ledger: Ledger) -> bytes:
    wb = Workbook()
    caption = _caption(ledger)
    _sheet(wb.active, "Sổ đóng góp", caption, _header(LEDGER_COLUMNS), ledger_rows(ledger))
    _sheet(wb.create_sheet(), "Tổng hợp", caption, SUMMARY_HEADER, summary_rows(ledger))
    _sheet(wb.create_sheet(), "Theo hộ", caption, HOUSEHOLD_HEADER, household_rows(ledger))
    names = labels()
    rates = [
        [
            (names["kind"].get(r.kind).vi if names["kind"].get(r.kind) else r.kind),
            (names["unit"].get(r.unit).vi if names["unit"].get(r.unit) else r.unit),
            r.rate_vnd,
            r.basis,
            r.valid_from.isoformat(),
            r.valid_to.isoformat() if r.valid_to else "",
            r.set_by,
        ]
        for r in rates_of(ledger.commune.code)
    ]
    rate_header = [
        "Loại / Kind",
        "Đơn vị / Unit",
        "Đơn giá (đ) / Rate (VND)",
        "Căn cứ / Basis",
        "Từ ngày / From",
        "Đến ngày / To",
        "Người đặt / Set by",
    ]
    _sheet(wb.create_sheet(), "Đơn giá", "Đơn giá quy đổi / Unit rates", rate_header, rates)
    return _save(wb)


def indicators_xlsx(commune_name: str, rows: list[IndicatorRow]) -> bytes:
    wb = Workbook()
    caption = f"Bảng chỉ tiêu / Indicator table — {commune_name}"
    _sheet(
        wb.active,
        "Chỉ tiêu",
        caption,
        _header(INDICATOR_COLUMNS),
        [_indicator_cells(r) for r in rows],
    )
    return _save(wb)


def indicators_available() -> bool:
    try:
        from server.services import indicators
    except ImportError:
        return False
    return hasattr(indicators, "export_rows")


def indicator_rows(commune_code: str) -> list[IndicatorRow] | None:
    """The commune's indicator table from the indicators service, or None while that service
    offers no `export_rows(commune_code)` (it is built in parallel; see
    docs/evidence-ledger.md for what it must return: IndicatorRow or dicts of its fields)."""
    try:
        from server.services import indicators
    except ImportError:
        return None
    export_rows = getattr(indicators, "export_rows", None)
    if export_rows is None:
        return None
    return [
        r if isinstance(r, IndicatorRow) else IndicatorRow(**r) for r in export_rows(commune_code)
    ]
