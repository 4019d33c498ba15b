"""Integrity flags in a real browser: a tablet sends the same site photo for two households;
the board sees the duplicate-photo flag on both, marks one "checked, acceptable" with a
reason, and the other stays open. Screenshots docs/screenshots/web-integrity-*.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sync.replica import Replica
from sync.replicator import client_for, enroll, sync_once
from tests.browser import chromium_page
from tests.sync.test_phash import jpeg, scene

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def check(photo: str) -> dict:
    return {
        "date": dt.date.today().isoformat(),
        "clean_water": True,
        "water_source": "drilled_well",
        "hygienic_latrine": True,
        "bathroom": True,
        "covered_water_container": True,
        "clean_house": True,
        "clean_kitchen": True,
        "clean_lane": True,
        "sorts_waste": True,
        "keeps_livestock": False,
        "photos": [photo],
    }


def login(page, url: str, path: str) -> None:
    page.goto(f"{url}/login?next={path}")
    page.fill("input[name=username]", "bql_naphac")
    page.fill("input[name=password]", "chungsuc-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")


def test_board_sees_a_reused_photo_on_two_households_and_accepts_one(live_server, tmp_path):
    sqlite = live_server.env["DATABASE_URL"].startswith("sqlite")
    replica = Replica(tmp_path / "tablet" / "replica.db")
    enroll(replica, live_server.url, live_server.enrolment_code(), "tablet-integrity", "test")
    assert sync_once(replica, client_for(replica, timeout=10)).ok
    first, second = replica.households("01936-T02")[:2]
    photo_file = tmp_path / "nha-ve-sinh.jpg"
    photo_file.write_bytes(jpeg(scene(31)))
    photo = replica.add_photo(photo_file)
    for house in (first, second):  # the same picture as evidence for two households
        replica.save_record("environment_check", check(photo), house["village_code"], house["uuid"])
    report = sync_once(replica, client_for(replica, timeout=10))
    assert report.ok and report.pushed == 2, report.error_en

    path = "/communes/01936/integrity"
    with chromium_page() as page:
        login(page, live_server.url, path)
        counts = page.locator('#flag-counts tr[data-kind="duplicate_photo"] td.open')
        assert counts.inner_text() == "2"
        flags = page.locator('article.flag[data-kind="duplicate_photo"]')
        assert flags.count() == 2
        households = {flags.nth(i).get_attribute("data-household") for i in range(2)}
        assert households == {first["uuid"], second["uuid"]}
        text = page.locator("#flags").inner_text()
        assert first["data"]["head_name"] in text and second["data"]["head_name"] in text
        assert "Cùng một tệp ảnh cũng được dùng cho 1 hồ sơ khác" in text
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-integrity-summary.png"), full_page=True)

        target = page.locator(f'article.flag[data-household="{first["uuid"]}"]')
        flag_id = target.get_attribute("data-flag")
        target.locator("input[name=reason]").fill(
            "Hai hộ ở chung một sân, dùng chung nhà vệ sinh; đã xác minh tại nhà"
        )
        target.locator("button[type=submit]").click()
        page.wait_for_url(f"**{path}#flag-{flag_id}")
        assert (
            page.locator('#flag-counts tr[data-kind="duplicate_photo"] td.open').inner_text() == "1"
        )
        assert (
            page.locator('#flag-counts tr[data-kind="duplicate_photo"] td.accepted').inner_text()
            == "1"
        )
        remaining = page.locator('article.flag[data-kind="duplicate_photo"]')
        assert remaining.count() == 1
        assert remaining.first.get_attribute("data-household") == second["uuid"]

        page.goto(f"{live_server.url}{path}?state=accepted")
        accepted = page.locator(f'article.flag[data-flag="{flag_id}"]')
        assert "đã xác minh tại nhà" in accepted.inner_text()
        assert "bql_naphac" in accepted.inner_text()
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-integrity-accepted.png"), full_page=True)

        page.goto(f"{live_server.url}/communes/01936/review")
        row = page.locator(f"#review-queue tr[data-record] >> text={second['data']['head_name']}")
        assert row.count() >= 1
        badge = page.locator('#review-queue .flag-badge[data-flag-kind="duplicate_photo"]')
        assert badge.count() == 2  # one open, one accepted
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-integrity-queue.png"), full_page=True)
        page.locator(
            '#review-queue .flag-badge[data-flag-kind="duplicate_photo"][data-flag-state="open"]'
        ).first.locator("xpath=ancestor::td").locator("a").first.click()
        page.wait_for_selector("#integrity-flags")
        assert "Cùng một tệp ảnh" in page.locator("#integrity-flags").inner_text()
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-integrity-record.png"), full_page=True)
    with chromium_page(375, 800) as phone:
        login(phone, live_server.url, path)
        assert phone.locator("article.flag").count() >= 1
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 380, f"the page scrolls sideways on a phone ({width} px)"
        if sqlite:
            phone.screenshot(path=str(SHOTS / "web-integrity-phone.png"), full_page=True)
