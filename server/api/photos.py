"""Photo upload: the body is the image; its SHA-256 in the URL is checked on arrival."""

from __future__ import annotations

from flask import abort, current_app, g, jsonify, make_response, request, send_file
from flask_smorest import Blueprint
from sqlalchemy import select

from server.api.auth import device_required
from server.api.errors import api_abort, error_body
from server.api.schemas import PhotoSchema, binary_body
from server.extensions import db
from server.models import Photo, PhotoMeta, Record
from server.services import photo_thumbs, photos

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "application/octet-stream")
blp = Blueprint("photos", __name__, url_prefix="/api/v1/photos", description="Photos")


def _check_hash(sha256: str) -> None:
    if not photos.SHA256_HEX.match(sha256):
        api_abort(
            400,
            "bad_hash",
            "Mã ảnh phải là 64 ký tự SHA-256 (chữ thường).",
            "The photo id must be a lower-case SHA-256 hex digest.",
        )


@blp.get("/<sha256>/status")
@device_required
@blp.response(200, PhotoSchema)
def status(sha256):
    """Whether the server already holds this photo (so the device need not send it)."""
    _check_hash(sha256)
    photo = db.session.get(Photo, sha256)
    if photo is None:
        api_abort(404, "photo_missing", "Máy chủ chưa có ảnh này.", "The server lacks this photo.")
    return photo


@blp.put("/<sha256>")
@device_required
@blp.doc(**binary_body("the photo file; its type is read from its bytes", PHOTO_TYPES))
@blp.response(201, PhotoSchema)
@blp.alt_response(200, schema=PhotoSchema, description="already stored")
def upload(sha256):
    """Upload one photo whole (resumable chunked upload comes with the sync issue)."""
    _check_hash(sha256)
    content = request.get_data(cache=False)  # bounded by MAX_CONTENT_LENGTH (413)
    if len(content) > current_app.config["MAX_PHOTO_BYTES"]:
        api_abort(
            413,
            "photo_too_large",
            "Ảnh quá lớn; ứng dụng cần thu nhỏ ảnh trước khi gửi.",
            "The photo is too large; the app must shrink it before sending.",
        )
    try:
        photo, created = photos.store(sha256, content, g.device.id)
    except photos.PhotoRejected as exc:
        api_abort(exc.status, exc.code, exc.message, exc.message_en)
    body = PhotoSchema().dump(photo) | {"created": created}
    return body, 201 if created else 200


@blp.get("/<sha256>/thumbnail")
@device_required
def thumbnail(sha256):
    """The photo's upright JPEG thumbnail, no EXIF (`?size=256`, the default, or 1024).
    Only for photos of the device's commune or sent by the device itself."""
    _check_hash(sha256)
    size = request.args.get("size", "256")
    if size not in ("256", "1024"):
        api_abort(
            400,
            "bad_size",
            "Kích thước ảnh thu nhỏ chỉ là 256 hoặc 1024.",
            "The thumbnail size must be 256 or 1024.",
        )
    photo = db.session.get(Photo, sha256)
    if photo is None or not _in_device_scope(photo):
        api_abort(404, "photo_missing", "Máy chủ chưa có ảnh này.", "The server lacks this photo.")
    meta = db.session.get(PhotoMeta, sha256)
    if meta is not None and meta.error:
        api_abort(
            422,
            "photo_unreadable",
            f"Ảnh này không xử lý được: {meta.error}",
            f"This photo could not be processed: {meta.error}",
        )
    path = photo_thumbs.ready_path(sha256, size)
    if path is None:
        body = error_body(
            "thumbnail_pending",
            "Ảnh thu nhỏ đang được tạo; hãy thử lại sau ít phút.",
            "The thumbnail is being made; try again in a few minutes.",
        )
        abort(make_response(jsonify(body), 404, {"Retry-After": "30"}))
    response = send_file(path, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _in_device_scope(photo: Photo) -> bool:
    if photo.device_id == g.device.id:
        return True
    # A hash is unambiguous inside the serialised list (see server/web/commune.py).
    rows = db.session.execute(
        select(Record.photos).where(
            Record.commune_code == g.device.commune_code,
            db.cast(Record.photos, db.String).like(f"%{photo.sha256}%"),
        )
    )
    return any(photo.sha256 in (hashes or []) for (hashes,) in rows)
