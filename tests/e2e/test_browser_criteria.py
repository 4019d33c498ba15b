"""Criteria configuration and commune-level indicators in a real browser: the board enters a
commune-level value with a document, a province officer sets a threshold with its legal
reference, and the board's dashboard status changes; another commune's board gets 403."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import chromium_page
from tests.helpers import jpeg_bytes

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COMMUNE = "01936"


def login(page, url: str, username: str, password: str, next_path: str) -> None:
    page.goto(f"{url}/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def status_of(page, indicator: str) -> str:
    return page.locator(f"#commune-level tr[data-commune-indicator={indicator}]").get_attribute(
        "data-status"
    )


def summary(page) -> tuple[int, int]:
    text = page.locator("#indicator-summary").inner_text()
    met, total = re.search(r"Đạt (\d+)/(\d+)", text).groups()
    return int(met), int(total)


def test_threshold_change_moves_the_boards_dashboard(live_server):
    sqlite = live_server.env["DATABASE_URL"].startswith("sqlite")
    live_server.cli(
        "create-user",
        "--username",
        "tinh_tn",
        "--name",
        "Sở NN&PTNT Thái Nguyên (demo)",
        "--role",
        "province_officer",
        "--area",
        "19",
        "--password",
        "tinh-pass",
    )
    live_server.cli(
        "create-user",
        "--username",
        "bql_other",
        "--role",
        "board",
        "--area",
        "01849",
        "--password",
        "other-pass",
    )
    url = live_server.url
    with chromium_page() as page:
        login(page, url, "bql_naphac", "chungsuc-demo", f"/communes/{COMMUNE}/indicators")
        page.wait_for_selector("#indicator-summary")
        met0, total0 = summary(page)
        assert status_of(page, "cultural_houses") == "no_data"
        page.click("#commune-level a")
        page.wait_for_selector("[data-commune-indicator=cultural_houses]")
        card = page.locator("section[data-commune-indicator=cultural_houses]")
        card.locator("summary").click()
        card.locator("input[name=part]").fill("2")
        card.locator("input[name=as_of]").fill("2026-01-10")
        card.locator("input[name=document]").set_input_files(
            {"name": "bien-ban-nha-van-hoa.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        card.locator("input[name=note]").fill("Biên bản nghiệm thu nhà văn hóa thôn")
        card.locator("button[type=submit]").click()
        page.wait_for_selector("section[data-commune-indicator=cultural_houses] li[data-entry]")
        plan = page.locator("section[data-commune-indicator=general_planning_approved]")
        plan.locator("summary").click()
        plan.locator("select[name=value_bool]").select_option("yes")
        plan.locator("input[name=as_of]").fill("2025-12-01")
        plan.locator("input[name=document]").set_input_files(
            {"name": "quy-hoach.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(text="QH")}
        )
        plan.locator("button[type=submit]").click()
        page.wait_for_selector(
            "section[data-commune-indicator=general_planning_approved] li[data-entry]"
        )
        page.wait_for_load_state("networkidle")
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-criteria-commune-indicators.png"), full_page=True)
        with page.expect_download() as download:  # the document opens from the entry
            page.locator(
                "section[data-commune-indicator=cultural_houses] li[data-entry] a"
            ).first.click()
        assert Path(download.value.path()).read_bytes() == PDF
        page.goto(f"{url}/communes/{COMMUNE}/indicators")
        assert status_of(page, "cultural_houses") == "not_met"  # 2 villages < 3 (demo)
        assert status_of(page, "general_planning_approved") == "met"
        met1, total1 = summary(page)
        assert (met1, total1) == (met0 + 1, total0)

    with chromium_page() as page:
        login(page, url, "tinh_tn", "tinh-pass", "/criteria")
        page.wait_for_selector("#thresholds")
        row = page.locator("tr[data-threshold='cultural_houses|standard']")
        assert "giá trị minh họa (demo)" in row.inner_text()
        form = page.locator("#threshold-form")
        form.locator("select[name=target]").select_option("cultural_houses|standard")
        form.locator("input[name=value]").fill("2")
        form.locator("button[type=submit]").click()  # no legal reference: the browser stops it
        assert page.locator(".override").count() == 0
        form.locator("input[name=legal_ref]").fill("Quyết định 999/QĐ-UBND tỉnh Thái Nguyên")
        form.locator("input[name=legal_date]").fill("2026-01-15")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("tr[data-threshold='cultural_houses|standard'] .override")
        assert (
            "999/QĐ-UBND"
            in page.locator("tr[data-threshold='cultural_houses|standard']").inner_text()
        )
        if sqlite:
            box = page.locator("tr[data-threshold='cultural_houses|standard']").bounding_box()
            page.evaluate(f"window.scrollTo(0, {box['y']} - 420)")
            page.screenshot(path=str(SHOTS / "web-criteria.png"), full_page=False)
            page.screenshot(path=str(SHOTS / "web-criteria-full.png"), full_page=True)

    with chromium_page() as page:
        login(page, url, "bql_naphac", "chungsuc-demo", f"/communes/{COMMUNE}/indicators")
        page.wait_for_selector("#indicator-summary")
        assert status_of(page, "cultural_houses") == "met"
        assert summary(page) == (met0 + 2, total0)
        assert (
            "999/QĐ-UBND"
            in page.locator(
                "#commune-level tr[data-commune-indicator=cultural_houses]"
            ).inner_text()
        )
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-criteria-dashboard.png"), full_page=True)

    with chromium_page() as page:
        login(page, url, "bql_other", "other-pass", f"/communes/{COMMUNE}/commune-indicators")
        page.wait_for_load_state()
        answer = page.goto(f"{url}/communes/{COMMUNE}/commune-indicators")
        assert answer.status == 403
        assert page.goto(f"{url}/communes/{COMMUNE}/indicators").status == 403
        assert page.goto(f"{url}/criteria").status == 403

    with chromium_page(width=390, height=844) as phone:
        login(phone, url, "tinh_tn", "tinh-pass", "/criteria")
        phone.wait_for_selector("#thresholds")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no page overflow
        if sqlite:
            top = phone.locator("#thresholds").bounding_box()["y"]
            phone.evaluate(f"window.scrollTo(0, {top} - 100)")
            phone.screenshot(path=str(SHOTS / "web-criteria-phone.png"), full_page=False)
    with chromium_page(width=390, height=844) as phone:
        login(phone, url, "bql_naphac", "chungsuc-demo", f"/communes/{COMMUNE}/commune-indicators")
        phone.wait_for_selector("[data-commune-indicator]")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        if sqlite:
            phone.screenshot(
                path=str(SHOTS / "web-criteria-commune-indicators-phone.png"), full_page=False
            )
