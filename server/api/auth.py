"""Device authentication for the API: a bearer token, checked against its stored hash."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from server.api.errors import api_abort
from server.extensions import db
from server.services.enrolment import token_device
from server.services.push import touch_device
from server.services.revocation import allows


def device_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        device = token_device(token) if token else None
        refusal = allows(device, request.endpoint) if device is not None else None
        if refusal == "revoked":
            api_abort(
                401,
                "device_revoked",
                "Máy này đã bị thu hồi và dừng hẳn. Hãy liên hệ quản trị viên đồng bộ.",
                "This device was revoked and stopped. Contact the sync administrator.",
            )
        if refusal == "draining":
            api_abort(
                403,
                "device_draining",
                "Máy này đang được thu hồi: chỉ còn được gửi dữ liệu và ảnh, không nhận thêm.",
                "This device is being revoked: it may only send records and photos, not receive.",
            )
        if device is None:
            api_abort(
                401,
                "unauthenticated",
                "Máy chưa được đăng ký hoặc đã bị thu hồi. Hãy đăng ký lại với quản trị viên.",
                "This device is not enrolled or was revoked. Enrol it again with the admin.",
            )
        touch_device(device, request.headers.get("X-Device-Time"))
        db.session.commit()
        g.device = device
        return view(*args, **kwargs)

    return wrapper
