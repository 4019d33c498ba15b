"""A board decision reaches the tablet: the rejection and its reason travel through the change
feed into the replica's redo list, and the officer's corrected, re-sent record goes back to
"pending". Real server app in-process (tests/flask_transport.py), SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import Record, User
from server.services import enrolment, review
from sync.client import SyncClient
from sync.envelope import Envelope
from sync.replica import Replica
from sync.replicator import sync_once
from tests.flask_transport import flask_transport
from tests.helpers import COMMUNE, VILLAGE, envelope

REASON = "Thiếu ảnh nhà vệ sinh"


def tablet(app, tmp_path) -> tuple[Replica, SyncClient]:
    with app.app_context():
        _, code = enrolment.create(COMMUNE, "officer review")
    replica = Replica(tmp_path / "replica.db")
    client = SyncClient("http://server", transport=flask_transport(app))
    body = client.enroll(code, "tablet-review", "test")
    replica.set_meta(
        {"server_url": "http://server", "token": body["token"], "device_id": body["device_id"]}
    )
    replica.save_scope(client.scope())
    return replica, client


def board() -> User:
    return db.session.scalar(select(User).where(User.username == "bql_naphac"))


def test_rejection_reason_reaches_the_replica_and_resend_returns_to_pending(app, demo, tmp_path):
    replica, client = tablet(app, tmp_path)
    saved = replica.save_record("household", {"head_name": "Lò Văn Páo", "members": 4}, VILLAGE)
    assert sync_once(replica, client).ok
    uuid = saved.uuid
    with app.app_context():
        before = db.session.get(Record, uuid).version
        review.decide(board(), [uuid], "rejected", REASON)
        assert db.session.get(Record, uuid).version > before
    assert replica.records_to_redo() == []

    assert sync_once(replica, client).ok
    local = replica.record(uuid)
    assert local["status"] == "rejected"
    assert local["review"]["reason"] == REASON and local["review"]["by"] == "bql_naphac"
    [item] = replica.records_to_redo()
    assert item["uuid"] == uuid
    assert item["review"]["status"] == "rejected"
    assert REASON in [e["message"] for e in item["errors"]]

    replica.save_record(
        "household", {"head_name": "Lò Văn Páo", "members": 5}, VILLAGE, record_uuid=uuid
    )
    assert sync_once(replica, client).ok
    with app.app_context():
        record = db.session.get(Record, uuid)
        assert record.review_status == "pending" and record.data["members"] == 5
    assert sync_once(replica, client).ok
    assert replica.records_to_redo() == []
    assert replica.record(uuid)["review"] is None


def test_feed_carries_the_decision_and_envelope_keeps_it(app, client, device):
    from tests.server.test_push import push

    raw = envelope()
    assert push(client, device, raw).status_code == 200
    with app.app_context():
        review.decide(board(), [raw["uuid"]], "approved")
    answer = client.get("/api/v1/sync/changes?since=0", headers=device.headers)
    assert answer.status_code == 200, answer.json
    [change] = [c for c in answer.json["changes"] if c["uuid"] == raw["uuid"]]
    assert change["status"] == "approved"
    assert change["review"]["status"] == "approved" and change["review"]["by"] == "bql_naphac"
    assert Envelope.from_dict(change).review == change["review"]
    # a malformed review block is dropped, never a reason to refuse the record
    assert Envelope.from_dict({**change, "review": ["x"]}).review is None
