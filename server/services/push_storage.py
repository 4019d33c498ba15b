"""A full disk or a lost database while a device syncs: a clear 507/503, retried later.

The push service writes a batch in one transaction and an upload chunk is cut back to its
offset on failure, so when the disk fills up nothing is half-written: the device keeps its
outbox and its photo, and the next sync round sends them again. These answers say so, in
the API's error shape, instead of a bare 500.
"""

from __future__ import annotations

import errno
import sqlite3

from flask import Response, current_app, jsonify
from sqlalchemy.exc import DBAPIError

from server.extensions import db

DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
SQLITE_FULL = 13
PG_DISK_FULL = "53100"


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC from the file system, SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100)."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL_ERRNOS
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        if isinstance(orig, sqlite3.Error):
            return getattr(orig, "sqlite_errorcode", None) == SQLITE_FULL
        return getattr(orig, "sqlstate", None) == PG_DISK_FULL
    return False


def answer(exc: Exception) -> Response:
    """The blueprint error handler for OSError and database errors during sync."""
    from server.errors import handle_unexpected  # the app's plain 500, for anything else

    db.session.rollback()
    if is_disk_full(exc):
        current_app.logger.error("disk full during sync: %s", exc)
        status, code = 507, "storage_full"
        message = (
            "Máy chủ đã hết chỗ lưu trữ; chưa có gì được lưu. Dữ liệu vẫn ở trên máy tính bảng, "
            "máy sẽ tự gửi lại sau. Hãy báo quản trị viên."
        )
        message_en = (
            "The server is out of storage; nothing was saved. Your data stays on the tablet "
            "and will be sent again later. Tell the administrator."
        )
    elif isinstance(exc, DBAPIError) and exc.connection_invalidated:
        current_app.logger.error("database connection lost during sync: %s", exc)
        status, code = 503, "database_unavailable"
        message = "Máy chủ tạm thời không truy cập được cơ sở dữ liệu; máy sẽ tự gửi lại sau."
        message_en = "The server cannot reach its database just now; the tablet will retry."
    else:
        return handle_unexpected(exc)
    response = jsonify({"code": code, "message": message, "message_en": message_en})
    response.status_code = status
    response.headers["Retry-After"] = "300" if status == 507 else "30"
    return response
