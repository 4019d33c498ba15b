"""The web pages in English in a real browser: after `?lang=en` the board's and the sync
administrator's pages put English first, sentences with numbers included, and nothing makes
the page wider than a phone. Screenshots web-*-en.png (SQLite run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import chromium_page

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _login_in_english(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/login?lang=en&next={next_path}")
    assert page.locator("h1").inner_text().startswith("Log in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "chungsuc-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_board_and_admin_pages_in_english(live_server):
    sqlite = live_server.env["DATABASE_URL"].startswith("sqlite")
    base = live_server.url
    with chromium_page() as page:
        _login_in_english(page, base, "bql_naphac", "/communes/01936/indicators")
        summary = page.locator("#indicator-summary").inner_text()
        assert re.match(r"\d+ of \d+ indicators met", summary), summary
        assert "Đạt" in summary  # the Vietnamese stays, second and muted
        water = page.locator("tr[data-indicator=clean_water_households]").inner_text()
        assert "households" in water and "demo value" in water
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-dashboard-en.png"), full_page=True)

        page.goto(base + "/communes/01936/ledger")
        assert page.locator("h1").inner_text().startswith("Contribution ledger")
        assert page.locator("#ledger-filters label").first.inner_text().startswith("Village")
        assert "pending" in page.locator("#ledger-totals").inner_text()
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-ledger-en.png"), full_page=True)

        page.goto(base + "/communes/01936/review")
        assert page.locator("h1").inner_text().startswith("Review queue")
        page.locator("#review-queue tr[data-record] a").first.click()
        page.wait_for_selector("#review-status")
        assert page.locator("h1").inner_text().startswith("Record")
        assert "Captured" in page.locator("main").inner_text()
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-review-record-en.png"), full_page=True)

    with chromium_page(width=390, height=844) as phone:
        _login_in_english(phone, base, "bql_naphac", "/communes/01936/ledger")
        _no_sideways_scroll(phone, 390)
        if sqlite:
            phone.screenshot(path=str(SHOTS / "web-ledger-phone-en.png"), full_page=True)
        for path in ("/communes/01936", "/communes/01936/integrity", "/communes/01936/review"):
            phone.goto(base + path)
            _no_sideways_scroll(phone, 390)

    with chromium_page() as admin:
        _login_in_english(admin, base, "qt_thainguyen", "/admin/users")
        assert admin.locator("h1").inner_text().startswith("Users and roles")
        assert "Commune board" in admin.locator("#users").inner_text()
        if sqlite:
            admin.screenshot(path=str(SHOTS / "web-admin-users-en.png"), full_page=True)
        admin.goto(base + "/admin/conflicts")
        assert admin.locator("h1").inner_text().startswith("Conflict inbox")
