"""Integrity pages: the commune summary (counts, households most affected, flags with
their reasons), badges on the review queue, the record page and the dashboard drill-down,
and "checked, acceptable": reason required, CSRF, the commune's own board only, audited.
SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, IntegrityFlag
from tests.helpers import COMMUNE, envelope
from tests.server.test_push import push
from tests.server.test_web import add_user, login


def token(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def stray_households(client, device):
    """Two households registered in Thôn Nà Phặc but located in Thôn Bản Mạ (mock on one)."""
    recs = []
    for name, extra in (("Triệu Văn Hùng", {"mock": True}), ("Hà Thị Mai", {})):
        location = {"lat": 22.43, "lon": 105.99, "accuracy": 6, **extra}
        recs.append(envelope(data={"head_name": name, "members": 2, "location": location}))
    assert push(client, device, *recs).status_code == 200
    return recs


def test_summary_badges_and_accepting_a_flag(app, client, device):
    hung, mai = stray_households(client, device)
    login(client, "bql_naphac")
    page = client.get(f"/communes/{COMMUNE}/integrity")
    assert page.status_code == 200
    html = page.text
    counts = dict(re.findall(r'<tr data-kind="(\w+)">.*?<td class="n open">(\d+)</td>', html, re.S))
    assert counts["outside_village"] == "2" and counts["gps_mock"] == "1"
    assert re.search(r'id="total-open">3<', html)
    affected = re.findall(r'<tr data-household="([^"]+)">', html)
    assert affected[0] == hung["uuid"]  # two open flags: first
    assert "ngoài ranh giới Thôn Nà Phặc (thuộc Thôn Bản Mạ)" in html
    assert "vẽ tay, không phải ranh giới chính thức" in html  # the demo's polygons

    queue = client.get(f"/communes/{COMMUNE}/review").text
    row = queue.split(f'data-record="{hung["uuid"]}"')[1].split("</tr>")[0]
    assert 'data-flag-kind="gps_mock"' in row and 'data-flag-kind="outside_village"' in row
    assert "mock location" in row
    record = client.get(f"/records/{hung['uuid']}").text
    assert 'id="integrity-flags"' in record and "ứng dụng giả lập vị trí" in record
    drill = client.get(f"/communes/{COMMUNE}/households/{mai['uuid']}/checks")
    assert drill.status_code == 200 and 'data-flag-kind="outside_village"' in drill.text

    with app.app_context():
        flag = db.session.scalar(
            select(IntegrityFlag).where(
                IntegrityFlag.record_uuid == mai["uuid"], IntegrityFlag.kind == "outside_village"
            )
        )
    url = f"/integrity/flags/{flag.id}/accept"
    csrf = token(client, f"/communes/{COMMUNE}/integrity")
    assert client.post(url, data={"reason": "x"}).status_code == 400  # no CSRF token
    empty = client.post(url, data={"reason": "  ", "csrf_token": csrf})
    assert empty.status_code == 422 and "Hãy ghi lý do" in empty.text
    with app.app_context():
        assert db.session.get(IntegrityFlag, flag.id).state == "open"
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "integrity.accept"))
            is None
        )
    done = client.post(url, data={"reason": "Nhà nằm sát ranh giới hai thôn", "csrf_token": csrf})
    assert done.status_code == 302 and f"#flag-{flag.id}" in done.headers["Location"]
    html = client.get(f"/communes/{COMMUNE}/integrity?state=accepted").text
    assert "Nhà nằm sát ranh giới hai thôn" in html and "bql_naphac" in html
    assert re.search(r'id="total-accepted">1<', html)
    record = client.get(f"/records/{mai['uuid']}").text
    assert 'data-flag-state="accepted"' in record and "Nhà nằm sát ranh giới hai thôn" in record
    again = client.post(url, data={"reason": "again", "csrf_token": csrf})
    assert again.status_code == 409
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "integrity.accept"))
        assert event.actor == "bql_naphac" and event.area_code == COMMUNE
        assert event.details["reason"] == "Nhà nằm sát ranh giới hai thôn"


def test_only_the_communes_own_board_accepts(app, client, device):
    hung, _ = stray_households(client, device)
    with app.app_context():
        flag_id = db.session.scalar(
            select(IntegrityFlag.id).where(IntegrityFlag.record_uuid == hung["uuid"]).limit(1)
        )
    add_user(app, "bql_khac", "board", "01849")
    login(client, "bql_khac", "pw-bql_khac")
    assert client.get(f"/communes/{COMMUNE}/integrity").status_code == 403
    csrf = token(client, "/communes/01849/integrity")
    other = client.post(
        f"/integrity/flags/{flag_id}/accept", data={"reason": "ok", "csrf_token": csrf}
    )
    assert other.status_code == 404
    client.post("/logout", data={"csrf_token": csrf})
    add_user(app, "qt_tinh", "sync_admin", "19")
    login(client, "qt_tinh", "pw-qt_tinh")
    page = client.get(f"/communes/{COMMUNE}/integrity")
    assert page.status_code == 200 and 'class="accept"' not in page.text  # reads, cannot accept
    csrf = token(client, f"/communes/{COMMUNE}/integrity")
    admin = client.post(
        f"/integrity/flags/{flag_id}/accept", data={"reason": "ok", "csrf_token": csrf}
    )
    assert admin.status_code == 403
    assert (
        client.post(
            "/integrity/flags/999999/accept", data={"reason": "ok", "csrf_token": csrf}
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(IntegrityFlag, flag_id).state == "open"
