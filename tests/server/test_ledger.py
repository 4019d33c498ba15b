"""Contributions are an append-only ledger; checks are observations; deletes are tombstones."""

from __future__ import annotations

import re
import uuid

from server.extensions import db
from server.models import Household, Record, RecordRevision
from tests.helpers import contribution, envelope
from tests.server.test_push import push
from tests.server.test_web import login


def adjustment(household_id, adjusts, delta, **overrides):
    data = {"adjusts": adjusts, "delta": delta, "reason": "Đo lại diện tích", "date": "2026-11-20"}
    return envelope("contribution_adjustment", data, household_id=household_id, **overrides)


def test_a_recorded_contribution_cannot_be_edited_or_deleted(app, client, device):
    household = envelope()
    gift = contribution(household["uuid"], 100)
    v = push(client, device, household, gift).json["results"][1]["version"]
    edited = dict(
        gift, mutation_id=str(uuid.uuid4()), base_version=v, data=dict(gift["data"], quantity=150)
    )
    response = push(client, device, edited)
    assert response.status_code == 422
    assert "điều chỉnh" in response.json["errors"][0]["message"]
    deleted = dict(gift, mutation_id=str(uuid.uuid4()), base_version=v, deleted=True, reason="nhầm")
    response = push(client, device, deleted)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "deleted"
    with app.app_context():
        assert db.session.get(Record, gift["uuid"]).data["quantity"] == 100


def test_the_same_entry_sent_again_under_a_new_mutation_changes_nothing(app, client, device):
    household = envelope()
    gift = contribution(household["uuid"], 100)
    first = push(client, device, household, gift).json["results"][1]
    again = push(client, device, dict(gift, mutation_id=str(uuid.uuid4()))).json["results"][0]
    assert again["status"] == "applied" and again["version"] == first["version"]


def test_offline_corrections_from_two_tablets_both_count(app, client, device, demo):
    household = envelope()
    gift = contribution(household["uuid"], 100.0, kind="cash")
    push(client, device, household, gift)
    a = adjustment(household["uuid"], gift["uuid"], -30.0)
    b = adjustment(household["uuid"], gift["uuid"], -20.0)
    assert [r["status"] for r in push(client, device, a).json["results"]] == ["applied"]
    assert [r["status"] for r in push(client, device, b).json["results"]] == ["applied"]
    login(client, "bql_naphac")
    html = client.get("/communes/01936").get_data(as_text=True)
    assert 'data-adjusted="-50.0"' in html
    row = re.search(r'<tr data-village="01936-T01">(.*?)</tr>', html, re.S).group(1)
    # demo cash in T01: household 6 gave 500.000; this household 100 - 30 - 20 = 50
    assert re.search(r'data-total="cash_vnd">500\.050<', row)


def test_correction_must_point_at_a_contribution_of_the_same_household(client, device):
    one, two = envelope(), envelope()
    gift = contribution(one["uuid"], 10.0)
    push(client, device, one, two, gift)
    wrong_household = adjustment(two["uuid"], gift["uuid"], -1.0)
    nowhere = adjustment(one["uuid"], str(uuid.uuid4()), -1.0)
    zero = adjustment(one["uuid"], gift["uuid"], 0.0)
    response = push(client, device, wrong_household, nowhere, zero)
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json["errors"]] == [
        (0, "adjusts"),
        (1, "adjusts"),
        (2, "delta"),
    ]


def test_a_check_is_an_observation_not_an_edit(client, device):
    household = envelope()
    check = envelope(
        "house_tidying_check",
        {
            "date": "2026-11-20",
            "house_condition": "solid",
            "house_tidy": True,
            "has_fence": False,
            "gate_tidy": True,
            "garden_tidy": True,
            "lane_tidy": True,
        },
        household_id=household["uuid"],
    )
    push(client, device, household, check)
    edited = dict(check, mutation_id=str(uuid.uuid4()), data=dict(check["data"], lane_tidy=False))
    response = push(client, device, edited)
    assert response.status_code == 422
    assert "kiểm tra mới" in response.json["errors"][0]["message"]


def test_delete_is_a_tombstone_with_who_and_why_and_history_stays(app, client, device):
    household = envelope()
    v = push(client, device, household).json["results"][0]["version"]
    no_reason = dict(household, mutation_id=str(uuid.uuid4()), base_version=v, deleted=True)
    assert push(client, device, no_reason).status_code == 422
    tomb = dict(no_reason, reason="Hộ chuyển đi nơi khác")
    result = push(client, device, tomb).json["results"][0]
    assert result["status"] == "applied" and result["version"] > v
    with app.app_context():
        record = db.session.get(Record, household["uuid"])
        assert record.deleted and record.data["head_name"] == "Hoàng Văn Thắng"
        assert db.session.get(Household, household["uuid"]).active is False
        revisions = (
            db.session.query(RecordRevision)
            .filter_by(record_uuid=household["uuid"])
            .order_by(RecordRevision.revision)
            .all()
        )
        assert [(r.deleted, r.reason, r.device_id) for r in revisions] == [
            (False, None, device.device_id),
            (True, "Hộ chuyển đi nơi khác", device.device_id),
        ]
    feed = client.get(f"/api/v1/sync/changes?since={v}", headers=device.headers).json
    assert [(c["uuid"], c["deleted"]) for c in feed["changes"]] == [(household["uuid"], True)]


def test_a_replayed_conflict_answers_the_same_conflict(client, device):
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
    first = push(client, device, b).json["results"][0]
    second = push(client, device, b).json["results"][0]
    assert first["status"] == second["status"] == "conflict"
    assert second["conflict_id"] == first["conflict_id"] and second["replayed"] is True
