"""Every revision of a record stays readable: for the commune's devices and its web users."""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint
from sqlalchemy import select

from server.api.errors import api_abort
from server.api.schemas import RevisionSchema
from server.extensions import db
from server.models import Record, RecordRevision
from server.services.access import can_access_commune
from server.services.enrolment import device_for_token

blp = Blueprint("revisions", __name__, url_prefix="/api/v1/records", description="History")


def _may_read(commune_code: str) -> bool:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        device = device_for_token(header[7:].strip())
        return device is not None and device.commune_code == commune_code
    user = getattr(g, "user", None)
    return user is not None and can_access_commune(user, commune_code)


@blp.get("/<uuid:record_uuid>/revisions")
@blp.response(200, RevisionSchema(many=True))
def revisions(record_uuid):
    """The record's revisions, oldest first (deletes included, with who and why)."""
    record = db.session.get(Record, str(record_uuid))
    if record is None or not _may_read(record.commune_code):
        api_abort(404, "not_found", "Không tìm thấy bản ghi.", "No such record.")
    return db.session.scalars(
        select(RecordRevision)
        .where(RecordRevision.record_uuid == record.uuid)
        .order_by(RecordRevision.revision)
    ).all()
