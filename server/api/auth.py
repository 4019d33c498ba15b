"""Device authentication for the API: a bearer token, checked against its stored hash."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from server.api.errors import api_abort
from server.extensions import db
from server.services.enrolment import device_for_token
from server.services.push import touch_device


def device_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        device = device_for_token(token) if token else None
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
