"""The audit log page: search by actor, action, area, dates; scoped to the province; CSV
export with a UTF-8 BOM and formula-safe text."""

from __future__ import annotations

import datetime as dt

from server.extensions import db
from server.services import audit
from tests.server.test_web import add_user, login


def _events(app):
    with app.app_context():
        audit.log("device.revoke", actor="qt_thainguyen", area_code="01936", target="dev-1")
        audit.log("device.revoke", actor="=cmd|x", area_code="01936", target="dev-2")
        audit.log("user.create", actor="root", area_code="04001", target="elsewhere")
        db.session.commit()


def test_search_and_scope(app, client, demo):
    _events(app)
    login(client, "qt_thainguyen")
    html = client.get("/admin/audit?action=device").get_data(as_text=True)
    assert "dev-1" in html and "dev-2" in html and "elsewhere" not in html
    only = client.get("/admin/audit?actor=qt_thainguyen&action=device.revoke").get_data(
        as_text=True
    )
    assert "dev-1" in only and "dev-2" not in only
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    later = client.get(f"/admin/audit?from={tomorrow}").get_data(as_text=True)
    assert "dev-1" not in later
    # other province's events never show, bad input is ignored
    assert "elsewhere" not in client.get("/admin/audit?area=04001").get_data(as_text=True)
    assert client.get("/admin/audit?from=xx&actor=x").status_code == 200
    # a NUL byte is refused up front for every page (server/security.py)
    assert client.get("/admin/audit?from=xx&actor=%00").status_code == 400


def test_csv_has_bom_and_no_formulas(app, client, demo):
    _events(app)
    login(client, "qt_thainguyen")
    response = client.get("/admin/audit?format=csv&action=device.revoke")
    body = response.get_data()
    assert response.mimetype == "text/csv" and body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert "'=cmd|x" in text and ",=cmd" not in text
    assert text.splitlines()[0].startswith("thoi_gian_utc,nguoi,hanh_dong")


def test_board_cannot_read_the_audit_log(app, client, demo):
    add_user(app, "board_y", "board", "01936")
    login(client, "board_y", "pw-board_y")
    assert client.get("/admin/audit").status_code == 403
