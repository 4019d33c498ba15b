"""Conflict inbox API for sync administrators: list, inspect, resolve."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from server.api.errors import api_abort
from server.api.schemas import (
    ConflictQuerySchema,
    ConflictSchema,
    ResolveRequestSchema,
    ResolveResponseSchema,
)
from server.api.users import user_required
from server.extensions import db
from server.models import Conflict, Record
from server.services import conflicts
from server.services.access import can_access_commune, communes_in_area

blp = Blueprint("conflicts", __name__, url_prefix="/api/v1/conflicts", description="Conflicts")
ADMINS = ("sync_admin", "sysadmin")


def _dump(conflict: Conflict, record: Record) -> dict:
    """The conflict's columns plus its record's form (serialised by the response schema)."""
    columns = {c.key: getattr(conflict, c.key) for c in Conflict.__table__.columns}
    return columns | {"form_id": record.form_id}


def _get(conflict_id: int) -> tuple[Conflict, Record]:
    conflict = db.session.get(Conflict, conflict_id)
    if conflict is None or not can_access_commune(g.user, conflict.commune_code):
        api_abort(404, "not_found", "Không tìm thấy xung đột.", "No such conflict.")
    return conflict, db.session.get(Record, conflict.record_uuid)


@blp.get("")
@user_required(*ADMINS)
@blp.arguments(ConflictQuerySchema, location="query")
@blp.response(200, ConflictSchema(many=True))
def list_conflicts(query):
    """Open conflicts in the administrator's area, oldest first."""
    rows = conflicts.list_open(communes_in_area(g.user), **query)
    return [_dump(c, r) for c, r in rows]


@blp.get("/<int:conflict_id>")
@user_required(*ADMINS)
@blp.response(200, ConflictSchema)
def show(conflict_id):
    """One conflict: base, server and device values side by side."""
    return _dump(*_get(conflict_id))


@blp.post("/<int:conflict_id>/resolve")
@user_required(*ADMINS)
@blp.arguments(ResolveRequestSchema)
@blp.response(200, ResolveResponseSchema)
def resolve(body, conflict_id):
    """Decide every clashing field; the result becomes a new revision for every tablet.

    A delete-versus-edit conflict has the field `_deleted`: choose a side, or give
    `values: {"_deleted": true|false}` (delete the record, or keep it)."""
    conflict, _ = _get(conflict_id)
    try:
        record = conflicts.resolve(conflict, body["choices"], body["values"], g.user.username)
    except conflicts.ResolutionError as exc:
        api_abort(exc.status, exc.code, exc.message, exc.message_en, **exc.extra)
    return {
        "record_uuid": record.uuid,
        "version": record.version,
        "data": record.data,
        "deleted": record.deleted,
        "sync_status": record.sync_status,
    }
