"""Error answers: JSON for the API, pages for the web, Vietnamese first, never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from server.api.errors import error_body

MESSAGES = {
    400: ("Yêu cầu không hợp lệ.", "Bad request."),
    401: ("Bạn cần đăng nhập.", "You need to log in."),
    403: ("Bạn không có quyền xem trang này.", "You may not see this page."),
    404: ("Không tìm thấy.", "Not found."),
    405: ("Phương thức không được phép.", "Method not allowed."),
    413: (
        "Dữ liệu gửi lên quá lớn. Hãy gửi tệp nhỏ hơn hoặc chia nhỏ ra.",
        "The upload is too large. Send a smaller file or split it.",
    ),
    415: ("Kiểu dữ liệu không được hỗ trợ.", "Unsupported content type."),
    422: ("Dữ liệu gửi lên không hợp lệ.", "The data sent is not valid."),
    429: ("Quá nhiều yêu cầu, hãy thử lại sau.", "Too many requests; try again later."),
    500: ("Lỗi máy chủ. Dữ liệu của bạn vẫn an toàn; hãy thử lại.", "Server error; try again."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_")


def respond(status: int, code: str, vi: str, en: str, **extra) -> Response:
    """The error answer for the current request: JSON under /api/, a page elsewhere."""
    if _wants_json():
        response = jsonify(error_body(code, vi, en, **extra))
        response.status_code = status
        return response
    response = Response(
        render_template("error.html", status=status, message=vi, message_en=en),
        status=status,
        mimetype="text/html",
    )
    return response


def handle_http(exc: HTTPException):
    status = exc.code or 500
    # An exception may carry its own message (e.g. server.security.NulRejected).
    vi, en = getattr(exc, "vi", None), getattr(exc, "en", None)
    if not (vi and en):
        vi, en = MESSAGES.get(status, (exc.name, exc.name))
    extra = {}
    data = getattr(exc, "data", None) or {}
    if _wants_json() and "messages" in data:  # webargs/marshmallow validation details
        extra["errors"] = data["messages"]
    response = respond(status, _code(exc), vi, en, **extra)
    if status == 405:
        for key, value in exc.get_headers():
            if key.lower() == "allow":
                response.headers[key] = value
    return response


def handle_unexpected(exc: Exception):
    # Logged with its traceback for us; the user sees a plain message.
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=exc)
    try:
        from server.extensions import db

        db.session.rollback()  # nothing half-done is committed by a later handler
    except Exception:  # noqa: BLE001 - the error page must still be shown
        current_app.logger.exception("rollback after an unhandled error failed")
    return handle_http(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
