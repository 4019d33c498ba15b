"""The users and roles page: create with role and area validated, deactivate/reactivate,
reset a password (old sessions end), assign tablets to villages (enforced on push), the
province boundary for sync administrators, CSRF, and the audit rows. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEvent, DeviceVillage, User
from tests.helpers import envelope
from tests.server.test_web import add_user, csrf, login


def _other_commune(app) -> str:
    from server.models import AdminUnit

    with app.app_context():
        return db.session.scalar(
            select(AdminUnit.code)
            .where(AdminUnit.level == "commune", AdminUnit.parent_code != "19")
            .order_by(AdminUnit.code)
            .limit(1)
        )


def _admin(client, username="qt_thainguyen", password="chungsuc-demo") -> str:
    assert login(client, username, password).status_code == 302
    return csrf(client, "/admin/users")


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def _create(client, token, **form):
    return client.post("/admin/users", data={"csrf_token": token, **form})


def _password(response) -> str:
    html = response.get_data(as_text=True)
    return re.search(r'id="password-value">([^<]+)<', html).group(1)


def test_sync_admin_creates_a_board_member_who_can_log_in(app, client, demo):
    token = _admin(client)
    answer = _create(
        client,
        token,
        username="bql_moi",
        display_name="Nông Văn  Mới",
        role="board",
        area_code="01936",
    )
    assert answer.status_code == 201
    password = _password(answer)
    assert 'data-user="bql_moi"' in answer.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "bql_moi"))
        assert (user.role, user.area_code, user.display_name) == ("board", "01936", "Nông Văn Mới")
        assert password not in user.password_hash and user.check_password(password)
    [event] = _audit(app, "user.create")
    assert (event.actor, event.target, event.area_code) == ("qt_thainguyen", "bql_moi", "01936")
    assert event.details["role"] == "board"
    other = app.test_client()
    assert login(other, "bql_moi", password).status_code == 302
    assert other.get("/communes/01936").status_code == 200


def test_role_and_area_are_validated_and_nothing_half_written(app, client, demo):
    token = _admin(client)
    before = _users(app)
    elsewhere = _other_commune(app)
    cases = [
        (dict(username="x1_user", role="board", area_code=""), 400, "mã xã"),
        (dict(username="x2_user", role="board", area_code="19"), 400, "mã xã"),
        (dict(username="x3_user", role="sync_admin", area_code="01936"), 400, "mã tỉnh"),
        (dict(username="x4_user", role="officer", area_code="99999"), 400, "mã xã"),
        (dict(username="x5_user", role="nobody", area_code="01936"), 400, "vai trò"),
        (dict(username="X", role="board", area_code="01936"), 400, "Tên đăng nhập"),
        (dict(username="bql_naphac", role="board", area_code="01936"), 409, "đã có"),
        (dict(username="x6_user", role="board", area_code=elsewhere), 403, "tỉnh của mình"),
        (dict(username="x7_user", role="province_officer", area_code="01"), 403, "tỉnh"),
        (dict(username="x8_user", role="sysadmin", area_code=""), 403, "quản trị hệ thống"),
    ]
    for form, status, message in cases:
        answer = _create(client, token, **form)
        assert answer.status_code == status, (form, answer.status_code)
        assert message in answer.get_data(as_text=True), form
    assert _users(app) == before
    assert _audit(app, "user.create") == []


def test_system_administrator_creates_in_any_province(app, client, demo):
    add_user(app, "root", "sysadmin", None)
    token = _admin(client, "root", "pw-root")
    elsewhere = _other_commune(app)
    assert (
        _create(client, token, username="bql_xa", role="board", area_code=elsewhere).status_code
        == 201
    )
    assert _create(client, token, username="root2", role="sysadmin").status_code == 201
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'data-user="bql_xa"' in page and 'data-user="qt_thainguyen"' in page


def test_other_province_is_invisible_to_a_sync_admin(app, client, demo):
    elsewhere = _other_commune(app)
    add_user(app, "bql_xa", "board", elsewhere)
    add_user(app, "root", "sysadmin", None)
    token = _admin(client)
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'data-user="bql_naphac"' in page
    assert 'data-user="bql_xa"' not in page and 'data-user="root"' not in page
    for username in ("bql_xa", "root"):
        user_id = _user_id(app, username)
        off = client.post(
            f"/admin/users/{user_id}/active", data={"csrf_token": token, "active": "0"}
        )
        reset = client.post(
            f"/admin/users/{user_id}/password", data={"csrf_token": token, "confirm": "1"}
        )
        assert off.status_code == reset.status_code == 404
    with app.app_context():
        assert all(u.active for u in db.session.scalars(select(User)))
    assert _audit(app, "user.deactivate") == _audit(app, "user.password_reset") == []


def test_deactivated_user_cannot_log_in_and_their_session_stops(app, client, demo):
    board = app.test_client()
    assert login(board, "bql_naphac").status_code == 302
    assert board.get("/communes/01936").status_code == 200
    token = _admin(client)
    user_id = _user_id(app, "bql_naphac")
    off = client.post(f"/admin/users/{user_id}/active", data={"csrf_token": token, "active": "0"})
    assert off.status_code == 200 and "đã khoá" in off.get_data(as_text=True)
    stale = board.get("/communes/01936")
    assert stale.status_code == 302 and "/login" in stale.headers["Location"]
    assert board.get("/api/v1/session").status_code == 401
    refused = login(app.test_client(), "bql_naphac")
    assert refused.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in refused.get_data(as_text=True)
    [event] = _audit(app, "user.deactivate")
    assert (event.actor, event.target) == ("qt_thainguyen", "bql_naphac")
    on = client.post(f"/admin/users/{user_id}/active", data={"csrf_token": token, "active": "1"})
    assert on.status_code == 200 and len(_audit(app, "user.reactivate")) == 1
    assert login(app.test_client(), "bql_naphac").status_code == 302


def test_admin_cannot_deactivate_themselves(app, client, demo):
    token = _admin(client)
    me = _user_id(app, "qt_thainguyen")
    answer = client.post(f"/admin/users/{me}/active", data={"csrf_token": token, "active": "0"})
    assert answer.status_code == 400 and "tự khoá" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, me).active


def test_password_reset_ends_old_sessions(app, client, demo):
    board = app.test_client()
    assert login(board, "bql_naphac").status_code == 302
    token = _admin(client)
    user_id = _user_id(app, "bql_naphac")
    unconfirmed = client.post(f"/admin/users/{user_id}/password", data={"csrf_token": token})
    assert unconfirmed.status_code == 400
    answer = client.post(
        f"/admin/users/{user_id}/password", data={"csrf_token": token, "confirm": "1"}
    )
    assert answer.status_code == 200
    password = _password(answer)
    assert board.get("/communes/01936").status_code == 302
    assert login(app.test_client(), "bql_naphac").status_code == 401
    fresh = app.test_client()
    assert login(fresh, "bql_naphac", password).status_code == 302
    assert fresh.get("/communes/01936").status_code == 200
    [event] = _audit(app, "user.password_reset")
    assert event.target == "bql_naphac" and password not in str(event.details)


def test_missing_csrf_writes_nothing(app, client, demo):
    _admin(client)
    before = _users(app)
    answer = client.post(
        "/admin/users", data={"username": "no_csrf", "role": "board", "area_code": "01936"}
    )
    assert answer.status_code == 400 and _users(app) == before


def test_only_administrators_see_the_page(app, client, demo):
    for role, area in (("board", "01936"), ("officer", "01936"), ("province_officer", "19")):
        name = f"u_{role}"
        add_user(app, name, role, area)
        other = app.test_client()
        login(other, name, f"pw-{name}")
        token = csrf(other, "/communes/01936")
        assert other.get("/admin/users").status_code == 403
        answer = _create(other, token, username=f"z_{role}", role="board", area_code="01936")
        assert answer.status_code == 403
    assert "Người dùng</a>" not in other.get("/communes/01936").get_data(as_text=True)
    assert client.get("/admin/users").status_code == 302  # anonymous: to the login page


def _push(client, device, village, **overrides):
    record = envelope(village_code=village, **overrides)
    return record, client.post(
        "/api/v1/sync/push", json={"records": [record]}, headers=device.headers
    )


def test_tablet_assigned_to_villages_pushes_only_there(app, client, device):
    moved, _ = _push(client, device, "01936-T02")  # before any assignment: whole commune
    token = _admin(client)
    page = client.get("/admin/users").get_data(as_text=True)
    assert f'data-device="{device.device_id}"' in page
    url = f"/admin/users/devices/{device.device_id}/villages"
    saved = client.post(url, data={"csrf_token": token, "confirm": "1", "village": "01936-T01"})
    assert saved.status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(DeviceVillage.village_code)).all()
    assert rows == ["01936-T01"]
    [event] = _audit(app, "device.villages")
    assert event.details == {"before": [], "after": ["01936-T01"], "name": "t1"}

    _, refused = _push(client, device, "01936-T02")
    assert refused.status_code == 422
    [error] = refused.json["errors"]
    assert error["field"] == "village_code" and "được giao" in error["message"]
    assert _push(client, device, "01936-T01")[1].status_code == 200
    # a record stored in T02 cannot be pulled into T01 by an edit either
    edit = dict(moved, village_code="01936-T01", mutation_id="8b1f6f0e-0000-4000-8000-000000000001")
    edited = client.post("/api/v1/sync/push", json={"records": [edit]}, headers=device.headers)
    assert edited.status_code == 422 and edited.json["errors"][0]["field"] == "village_code"
    # a replay of a mutation accepted before the assignment is answered as before
    replay = client.post("/api/v1/sync/push", json={"records": [moved]}, headers=device.headers)
    assert replay.status_code == 200 and replay.json["results"][0]["status"] != "rejected"

    cleared = client.post(url, data={"csrf_token": token, "confirm": "1"})
    assert cleared.status_code == 200
    assert _push(client, device, "01936-T02")[1].status_code == 200


def test_village_assignment_is_checked(app, client, device):
    token = _admin(client)
    url = f"/admin/users/devices/{device.device_id}/villages"
    wrong = client.post(url, data={"csrf_token": token, "confirm": "1", "village": "01936"})
    assert wrong.status_code == 400 and "thôn của xã" in wrong.get_data(as_text=True)
    missing = client.post(
        "/admin/users/devices/nope/villages", data={"csrf_token": token, "confirm": "1"}
    )
    assert missing.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeviceVillage)) == 0
    assert _audit(app, "device.villages") == []
