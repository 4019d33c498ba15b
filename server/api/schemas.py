"""Marshmallow schemas: the API's contract, used for validation and the OpenAPI document."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

MAX_CURSOR = 2**62


class ErrorSchema(Schema):
    """Every error of the API (server/errors.py, server/api/errors.py); some add fields, e.g.
    `errors` (what was wrong, per record or per field) or `offset` (uploads)."""

    class Meta:
        unknown = INCLUDE  # documented as additionalProperties: true

    code = fields.String(required=True, metadata={"description": "machine-readable, e.g. bad_hash"})
    message = fields.String(required=True, metadata={"description": "Vietnamese"})
    message_en = fields.String(required=True)
    errors = fields.Raw(metadata={"description": "details: per record, or per location and field"})
    offset = fields.Integer(metadata={"description": "uploads: bytes the server holds"})


class EnrolRequestSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(4, 32))
    device_name = fields.String(load_default="tablet", validate=validate.Length(0, 120))
    app_version = fields.String(load_default="", validate=validate.Length(0, 40))
    install_id = fields.UUID(load_default=None)


class CommuneSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    province_code = fields.String(allow_none=True)
    province_name = fields.String(allow_none=True)


class EnrolResponseSchema(Schema):
    device_id = fields.String(required=True)
    token = fields.String(required=True, metadata={"description": "shown once; keep it secret"})
    officer = fields.String()
    commune = fields.Nested(CommuneSchema, required=True)
    server_time = fields.String(required=True)


class VillageSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    geometry = fields.Dict(allow_none=True)
    geometry_source = fields.String(allow_none=True)


class FormRefSchema(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)


class ScopeSchema(Schema):
    commune = fields.Nested(CommuneSchema, required=True)
    villages = fields.List(fields.Nested(VillageSchema), required=True)
    forms = fields.List(fields.Nested(FormRefSchema), required=True)
    server_time = fields.String(required=True)


class EnvelopeSchema(Schema):
    uuid = fields.UUID(required=True)
    mutation_id = fields.UUID(required=True)
    form_id = fields.String(required=True)
    form_version = fields.Integer(required=True)
    commune_code = fields.String(required=True)
    village_code = fields.String(required=True)
    household_id = fields.UUID(allow_none=True)
    data = fields.Dict(required=True)
    photos = fields.List(fields.String())
    device_id = fields.String()
    captured_at = fields.String(required=True)
    base_version = fields.Integer(allow_none=True)
    version = fields.Integer(allow_none=True)
    deleted = fields.Boolean()
    reason = fields.String(
        validate=validate.Length(max=300),
        metadata={"description": "why the record was deleted (tombstones only)"},
    )
    status = fields.String(allow_none=True)
    review = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "the board's last decision: status, reason, by, at"},
    )


class PushRequestSchema(Schema):
    records = fields.List(
        fields.Dict(),
        required=True,
        validate=validate.Length(1, 500),
        metadata={"description": "record envelopes (see EnvelopeSchema); checked one by one"},
    )


class PushResultSchema(Schema):
    uuid = fields.String(required=True)
    mutation_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["applied", "conflict"]))
    version = fields.Integer(required=True)
    replayed = fields.Boolean(metadata={"description": "this mutation was applied before"})
    conflict_id = fields.Integer()
    server_copy = fields.Dict(
        metadata={"description": "the server's answers, when they differ from what was sent"}
    )
    server_deleted = fields.Boolean(
        metadata={"description": "whether the server's copy is deleted (sent with server_copy)"}
    )


class PushResponseSchema(Schema):
    results = fields.List(fields.Nested(PushResultSchema), required=True)
    server_time = fields.String(required=True)


class ChangesQuerySchema(Schema):
    since = fields.Integer(load_default=0, validate=validate.Range(0, MAX_CURSOR))
    limit = fields.Integer(load_default=500, validate=validate.Range(1, 1000))


class ChangesResponseSchema(Schema):
    changes = fields.List(fields.Nested(EnvelopeSchema), required=True)
    next = fields.Integer(required=True)
    more = fields.Boolean(required=True)


class PhotoSchema(Schema):
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    content_type = fields.String(required=True)
    created = fields.Boolean()


class ConflictQuerySchema(Schema):
    commune = fields.String(validate=validate.Regexp(r"^\d{5}$"))
    form_id = fields.String(validate=validate.Length(1, 64))
    min_age_days = fields.Integer(validate=validate.Range(0, 3650))


class ConflictSchema(Schema):
    id = fields.Integer(required=True)
    record_uuid = fields.String(required=True)
    commune_code = fields.String(required=True)
    form_id = fields.String(required=True)
    device_id = fields.String()
    base_version = fields.Integer(allow_none=True)
    server_version = fields.Integer()
    fields_ = fields.Dict(data_key="fields", attribute="fields", required=True)
    base_data = fields.Dict()
    server_data = fields.Dict()
    device_data = fields.Dict()
    device_captured_at = fields.DateTime()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolution = fields.Dict(allow_none=True)


class ResolveRequestSchema(Schema):
    choices = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(["base", "server", "device"])),
        load_default=dict,
    )
    values = fields.Dict(keys=fields.String(), load_default=dict)


class ResolveResponseSchema(Schema):
    record_uuid = fields.String(required=True)
    version = fields.Integer(required=True)
    data = fields.Dict(required=True)
    deleted = fields.Boolean(required=True)
    sync_status = fields.String(required=True)


class RevisionSchema(Schema):
    revision = fields.Integer(required=True)
    version = fields.Integer(required=True)
    base_version = fields.Integer(allow_none=True)
    data = fields.Dict(required=True)
    photos = fields.List(fields.String())
    deleted = fields.Boolean()
    reason = fields.String(allow_none=True)
    device_id = fields.String()
    author = fields.String()
    captured_at = fields.DateTime()
    received_at = fields.DateTime()


SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="sha256 must be 64 lower-case hex digits")


class UploadCreateSchema(Schema):
    sha256 = fields.String(required=True, validate=SHA256)
    size = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**40))


class UploadStateSchema(Schema):
    upload_id = fields.String(allow_none=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    complete = fields.Boolean(required=True)


class ChunkQuerySchema(Schema):
    offset = fields.Integer(required=True, validate=validate.Range(0, 2**40))


class ChecksumSchema(Schema):
    count = fields.Integer(required=True)
    digest = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "feed position it covers"})


def binary_body(description: str, types=("application/octet-stream",)) -> dict:
    """OpenAPI requestBody of an endpoint that reads raw bytes (photos, upload chunks)."""
    schema = {"type": "string", "format": "binary"}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {t: {"schema": schema} for t in types},
        }
    }
