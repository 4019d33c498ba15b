"""Enrolment: a one-time code becomes a device token; the device then sees only its commune."""

from __future__ import annotations

import datetime as dt

from server.extensions import db
from server.models import Device, Enrolment
from server.services import enrolment
from tests.server.conftest import enrol


def test_code_enrols_once_and_token_is_stored_hashed(app, client, demo):
    with app.app_context():
        _, code = enrolment.create("01936", "Nông Thị Lan")
    first = client.post("/api/v1/devices/enroll", json={"code": code.lower(), "device_name": "A"})
    assert first.status_code == 201
    assert first.json["commune"]["name"] == "Xã Nà Phặc"
    assert first.json["commune"]["province_name"] == "Tỉnh Thái Nguyên"
    token = first.json["token"]
    with app.app_context():
        stored = db.session.get(Device, first.json["device_id"])
        assert stored.token_hash != token and stored.token_hash == enrolment.digest(token)
        assert stored.officer_name == "Nông Thị Lan"
    again = client.post("/api/v1/devices/enroll", json={"code": code})
    assert again.status_code == 400
    assert again.json["code"] == "invalid_code"
    assert "Mã đăng ký" in again.json["message"]


def test_wrong_and_expired_codes_get_the_same_answer(app, client, demo):
    with app.app_context():
        record, code = enrolment.create("01936")
        record.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        db.session.commit()
    expired = client.post("/api/v1/devices/enroll", json={"code": code})
    wrong = client.post("/api/v1/devices/enroll", json={"code": "ZZZZZZZZ"})
    assert expired.status_code == wrong.status_code == 400
    assert expired.json == wrong.json


def test_enrolment_for_unknown_commune_is_refused(app, demo):
    with app.app_context():
        try:
            enrolment.create("99999")
        except enrolment.EnrolmentError as exc:
            assert exc.code == "unknown_commune"
        else:
            raise AssertionError("unknown commune accepted")
        assert db.session.query(Enrolment).count() == 0


def test_scope_lists_the_commune_villages_with_demo_polygons(client, device):
    response = client.get("/api/v1/sync/scope", headers=device.headers)
    assert response.status_code == 200
    villages = response.json["villages"]
    assert [v["name"] for v in villages] == ["Thôn Bản Mạ", "Thôn Khuổi Tích", "Thôn Nà Phặc"]
    assert all(v["geometry"]["type"] == "Polygon" for v in villages)
    assert all("hand-drawn" in v["geometry_source"] for v in villages)
    assert {f["id"] for f in response.json["forms"]} >= {"household", "contribution"}


def test_unenrolled_and_revoked_devices_are_refused(app, client, demo):
    assert client.get("/api/v1/sync/scope").status_code == 401
    bad = client.get("/api/v1/sync/scope", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "đăng ký" in bad.json["message"]
    device = enrol(app, client)
    with app.app_context():
        db.session.get(Device, device.device_id).revoked_at = dt.datetime.now(dt.UTC)
        db.session.commit()
    assert client.get("/api/v1/sync/scope", headers=device.headers).status_code == 401


def test_clock_skew_is_noted_from_the_device_clock(app, client, device):
    year_ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(days=365)).isoformat()
    headers = device.headers | {"X-Device-Time": year_ahead}
    assert client.get("/api/v1/sync/scope", headers=headers).status_code == 200
    with app.app_context():
        skew = db.session.get(Device, device.device_id).clock_skew_seconds
    assert 364 * 86400 < skew < 366 * 86400


def test_the_same_installation_may_repeat_a_lost_enrolment(app, client, demo):
    import uuid

    with app.app_context():
        _, code = enrolment.create("01936")
    install = str(uuid.uuid4())
    first = client.post("/api/v1/devices/enroll", json={"code": code, "install_id": install})
    again = client.post("/api/v1/devices/enroll", json={"code": code, "install_id": install})
    assert first.status_code == again.status_code == 201
    assert again.json["device_id"] == first.json["device_id"]
    old, new = first.json["token"], again.json["token"]
    assert (
        client.get("/api/v1/sync/scope", headers={"Authorization": f"Bearer {new}"}).status_code
        == 200
    )
    assert (
        client.get("/api/v1/sync/scope", headers={"Authorization": f"Bearer {old}"}).status_code
        == 401
    )
    stranger = client.post(
        "/api/v1/devices/enroll", json={"code": code, "install_id": str(uuid.uuid4())}
    )
    assert stranger.status_code == 400
