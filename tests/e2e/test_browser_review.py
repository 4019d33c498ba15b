"""Board review in a real browser: open the queue, reject a record with a reason, see the
status change, lock a reporting period and see a review refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.browser import chromium_page

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_board_rejects_then_locked_period_refuses(live_server):
    sqlite = live_server.env["DATABASE_URL"].startswith("sqlite")
    with chromium_page() as page:
        page.goto(live_server.url + "/login?next=/communes/01936/review")
        page.fill("input[name=username]", "bql_naphac")
        page.fill("input[name=password]", "chungsuc-demo")
        page.click("button[type=submit]")
        page.wait_for_url("**/communes/01936/review")
        rows = page.locator("#review-queue tbody tr[data-record]")
        assert rows.count() > 0
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-review-queue.png"), full_page=True)
        rows.first.locator("a").click()
        page.wait_for_selector("#review-status")
        assert "Chờ duyệt" in page.locator("#review-status").inner_text()
        page.click("button[value=reject]")  # no reason: refused with a message
        assert "lý do" in page.locator("[role=alert]").inner_text()
        page.fill("input[name=reason]", "Thiếu ảnh nhà vệ sinh")
        page.click("button[value=reject]")
        page.wait_for_selector("#review-history li")
        assert "Trả lại" in page.locator("#review-status").inner_text()
        assert "Thiếu ảnh nhà vệ sinh" in page.locator("#review-history").inner_text()
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-review-record.png"), full_page=True)
        record_url = page.url

        page.goto(live_server.url + "/communes/01936/periods")
        today = dt.date.today()
        page.fill("input[name=name]", "Toàn bộ")
        page.fill("input[name=starts_on]", "2000-01-01")
        page.fill("input[name=ends_on]", today.replace(year=today.year + 1).isoformat())
        page.click("text=Thêm kỳ")
        page.click("button[value=lock]")
        assert "Đã khoá bởi bql_naphac" in page.locator("#periods").inner_text()
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-review-periods.png"), full_page=True)

        page.goto(record_url)
        page.click("button[value=approve]")
        assert "đã khoá" in page.locator("[role=alert]").inner_text()
        assert "Trả lại" in page.locator("#review-status").inner_text()
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-review-locked.png"), full_page=True)
    with chromium_page(375, 800) as phone:
        phone.goto(live_server.url + "/login?next=/communes/01936/review")
        phone.fill("input[name=username]", "bql_naphac")
        phone.fill("input[name=password]", "chungsuc-demo")
        phone.click("button[type=submit]")
        phone.wait_for_url("**/communes/01936/review")
        assert phone.locator("#review-queue").count() == 1
        if sqlite:
            phone.screenshot(path=str(SHOTS / "web-review-queue-phone.png"), full_page=True)
