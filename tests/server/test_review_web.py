"""Review web pages: queue, reject with reason, comment, periods lock refusing review,
and another commune's board kept out. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from server.extensions import db
from server.models import Record
from tests.helpers import COMMUNE, envelope
from tests.server.test_push import push
from tests.server.test_web import add_user, login


def token(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_board_rejects_with_reason_and_locked_period_refuses(app, client, device):
    rec = envelope()
    assert push(client, device, rec).status_code == 200
    login(client, "bql_naphac")
    page = client.get(f"/communes/{COMMUNE}/review")
    assert page.status_code == 200 and rec["uuid"] in page.text
    path = f"/records/{rec['uuid']}"
    csrf = token(client, path)
    refused = client.post(f"{path}/decision", data={"decision": "reject", "csrf_token": csrf})
    assert refused.status_code == 422 and "lý do" in refused.text
    done = client.post(
        f"{path}/decision",
        data={"decision": "reject", "reason": "Thiếu ảnh", "csrf_token": csrf},
    )
    assert done.status_code == 302
    assert "Thiếu ảnh" in client.get(path).text
    assert (
        client.post(f"{path}/comments", data={"body": "Gọi lại hộ", "csrf_token": csrf}).status_code
        == 302
    )
    assert "Gọi lại hộ" in client.get(path).text
    with app.app_context():
        assert db.session.get(Record, rec["uuid"]).review_status == "rejected"
    day = rec["captured_at"][:10]
    periods = f"/communes/{COMMUNE}/periods"
    made = client.post(
        periods,
        data={
            "action": "create",
            "name": "Năm nay",
            "starts_on": day,
            "ends_on": day,
            "csrf_token": csrf,
        },
    )
    assert made.status_code == 302
    pid = re.search(r'name="period" value="(\d+)"', client.get(periods).text).group(1)
    assert (
        client.post(periods, data={"action": "lock", "period": pid, "csrf_token": csrf}).status_code
        == 302
    )
    locked = client.post(f"{path}/decision", data={"decision": "approve", "csrf_token": csrf})
    assert locked.status_code == 409 and "khoá" in locked.text
    bad = client.post(
        periods,
        data={
            "action": "create",
            "name": "x",
            "starts_on": "abc",
            "ends_on": "",
            "csrf_token": csrf,
        },
    )
    assert bad.status_code == 422


def test_other_commune_board_is_kept_out(app, client, device):
    rec = envelope()
    push(client, device, rec)
    add_user(app, "bql_other", "board", "01849")
    login(client, "bql_other", "pw-bql_other")
    assert client.get(f"/communes/{COMMUNE}/review").status_code == 403
    assert client.get(f"/communes/{COMMUNE}/periods").status_code == 403
    assert client.get(f"/records/{rec['uuid']}").status_code == 404
    csrf = token(client, "/communes/01849/review")
    for url in (f"/records/{rec['uuid']}/decision", f"/records/{rec['uuid']}/comments"):
        assert (
            client.post(
                url, data={"decision": "approve", "body": "x", "csrf_token": csrf}
            ).status_code
            == 404
        )
    assert (
        client.post(
            f"/communes/{COMMUNE}/review/bulk", data={"decision": "approve", "csrf_token": csrf}
        ).status_code
        == 403
    )
