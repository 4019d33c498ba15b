"""The tablets page in a real browser: enrol a tablet from its QR page's short code, then
revoke tablets in each mode and check, with the real sync client, what each can still do."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.replica import Replica
from sync.replicator import client_for, enroll, sync_once
from tests.browser import chromium_page
from tests.helpers import jpeg_bytes

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _login(page, url):
    page.goto(url + "/admin/devices")
    page.fill("input[name=username]", "qt_thainguyen")
    page.fill("input[name=password]", "chungsuc-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/devices")


def _new_code(page, officer: str) -> str:
    page.fill("#enrol-form input[name=officer_name]", officer)
    page.select_option("#enrol-form select[name=commune_code]", "01936")
    page.click("#enrol-form button[type=submit]")
    page.wait_for_selector("#enrol-qr svg")
    return page.locator("#enrol-code").inner_text()


def _tablet(tmp_path, name, url, code) -> Replica:
    replica = Replica(tmp_path / name / "replica.db")
    enroll(replica, url, code, name, "test")
    assert sync_once(replica, client_for(replica, timeout=10)).ok
    return replica


def _record_with_photo(replica: Replica, tmp_path, text: str) -> str:
    household = replica.households("01936-T01", "nguyen van an")[0]
    photo_file = tmp_path / f"{text}.jpg"
    photo_file.write_bytes(jpeg_bytes(text=text))
    photo = replica.add_photo(photo_file)
    replica.save_record(
        "contribution",
        {
            "kind": "land",
            "quantity": 3,
            "works": "village_road",
            "works_name": "Đường thôn",
            "date": "2026-11-20",
            "consent_photo": photo,
        },
        household["village_code"],
        household["uuid"],
    )
    return photo


def test_enrol_with_qr_then_revoke_in_each_mode(live_server, tmp_path):
    sqlite = live_server.env["DATABASE_URL"].startswith("sqlite")
    with chromium_page() as page:
        _login(page, live_server.url)
        code_a = _new_code(page, "Nông Thị Lan")
        assert len(code_a) == 9 and code_a[4] == "-"
        qr_size = page.locator("#enrol-qr svg").bounding_box()
        assert qr_size["width"] >= 150 and qr_size["height"] >= 150
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-admin-enrol.png"), full_page=True)
        draining = _tablet(tmp_path, "tab-drain", live_server.url, code_a)
        stopped = _tablet(tmp_path, "tab-stop", live_server.url, _new_code(page, "Hoàng Văn Thắng"))

        # work captured on both tablets before the administrator acts
        _record_with_photo(draining, tmp_path, "drain")
        _record_with_photo(stopped, tmp_path, "stop")

        page.goto(live_server.url + "/admin/devices")
        drain_id = draining.get_meta("device_id")
        stop_id = stopped.get_meta("device_id")
        page.click(f'tr[data-device="{drain_id}"] button[value=drain]')
        page.wait_for_selector("#admin-notice")
        page.click(f'tr[data-device="{stop_id}"] button[value=now]')
        page.wait_for_selector("#admin-notice")
        assert (
            "Gửi nốt rồi dừng" in page.locator(f'tr[data-device="{drain_id}"] .state').inner_text()
        )
        assert "Đã dừng" in page.locator(f'tr[data-device="{stop_id}"] .state').inner_text()
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-admin-revoked.png"), full_page=True)
        page.click("text=Tình trạng đồng bộ")
        page.wait_for_selector("#device-health")
        assert page.locator("#device-health tbody tr[data-device]").count() == 2
        assert (
            page.locator('#commune-health tr[data-commune="01936"] td').nth(3).inner_text() == "2"
        )
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-admin-sync-health.png"), full_page=True)

    # finish uploading, then stop: the record and its photo arrive, nothing new comes down
    report = sync_once(draining, client_for(draining, timeout=10))
    assert (report.pushed, report.photos_uploaded) == (1, 1)
    assert not report.ok and "không nhận thêm" in report.error
    assert draining.outbox_counts() == {"pending": 0, "rejected": 0, "photos": 0}

    # stop now: nothing goes through; the tablet keeps its work and says why
    report = sync_once(stopped, client_for(stopped, timeout=10))
    assert not report.ok and report.pushed == 0 and "thu hồi" in report.error
    assert stopped.outbox_counts() == {"pending": 1, "rejected": 0, "photos": 1}
