"""Logins are audit-logged, successes and failures, without telling the visitor which
usernames exist."""

from __future__ import annotations

import re

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent
from tests.server.test_web import login


def test_login_success_and_failures_are_logged_with_one_message(app, client, demo):
    wrong_password = login(client, "qt_thainguyen", "nope")
    unknown = login(client, "khong_ton_tai", "nope")
    assert wrong_password.status_code == unknown.status_code == 401
    alerts = [
        re.search(r'role="alert">(.*?)</p>', r.get_data(as_text=True), re.S).group(1)
        for r in (wrong_password, unknown)
    ]
    assert alerts[0] == alerts[1] and "không đúng" in alerts[0]
    assert login(client, "qt_thainguyen").status_code == 302
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor) for e in events][-3:] == [
            ("login.failure", "qt_thainguyen"),
            ("login.failure", "khong_ton_tai"),
            ("login.success", "qt_thainguyen"),
        ]
        assert events[-3].details == {"known": True} and events[-2].details == {"known": False}
        assert events[-1].area_code == "19"
