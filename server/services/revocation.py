"""Revoking a tablet in one of two modes, and what a revoked tablet may still do.

"drain" (finish uploading, then stop): the device may push the records it holds and upload
their photos, but it pulls nothing new and cannot enrol again. "now" (stop now): every
request is refused. Nothing already on the server is removed in either mode.
"""

from __future__ import annotations

from server.extensions import db
from server.models import Device
from server.models.types import utcnow
from server.services import audit

MODES = ("drain", "now")
# API endpoints a draining device may still call: sending what it holds, nothing more.
DRAIN_ALLOWED = frozenset(
    {
        "records.push_records",
        "photos.status",
        "photos.upload",
        "uploads.create",
        "uploads.state",
        "uploads.chunk",
        "uploads.finish",
    }
)


class RevocationError(ValueError):
    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


def revoke(device: Device, mode: str, actor: str) -> Device:
    """Revoke `device` (or tighten "drain" to "now"), audit-logged, committed."""
    if mode not in MODES:
        raise RevocationError("Cách thu hồi không hợp lệ.", "Unknown revocation mode.")
    if device.revoke_mode == "now":
        raise RevocationError("Máy này đã bị dừng hẳn.", "This device is already stopped.")
    if device.revoke_mode == mode:
        raise RevocationError(
            "Máy này đã được thu hồi theo cách này.", "This device is already revoked this way."
        )
    previous = device.revoke_mode
    device.revoked_at = device.revoked_at or utcnow()
    device.revoke_mode = mode
    audit.log(
        "device.revoke",
        actor=actor,
        area_code=device.commune_code,
        target=device.id,
        details={"mode": mode, "previous": previous, "name": device.name},
    )
    db.session.commit()
    return device


def allows(device: Device, endpoint: str | None) -> str | None:
    """None when `device` may call `endpoint`; otherwise "revoked" or "draining"."""
    if device.revoked_at is None:
        return None
    if device.revoke_mode == "drain":
        return None if endpoint in DRAIN_ALLOWED else "draining"
    return "revoked"
