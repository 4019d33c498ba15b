"""Web-user authentication for JSON endpoints: the login session plus a CSRF header."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import g, request, session

from server.api.errors import api_abort

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def user_required(*roles: str):
    """Allow logged-in users with one of `roles` (any role if none given)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = getattr(g, "user", None)
            if user is None:
                api_abort(401, "login_required", "Bạn cần đăng nhập.", "You need to log in.")
            if roles and user.role not in roles:
                api_abort(
                    403,
                    "forbidden",
                    "Vai trò của bạn không được làm việc này.",
                    "Your role may not do this.",
                )
            if request.method in UNSAFE:
                sent = request.headers.get("X-CSRF-Token", "")
                if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
                    api_abort(
                        400,
                        "csrf",
                        "Phiên làm việc không hợp lệ; hãy tải lại trang.",
                        "Invalid session token; reload the page.",
                    )
            return view(*args, **kwargs)

        return wrapper

    return decorator
