"""An officer deletes a record not yet approved: a tombstone with the reason, queued like any
change, which reaches the server (record deleted, revision with the reason); what may not be
deleted (approved, a contribution, a household with records, no reason) is refused with a
reason in both languages and nothing is written. Against the real server app, both backends.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Record
from server.models.records import RecordRevision
from server.services import enrolment
from sync.client import SyncClient
from sync.replica import DeleteRefused, Replica
from sync.replicator import sync_once
from tests.flask_transport import flask_transport
from tests.helpers import contribution, envelope

VILLAGE = "01936-T02"
CHECK = {
    "date": "2025-03-04",
    "clean_water": True,
    "hygienic_latrine": True,
    "bathroom": True,
    "covered_water_container": True,
    "clean_house": True,
    "clean_kitchen": True,
    "clean_lane": True,
    "sorts_waste": True,
    "keeps_livestock": False,
}


@pytest.fixture
def tablet(app, demo, tmp_path):
    with app.app_context():
        _, code = enrolment.create("01936", "Lò Thị Mai")
    client = SyncClient("http://server", transport=flask_transport(app))
    body = client.enroll(code, "tablet", "test")
    client.token = body["token"]
    replica = Replica(tmp_path / "replica.db")
    replica.set_meta(
        {"server_url": "http://server", "token": body["token"], "device_id": body["device_id"]}
    )
    replica.save_scope(client.scope())
    yield replica, client
    replica.close()


def server_record(app, uuid):
    with app.app_context():
        record = db.session.get(Record, uuid)
        revisions = db.session.scalars(
            select(RecordRevision)
            .where(RecordRevision.record_uuid == uuid)
            .order_by(RecordRevision.version)
        ).all()
        return record.deleted, [(r.deleted, r.reason) for r in revisions]


def test_a_synced_check_and_an_unsent_one_are_deleted_with_their_reason(app, tablet):
    replica, client = tablet
    household = replica.save_record(
        "household", {"head_name": "Hà Văn Dũng", "members": 3}, VILLAGE
    )
    synced = replica.save_record("environment_check", CHECK, VILLAGE, household.uuid)
    assert sync_once(replica, client).ok
    unsent = replica.save_record("environment_check", CHECK, VILLAGE, household.uuid)

    replica.delete_record(synced.uuid, "Nhầm hộ, ghi lại cho hộ bên cạnh")
    replica.delete_record(unsent.uuid, "  Ghi trùng  ")
    assert replica.records_for(household.uuid) == []  # gone from the officer's lists at once
    assert replica.record(synced.uuid)["deleted"] and replica.outbox_counts()["pending"] == 3

    report = sync_once(replica, client)
    assert report.ok and report.pushed == 3, report
    assert server_record(app, synced.uuid) == (
        True,
        [(False, None), (True, "Nhầm hộ, ghi lại cho hộ bên cạnh")],
    )
    # made and deleted offline: the server still keeps both revisions, history is never lost
    assert server_record(app, unsent.uuid) == (True, [(False, None), (True, "Ghi trùng")])
    assert replica.record(synced.uuid)["status"] == "synced"
    assert sync_once(replica, client).ok  # the feed brings the tombstones back: still deleted
    assert replica.record(unsent.uuid)["deleted"]


def test_what_may_not_be_deleted_is_refused_and_nothing_is_written(tablet):
    replica, _ = tablet
    household = envelope("household", {"head_name": "Vi Thị Hằng", "members": 2})
    land = contribution(household["uuid"], 20.0, "land", version=2)
    approved = envelope("environment_check", CHECK, household_id=household["uuid"], version=3)
    replica.apply_changes(
        [
            {**household, "version": 1, "village_code": "01936-T01"},
            land,
            {**approved, "status": "approved", "review": {"status": "approved"}},
        ],
        cursor=3,
    )
    pending_before = replica.outbox_counts()["pending"]
    cases = {
        approved["uuid"]: "đã được Ban quản lý xã duyệt",
        land["uuid"]: "điều chỉnh",
        household["uuid"]: "Hộ còn bản ghi",
    }
    for uuid, words in cases.items():
        refused = replica.deletion_refused(replica.record(uuid))
        assert refused is not None and words in refused.message and refused.message_en
        with pytest.raises(DeleteRefused):
            replica.delete_record(uuid, "lý do")
    with pytest.raises(DeleteRefused) as no_reason:
        replica.delete_record(approved["uuid"], "   ")
    assert "lý do" in no_reason.value.message
    with pytest.raises(DeleteRefused):
        replica.delete_record(approved["uuid"], "x" * 301)
    assert replica.outbox_counts()["pending"] == pending_before
    assert not replica.record(approved["uuid"])["deleted"]
