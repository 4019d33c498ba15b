"""Push and pull: the sync endpoints devices call."""

from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy.exc import DBAPIError

from server.api.auth import device_required
from server.api.errors import api_abort
from server.api.schemas import (
    ChangesQuerySchema,
    ChangesResponseSchema,
    ChecksumSchema,
    PushRequestSchema,
    PushResponseSchema,
)
from server.extensions import db
from server.models.types import utcnow
from server.services import feed, push_gzip, push_storage
from server.services.push import Author, BatchInvalid, push
from sync.envelope import utc_now

blp = Blueprint("records", __name__, url_prefix="/api/v1/sync", description="Push and pull")


@blp.before_request
def gunzip_body():
    """A push body may come gzip-compressed (Content-Encoding: gzip)."""
    try:
        push_gzip.decode_request(request, current_app.config["MAX_CONTENT_LENGTH"])
    except push_gzip.BodyRefused as exc:
        api_abort(exc.status, exc.code, exc.message, exc.message_en)


blp.register_error_handler(OSError, push_storage.answer)  # a full disk: 507, retried later
blp.register_error_handler(DBAPIError, push_storage.answer)


@blp.after_request
def gzip_answer(response):
    """Push answers and feed pages go back gzip-compressed when the device accepts it."""
    return push_gzip.encode_response(request, response)


@blp.post("/push")
@device_required
@blp.arguments(PushRequestSchema)
@blp.response(200, PushResponseSchema)
def push_records(body):
    """Apply a batch of mutations exactly once; an invalid record refuses the whole batch."""
    device = g.device
    if len(body["records"]) > current_app.config["MAX_PUSH_RECORDS"]:
        api_abort(413, "batch_too_large", "Lô dữ liệu quá lớn.", "The batch is too large.")
    try:
        results = push(
            device.commune_code, body["records"], Author(device_id=device.id, username="")
        )
    except BatchInvalid as exc:
        api_abort(
            422,
            "invalid_records",
            "Có bản ghi không hợp lệ; chưa bản ghi nào được lưu. Xem chi tiết từng bản ghi.",
            "Some records are invalid; nothing was saved. See the details per record.",
            errors=exc.errors,
        )
    device.last_sync_at = utcnow()
    db.session.commit()
    return {"results": results, "server_time": utc_now()}


@blp.get("/changes")
@device_required
@blp.arguments(ChangesQuerySchema, location="query")
@blp.response(200, ChangesResponseSchema)
def changes(query):
    """The commune's records changed since a cursor, in server-version order, paginated."""
    page = feed.changes(g.device.commune_code, query["since"], query["limit"])
    g.device.last_sync_at = utcnow()
    db.session.commit()
    return page


@blp.get("/checksum")
@device_required
@blp.response(200, ChecksumSchema)
def checksum():
    """Count and digest of (uuid, version) over the commune: a replica compares its own."""
    return feed.checksum(g.device.commune_code)
