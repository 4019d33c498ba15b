"""The board's evidence loop in a real browser, end to end: the dashboard shows an indicator,
the board rejects a record behind it with a reason, the indicator on the dashboard and in the
downloaded indicator table (XLSX and CSV) drops, and a board member of another commune is
refused every one of those pages and files."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from tests.browser import chromium_page

pytestmark = pytest.mark.e2e
COMMUNE = "01936"
WATER_CODE = "17.1"  # clean_water_households at the standard level


def _approve_checks_and_pick_one(url: str) -> str:
    """Approve the demo environment checks (the review page is tested elsewhere) and return a
    check that counts toward clean water: the only check of its household, saying yes."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sql("UPDATE records SET review_status = 'approved' WHERE form_id = 'environment_check'")
        )
        rows = conn.execute(
            sql(
                "SELECT uuid, household_id, data FROM records "
                "WHERE form_id = 'environment_check' AND deleted = :no ORDER BY uuid"
            ),
            {"no": False},
        ).all()
    engine.dispose()
    per_household: dict[str, int] = {}
    for _, household, _ in rows:
        per_household[household] = per_household.get(household, 0) + 1
    for uuid, household, data in rows:
        answers = data if isinstance(data, dict) else json.loads(data)
        if answers.get("clean_water") is True and per_household[household] == 1:
            return uuid
    raise AssertionError("the demo commune has no household counted for clean water")


def _water_on_dashboard(page, base: str) -> tuple[int, int]:
    page.goto(f"{base}/communes/{COMMUNE}/indicators")
    text = page.locator("tr[data-indicator=clean_water_households]").inner_text()
    numerator, denominator = re.search(r"\((\d+)/(\d+)\)", text).groups()
    return int(numerator), int(denominator)


def _download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.locator(selector).first.click()
    return Path(info.value.path()).read_bytes()


def _water_in_exports(page, base: str) -> tuple[float, str]:
    """The clean-water row's value and coverage, the same in the XLSX and the CSV."""
    page.goto(f"{base}/communes/{COMMUNE}/ledger")
    book = load_workbook(io.BytesIO(_download(page, "a[href$='/exports/indicators.xlsx']")))
    sheet = book.active
    assert sheet["A2"].value.startswith("Mã")  # header row under the caption
    xlsx = next(row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] == WATER_CODE)
    raw = _download(page, "a[href$='/exports/indicators.csv']")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, so Excel shows Vietnamese
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0].startswith("Mã")
    from_csv = next(r for r in rows[1:] if r[0] == WATER_CODE)
    assert "nước sạch" in xlsx[1] and "nước sạch" in from_csv[1]
    assert float(xlsx[3]) == pytest.approx(float(from_csv[3]))
    assert str(xlsx[6]) == from_csv[6]
    return float(xlsx[3]), str(xlsx[6])


def _log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_rejecting_evidence_moves_the_indicator_and_its_exports(live_server):
    base = live_server.url
    target = _approve_checks_and_pick_one(live_server.env["DATABASE_URL"])
    # the approvals above bypass the review page, so rebuild the facts with the command
    live_server.cli("recompute-indicators", "--province", "19")
    with chromium_page() as page:
        _log_in(page, base, "bql_naphac", "chungsuc-demo")
        before = _water_on_dashboard(page, base)
        value_before, coverage_before = _water_in_exports(page, base)
        assert value_before == pytest.approx(before[0] / before[1])

        page.goto(f"{base}/records/{target}")
        page.fill("input[name=reason]", "Ảnh không thấy bể nước")
        page.click("button[value=reject]")
        page.wait_for_selector("#review-history li")
        assert "Trả lại" in page.locator("#review-status").inner_text()

        after = _water_on_dashboard(page, base)
        assert after[0] == before[0] - 1, (before, after)
        # the rejected check no longer counts: the household has no current approved check,
        # so it leaves the numerator and the coverage (the share may stay the same)
        value_after, coverage_after = _water_in_exports(page, base)
        assert value_after == pytest.approx(after[0] / after[1])
        assert coverage_after != coverage_before and str(after[1]) in coverage_after

    live_server.cli(
        "create-user",
        "--username",
        "bql_khac",
        "--role",
        "board",
        "--area",
        "01849",
        "--password",
        "mat-khau-khac",
    )
    with chromium_page() as other:
        _log_in(other, base, "bql_khac", "mat-khau-khac")
        for path in (
            f"/communes/{COMMUNE}/indicators",
            f"/communes/{COMMUNE}/review",
            f"/communes/{COMMUNE}/ledger",
            f"/communes/{COMMUNE}/exports/indicators.xlsx",
            f"/communes/{COMMUNE}/exports/ledger.csv",
            f"/communes/{COMMUNE}/exports/dossier.pdf",
            f"/records/{target}",
        ):
            answer = other.request.get(base + path)
            # a commune's pages answer 403; a record is not even said to exist (404)
            assert answer.status == (404 if path.startswith("/records/") else 403), (
                path,
                answer.status,
            )
            assert "Ảnh không thấy bể nước" not in answer.text(), path
