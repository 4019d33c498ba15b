"""The logged-in web user, and the CSRF token their page sends with JSON writes."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from server.api.users import user_required
from server.web.auth import csrf_token

blp = Blueprint("session", __name__, url_prefix="/api/v1/session", description="Web session")


class SessionSchema(Schema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    area_code = fields.String(allow_none=True)
    csrf_token = fields.String(required=True)


@blp.get("")
@user_required()
@blp.response(200, SessionSchema)
def current():
    """Who is logged in; the CSRF token goes in the X-CSRF-Token header of writes."""
    user = g.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "area_code": user.area_code,
        "csrf_token": csrf_token(),
    }
