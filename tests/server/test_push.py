"""Push: records apply exactly once, bad input is refused whole, history is kept."""

from __future__ import annotations

import uuid

import pytest

from server.extensions import db
from server.models import AppliedMutation, Conflict, Household, Record, RecordRevision
from tests.helpers import contribution, envelope
from tests.server.conftest import count, enrol


def push(client, device, *records):
    return client.post("/api/v1/sync/push", json={"records": list(records)}, headers=device.headers)


def test_new_household_and_contribution_apply_with_increasing_versions(app, client, device):
    household = envelope()
    gift = contribution(
        household["uuid"],
        120.5,
        kind="land",
        data_extra={"consent_photo": "a" * 64},
        photos=["a" * 64],
    )
    response = push(client, device, household, gift)
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert results[0]["version"] < results[1]["version"]
    with app.app_context():
        stored = db.session.get(Household, household["uuid"])
        assert stored.head_name == "Hoàng Văn Thắng" and stored.search_name == "hoang van thang"
        record = db.session.get(Record, gift["uuid"])
        assert record.data["quantity"] == 120.5 and record.device_id == device.device_id


def test_replayed_batch_applies_nothing_twice_and_answers_the_same(app, client, device):
    batch = [envelope(), envelope()]
    first = push(client, device, *batch)
    records_before = count(app, RecordRevision)
    second = push(client, device, *batch)
    assert second.status_code == 200
    assert [r["version"] for r in second.json["results"]] == [
        r["version"] for r in first.json["results"]
    ]
    assert [r["status"] for r in second.json["results"]] == ["applied", "applied"]
    assert all(r["replayed"] for r in second.json["results"])
    assert count(app, RecordRevision) == records_before
    assert count(app, AppliedMutation) == records_before


@pytest.mark.parametrize(
    ("mutate", "field", "needle"),
    [
        (lambda e: e.update(form_id="no_such_form"), "form_id", "Không có biểu mẫu"),
        (lambda e: e["data"].pop("head_name"), "head_name", "Vui lòng nhập «Chủ hộ»"),
        (lambda e: e.update(uuid="not-a-uuid"), "uuid", "UUID"),
        (lambda e: e.update(village_code="01936-X99"), "village_code", "Không có thôn"),
        (
            lambda e: e.update(commune_code="01849", village_code="01849-T01"),
            "commune_code",
            "xã khác",
        ),
        (lambda e: e["data"].update(members=-2), "members", "ít nhất là 1"),
        (lambda e: e.update(captured_at="yesterday"), "captured_at", "ISO 8601"),
    ],
)
def test_bad_record_gets_a_clear_422_and_nothing_is_written(
    app, client, device, mutate, field, needle
):
    good, bad = envelope(), envelope()
    mutate(bad)
    before = count(app, Record)
    response = push(client, device, good, bad)
    assert response.status_code == 422
    body = response.json
    assert body["code"] == "invalid_records" and body["message"].startswith("Có bản ghi")
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, field)]
    assert needle in body["errors"][0]["message"]
    assert count(app, Record) == before


def test_negative_land_area_is_refused(app, client, device):
    household = envelope()
    push(client, device, household)
    gift = contribution(
        household["uuid"],
        -5,
        kind="land",
        data_extra={"consent_photo": "b" * 64},
        photos=["b" * 64],
    )
    response = push(client, device, gift)
    assert response.status_code == 422
    assert response.json["errors"][0]["message"] == "«Số lượng» phải lớn hơn 0."
    with app.app_context():
        assert db.session.get(Record, gift["uuid"]) is None


def test_contribution_for_unknown_household_is_refused(app, client, device):
    response = push(client, device, contribution(str(uuid.uuid4())))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "household_id"


def test_malformed_body_and_empty_batch_get_4xx(client, device):
    assert push(client, device).status_code == 422
    text_body = client.post("/api/v1/sync/push", data="nope", headers=device.headers)
    assert 400 <= text_body.status_code < 500
    assert "message" in text_body.json


def test_edit_on_current_version_adds_a_revision(app, client, device):
    household = envelope()
    v1 = push(client, device, household).json["results"][0]["version"]
    edit = dict(
        household,
        mutation_id=str(uuid.uuid4()),
        base_version=v1,
        data={"head_name": "Hoàng Văn Thắng", "members": 5},
    )
    result = push(client, device, edit).json["results"][0]
    assert result["status"] == "applied" and result["version"] > v1
    with app.app_context():
        revisions = db.session.query(RecordRevision).filter_by(record_uuid=household["uuid"]).all()
        assert [r.data["members"] for r in sorted(revisions, key=lambda r: r.revision)] == [4, 5]


def test_offline_edits_to_different_fields_merge(app, client, device):
    household = envelope()
    v1 = push(client, device, household).json["results"][0]["version"]
    a = dict(
        household,
        mutation_id=str(uuid.uuid4()),
        base_version=v1,
        data={"head_name": "Hoàng Văn Thắng", "members": 6},
    )
    b = dict(
        household,
        mutation_id=str(uuid.uuid4()),
        base_version=v1,
        data={"head_name": "Hoàng Văn Thắng", "members": 4, "house_number": "12"},
    )
    assert push(client, device, a).json["results"][0]["status"] == "applied"
    assert push(client, device, b).json["results"][0]["status"] == "applied"
    with app.app_context():
        assert db.session.get(Record, household["uuid"]).data == {
            "head_name": "Hoàng Văn Thắng",
            "members": 6,
            "house_number": "12",
        }


def test_same_field_changed_two_ways_becomes_a_conflict_that_keeps_all_sides(app, client, device):
    household = envelope()
    v1 = push(client, device, household).json["results"][0]["version"]
    a = dict(
        household,
        mutation_id=str(uuid.uuid4()),
        base_version=v1,
        data={"head_name": "Hoàng Văn Thắng", "members": 6},
    )
    b = dict(
        household,
        mutation_id=str(uuid.uuid4()),
        base_version=v1,
        data={"head_name": "Hoàng Văn Thắng", "members": 7},
    )
    push(client, device, a)
    answer = push(client, device, b).json["results"][0]
    assert answer["status"] == "conflict"
    assert answer["server_copy"]["members"] == 6 and answer["conflict_id"]
    with app.app_context():
        record = db.session.get(Record, household["uuid"])
        assert record.data["members"] == 6 and record.sync_status == "conflict"
        conflict = db.session.get(Conflict, answer["conflict_id"])
        assert conflict.fields == {"members": {"base": 4, "server": 6, "device": 7}}
        assert conflict.device_data["members"] == 7


def test_a_device_cannot_touch_another_communes_record(app, client, device, demo):
    other = enrol(app, client, commune="01849")
    with app.app_context():
        from server.models import AdminUnit

        db.session.add(
            AdminUnit(code="01849-T01", level="village", name="Thôn A", parent_code="01849")
        )
        db.session.commit()
    household = envelope()
    push(client, device, household)
    hijack = dict(
        household,
        mutation_id=str(uuid.uuid4()),
        commune_code="01849",
        village_code="01849-T01",
        base_version=1,
    )
    response = push(client, other, hijack)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "uuid"


def test_a_tablets_second_offline_edit_never_conflicts_with_its_first(
    app, client, device, tmp_path
):
    """Two edits of one field on one tablet, then sync: the later one wins, no conflict,
    also when the first edit was applied but its answer was lost, and also when another
    tablet edited another field in between."""
    from sync.client import SyncClient
    from sync.replica import Replica
    from sync.replicator import sync_once
    from tests.flask_transport import flask_transport

    replica = Replica(tmp_path / "t" / "replica.db")
    replica.set_meta(
        {"server_url": "http://s", "token": device.token, "device_id": device.device_id}
    )
    sync = SyncClient("http://s", device.token, transport=flask_transport(app))
    replica.save_scope(sync.scope())
    h = replica.save_record("household", {"head_name": "Ma Văn Long", "members": 2}, "01936-T01")
    assert sync_once(replica, sync).ok
    data = replica.record(h.uuid)["data"]
    first = replica.save_record("household", dict(data, members=3), "01936-T01", record_uuid=h.uuid)
    push(client, device, first.as_dict())  # applied, but the tablet never heard back
    other = dict(
        first.as_dict(),
        mutation_id=str(uuid.uuid4()),
        base_version=first.base_version,
        parent_mutation_id=None,
        data=dict(data, phone="0987654321"),
    )
    answer = push(client, device, other).json
    assert answer["results"][0]["status"] == "applied", answer
    second = replica.save_record(
        "household", dict(data, members=4), "01936-T01", record_uuid=h.uuid
    )
    assert second.parent_mutation_id == first.mutation_id
    report = sync_once(replica, sync)
    assert report.ok and report.conflicts == 0
    with app.app_context():
        assert db.session.get(Record, h.uuid).data == {
            "head_name": "Ma Văn Long",
            "members": 4,
            "phone": "0987654321",
        }
        assert db.session.query(Conflict).count() == 0
    assert replica.record(h.uuid)["data"]["phone"] == "0987654321"


def test_create_and_edit_in_one_batch_apply_in_order(app, client, device):
    household = envelope()
    edit = dict(
        household,
        mutation_id=str(uuid.uuid4()),
        parent_mutation_id=household["mutation_id"],
        data={"head_name": "Hoàng Văn Thắng", "members": 9},
    )
    results = push(client, device, household, edit).json["results"]
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert results[0]["version"] < results[1]["version"]
    with app.app_context():
        assert db.session.get(Record, household["uuid"]).data["members"] == 9
        assert (
            db.session.query(RecordRevision).filter_by(record_uuid=household["uuid"]).count() == 2
        )


def test_two_records_created_then_edited_in_one_batch_apply_once_each(app, client, device):
    """Found by the convergence property: the first edit flushed the batch's new records,
    and the second edit of another new record was then taken for a new record (500)."""
    first, second = envelope(), envelope(data={"head_name": "Lò Thị Hoa", "members": 2})
    edits = [
        dict(
            created,
            mutation_id=str(uuid.uuid4()),
            parent_mutation_id=created["mutation_id"],
            data=dict(created["data"], members=7),
        )
        for created in (first, second)
    ]
    response = push(client, device, first, second, *edits)
    assert response.status_code == 200, response.json
    assert [r["status"] for r in response.json["results"]] == ["applied"] * 4
    with app.app_context():
        for created in (first, second):
            assert db.session.get(Record, created["uuid"]).data["members"] == 7
            revisions = db.session.query(RecordRevision).filter_by(record_uuid=created["uuid"])
            assert revisions.count() == 2


def test_postgres_plans_each_query_for_its_own_ids(database_url, tmp_path):
    """A generic plan for "these ids" lookups became a whole-table scan from about the 28th
    push of a benchmark; every PostgreSQL connection now plans each query for its values,
    and options given in the database URL are kept. SQLite plans every statement afresh."""
    from sqlalchemy import text

    from server import create_app

    on_postgres = database_url.startswith("postgresql")
    url = database_url + ("?options=-c%20statement_timeout%3D12345" if on_postgres else "")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    with app.app_context():
        try:
            if on_postgres:
                show = db.session.execute(text("SHOW plan_cache_mode")).scalar()
                assert show == "force_custom_plan"
                assert db.session.execute(text("SHOW statement_timeout")).scalar() == "12345ms"
            else:
                assert db.engine.dialect.name == "sqlite"
                assert db.session.execute(text("SELECT 1")).scalar() == 1
        finally:
            db.session.remove()
            db.engine.dispose()
