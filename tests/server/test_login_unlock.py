"""An administrator lets a user locked out by failed logins try again at once: the users page
shows who was refused recently, "Unblock login" clears that name's counters (across
addresses and at each address where it was refused), and the action is audit-logged."""

from __future__ import annotations

import re

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent
from tests.server.test_rate_limits import ADMIN, BOARD, PASSWORD, attempt, fail, people, visitor

__all__ = ["people"]  # the fixture, used by name below


def _admin(app):
    client = visitor(app, "10.9.9.9")
    assert attempt(client, ADMIN, PASSWORD).status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    return client, page, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _row(page: str, username: str) -> str:
    return page.split(f'data-user="{username}"')[1].split("</tr>")[0]


def test_a_blocked_user_is_shown_and_unblocked_by_an_administrator(app, people):
    app.config["LOGIN_LIMIT_USER"] = "12 per hour"
    assert attempt(visitor(app, "10.3.0.1"), BOARD, PASSWORD).status_code == 302  # their office
    here = visitor(app, "10.3.0.1")
    fail(here, BOARD, 5)  # this address is now blocked for this name
    stranger = visitor(app, "10.3.2.1")
    fail(stranger, BOARD, 5)  # someone guessing the same name from elsewhere
    for i in range(2):  # and two more failures elsewhere block the name everywhere
        fail(visitor(app, f"10.3.1.{i}"), BOARD, 1)
    assert attempt(here, BOARD, PASSWORD).status_code == 429
    assert attempt(visitor(app, "10.3.0.99"), BOARD, PASSWORD).status_code == 429

    admin, page, token = _admin(app)
    assert "Bị chặn đăng nhập" in _row(page, BOARD) and "/unlock" in _row(page, BOARD)
    assert "Bị chặn đăng nhập" not in _row(page, ADMIN) and "/unlock" not in _row(page, ADMIN)
    user_id = re.search(r"/admin/users/(\d+)/unlock", _row(page, BOARD)).group(1)
    assert admin.post(f"/admin/users/{user_id}/unlock").status_code == 400  # no CSRF token
    done = admin.post(f"/admin/users/{user_id}/unlock", data={"csrf_token": token})
    assert done.status_code == 200 and "đã mở chặn đăng nhập" in done.get_data(as_text=True)
    assert "Bị chặn đăng nhập" not in _row(done.get_data(as_text=True), BOARD)

    # the right password now works from their own address and from a new one...
    assert attempt(visitor(app, "10.3.0.99"), BOARD, PASSWORD).status_code == 302
    assert attempt(here, BOARD, PASSWORD).status_code == 302
    # ...but the stranger's address, which never logged in, stays blocked for this name
    assert attempt(stranger, BOARD, PASSWORD).status_code == 429
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.unlock"))
        assert (event.actor, event.target) == (ADMIN, BOARD)
        assert event.details["addresses"] == ["10.3.0.1"]


def test_unblocking_does_not_lift_the_limit_on_an_address_trying_many_names(app, people):
    app.config["LOGIN_LIMIT_IP"] = "4 per 15 minutes"
    guesser = visitor(app, "10.4.0.1")
    fail(guesser, BOARD, 2)
    fail(guesser, "khong-co-ai", 2)
    assert attempt(guesser, BOARD, PASSWORD).status_code == 429
    admin, page, token = _admin(app)
    user_id = re.search(r"/admin/users/(\d+)/unlock", _row(page, BOARD)).group(1)
    unblocked = admin.post(f"/admin/users/{user_id}/unlock", data={"csrf_token": token})
    assert unblocked.status_code == 200
    assert attempt(guesser, BOARD, PASSWORD).status_code == 429  # still one machine guessing
    assert attempt(visitor(app, "10.4.0.2"), BOARD, PASSWORD).status_code == 302


def test_unblocking_one_worker_unblocks_every_worker_sharing_the_file_store(
    app, people, database_url, tmp_path
):
    """Two app instances stand for two gunicorn workers with `chungsuc serve`'s file store:
    an unblock done through one is seen by the other."""
    from server import create_app

    store = f"sqlite-file://{tmp_path / 'limits' / 'ratelimits.sqlite3'}"
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test",
        "PHOTO_DIR": str(tmp_path / "photos"),
        "RATELIMIT_STORAGE_URI": store,
    }
    workers = [create_app(config) for _ in range(2)]
    assert attempt(visitor(workers[1], "10.5.0.1"), BOARD, PASSWORD).status_code == 302
    fail(visitor(workers[0], "10.5.0.1"), BOARD, 5)
    assert attempt(visitor(workers[1], "10.5.0.1"), BOARD, PASSWORD).status_code == 429
    admin, page, token = _admin(workers[0])
    user_id = re.search(r"/admin/users/(\d+)/unlock", _row(page, BOARD)).group(1)
    assert (
        admin.post(f"/admin/users/{user_id}/unlock", data={"csrf_token": token}).status_code == 200
    )
    assert attempt(visitor(workers[1], "10.5.0.1"), BOARD, PASSWORD).status_code == 302
    for worker in workers:
        with worker.app_context():
            db.session.remove()
            db.engine.dispose()
