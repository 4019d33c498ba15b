"""Delete versus edit: a tombstone and an offline edit made on the same version never
silently undo each other. Each becomes a conflict that keeps both sides (with the reason
for deleting) until a sync administrator decides whether the record stays; a delete or an
edit that meets no change on the other side applies as before. API, inbox page and feed."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.extensions import db
from server.models import Conflict, Household, Record, RecordRevision
from tests.helpers import envelope
from tests.server.test_conflicts import admin_session
from tests.server.test_push import push
from tests.server.test_web import csrf, login


def change(household: dict, base: int, **fields) -> dict:
    return dict(household, mutation_id=str(uuid.uuid4()), base_version=base, **fields)


def tombstone(household: dict, base: int, reason: str = "Hộ chuyển đi nơi khác") -> dict:
    return change(household, base, deleted=True, reason=reason)


def edit(household: dict, base: int, members: int) -> dict:
    return change(household, base, data=dict(household["data"], members=members))


def one(response) -> dict:
    assert response.status_code == 200, response.json
    return response.json["results"][0]


def resolve(client, token: str, conflict_id: int, **body):
    return client.post(
        f"/api/v1/conflicts/{conflict_id}/resolve", json=body, headers={"X-CSRF-Token": token}
    )


def revisions(app, uid: str) -> list[RecordRevision]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(RecordRevision)
                .where(RecordRevision.record_uuid == uid)
                .order_by(RecordRevision.revision)
            )
        )


def test_an_edit_of_a_record_deleted_meanwhile_is_a_conflict_not_an_undelete(app, client, device):
    household = envelope()
    v1 = one(push(client, device, household))["version"]
    deleted = one(push(client, device, tombstone(household, v1)))
    assert deleted["status"] == "applied"
    answer = one(push(client, device, edit(household, v1, members=6)))
    assert answer["status"] == "conflict" and answer["conflict_id"]
    assert answer["server_deleted"] is True and answer["server_copy"]["members"] == 4
    with app.app_context():
        record = db.session.get(Record, household["uuid"])
        assert record.deleted and record.sync_status == "conflict"
        assert record.data["members"] == 4  # the tombstone stays in force until decided
        assert record.version > deleted["version"]
        assert db.session.get(Household, household["uuid"]).active is False
        conflict = db.session.get(Conflict, answer["conflict_id"])
        assert conflict.fields == {"_deleted": {"base": False, "server": True, "device": False}}
        assert conflict.device_data["members"] == 6 and conflict.device_reason is None
    assert len(revisions(app, household["uuid"])) == 2  # the conflict wrote no revision
    feed = client.get(f"/api/v1/sync/changes?since={v1}", headers=device.headers).json
    assert [(c["deleted"], c["status"]) for c in feed["changes"]] == [(True, "conflict")]

    token = admin_session(client)
    detail = client.get(f"/api/v1/conflicts/{answer['conflict_id']}").json
    assert detail["fields"]["_deleted"] == {"base": False, "server": True, "device": False}
    kept = resolve(client, token, answer["conflict_id"], choices={"_deleted": "device"})
    assert kept.status_code == 200, kept.json
    assert kept.json["deleted"] is False and kept.json["sync_status"] == "ok"
    assert kept.json["data"]["members"] == 6  # the officer's edit comes back with the record
    with app.app_context():
        assert db.session.get(Household, household["uuid"]).active is True
    last = revisions(app, household["uuid"])[-1]
    assert (last.deleted, last.author) == (False, "qt_thainguyen")
    assert last.reason.endswith("kept (restored)")
    feed = client.get(f"/api/v1/sync/changes?since={v1}", headers=device.headers).json
    assert [(c["deleted"], c["data"]["members"]) for c in feed["changes"]] == [(False, 6)]


def test_a_stale_tombstone_on_a_record_edited_meanwhile_is_a_conflict(app, client, device):
    household = envelope()
    v1 = one(push(client, device, household))["version"]
    assert one(push(client, device, edit(household, v1, members=6)))["status"] == "applied"
    answer = one(push(client, device, tombstone(household, v1, "Trùng với hộ số 12")))
    assert answer["status"] == "conflict"
    assert answer["server_deleted"] is False and answer["server_copy"]["members"] == 6
    with app.app_context():
        record = db.session.get(Record, household["uuid"])
        assert not record.deleted and record.data["members"] == 6
        assert record.sync_status == "conflict"
        conflict = db.session.get(Conflict, answer["conflict_id"])
        assert conflict.fields == {"_deleted": {"base": False, "server": False, "device": True}}
        assert conflict.device_reason == "Trùng với hộ số 12"
    # replaying the tombstone answers the same conflict and writes nothing more
    again = one(
        client.post(
            "/api/v1/sync/push",
            json={"records": [tombstone(household, v1) | {"mutation_id": answer["mutation_id"]}]},
            headers=device.headers,
        )
    )
    assert again["replayed"] and again["conflict_id"] == answer["conflict_id"]
    with app.app_context():
        assert db.session.query(Conflict).count() == 1

    token = admin_session(client)
    wrong = resolve(client, token, answer["conflict_id"], values={"_deleted": "có"})
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "_deleted"
    assert "xoá hay giữ" in wrong.json["message"]
    with app.app_context():
        assert db.session.get(Conflict, answer["conflict_id"]).resolved_at is None
    gone = resolve(client, token, answer["conflict_id"], values={"_deleted": True})
    assert gone.status_code == 200 and gone.json["deleted"] is True
    last = revisions(app, household["uuid"])[-1]
    assert last.deleted and "Trùng với hộ số 12" in last.reason
    with app.app_context():
        assert db.session.get(Household, household["uuid"]).active is False
        assert db.session.get(Conflict, answer["conflict_id"]).resolution["deleted"] is True


def test_delete_or_edit_that_meets_no_change_on_the_other_side_applies(app, client, device):
    household = envelope()
    v1 = one(push(client, device, household))["version"]
    # a save that changed nothing moves the version but not the answers
    v2 = one(push(client, device, edit(household, v1, members=4)))["version"]
    assert v2 > v1
    deleted = one(push(client, device, tombstone(household, v1)))
    assert deleted["status"] == "applied"  # nothing was edited since v1: the delete stands
    # an officer who saw v2 and re-saved it unchanged does not bring it back
    resaved = one(push(client, device, edit(household, v2, members=4)))
    assert resaved["status"] == "applied" and resaved["server_deleted"] is True
    feed = client.get(f"/api/v1/sync/changes?since={v2}", headers=device.headers).json
    assert [(c["deleted"], c["reason"]) for c in feed["changes"]] == [
        (True, "Hộ chuyển đi nơi khác")  # the delete's reason still travels with it
    ]
    # and a second tablet deleting it too is no conflict either
    assert one(push(client, device, tombstone(household, v2, "Trùng")))["status"] == "applied"
    with app.app_context():
        assert db.session.get(Record, household["uuid"]).deleted
        assert db.session.query(Conflict).count() == 0


def test_a_clashing_field_and_a_delete_are_decided_together(app, client, device):
    household = envelope()
    v1 = one(push(client, device, household))["version"]
    v2 = one(push(client, device, edit(household, v1, members=6)))["version"]
    one(push(client, device, tombstone(edit(household, v2, members=6), v2)))
    answer = one(push(client, device, edit(household, v1, members=7)))
    with app.app_context():
        conflict = db.session.get(Conflict, answer["conflict_id"])
        assert conflict.fields == {
            "_deleted": {"base": False, "server": True, "device": False},
            "members": {"base": 4, "server": 6, "device": 7},
        }
    token = admin_session(client)
    incomplete = resolve(client, token, answer["conflict_id"], choices={"members": "device"})
    assert incomplete.status_code == 422 and incomplete.json["undecided"] == ["_deleted"]
    done = resolve(
        client, token, answer["conflict_id"], choices={"members": "device", "_deleted": "device"}
    )
    assert done.status_code == 200
    assert (done.json["deleted"], done.json["data"]["members"]) == (False, 7)


def test_the_inbox_page_shows_delete_or_keep_with_the_reasons_and_resolves(app, client, device):
    household = envelope()
    v1 = one(push(client, device, household))["version"]
    one(push(client, device, tombstone(household, v1, "Hộ đã giải thể")))
    conflict_id = one(push(client, device, edit(household, v1, members=6)))["conflict_id"]
    assert login(client, "qt_thainguyen").status_code == 302
    token = csrf(client, "/admin/conflicts")
    listed = client.get("/admin/conflicts").get_data(as_text=True)
    assert "xoá hay giữ" in listed and "_deleted" not in listed
    html = client.get(f"/admin/conflicts/{conflict_id}").get_data(as_text=True)
    row = html.split('data-field="_deleted"')[1].split("</tr>")[0]
    assert "Xoá bản ghi?" in row and "«Hộ đã giải thể»" in row
    assert row.count("Còn giữ (kept)") == 2 and row.count("Đã xoá (deleted)") == 1
    assert 'value="typed"' not in row  # delete or keep is chosen, never typed
    merged = html.split('id="merged-fields"')[1].split("</table>")[0]
    cells = merged.split('data-field="members"')[1].split("</tr>")[0]
    assert [c.split("</td>")[0] for c in cells.split("<td>")[1:]] == ["4", "4", "6"]
    typed = client.post(
        f"/admin/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, "choice-_deleted": "typed", "value-_deleted": "x"},
    )
    assert typed.status_code == 422 and "xoá hay giữ" in typed.get_data(as_text=True)
    done = client.post(
        f"/admin/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, "choice-_deleted": "server"},
    )
    assert done.status_code == 302
    with app.app_context():
        record = db.session.get(Record, household["uuid"])
        assert record.deleted and record.sync_status == "ok"
        # like any resolution, the edit that did not clash is kept (in the tombstone's answers)
        assert record.data["members"] == 6
        assert db.session.get(Conflict, conflict_id).resolved_by == "qt_thainguyen"


def test_taking_the_server_side_means_the_state_now_and_keeps_the_reason(app, client, device):
    """Two tablets' tombstones each clash with an edit; deleting through the first conflict
    and then taking "server" in the second must not bring the record back."""
    household = envelope()
    v1 = one(push(client, device, household))["version"]
    one(push(client, device, edit(household, v1, members=6)))
    first = one(push(client, device, tombstone(household, v1, "Hộ chuyển đi nơi khác")))
    second = one(push(client, device, tombstone(household, v1, "Trùng")))
    assert first["status"] == second["status"] == "conflict"
    token = admin_session(client)
    gone = resolve(client, token, first["conflict_id"], choices={"_deleted": "device"})
    assert gone.json["deleted"] is True
    still = resolve(client, token, second["conflict_id"], choices={"_deleted": "server"})
    assert still.status_code == 200 and still.json["deleted"] is True  # not restored
    feed = client.get(f"/api/v1/sync/changes?since={v1}", headers=device.headers).json
    [change] = feed["changes"]
    assert change["deleted"] and "Hộ chuyển đi nơi khác" in change["reason"]


def test_bulk_resolution_leaves_delete_or_keep_to_one_at_a_time(app, client, device):
    household = envelope()
    v1 = one(push(client, device, household))["version"]
    one(push(client, device, edit(household, v1, members=6)))
    conflict_id = one(push(client, device, tombstone(household, v1)))["conflict_id"]
    assert login(client, "qt_thainguyen").status_code == 302
    token = csrf(client, "/admin/conflicts")
    page = client.post(
        "/admin/conflicts/bulk",
        data={"csrf_token": token, "side": "device", "ids": [str(conflict_id)]},
    )
    assert page.status_code == 422 and "từng cái một" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Conflict, conflict_id).resolved_at is None
        assert not db.session.get(Record, household["uuid"]).deleted


def test_a_resolution_inside_a_locked_period_is_held_like_a_push(app, client, device):
    from server.models import PeriodHold
    from tests.server.test_period_holds import lock_this_month

    household = envelope()
    v1 = one(push(client, device, household))["version"]
    one(push(client, device, edit(household, v1, members=6)))
    lock_this_month(app)
    conflict_id = one(push(client, device, tombstone(household, v1)))["conflict_id"]
    token = admin_session(client)
    assert resolve(client, token, conflict_id, values={"_deleted": True}).status_code == 200
    with app.app_context():
        hold = db.session.scalar(
            select(PeriodHold).where(PeriodHold.record_uuid == household["uuid"])
        )
        assert hold is not None and hold.kind == "delete"
        # the roll-up still counts it until the board reopens the period and decides
        from server.services import period_holds

        assert household["uuid"] in period_holds.held_deleted_households(household["commune_code"])
