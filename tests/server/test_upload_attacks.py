"""Attacks on photo uploads and bundles: sizes, fake and cut images, decompression bombs,
content types; each refused with a readable 4xx and nothing stored (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
import zlib

import pytest
from PIL import Image

from server.extensions import db
from server.models import Photo, Upload
from tests.helpers import jpeg_bytes


def stored_files(app) -> list[str]:
    from pathlib import Path

    root = Path(app.config["PHOTO_DIR"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def device(app, client):
    """An enrolled tablet of the demo commune, without the demo records (faster)."""
    from server import demo
    from server.models import AdminUnit
    from tests.server.conftest import enrol

    with app.app_context():
        db.session.add(AdminUnit(code=demo.PROVINCE, level="province", name="Thái Nguyên"))
        db.session.add(
            AdminUnit(code=demo.COMMUNE, level="commune", name="Nà Phặc", parent_code=demo.PROVINCE)
        )
        db.session.commit()
    return enrol(app, client)


def photos_now(app) -> tuple[int, list[str]]:
    with app.app_context():
        return db.session.query(Photo).count(), stored_files(app)


@pytest.fixture
def before(app, device):
    """Photos and files present before the attack (the demo commune has a few)."""
    return photos_now(app)


def nothing_stored(app, before) -> None:
    assert photos_now(app) == before


def put_whole(client, device, content, content_type="image/jpeg", sha=None):
    sha = sha or hashlib.sha256(content).hexdigest()
    return client.put(
        f"/api/v1/photos/{sha}", data=content, headers=device.headers, content_type=content_type
    )


def chunked(client, device, content):
    """Start an upload, send everything in one chunk, finish; returns the finish answer."""
    sha = hashlib.sha256(content).hexdigest()
    start = client.post(
        "/api/v1/uploads", json={"sha256": sha, "size": len(content)}, headers=device.headers
    )
    assert start.status_code == 201, start.json
    upload_id = start.json["upload_id"]
    sent = client.put(
        f"/api/v1/uploads/{upload_id}?offset=0",
        data=content,
        headers=device.headers,
        content_type="application/octet-stream",
    )
    assert sent.status_code == 200, sent.json
    return client.post(f"/api/v1/uploads/{upload_id}/finish", headers=device.headers)


def vietnamese_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.is_json, response.mimetype
    assert response.json["code"] == code
    assert response.json["message"] and response.json["message_en"]
    assert response.json["message"] != response.json["message_en"]  # Vietnamese, then English
    assert "Traceback" not in response.get_data(as_text=True)


def png_header_only(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG that claims width x height: the classic decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def noisy_jpeg(size=(300, 300)) -> bytes:
    """A real photo that does not compress: random pixels (about 100 kB at 300x300)."""
    import random

    pixels = random.Random(6).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def image_bytes(fmt: str, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(out, fmt)
    return out.getvalue()


# --- sizes -----------------------------------------------------------------------------


def test_whole_upload_past_max_content_length_is_413(app, client, device, before):
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024
    response = put_whole(client, device, b"\xff\xd8" + b"x" * (40 * 1024))
    vietnamese_error(response, 413, "request_entity_too_large")
    nothing_stored(app, before)


def test_whole_photo_past_max_photo_bytes_is_413(app, client, device, before):
    app.config["MAX_PHOTO_BYTES"] = 20 * 1024
    content = noisy_jpeg()
    assert len(content) > 20 * 1024
    vietnamese_error(put_whole(client, device, content), 413, "photo_too_large")
    nothing_stored(app, before)


def test_chunked_upload_declared_too_large_is_refused_before_any_byte(app, client, device):
    app.config["MAX_PHOTO_BYTES"] = 1024 * 1024
    response = client.post(
        "/api/v1/uploads",
        json={"sha256": "a" * 64, "size": 2 * 1024 * 1024},
        headers=device.headers,
    )
    vietnamese_error(response, 413, "photo_too_large")
    with app.app_context():
        assert db.session.query(Upload).count() == 0


def test_a_chunk_past_the_limit_or_past_the_declared_size_writes_nothing(
    app, client, device, before
):
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024
    content = noisy_jpeg()
    assert len(content) > 16 * 1024
    sha = hashlib.sha256(content).hexdigest()
    start = client.post(
        "/api/v1/uploads", json={"sha256": sha, "size": len(content)}, headers=device.headers
    )
    upload_id = start.json["upload_id"]

    def put(offset, chunk):
        return client.put(
            f"/api/v1/uploads/{upload_id}?offset={offset}",
            data=chunk,
            headers=device.headers,
            content_type="application/octet-stream",
        )

    vietnamese_error(put(0, content), 413, "request_entity_too_large")
    assert client.get(f"/api/v1/uploads/{upload_id}", headers=device.headers).json["offset"] == 0
    assert put(0, content[: 15 * 1024]).status_code == 200
    # the rest plus extra bytes: more than the declared size
    rest = content[15 * 1024 :] + b"\x00" * 10
    offset = 15 * 1024
    while rest:
        piece, rest = rest[: 15 * 1024], rest[15 * 1024 :]
        answer = put(offset, piece)
        if answer.status_code != 200:
            vietnamese_error(answer, 422, "too_many_bytes")
            break
        offset += len(piece)
    assert client.get(f"/api/v1/uploads/{upload_id}", headers=device.headers).json["offset"] <= len(
        content
    )
    assert photos_now(app)[0] == before[0]


# --- what the bytes really are ----------------------------------------------------------


FAKES = {
    "jpeg_magic_then_noise": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8,
    "html_called_jpeg": b"<html><script>alert(1)</script></html>",
    "svg_called_jpeg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "empty_png_signature": b"\x89PNG\r\n\x1a\n",
}


@pytest.mark.parametrize("name", sorted(FAKES))
def test_fake_images_are_refused_and_nothing_is_stored(app, client, device, name, before):
    vietnamese_error(put_whole(client, device, FAKES[name]), 422, "not_an_image")
    vietnamese_error(chunked(client, device, FAKES[name]), 422, "not_an_image")
    nothing_stored(app, before)
    with app.app_context():
        assert db.session.query(Upload).count() == 0  # the refused upload starts again


def test_a_real_image_in_a_format_we_do_not_keep_is_refused(app, client, device, before):
    response = put_whole(client, device, image_bytes("GIF"), content_type="image/gif")
    vietnamese_error(response, 422, "unsupported_format")
    assert "GIF" in response.json["message"]
    nothing_stored(app, before)


def test_content_type_is_sniffed_not_trusted(app, client, device, before):
    png = image_bytes("PNG")
    response = put_whole(client, device, png, content_type="image/jpeg")
    assert response.status_code == 201
    assert response.json["content_type"] == "image/png"  # what Pillow read, not the header
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        assert db.session.get(Photo, hashlib.sha256(png).hexdigest()).content_type == "image/png"
    # the one new file on disk is named by its hash only, whatever the client called it
    sha = response.json["sha256"]
    assert set(stored_files(app)) - set(before[1]) == {f"{sha[:2]}/{sha[2:4]}/{sha}.img"}


# --- decompression bombs ----------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [
        (8_000, 8_000),  # 64 M pixels: over our 50 M cap, under Pillow's own warning
        (10_000, 10_000),  # 100 M: Pillow would only warn
        (30_000, 30_000),  # 900 M: Pillow refuses to open it at all
    ],
)
def test_decompression_bomb_is_refused_readably(app, client, device, size, before):
    bomb = png_header_only(*size)
    assert len(bomb) < 200  # a small file...
    response = put_whole(client, device, bomb, content_type="image/png")
    vietnamese_error(response, 422, "too_many_pixels")  # ...refused before any decoding
    assert "thu nhỏ" in response.json["message"]
    vietnamese_error(chunked(client, device, bomb), 422, "too_many_pixels")
    nothing_stored(app, before)


def test_pixel_cap_is_configurable(app, client, device):
    app.config["MAX_IMAGE_PIXELS"] = 1000
    response = put_whole(client, device, image_bytes("PNG", size=(40, 30)), "image/png")
    vietnamese_error(response, 422, "too_many_pixels")
    assert "40×30" in response.json["message"]


# --- bundles ----------------------------------------------------------------------------


def signed_bundle(device, photos: dict[str, bytes], device_id=None) -> bytes:
    from sync.bundle import FORMAT, sign, signing_key

    manifest = {
        "format": FORMAT,
        "device_id": device_id or device.device_id,
        "commune_code": "01936",
        "created_at": "2026-11-30T00:00:00Z",
        "mutations": 0,
        "mutations_sha256": hashlib.sha256(b"").hexdigest(),
        "photos": sorted(photos),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest, sort_keys=True))
        archive.writestr("signature", sign(manifest, signing_key(device.token)))
        archive.writestr("mutations.jsonl", "")
        for sha, content in photos.items():
            archive.writestr(f"photos/{sha}", content)
    return out.getvalue()


def test_a_bundle_with_a_fake_photo_is_refused_whole(app, client, device, before):
    from server.services.bundles import import_bundle
    from sync.bundle import BundleError

    good = jpeg_bytes(text="that")
    fake = FAKES["jpeg_magic_then_noise"]
    files = {hashlib.sha256(c).hexdigest(): c for c in (good, fake)}
    with app.app_context():
        with pytest.raises(BundleError) as refused:
            import_bundle(signed_bundle(device, files), "test")
    assert refused.value.code == "bad_photo"
    assert "Không nhập gì" in refused.value.message
    nothing_stored(app, before)  # not even the good photo

    from server import demo
    from tests.server.test_web import csrf, login

    with app.app_context():
        demo._users()
    login(client, "bql_naphac")
    page = client.post(
        "/bundles",
        data={
            "csrf_token": csrf(client, "/bundles"),
            "bundle": (io.BytesIO(signed_bundle(device, files)), "x.chungsuc"),
        },
        content_type="multipart/form-data",
    )
    assert page.status_code == 422
    assert "Không nhập gì" in page.get_data(as_text=True)
    nothing_stored(app, before)


def test_a_bundle_photo_named_with_a_path_is_refused(app, device, before):
    from server.services.bundles import import_bundle
    from sync.bundle import BundleError

    content = jpeg_bytes(text="ten la")
    with app.app_context():
        for name in ("../../etc/passwd", "..%2f..%2fx", "/abs/path", "A" * 64):
            with pytest.raises(BundleError) as refused:
                import_bundle(signed_bundle(device, {name: content}), "test")
            assert refused.value.code == "malformed"
    nothing_stored(app, before)
