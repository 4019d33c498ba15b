"""The indicator dashboard in a real browser: the board opens it, drills down from an
indicator to a household's check and its photo, and sees the map drawn from our own Leaflet."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from tests.browser import chromium_page

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _prepare(url: str) -> str:
    """Approve the demo environment checks (review is another page) and give the first one
    the photo of a demo contribution; return the household whose check has the photo."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sql("UPDATE records SET review_status = 'approved' WHERE form_id = 'environment_check'")
        )
        source = conn.execute(
            sql(
                "SELECT uuid FROM records WHERE form_id = 'contribution' "
                "AND CAST(photos AS VARCHAR(400)) LIKE '%\"%' ORDER BY uuid LIMIT 1"
            )
        ).scalar_one()
        target, household = conn.execute(
            sql(
                "SELECT uuid, household_id FROM records WHERE form_id = 'environment_check' "
                "ORDER BY uuid LIMIT 1"
            )
        ).one()
        conn.execute(
            sql(
                "UPDATE records SET photos = (SELECT r2.photos FROM records r2 "
                "WHERE r2.uuid = :src) WHERE uuid = :dst"
            ),
            {"src": source, "dst": target},
        )
    engine.dispose()
    return household


def test_board_drills_down_from_an_indicator_to_a_photo_and_the_map(live_server):
    sqlite = live_server.env["DATABASE_URL"].startswith("sqlite")
    household = _prepare(live_server.env["DATABASE_URL"])
    # the approvals above bypass the review page, so rebuild the facts with the command
    assert "xã / communes" in live_server.cli("recompute-indicators", "--province", "19")
    with chromium_page() as page:
        page.goto(live_server.url + "/login?next=/communes/01936")
        page.fill("input[name=username]", "bql_naphac")
        page.fill("input[name=password]", "chungsuc-demo")
        page.click("button[type=submit]")
        page.wait_for_url("**/communes/01936")
        page.click("#indicators-link")
        page.wait_for_selector("#indicator-summary")
        assert page.locator("tr[data-indicator]").count() == 5
        water = page.locator("tr[data-indicator=clean_water_households]")
        assert "giá trị minh họa (demo)" in water.inner_text()
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-dashboard.png"), full_page=True)

        water.locator("a").click()
        page.wait_for_selector("#indicator-map .leaflet-interactive")
        assert int(page.locator("#indicator-map").get_attribute("data-features")) > 0
        assert page.locator("#group-counted li").count() > 0
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-dashboard-indicator.png"), full_page=True)

        page.locator(f"a[data-household='{household}']").click()
        image = page.locator(".gallery img").first
        image.wait_for()
        assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-dashboard-household.png"), full_page=True)

    with chromium_page(width=390, height=844) as phone:
        phone.goto(live_server.url + "/login?next=/communes/01936/indicators")
        phone.fill("input[name=username]", "bql_naphac")
        phone.fill("input[name=password]", "chungsuc-demo")
        phone.click("button[type=submit]")
        phone.wait_for_selector("#indicator-summary")
        if sqlite:
            phone.screenshot(path=str(SHOTS / "web-dashboard-phone.png"), full_page=True)
