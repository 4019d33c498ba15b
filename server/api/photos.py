"""Photo upload: the body is the image; its SHA-256 in the URL is checked on arrival."""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint

from server.api.auth import device_required
from server.api.errors import api_abort
from server.api.schemas import PhotoSchema
from server.extensions import db
from server.models import Photo
from server.services import photos

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
@blp.response(201, PhotoSchema)
@blp.alt_response(200, schema=PhotoSchema, description="already stored")
def upload(sha256):
    """Upload one photo whole (resumable chunked upload comes with the sync issue)."""
    _check_hash(sha256)
    try:
        photo, created = photos.store(sha256, request.get_data(cache=False), g.device.id)
    except photos.PhotoRejected as exc:
        api_abort(exc.status, exc.code, exc.message, exc.message_en)
    body = PhotoSchema().dump(photo) | {"created": created}
    return body, 201 if created else 200
