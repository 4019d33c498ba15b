"""Photos: checked against their SHA-256, decoded to prove they are images, stored once."""

from __future__ import annotations

import hashlib

from server.models import Photo
from tests.helpers import jpeg_bytes
from tests.server.conftest import count


def put(client, device, sha, body):
    return client.put(
        f"/api/v1/photos/{sha}", data=body, headers=device.headers, content_type="image/jpeg"
    )


def test_photo_is_verified_and_stored_once(app, client, device):
    content = jpeg_bytes()
    sha = hashlib.sha256(content).hexdigest()
    before = count(app, Photo)
    assert client.get(f"/api/v1/photos/{sha}/status", headers=device.headers).status_code == 404
    first = put(client, device, sha, content)
    assert first.status_code == 201 and first.json["size"] == len(content)
    again = put(client, device, sha, content)
    assert again.status_code == 200 and again.json["created"] is False
    assert count(app, Photo) == before + 1
    assert client.get(f"/api/v1/photos/{sha}/status", headers=device.headers).status_code == 200


def test_damaged_upload_is_refused(app, client, device):
    content = jpeg_bytes()
    sha = hashlib.sha256(content).hexdigest()
    response = put(client, device, sha, content[:-100])
    assert response.status_code == 422 and response.json["code"] == "hash_mismatch"
    fake = b"this is not a jpeg at all"
    response = put(client, device, hashlib.sha256(fake).hexdigest(), fake)
    assert response.status_code == 422 and response.json["code"] == "not_an_image"
    with app.app_context():
        from server.extensions import db
        from server.services.photos import photo_path

        assert db.session.get(Photo, sha) is None
        assert not photo_path(sha).exists()


def test_photo_id_must_be_a_sha256(client, device):
    response = put(client, device, "..%2F..%2Fetc%2Fpasswd", b"x")
    assert response.status_code in (400, 404)
    response = put(client, device, "A" * 64, b"x")
    assert response.status_code == 400 and response.json["code"] == "bad_hash"
