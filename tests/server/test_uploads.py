"""Resumable chunked photo uploads."""

from __future__ import annotations

import hashlib

from server.extensions import db
from server.models import Photo, Upload
from tests.helpers import jpeg_bytes


def start(client, device, content):
    sha = hashlib.sha256(content).hexdigest()
    response = client.post(
        "/api/v1/uploads", json={"sha256": sha, "size": len(content)}, headers=device.headers
    )
    return sha, response


def put(client, device, upload_id, offset, chunk):
    return client.put(
        f"/api/v1/uploads/{upload_id}?offset={offset}",
        data=chunk,
        headers=device.headers,
        content_type="application/octet-stream",
    )


def test_upload_in_chunks_resumes_from_the_server_offset(app, client, device):
    content = jpeg_bytes(size=(1200, 900), text="chunked")
    sha, created = start(client, device, content)
    assert created.status_code == 201 and created.json["offset"] == 0
    upload_id = created.json["upload_id"]
    assert put(client, device, upload_id, 0, content[:1000]).json["offset"] == 1000
    # the device lost its answer and the connection: it asks where the server is
    again = start(client, device, content)[1]
    assert again.json["upload_id"] == upload_id and again.json["offset"] == 1000
    assert client.get(f"/api/v1/uploads/{upload_id}", headers=device.headers).json["offset"] == 1000
    stale = put(client, device, upload_id, 0, content[:1000])
    assert stale.status_code == 409 and stale.json["offset"] == 1000
    early = client.post(f"/api/v1/uploads/{upload_id}/finish", headers=device.headers)
    assert early.status_code == 409 and early.json["offset"] == 1000
    assert put(client, device, upload_id, 1000, content[1000:]).json["offset"] == len(content)
    done = client.post(f"/api/v1/uploads/{upload_id}/finish", headers=device.headers)
    assert done.status_code == 201 and done.json["sha256"] == sha
    with app.app_context():
        assert db.session.get(Photo, sha).size == len(content)
        assert db.session.query(Upload).count() == 0
    known = start(client, device, content)[1]
    assert known.status_code == 200 and known.json["complete"] is True


def test_damaged_upload_is_refused_and_starts_again(app, client, device):
    content = jpeg_bytes()
    sha, created = start(client, device, content)
    upload_id = created.json["upload_id"]
    corrupt = bytes([content[0] ^ 0xFF]) + content[1:]
    put(client, device, upload_id, 0, corrupt)
    response = client.post(f"/api/v1/uploads/{upload_id}/finish", headers=device.headers)
    assert response.status_code == 422 and response.json["code"] == "hash_mismatch"
    with app.app_context():
        assert db.session.get(Photo, sha) is None and db.session.query(Upload).count() == 0
    assert start(client, device, content)[1].json["offset"] == 0


def test_upload_bounds_are_enforced(app, client, device):
    content = jpeg_bytes()
    _, created = start(client, device, content)
    upload_id = created.json["upload_id"]
    too_many = put(client, device, upload_id, 0, content + b"extra")
    assert too_many.status_code == 422 and too_many.json["code"] == "too_many_bytes"
    huge = client.post(
        "/api/v1/uploads", json={"sha256": "a" * 64, "size": 10**9}, headers=device.headers
    )
    assert huge.status_code == 413 and "thu nhỏ" in huge.json["message"]
    for bad in (
        {"sha256": "../../x", "size": 10},
        {"sha256": "a" * 64, "size": "10"},
        {"sha256": "a" * 64, "size": 0},
    ):
        assert client.post("/api/v1/uploads", json=bad, headers=device.headers).status_code == 422


def test_another_device_cannot_touch_my_upload(app, client, device):
    from tests.server.conftest import enrol

    _, created = start(client, device, jpeg_bytes())
    other = enrol(app, client)
    upload_id = created.json["upload_id"]
    assert client.get(f"/api/v1/uploads/{upload_id}", headers=other.headers).status_code == 404
    assert put(client, other, upload_id, 0, b"x").status_code == 404


def test_checksum_matches_what_a_replica_computes(client, device):
    from sync.checksum import scope_digest

    feed = client.get("/api/v1/sync/changes?limit=1000", headers=device.headers).json
    remote = client.get("/api/v1/sync/checksum", headers=device.headers).json
    assert remote["version"] == feed["next"]
    assert (remote["count"], remote["digest"]) == scope_digest(
        (c["uuid"], c["version"]) for c in feed["changes"]
    )
