"""Sync health page: pending photos the server waits for, silent devices, clock skew,
per-commune summary, area checks."""

from __future__ import annotations

import datetime as dt
import re

from server.extensions import db
from server.models import Device
from tests.helpers import contribution, envelope
from tests.server.conftest import enrol
from tests.server.test_push import push
from tests.server.test_web import add_user, login


def row(html: str, device_id: str) -> str:
    return re.search(rf'<tr data-device="{device_id}"[^>]*>(.*?)</tr>', html, re.S).group(1)


def cells(html: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", c).split())
        for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    ]


def test_pending_photos_silence_and_skew_per_device(app, client, demo):
    busy = enrol(app, client)
    quiet = enrol(app, client)
    household = envelope()
    gift = contribution(
        household["uuid"], kind="land", data_extra={"consent_photo": "ab" * 32}, photos=["ab" * 32]
    )
    answer = push(client, busy, household, gift)
    assert answer.status_code == 200, answer.json
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    client.get("/api/v1/sync/scope", headers=busy.headers | {"X-Device-Time": ahead})
    with app.app_context():
        stale = db.session.get(Device, quiet.device_id)
        stale.enrolled_at = stale.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
        db.session.commit()
    login(client, "qt_thainguyen")
    html = client.get("/admin/devices/health").get_data(as_text=True)
    busy_cells, quiet_cells = cells(row(html, busy.device_id)), cells(row(html, quiet.device_id))
    assert busy_cells[-2:] == ["1", "0"]  # one photo awaited, no open conflict
    assert 7100 < int(busy_cells[5]) < 7300  # clock two hours ahead
    assert "Im lặng quá 7 ngày" in quiet_cells[0] and "Im lặng" not in busy_cells[0]
    assert (
        "Im lặng"
        not in cells(
            row(client.get("/admin/devices/health?days=30").get_data(as_text=True), quiet.device_id)
        )[0]
    )
    commune = cells(re.search(r'<tr data-commune="01936">(.*?)</tr>', html, re.S).group(1))
    assert commune == ["01936", "2", "1", "0", "1", "0"]
    assert client.get("/admin/devices/health?days=x").status_code == 200
    # a NUL byte is refused up front for every page (server/security.py)
    assert client.get("/admin/devices/health?days=%00").status_code == 400


def test_health_is_scoped_to_the_province(app, client, demo):
    device = enrol(app, client)
    add_user(app, "admin_other", "sync_admin", "04")
    login(client, "admin_other", "pw-admin_other")
    html = client.get("/admin/devices/health").get_data(as_text=True)
    assert device.device_id not in html
    add_user(app, "board_x", "board", "01936")
    client.get("/")
    login(client, "board_x", "pw-board_x")
    assert client.get("/admin/devices/health").status_code == 403
