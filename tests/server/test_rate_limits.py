"""Rate limits: brute-force login and enrolment code guessing (SQLite and PostgreSQL).

Clients with different REMOTE_ADDR stand for different visitors; nothing leaves the process.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

PASSWORD = "mat-khau-dung"
BOARD, ADMIN = "bql_naphac", "qt_thainguyen"


@pytest.fixture
def people(app):
    """Two web users with a cheap password hash (the limits, not scrypt, are under test)."""
    from werkzeug.security import generate_password_hash

    from server.extensions import db
    from server.models import User

    with app.app_context():
        for name in (BOARD, ADMIN):
            user = User(username=name, display_name=name, role="sysadmin", area_code=None)
            user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
            db.session.add(user)
        db.session.commit()


@pytest.fixture
def units(app):
    from server import demo

    with app.app_context():
        demo._units()


def visitor(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _csrf(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def attempt(client, username: str, password: str):
    data = {"username": username, "password": password, "csrf_token": _csrf(client)}
    return client.post("/login", data=data)


def fail(client, username: str, times: int) -> None:
    for _ in range(times):
        assert attempt(client, username, "sai-mat-khau").status_code == 401


def test_brute_force_login_is_locked_out_and_right_password_refused(app, people):
    attacker = visitor(app, "10.1.0.1")
    fail(attacker, BOARD, 5)
    locked = attempt(attacker, BOARD, "sai-mat-khau")
    assert locked.status_code == 429
    assert locked.mimetype == "text/html"  # a page for the web, not JSON
    text = locked.get_data(as_text=True)
    assert "Đăng nhập sai quá nhiều lần" in text and "Too many failed logins" in text
    assert text.index("Đăng nhập sai") < text.index("Too many")  # Vietnamese first
    assert int(locked.headers["Retry-After"]) > 0
    assert "Traceback" not in text
    # the right password during the lockout is refused as well, and no session is opened
    right = attempt(attacker, BOARD, PASSWORD)
    assert right.status_code == 429
    assert attacker.get("/").status_code == 302  # still sent to the login page

    from server.extensions import db
    from server.models import AuditEvent

    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == BOARD)
        ).all()
    assert actions.count("login.failure") == 5
    assert actions.count("login.locked") == 2
    assert "login.success" not in actions


def test_lockout_does_not_reveal_whether_the_username_exists(app, people):
    client = visitor(app, "10.1.0.2")
    fail(client, BOARD, 5)
    fail(client, "khong_ton_tai", 5)
    known = attempt(client, BOARD, "x")
    unknown = attempt(client, "khong_ton_tai", "x")
    assert known.status_code == unknown.status_code == 429
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    # and before the lockout the failure page is the same for both as well
    other = visitor(app, "10.1.0.3")
    first_known = attempt(other, BOARD, "x").get_data(as_text=True)
    first_unknown = attempt(other, "khong_ton_tai", "x").get_data(as_text=True)
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", first_known) == strip.sub("", first_unknown)


def test_other_users_and_other_addresses_are_not_affected(app, people):
    attacker = visitor(app, "10.1.0.4")
    fail(attacker, BOARD, 5)
    assert attempt(attacker, BOARD, PASSWORD).status_code == 429
    # another user in the same office (same address) logs in
    assert attempt(visitor(app, "10.1.0.4"), ADMIN, PASSWORD).status_code == 302
    # the same user from another address logs in
    assert attempt(visitor(app, "10.1.0.5"), BOARD, PASSWORD).status_code == 302


def test_successful_logins_are_never_counted(app, people):
    office = visitor(app, "10.1.0.6")
    for _ in range(8):
        assert attempt(office, BOARD, PASSWORD).status_code == 302
        office.post("/logout", data={"csrf_token": _csrf(office)})


def test_one_address_trying_many_names_is_limited(app, people):
    app.config["LOGIN_LIMIT_IP"] = "4 per 15 minutes"
    client = visitor(app, "10.1.0.7")
    for name in ("an", "binh", "chi", "dung"):
        fail(client, name, 1)
    assert attempt(client, ADMIN, PASSWORD).status_code == 429
    assert attempt(visitor(app, "10.1.0.8"), ADMIN, PASSWORD).status_code == 302


def test_one_name_tried_from_many_addresses_is_limited(app, people):
    app.config["LOGIN_LIMIT_USER"] = "3 per hour"
    for i in range(3):
        fail(visitor(app, f"10.2.0.{i}"), BOARD, 1)
    assert attempt(visitor(app, "10.2.0.99"), BOARD, PASSWORD).status_code == 429
    assert attempt(visitor(app, "10.2.0.99"), ADMIN, PASSWORD).status_code == 302


def test_lockout_ends_when_the_window_passes(app, people):
    app.config["LOGIN_LIMIT_USER_IP"] = "2 per 2 seconds"
    client = visitor(app, "10.1.0.9")
    fail(client, BOARD, 2)
    assert attempt(client, BOARD, PASSWORD).status_code == 429
    time.sleep(2.1)
    assert attempt(client, BOARD, PASSWORD).status_code == 302


def _code(app, commune="01936") -> str:
    from server.services import enrolment

    with app.app_context():
        return enrolment.create(commune, "Cán bộ thôn")[1]


def enrol(client, code: str):
    return client.post("/api/v1/devices/enroll", json={"code": code, "device_name": "t"})


def test_enrolment_code_guessing_is_limited(app, units):
    guesser = visitor(app, "10.3.0.1")
    for i in range(10):
        answer = enrol(guesser, f"ZZZZ-{i:04d}")
        assert answer.status_code == 400, answer.json
    locked = enrol(guesser, "ZZZZ-9999")
    assert locked.status_code == 429
    assert locked.is_json and locked.json["code"] == "too_many_attempts"
    assert locked.json["message"].startswith("Nhập sai mã đăng ký quá nhiều lần")
    assert locked.json["message_en"].startswith("Too many wrong enrolment codes")
    assert int(locked.headers["Retry-After"]) > 0
    # a real code from the guessing address is refused during the lockout...
    code = _code(app)
    assert enrol(guesser, code).status_code == 429
    # ...and works from another address (a real tablet in the office)
    assert enrol(visitor(app, "10.3.0.2"), code).status_code == 201


def test_many_good_enrolments_from_one_office_are_not_limited(app, units):
    office = visitor(app, "10.3.0.3")
    for _ in range(12):
        assert enrol(office, _code(app)).status_code == 201


def test_workers_sharing_the_sqlite_file_store_count_together(app, people, database_url, tmp_path):
    """Two app instances stand for two gunicorn workers: with the file store (what
    `chungsuc serve` uses) failures on either count towards one limit; with memory:// they
    would not."""
    from server import create_app

    store = f"sqlite-file://{tmp_path / 'limits' / 'ratelimits.sqlite3'}"
    workers = [
        create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "test",
                "PHOTO_DIR": str(tmp_path / "photos"),
                "RATELIMIT_STORAGE_URI": store,
            }
        )
        for _ in range(2)
    ]
    first, second = (visitor(w, "10.4.0.1") for w in workers)
    fail(first, BOARD, 3)
    fail(second, BOARD, 2)
    assert attempt(first, BOARD, PASSWORD).status_code == 429
    assert attempt(second, BOARD, PASSWORD).status_code == 429
    assert attempt(visitor(workers[1], "10.4.0.2"), BOARD, PASSWORD).status_code == 302
    from server.extensions import db

    for worker in workers:
        with worker.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_relative_file_store_lives_in_the_instance_folder():
    from server.security_limits import storage_uri

    assert (
        storage_uri("sqlite-file://r.sqlite3", "/srv/inst") == "sqlite-file:///srv/inst/r.sqlite3"
    )
    assert (
        storage_uri("sqlite-file:///abs/r.sqlite3", "/srv/inst") == "sqlite-file:///abs/r.sqlite3"
    )
    assert storage_uri("redis://cache:6379", "/srv/inst") == "redis://cache:6379"


@pytest.mark.e2e
def test_chungsuc_serve_counts_across_its_workers(tmp_path, demo_databases):
    """The real `chungsuc serve` (gunicorn, 2 workers) on loopback: the sixth wrong password
    is refused whichever worker answers, because the workers share the counter file. SQLite
    only: the counters do not live in the application database."""
    import http.cookiejar
    import urllib.error
    import urllib.parse
    import urllib.request

    from tests.live_server import LiveServer

    server = LiveServer(demo_databases.new("sqlite", tmp_path), tmp_path)  # init-db, demo-data
    server.start()
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def login(password: str) -> int:
            with opener.open(server.url + "/login", timeout=10) as page:
                html = page.read().decode()
            token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
            form = {"username": "bql_naphac", "password": password, "csrf_token": token}
            try:
                with opener.open(
                    server.url + "/login", urllib.parse.urlencode(form).encode(), timeout=10
                ) as answer:
                    return answer.status
            except urllib.error.HTTPError as error:
                return error.code

        assert [login("sai") for _ in range(5)] == [401] * 5
        assert [login("chungsuc-demo") for _ in range(4)] == [429] * 4
    finally:
        server.stop()
