"""Foundation end to end: a contribution recorded offline on a tablet replica reaches the
commune page of a real server process, with the village and commune totals updated."""

from __future__ import annotations

import hashlib
import re

import pytest

from sync.replica import Replica
from sync.replicator import client_for, enroll, sync_once
from tests.helpers import jpeg_bytes
from tests.web_session import WebSession

pytestmark = pytest.mark.e2e


def village_land(html: str, village: str) -> str:
    row = re.search(rf'<tr data-village="{village}">(.*?)</tr>', html, re.S).group(1)
    return re.search(r'data-total="land_m2">([^<]+)<', row).group(1)


def test_offline_land_donation_reaches_the_commune_page(live_server, tmp_path):
    web = WebSession(live_server.url)
    web.login("bql_naphac", "chungsuc-demo")
    before = web.get("/communes/01936")[1].decode()
    land_before = float(village_land(before, "01936-T01").replace(".", "").replace(",", "."))

    replica = Replica(tmp_path / "tablet" / "replica.db")
    enroll(replica, live_server.url, live_server.enrolment_code(), "tablet-e2e", "test")
    first = sync_once(replica, client_for(replica, timeout=10))
    assert first.ok and first.pulled >= 84
    assert [v["name"] for v in replica.villages()] == [
        "Thôn Bản Mạ",
        "Thôn Khuổi Tích",
        "Thôn Nà Phặc",
    ]

    live_server.stop()  # the network is gone
    try:
        household = replica.households("01936-T01", "nguyen van an")[0]
        assert household["data"]["head_name"] == "Nguyễn Văn An"
        photo_file = tmp_path / "bien-ban.jpg"
        photo_file.write_bytes(jpeg_bytes(text="bien ban hien dat"))
        photo = replica.add_photo(photo_file)
        replica.save_record(
            "contribution",
            {
                "kind": "land",
                "quantity": 42.5,
                "works": "village_road",
                "works_name": "Đường trục thôn Nà Phặc",
                "date": "2026-11-20",
                "consent_photo": photo,
            },
            household["village_code"],
            household["uuid"],
        )
        offline = sync_once(replica, client_for(replica, timeout=3))
        assert not offline.ok and "Không kết nối được máy chủ" in offline.error
        assert replica.outbox_counts() == {"pending": 1, "rejected": 0, "photos": 1}
    finally:
        live_server.start()  # the network is back

    report = sync_once(replica, client_for(replica, timeout=10))
    assert report.ok, report.error_en
    assert (report.pushed, report.photos_uploaded) == (1, 1)
    assert replica.outbox_counts() == {"pending": 0, "rejected": 0, "photos": 0}

    html = web.get("/communes/01936")[1].decode()
    row = re.search(r'<tr data-record="[^"]+">\s*<td>Nguyễn Văn An.*?</tr>', html, re.S).group(0)
    assert "Hiến đất" in row and "42,5 m²" in row and "Đường trục thôn Nà Phặc" in row
    land_after = float(village_land(html, "01936-T01").replace(".", "").replace(",", "."))
    assert land_after == pytest.approx(land_before + 42.5)
    sha = re.search(r'href="/photos/([0-9a-f]{64})"', row).group(1)
    assert sha == photo
    assert hashlib.sha256(web.get(f"/photos/{sha}")[1]).hexdigest() == photo

    again = sync_once(replica, client_for(replica, timeout=10))
    assert again.ok and again.pushed == 0
    assert replica.records_for(household["uuid"])[0]["status"] == "synced"
