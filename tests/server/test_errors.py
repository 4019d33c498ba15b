"""Errors: JSON under /api/, a page elsewhere, Vietnamese first, never a stack trace;
secure session cookies; safe response headers (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re

import pytest


@pytest.fixture
def boom(app):
    """Two routes that fail as a bug would (added before the app's first request)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def fail():
        raise RuntimeError("secret internal detail /srv/chungsuc/db password=hunter2")

    app.add_url_rule("/api/v1/_boom", "api_boom", fail)
    app.add_url_rule("/_boom", "web_boom", fail)
    return app


def api_error(answer, status: int) -> dict:
    assert answer.status_code == status
    assert answer.mimetype == "application/json"
    body = answer.json
    assert set(body) >= {"code", "message", "message_en"}
    assert body["message"] != body["message_en"]
    assert "Traceback" not in answer.get_data(as_text=True)
    return body


def web_error(answer, status: int, vi: str, en: str) -> str:
    assert answer.status_code == status
    assert answer.mimetype == "text/html"
    html = answer.get_data(as_text=True)
    assert vi in html and en in html and html.index(vi) < html.index(en)  # Vietnamese first
    assert "Traceback" not in html and 'File "' not in html
    return html


def test_api_errors_are_json_in_vietnamese_and_english(app, client, device):
    assert api_error(client.get("/api/v1/khong-co"), 404)["message"] == "Không tìm thấy."
    wrong_method = client.get("/api/v1/sync/push", headers=device.headers)
    assert api_error(wrong_method, 405)["code"] == "method_not_allowed"
    assert "POST" in wrong_method.headers["Allow"]
    unauthenticated = client.get("/api/v1/sync/scope")
    assert api_error(unauthenticated, 401)["code"] == "unauthenticated"
    invalid = client.get("/api/v1/sync/changes?since=-5", headers=device.headers)
    assert "since" in str(api_error(invalid, 422)["errors"])
    app.config["MAX_CONTENT_LENGTH"] = 1024
    too_big = client.put("/api/v1/photos/" + "a" * 64, data=b"x" * 4096, headers=device.headers)
    assert "quá lớn" in api_error(too_big, 413)["message"]
    nul = client.get("/api/v1/conflicts?form_id=a%00b")
    assert "NUL" in api_error(nul, 400)["message"]


def test_web_errors_are_pages_in_vietnamese_first(app, client, demo):
    web_error(client.get("/khong-co-trang-nay"), 404, "Không tìm thấy.", "Not found.")
    web_error(client.get("/logout"), 405, "Phương thức không được phép.", "Method not allowed.")
    web_error(
        client.get("/communes/01936/ledger?x=%00"),
        400,
        "Dữ liệu gửi lên chứa ký tự NUL",
        "The request contains a NUL character",
    )
    web_error(
        client.post("/logout", data={}),
        400,
        "Yêu cầu không hợp lệ: biểu mẫu đã hết hạn",
        "Bad request: the form has expired",
    )
    app.config["MAX_CONTENT_LENGTH"] = 1024
    too_big = client.post(
        "/bundles",
        data={"csrf_token": "x", "bundle": (io.BytesIO(b"x" * 4096), "b.chungsuc")},
        content_type="multipart/form-data",
    )
    web_error(too_big, 413, "Dữ liệu gửi lên quá lớn", "The upload is too large")


def test_an_unexpected_error_is_logged_but_never_shown(boom, caplog):
    client = boom.test_client()
    # Alembic's logging setup (run by the migrations of another backend's fixture) disables
    # loggers that already exist; listen on the app's logger itself.
    boom.logger.disabled = False
    boom.logger.addHandler(caplog.handler)
    try:
        with caplog.at_level("ERROR"):
            api = client.get("/api/v1/_boom")
            web = client.get("/_boom")
    finally:
        boom.logger.removeHandler(caplog.handler)
    body = api_error(api, 500)
    assert body["code"] == "internal_server_error"
    assert "an toàn" in body["message"]  # "your data is still safe"
    html = web_error(web, 500, "Lỗi máy chủ", "Server error")
    for answer in (api.get_data(as_text=True), html):
        assert "hunter2" not in answer and "RuntimeError" not in answer and "/srv/" not in answer
    assert "hunter2" in caplog.text  # the details went to the log, for the operator


def test_session_cookie_is_httponly_and_samesite_lax(app, client, demo):
    from tests.server.test_web import login

    answer = login(client, "bql_naphac")
    cookie = answer.headers["Set-Cookie"]
    assert re.search(r"(?i)\bHttpOnly\b", cookie)
    assert re.search(r"(?i)\bSameSite=Lax\b", cookie)
    assert not re.search(r"(?i)\bSecure\b", cookie)  # plain HTTP in this test


def test_session_cookie_is_secure_when_configured_for_https(database_url, tmp_path, monkeypatch):
    from server import config, create_app

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    assert config.load(str(tmp_path))["SESSION_COOKIE_SECURE"] is True
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "t", "PHOTO_DIR": str(tmp_path)}
    )
    with app.test_request_context("/"):
        from flask import session

        session["csrf"] = "x"
        response = app.make_response("ok")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert re.search(r"(?i)\bSecure\b", cookie) and re.search(r"(?i)\bHttpOnly\b", cookie)


def test_pages_and_api_answers_carry_safe_headers(client, demo):
    for answer in (client.get("/login"), client.get("/api/v1/openapi.json")):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in answer.headers  # plain HTTP here
    https = client.get("/login", base_url="https://chungsuc.example")
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")


def test_behind_a_proxy_the_visitor_address_and_https_are_trusted_only_when_configured(
    database_url, tmp_path
):
    from server import create_app

    def app_with(hops: int):
        return create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "t",
                "PHOTO_DIR": str(tmp_path),
                "PROXY_FIX_X_FOR": hops,
            }
        )

    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    seen = {}
    for hops in (0, 1):
        app = app_with(hops)

        @app.get("/_whoami")
        def whoami():
            from flask import request

            return {"addr": request.remote_addr, "secure": request.is_secure}

        seen[hops] = app.test_client().get("/_whoami", headers=headers).json
    assert seen[0] == {"addr": "127.0.0.1", "secure": False}  # headers ignored by default
    assert seen[1] == {"addr": "203.0.113.7", "secure": True}


def test_login_redirect_stays_on_this_site(client, demo):
    from tests.server.test_web import csrf

    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        answer = client.post(
            "/login?next=" + target,
            data={
                "username": "bql_naphac",
                "password": "chungsuc-demo",
                "csrf_token": csrf(client),
            },
        )
        assert answer.status_code == 302
        assert "evil.example" not in answer.headers["Location"], target
        client.post("/logout", data={"csrf_token": csrf(client, "/")})


def test_nul_bytes_are_a_400_on_both_databases_never_a_500(app, client, device, demo):
    """PostgreSQL cannot store U+0000: it used to be a database error there."""
    import gzip

    from tests.helpers import envelope
    from tests.server.test_web import login

    login(client, "qt_thainguyen")
    for query in ("commune=01936%00", "form_id=household%00", "min_age_days=1&commune=%00"):
        answer = client.get("/api/v1/conflicts?" + query)
        assert "NUL" in api_error(answer, 400)["message_en"], query
    record = envelope(data={"head_name": "Hoàng\x00Văn", "members": 4})
    plain = client.post("/api/v1/sync/push", json={"records": [record]}, headers=device.headers)
    assert api_error(plain, 400)["code"] == "bad_request"
    body = gzip.compress(__import__("json").dumps({"records": [record]}).encode())
    packed = client.post(
        "/api/v1/sync/push",
        data=body,
        headers={**device.headers, "Content-Encoding": "gzip"},
        content_type="application/json",
    )
    assert "NUL" in api_error(packed, 400)["message_en"]
    from server.models import Record

    with app.app_context():
        from server.extensions import db

        assert db.session.query(Record).filter(Record.uuid == record["uuid"]).count() == 0
