"""Two tablets, one deletes a household while the other edits it offline (both orders):
the tablets' own sync code carries the conflict, both show the server's copy meanwhile,
and after the administrator decides, both converge on the decision."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Conflict
from server.services import conflicts
from sync.replicator import sync_once
from tests.sync.test_replicator import _tablet

VILLAGE = "01936-T02"


@pytest.mark.parametrize("deleter_first", [True, False])
@pytest.mark.parametrize("keep", [True, False])
def test_delete_against_offline_edit_waits_for_the_administrator(
    app, demo, tmp_path, deleter_first, keep
):
    deleter, deleter_client = _tablet(app, tmp_path / "a", "officer a")
    editor, editor_client = _tablet(app, tmp_path / "b", "officer b")
    household = deleter.save_record("household", {"head_name": "Lò Thị Hoa", "members": 3}, VILLAGE)
    assert sync_once(deleter, deleter_client).ok
    assert sync_once(editor, editor_client).ok
    assert editor.record(household.uuid)["data"]["members"] == 3

    # offline on both tablets
    deleter.delete_record(household.uuid, "Hộ chuyển đi")
    edited = dict(editor.record(household.uuid)["data"], members=5)
    editor.save_record("household", edited, VILLAGE, record_uuid=household.uuid)
    first, second = (deleter, editor) if deleter_first else (editor, deleter)
    clients = {id(deleter): deleter_client, id(editor): editor_client}
    assert sync_once(first, clients[id(first)]).ok
    report = sync_once(second, clients[id(second)])
    assert report.ok and report.conflicts == 1

    # the second tablet now holds the server's copy, marked in conflict
    server_deleted = deleter_first  # the first to sync is in force
    local = second.record(household.uuid)
    assert (local["deleted"], local["status"]) == (server_deleted, "conflict")
    with app.app_context():
        (conflict,) = db.session.scalars(select(Conflict)).all()
        assert conflict.fields["_deleted"]["server"] is server_deleted
        assert conflict.device_data["members"] == (3 if deleter_first is False else 5)
        if not deleter_first:
            assert conflict.device_reason == "Hộ chuyển đi"
        side = "device" if (keep == server_deleted) else "server"
        conflicts.resolve(conflict, {"_deleted": side}, {}, "admin")

    for replica in (deleter, editor, deleter, editor):
        assert sync_once(replica, clients[id(replica)]).ok
    for replica in (deleter, editor):
        mine = replica.record(household.uuid)
        assert (mine["deleted"], mine["status"]) == (not keep, "synced")
        assert mine["data"]["members"] == 5  # the edit is never lost, even under the tombstone
        assert replica.outbox_counts()["pending"] == 0
    assert deleter.record(household.uuid)["version"] == editor.record(household.uuid)["version"]
