"""The tablets page: enrolment with QR and short code, and revocation in two modes."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from server.extensions import db
from server.models import AdminUnit, AuditEvent, Device, Enrolment
from tests.helpers import envelope
from tests.server.test_web import add_user, csrf, login


def admin_login(client) -> str:
    assert login(client, "qt_thainguyen").status_code == 302
    return csrf(client, "/admin/devices")


def create_code(client, token, commune="01936", officer="Nông Thị Lan"):
    return client.post(
        "/admin/devices/enrolments",
        data={"commune_code": commune, "officer_name": officer, "csrf_token": token},
    )


def enrol_from_page(client, install_id=None) -> tuple[str, dict]:
    token = admin_login(client)
    page = create_code(client, token)
    assert page.status_code == 201
    code = re.search(r'id="enrol-code">([A-Z0-9-]+)<', page.get_data(as_text=True)).group(1)
    body = {"code": code, "device_name": "tab-1", "app_version": "1.0"}
    if install_id:
        body["install_id"] = install_id
    enrolled = client.post("/api/v1/devices/enroll", json=body)
    assert enrolled.status_code == 201, enrolled.json
    return token, {
        "id": enrolled.json["device_id"],
        "headers": {"Authorization": "Bearer " + enrolled.json["token"]},
        "code": code,
    }


def revoke(client, token, device_id, mode):
    return client.post(
        f"/admin/devices/{device_id}/revoke", data={"mode": mode, "csrf_token": token}
    )


def test_admin_creates_code_with_qr_that_enrols_a_tablet_once(app, client, demo):
    token = admin_login(client)
    page = create_code(client, token)
    html = page.get_data(as_text=True)
    assert page.status_code == 201
    assert "<svg" in html and 'id="enrol-qr"' in html
    code = re.search(r'id="enrol-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', html).group(1)
    with app.app_context():
        stored = db.session.scalar(select(Enrolment))
        assert stored.officer_name == "Nông Thị Lan" and stored.created_by == "qt_thainguyen"
        assert code.replace("-", "") not in stored.code_hash
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "device.enrol_create")
        )
        assert event.actor == "qt_thainguyen" and event.area_code == "01936"
    # the short code, typed with its dash, enrols exactly once
    first = client.post("/api/v1/devices/enroll", json={"code": code, "device_name": "A"})
    assert first.status_code == 201
    assert client.post("/api/v1/devices/enroll", json={"code": code}).status_code == 400
    listing = client.get("/admin/devices").get_data(as_text=True)
    assert first.json["device_id"] in listing and "Đã dùng" in listing


def test_enrolment_outside_the_province_or_by_a_board_is_refused(app, client, demo):
    with app.app_context():
        other = db.session.scalar(
            select(AdminUnit.code).where(
                AdminUnit.level == "commune", AdminUnit.parent_code != "19"
            )
        )
    token = admin_login(client)
    refused = create_code(client, token, commune=other)
    assert refused.status_code == 400 and "không thuộc tỉnh" in refused.get_data(as_text=True)
    no_name = create_code(client, token, officer="  ")
    assert no_name.status_code == 400
    missing_csrf = client.post(
        "/admin/devices/enrolments", data={"commune_code": "01936", "officer_name": "X"}
    )
    assert missing_csrf.status_code == 400
    with app.app_context():
        assert db.session.query(Enrolment).count() == 0
    client.post("/logout", data={"csrf_token": token})
    login(client, "bql_naphac")
    assert client.get("/admin/devices").status_code == 403


def test_drain_lets_the_device_push_but_not_pull_or_reenrol(app, client, demo):
    install = str(uuid.uuid4())
    token, device = enrol_from_page(client, install_id=install)
    assert revoke(client, token, device["id"], "drain").status_code == 200
    pushed = client.post(
        "/api/v1/sync/push", json={"records": [envelope()]}, headers=device["headers"]
    )
    assert pushed.status_code == 200, pushed.json
    assert [r["status"] for r in pushed.json["results"]] == ["applied"]
    pulled = client.get("/api/v1/sync/changes?since=0", headers=device["headers"])
    assert pulled.status_code == 403 and pulled.json["code"] == "device_draining"
    assert "không nhận thêm" in pulled.json["message"]
    assert client.get("/api/v1/sync/scope", headers=device["headers"]).status_code == 403
    again = client.post(
        "/api/v1/devices/enroll",
        json={"code": device["code"], "device_name": "x", "install_id": install},
    )
    assert again.status_code == 400
    with app.app_context():
        stored = db.session.get(Device, device["id"])
        assert stored.revoke_mode == "drain" and stored.revoked_at is not None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "device.revoke"))
        assert event.details["mode"] == "drain" and event.target == device["id"]


def test_stop_now_refuses_every_request_and_keeps_server_data(app, client, demo):
    token, device = enrol_from_page(client)
    record = envelope()
    assert (
        client.post(
            "/api/v1/sync/push", json={"records": [record]}, headers=device["headers"]
        ).status_code
        == 200
    )
    assert revoke(client, token, device["id"], "now").status_code == 200
    for response in (
        client.post("/api/v1/sync/push", json={"records": [envelope()]}, headers=device["headers"]),
        client.get("/api/v1/sync/changes?since=0", headers=device["headers"]),
        client.get("/api/v1/photos/" + "a" * 64 + "/status", headers=device["headers"]),
    ):
        assert response.status_code == 401
        assert response.json["code"] == "device_revoked"
        assert "thu hồi" in response.json["message"] and "revoked" in response.json["message_en"]
    with app.app_context():
        from server.models import Record

        assert db.session.get(Record, record["uuid"]) is not None
    # stopped is final: a second revocation is refused with a message, not a 500
    assert revoke(client, token, device["id"], "drain").status_code == 400


def test_device_of_another_province_cannot_be_revoked(app, client, demo):
    token, device = enrol_from_page(client)
    client.post("/logout", data={"csrf_token": token})
    add_user(app, "admin_other", "sync_admin", "04")
    login(client, "admin_other", "pw-admin_other")
    other_token = csrf(client, "/admin/devices")
    assert device["id"] not in client.get("/admin/devices").get_data(as_text=True)
    assert revoke(client, other_token, device["id"], "now").status_code == 404
    with app.app_context():
        assert db.session.get(Device, device["id"]).revoked_at is None
