"""Revocation from the tablets page, beyond the basics in test_admin_devices.py: photo uploads
while draining, tightening "drain" to "now", a system administrator acting in any province, and
refused revocations that write nothing."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEvent, Device, Photo
from tests.helpers import jpeg_bytes
from tests.server.test_admin_devices import enrol_from_page, revoke
from tests.server.test_web import add_user, csrf, login


def revoke_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "device.revoke")
                .order_by(AuditEvent.id)
            )
        )


def test_draining_device_uploads_its_photos_then_stop_now_refuses_them(app, client, demo):
    token, device = enrol_from_page(client)
    assert revoke(client, token, device["id"], "drain").status_code == 200
    content = jpeg_bytes()
    sha = hashlib.sha256(content).hexdigest()
    uploaded = client.put(
        f"/api/v1/photos/{sha}",
        data=content,
        headers=device["headers"],
        content_type="image/jpeg",
    )
    assert uploaded.status_code == 201, uploaded.json
    status = client.get(f"/api/v1/photos/{sha}/status", headers=device["headers"])
    assert status.status_code == 200
    checksum = client.get("/api/v1/sync/checksum", headers=device["headers"])
    assert checksum.status_code == 403 and checksum.json["code"] == "device_draining"
    assert checksum.json["message_en"]

    # tighten: the same device is now stopped outright
    assert revoke(client, token, device["id"], "now").status_code == 200
    refused = client.get(f"/api/v1/photos/{sha}/status", headers=device["headers"])
    assert refused.status_code == 401 and refused.json["code"] == "device_revoked"
    with app.app_context():
        assert db.session.get(Device, device["id"]).revoke_mode == "now"
        # the photo sent while draining stays on the server
        assert db.session.get(Photo, sha) is not None
    modes = [(e.details["mode"], e.details["previous"]) for e in revoke_events(app)]
    assert modes == [("drain", None), ("now", "drain")]


def test_refused_revocations_write_nothing(app, client, demo):
    token, device = enrol_from_page(client)
    bad_mode = revoke(client, token, device["id"], "later")
    assert bad_mode.status_code == 400
    assert "không hợp lệ" in bad_mode.get_data(as_text=True)
    no_csrf = client.post(f"/admin/devices/{device['id']}/revoke", data={"mode": "now"})
    assert no_csrf.status_code == 400
    assert revoke(client, token, "no-such-device", "now").status_code == 404
    with app.app_context():
        assert db.session.get(Device, device["id"]).revoked_at is None
    assert revoke_events(app) == []
    # the device still works normally
    assert client.get("/api/v1/sync/changes?since=0", headers=device["headers"]).status_code == 200


def test_sysadmin_sees_and_revokes_a_device_in_any_province(app, client, demo):
    token, device = enrol_from_page(client)
    client.post("/logout", data={"csrf_token": token})
    add_user(app, "root2", "sysadmin", None)
    assert login(client, "root2", "pw-root2").status_code == 302
    root_token = csrf(client, "/admin/devices")
    assert device["id"] in client.get("/admin/devices").get_data(as_text=True)
    assert revoke(client, root_token, device["id"], "now").status_code == 200
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "device.revoke", AuditEvent.actor == "root2")
        )
        assert count == 1
    pulled = client.get("/api/v1/sync/changes?since=0", headers=device["headers"])
    assert pulled.status_code == 401
