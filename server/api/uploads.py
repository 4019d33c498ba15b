"""Resumable chunked photo uploads (create, chunks at offsets, current offset, finish)."""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint
from sqlalchemy.exc import DBAPIError

from server.api.auth import device_required
from server.api.errors import api_abort
from server.api.schemas import (
    ChunkQuerySchema,
    PhotoSchema,
    UploadCreateSchema,
    UploadStateSchema,
    binary_body,
)
from server.extensions import db
from server.models import Upload
from server.services import photos, push_storage, uploads

blp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads", description="Photo uploads")
blp.register_error_handler(OSError, push_storage.answer)  # a full disk: 507, retried later
blp.register_error_handler(DBAPIError, push_storage.answer)


def _state(upload: Upload) -> dict:
    return {
        "upload_id": upload.id,
        "sha256": upload.sha256,
        "size": upload.size,
        "offset": uploads.offset(upload),
        "complete": False,
    }


def _mine(upload_id: str) -> Upload:
    upload = db.session.get(Upload, upload_id)
    if upload is None or upload.device_id != g.device.id:
        api_abort(
            404,
            "upload_missing",
            "Không tìm thấy lượt tải lên; hãy bắt đầu lại.",
            "No such upload; start it again.",
        )
    return upload


def _fail(exc) -> None:
    api_abort(exc.status, exc.code, exc.message, exc.message_en, **getattr(exc, "extra", {}))


@blp.post("")
@device_required
@blp.arguments(UploadCreateSchema)
@blp.response(201, UploadStateSchema)
def create(body):
    """Start an upload, or resume the device's unfinished one for the same photo."""
    try:
        upload, done = uploads.create(g.device.id, body["sha256"], body["size"])
    except uploads.UploadError as exc:
        _fail(exc)
    if done:
        return {**body, "upload_id": None, "offset": body["size"], "complete": True}, 200
    return _state(upload)


@blp.get("/<uuid:upload_id>")
@device_required
@blp.response(200, UploadStateSchema)
def state(upload_id):
    """How many bytes the server holds: ask this after a cut, then continue from there."""
    return _state(_mine(str(upload_id)))


@blp.put("/<uuid:upload_id>")
@device_required
@blp.doc(**binary_body("the next bytes of the photo, starting at `offset`"))
@blp.arguments(ChunkQuerySchema, location="query")
@blp.response(200, UploadStateSchema)
def chunk(query, upload_id):
    """Append the body at `offset`, which must equal the bytes received so far."""
    upload = _mine(str(upload_id))
    try:
        uploads.write_chunk(upload, query["offset"], request.get_data(cache=False))
    except uploads.UploadError as exc:
        _fail(exc)
    uploads.touch(upload)
    return _state(upload)


@blp.post("/<uuid:upload_id>/finish")
@device_required
@blp.response(201, PhotoSchema)
def finish(upload_id):
    """Check size and SHA-256, then keep the photo under its hash."""
    upload = _mine(str(upload_id))
    try:
        return uploads.finish(upload)
    except (uploads.UploadError, photos.PhotoRejected) as exc:
        _fail(exc)
