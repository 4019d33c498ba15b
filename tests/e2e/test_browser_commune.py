"""The commune page in a real browser: log in, read the totals, open the evidence photo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import chromium_page

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_board_member_logs_in_and_reads_the_commune_totals(live_server):
    with chromium_page() as page:
        page.goto(live_server.url + "/communes/01936")
        assert "/login" in page.url
        page.fill("input[name=username]", "bql_naphac")
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        assert (
            page.get_by_role("alert")
            .inner_text()
            .startswith("Tên đăng nhập hoặc mật khẩu không đúng.")
        )
        page.fill("input[name=username]", "bql_naphac")
        page.fill("input[name=password]", "chungsuc-demo")
        page.click("button[type=submit]")
        page.wait_for_url("**/communes/01936")
        assert page.locator("h1").inner_text().startswith("Xã Nà Phặc")
        rows = page.locator("#village-totals tbody tr")
        assert rows.count() == 3
        assert page.locator("#contributions tbody tr").count() >= 12
        if live_server.env["DATABASE_URL"].startswith("sqlite"):
            page.screenshot(path=str(SHOTS / "web-commune.png"), full_page=True)
        with page.expect_popup() as popup:
            page.locator("#contributions a", has_text="ảnh 1").first.click()
        photo = popup.value
        photo.wait_for_load_state()
        size = photo.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]")
        assert size == [640, 480]
        page.set_viewport_size({"width": 390, "height": 844})
        if live_server.env["DATABASE_URL"].startswith("sqlite"):
            page.screenshot(path=str(SHOTS / "web-commune-phone.png"), full_page=False)
        # on a phone the page itself must not scroll sideways (wide tables scroll in their card)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
