"""The PDF dossier of a commune for a period: indicator table, per-indicator evidence
summary, contribution ledger summary, commendation list and photo sheets.

fpdf2 with DejaVu Sans embedded (server/static/fonts/, Bitstream Vera licence) so
Vietnamese diacritics render and can be extracted as text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select

from server.extensions import db
from server.models import Photo
from server.services import photo_thumbs
from server.services import photos as photo_store
from server.services.exports import STATUS_LABELS, SUMMARY_HEADER, IndicatorRow, summary_rows
from server.services.ledger import Ledger, labels
from server.services.ledger_commendation import Entry

FONTS = Path(__file__).resolve().parents[1] / "static" / "fonts"
MAX_PHOTOS = 60  # a dossier, not an archive: the rest are listed by hash
NEXT = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


class Dossier(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_font("DejaVu", size=10)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_creator("Chung Sức")
        self._title = title

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.cell(0, 6, f"{self._title} — trang {self.page_no()}/{{nb}}", align="C")

    def heading(self, vi: str, en: str) -> None:
        self.set_font("DejaVu", "B", 13)
        self.multi_cell(0, 7, vi, **NEXT)
        self.set_font("DejaVu", "", 9)
        self.set_text_color(90, 96, 106)
        self.multi_cell(0, 5, en, **NEXT)
        self.set_text_color(0, 0, 0)
        self.set_font("DejaVu", size=10)
        self.ln(2)

    def grid(self, header: list[str], rows: list[list[str]], widths: list[int]) -> None:
        self.set_font("DejaVu", size=8)
        with self.table(col_widths=widths, text_align="LEFT", line_height=4.5) as table:
            head = table.row()
            for text in header:
                head.cell(text)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell("" if value is None else str(value))
        self.set_font("DejaVu", size=10)
        self.ln(3)


def _num(value) -> str:
    """1.234,5: Vietnamese separators, as on the pages."""
    if value is None:
        return ""
    number = float(value)
    text = f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def build(
    ledger: Ledger,
    indicators: list[IndicatorRow] | None,
    commendation: list[Entry],
    *,
    generated_by: str,
    now: dt.datetime | None = None,
) -> bytes:
    now = now or dt.datetime.now(dt.UTC)
    commune = ledger.commune
    f = ledger.filters
    period = (
        f"{f.date_from:%d/%m/%Y} – {f.date_to:%d/%m/%Y}"
        if f.date_from and f.date_to
        else (f"từ {f.date_from:%d/%m/%Y}" if f.date_from else "")
        or (f"đến {f.date_to:%d/%m/%Y}" if f.date_to else "toàn bộ / all dates")
    )
    pdf = Dossier(f"Hồ sơ minh chứng {commune.name}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 10, f"Hồ sơ minh chứng nông thôn mới\n{commune.name}", **NEXT)
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(
        0,
        6,
        f"Evidence dossier — {commune.name} ({commune.code})\n"
        f"Kỳ / Period: {period}\n"
        f"Lập lúc / Generated: {now:%d/%m/%Y %H:%M} UTC, bởi / by {generated_by}\n"
        "Số liệu do xã tự đánh giá; chỉ bản ghi đã duyệt được tính, bản ghi chờ duyệt ghi riêng.\n"
        "Self-assessment by the commune; only approved records count, pending shown apart.",
        **NEXT,
    )
    pdf.ln(4)

    pdf.heading("1. Bảng chỉ tiêu", "Indicator table")
    if indicators:
        pdf.grid(
            ["Mã", "Chỉ tiêu / Indicator", "Giá trị", "Ngưỡng", "Kết quả", "Độ phủ"],
            [
                [
                    r.code,
                    f"{r.name_vi}\n{r.name_en}",
                    _num(r.value) if isinstance(r.value, int | float) else (r.value or "—"),
                    r.threshold,
                    STATUS_LABELS.get(r.status, r.status),
                    r.coverage,
                ]
                for r in indicators
            ],
            [14, 70, 22, 28, 30, 26],
        )
        pdf.heading("2. Tóm tắt minh chứng theo chỉ tiêu", "Evidence summary per indicator")
        for r in indicators:
            status = STATUS_LABELS.get(r.status, r.status)
            pdf.multi_cell(
                0, 5, f"{r.code} {r.name_vi}: {status}; độ phủ / coverage {r.coverage}", **NEXT
            )
        pdf.ln(3)
    else:
        pdf.multi_cell(
            0,
            5,
            "Chưa có bảng chỉ tiêu cho xã này. / No indicator table is available for this commune.",
            **NEXT,
        )
        pdf.ln(3)
        pdf.heading("2. Tóm tắt minh chứng theo chỉ tiêu", "Evidence summary per indicator")
        pdf.multi_cell(0, 5, "Chưa có. / Not available.", **NEXT)
        pdf.ln(3)

    pdf.heading("3. Tổng hợp đóng góp", "Contribution ledger summary (VND valuation)")
    pdf.grid(
        SUMMARY_HEADER,
        [
            [r[0], r[1], _num(r[2]), _num(r[3]), _num(r[4]), _num(r[5])]
            for r in summary_rows(ledger)
        ],
        [50, 16, 28, 28, 34, 34],
    )
    names = labels()
    village_rows = []
    for code, bucket in sorted(
        ledger.by_village.items(), key=lambda kv: ledger.villages.get(kv[0], "")
    ):
        village_rows.append(
            [
                ledger.villages.get(code, code),
                _num(bucket.qty("land")),
                _num(bucket.qty("labour")),
                _num(bucket.qty("cash")),
                _num(bucket.value["approved"]),
                _num(bucket.value["pending"]),
            ]
        )
    pdf.grid(
        [
            "Thôn / Village",
            "Đất (m²)",
            "Ngày công",
            "Tiền mặt (đ)",
            "Quy đổi đã duyệt (đ)",
            "Chờ duyệt (đ)",
        ],
        village_rows,
        [40, 24, 24, 30, 36, 36],
    )

    pdf.heading("4. Hộ gia đình có đóng góp tiêu biểu", "Households with outstanding contributions")
    if commendation:
        pdf.grid(
            [
                "Hạng",
                "Chủ hộ / Household",
                "Thôn",
                "Đất (m²)",
                "Ngày công",
                "Quy đổi (đ)",
                "Bản ghi",
            ],
            [
                [
                    e.rank,
                    e.household.head_name,
                    e.village_name,
                    _num(e.land_m2),
                    _num(e.labour_days),
                    _num(e.value_vnd),
                    ", ".join(ln.record.uuid[:8] for ln in e.lines),
                ]
                for e in commendation
            ],
            [12, 44, 26, 20, 20, 28, 40],
        )
    else:
        pdf.multi_cell(
            0,
            5,
            "Chưa có quy tắc hoặc chưa có hộ đủ điều kiện. / No rules or no household qualifies.",
            **NEXT,
        )

    hashes = []
    captions: dict[str, str] = {}
    for line in ledger.lines:
        kind = names["kind"].get(line.kind)
        for sha in line.photos:
            if sha not in captions:
                hashes.append(sha)
                head = line.household.head_name if line.household else ""
                captions[sha] = f"{head} · {kind.vi if kind else line.kind} · {line.date:%d/%m/%Y}"
    present = set()
    for start in range(0, len(hashes), 500):
        present.update(
            db.session.scalars(
                select(Photo.sha256).where(Photo.sha256.in_(hashes[start : start + 500]))
            )
        )
    shown = [h for h in hashes if h in present][:MAX_PHOTOS]
    pdf.add_page()
    pdf.heading("5. Ảnh minh chứng", "Photo sheets")
    if not shown:
        pdf.multi_cell(0, 5, "Không có ảnh. / No photos.", **NEXT)
    for i, sha in enumerate(shown):
        if i and i % 6 == 0:
            pdf.add_page()
        col, row = i % 2, (i % 6) // 2
        x, y = 12 + col * 96, 32 + row * 82
        # The pipeline's 1024 px upright copy (no EXIF) when ready; the original until then.
        path = photo_thumbs.ready_path(sha, "1024") or photo_store.photo_path(sha)
        try:
            pdf.image(str(path), x=x, y=y, w=90, h=64, keep_aspect_ratio=True)
        except Exception:  # a missing or unreadable file must not cost the whole dossier
            pdf.set_xy(x, y + 30)
            pdf.cell(90, 5, "Không đọc được ảnh / Photo unreadable", align="C")
        pdf.set_xy(x, y + 65)
        pdf.set_font("DejaVu", size=7)
        pdf.multi_cell(90, 3.5, f"{captions[sha]}\nSHA-256 {sha[:16]}…")
        pdf.set_font("DejaVu", size=10)
    missing = [h for h in hashes if h not in present] + [h for h in hashes if h in present][
        MAX_PHOTOS:
    ]
    if missing:
        pdf.add_page()
        pdf.multi_cell(
            0,
            5,
            "Ảnh chưa in trong hồ sơ (chưa tải lên hoặc quá số lượng) / Photos not printed:",
            **NEXT,
        )
        for sha in missing:
            pdf.multi_cell(0, 4, f"{sha} — {captions[sha]}", **NEXT)
    return bytes(pdf.output())
