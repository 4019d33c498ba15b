"""The contribution ledger in a real browser: set a rate and commendation rules, then
download every export and open each file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from tests.browser import chromium_page

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.locator(selector).click()
    return Path(info.value.path()).read_bytes()


def test_board_values_the_ledger_and_downloads_each_export(live_server):
    sqlite = live_server.env["DATABASE_URL"].startswith("sqlite")
    # the review workflow is another page: mark one village's demo contributions approved
    engine = create_engine(live_server.env["DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(
            sql(
                "UPDATE records SET review_status = 'approved' "
                "WHERE form_id = 'contribution' AND village_code = '01936-T01'"
            )
        )
    engine.dispose()
    with chromium_page() as page:
        page.goto(live_server.url + "/login?next=/communes/01936/ledger")
        page.fill("input[name=username]", "bql_naphac")
        page.fill("input[name=password]", "chungsuc-demo")
        page.click("button[type=submit]")
        page.wait_for_url("**/communes/01936/ledger")
        assert page.locator("h1").inner_text().startswith("Sổ đóng góp")
        assert page.locator("#unvalued").is_visible()  # no rates yet

        page.click("text=Đơn giá quy đổi")
        page.select_option("select[name=key]", "land:m2")
        page.fill("input[name=rate_vnd]", "50.000")
        page.fill("input[name=basis]", "Quyết định số 12/QĐ-UBND ngày 05/01/2025")
        page.fill("input[name=valid_from]", "2025-01-01")
        page.click("#rate-form button[type=submit]")
        assert "Đã lưu đơn giá" in page.locator("[role=status]").inner_text()
        assert page.locator("#rates tbody tr").count() == 1
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-ledger-rates.png"), full_page=True)

        page.click("text=Khen thưởng")
        page.fill("input[name=min_land_m2]", "30")
        page.uncheck("input[name=approved_only]")  # the demo records are not reviewed yet
        page.click("#rules-form button[type=submit]")
        ranked = page.locator("#commendation tbody tr")
        assert ranked.count() >= 2
        assert ranked.first.locator("td").first.inner_text() == "1"
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-ledger-commendation.png"), full_page=True)

        page.click("nav.tabs >> text=Sổ đóng góp")
        page.wait_for_selector("#ledger-totals")
        pending_value = page.locator("#ledger-totals small.pending").nth(3).inner_text()
        assert pending_value != "+ 0 chờ duyệt Pending"  # land is valued now (pending records)
        assert page.locator("#ledger-totals [data-total=value]").inner_text() != "0"
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-ledger.png"), full_page=True)

        xlsx = load_workbook(io.BytesIO(_download(page, "#exports >> text=Sổ đóng góp XLSX")))
        rows = list(xlsx["Sổ đóng góp"].iter_rows(min_row=3, values_only=True))
        assert len(rows) >= 12
        assert any(r[12] == "Quyết định số 12/QĐ-UBND ngày 05/01/2025" for r in rows)
        raw = _download(page, "#exports >> text=Sổ đóng góp CSV")
        assert raw.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert lines[0][0] == "Ngày / Date" and len(lines) == len(rows) + 1
        geo = json.loads(_download(page, "#exports >> text=Bản ghi GeoJSON"))
        # demo households carry no GPS point: their records are counted as skipped, not placed
        assert geo["type"] == "FeatureCollection"
        assert len(geo["features"]) + geo["skipped"] >= 84
        pdf = PdfReader(io.BytesIO(_download(page, "#exports >> text=Hồ sơ PDF")))
        text = "\n".join(p.extract_text() for p in pdf.pages)
        assert "Xã Nà Phặc" in text and "Hộ gia đình có đóng góp tiêu biểu" in text

        page.select_option("select[name=village]", index=1)
        page.click("#ledger-filters button[type=submit]")
        assert "village=" in page.url
        page.set_viewport_size({"width": 390, "height": 844})
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-ledger-phone.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
