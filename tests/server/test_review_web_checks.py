"""More review page checks (Flask test client): the queue, approve, reject with
and without a reason, bulk approve a village, CSRF and area checks. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Record
from tests.helpers import COMMUNE, VILLAGE, envelope
from tests.server.test_push import push
from tests.server.test_web import add_user, csrf, login


def records(client, device, n=2) -> list[str]:
    raws = [envelope(data={"head_name": f"Hộ {i}", "members": 2}) for i in range(n)]
    assert push(client, device, *raws).status_code == 200
    return [r["uuid"] for r in raws]


def status(app, uuid) -> str:
    with app.app_context():
        return db.session.get(Record, uuid).review_status


def test_queue_approve_and_reject_with_reason(app, client, device):
    uuids = records(client, device)
    login(client, "bql_naphac")
    page = client.get(f"/communes/{COMMUNE}/review?village={VILLAGE}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert uuids[0] in html
    token = csrf(client)
    answer = client.post(
        f"/records/{uuids[0]}/decision", data={"decision": "approve", "csrf_token": token}
    )
    assert answer.status_code == 302 and status(app, uuids[0]) == "approved"

    refused = client.post(
        f"/records/{uuids[1]}/decision",
        data={"decision": "reject", "reason": "  ", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert "ghi lý do" in refused.get_data(as_text=True)
    assert status(app, uuids[1]) == "pending"

    client.post(
        f"/records/{uuids[1]}/decision",
        data={"decision": "reject", "reason": "Sai số nhân khẩu", "csrf_token": token},
    )
    assert status(app, uuids[1]) == "rejected"
    shown = client.get(f"/records/{uuids[1]}").get_data(as_text=True)
    assert "Sai số nhân khẩu" in shown
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target.like("record:%"))
        ).all()
    assert sorted(actions) == ["review.approve", "review.reject"]


def test_bulk_approve_a_village(app, client, device):
    uuids = records(client, device, 3)
    login(client, "bql_naphac")
    answer = client.post(
        f"/communes/{COMMUNE}/review/bulk",
        data={"village": VILLAGE, "decision": "approve", "csrf_token": csrf(client)},
    )
    assert answer.status_code == 302
    assert {status(app, u) for u in uuids} == {"approved"}


def test_missing_csrf_is_refused_and_nothing_written(app, client, device):
    uuids = records(client, device)
    login(client, "bql_naphac")
    answer = client.post(f"/records/{uuids[0]}/decision", data={"decision": "approve"})
    assert answer.status_code in (400, 403)
    bulk = client.post(
        f"/communes/{COMMUNE}/review/bulk", data={"village": VILLAGE, "decision": "approve"}
    )
    assert bulk.status_code in (400, 403)
    assert {status(app, u) for u in uuids} == {"pending"}


def test_other_commune_board_gets_403_and_cannot_decide(app, client, device):
    uuids = records(client, device)
    add_user(app, "bql_khac", "board", "01849")
    login(client, "bql_khac", "pw-bql_khac")
    assert client.get(f"/communes/{COMMUNE}/review").status_code == 403
    token = csrf(client)
    bulk = client.post(
        f"/communes/{COMMUNE}/review/bulk",
        data={"village": VILLAGE, "decision": "approve", "csrf_token": token},
    )
    assert bulk.status_code == 403
    one = client.post(
        f"/records/{uuids[0]}/decision", data={"decision": "approve", "csrf_token": token}
    )
    assert one.status_code == 404
    assert {status(app, u) for u in uuids} == {"pending"}
