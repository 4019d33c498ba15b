"""Device enrolment: exchange a one-time code for a device token."""

from __future__ import annotations

from flask_smorest import Blueprint

from server.api.errors import api_abort
from server.api.schemas import EnrolRequestSchema, EnrolResponseSchema
from server.api.scope import commune_info
from server.services import enrolment
from sync.envelope import utc_now

blp = Blueprint("devices", __name__, url_prefix="/api/v1/devices", description="Tablets")


@blp.post("/enroll")
@blp.arguments(EnrolRequestSchema)
@blp.response(201, EnrolResponseSchema)
def enroll(body):
    """Exchange a one-time enrolment code for this device's token (shown once)."""
    try:
        device, token = enrolment.redeem(
            body["code"],
            body["device_name"],
            body["app_version"],
            str(body["install_id"]) if body["install_id"] else None,
        )
    except enrolment.EnrolmentError as exc:
        api_abort(400, exc.code, exc.message, exc.message_en)
    return {
        "device_id": device.id,
        "token": token,
        "officer": device.officer_name,
        "commune": commune_info(device.commune_code),
        "server_time": utc_now(),
    }
