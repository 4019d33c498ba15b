"""One JSON error shape for the whole API: a code, a Vietnamese and an English message."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, jsonify, make_response


def error_body(code: str, message: str, message_en: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "message_en": message_en, **extra}


def api_abort(status: int, code: str, message: str, message_en: str, **extra: Any) -> NoReturn:
    abort(make_response(jsonify(error_body(code, message, message_en, **extra)), status))
