"""Record-level integrity flags through a real push: village and commune polygons (edges,
holes, a MultiPolygon village), mock location, poor accuracy, a wrong device clock, a photo
that never arrived; recomputation is idempotent and a flag that no longer applies closes;
accepting needs a reason and survives recomputation. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from server.extensions import db
from server.models import AdminUnit, AuditEvent, Device, IntegrityFlag, Record, User
from server.services import integrity
from tests.helpers import COMMUNE, contribution, envelope, jpeg_bytes
from tests.server.test_push import push

T01, T02 = f"{COMMUNE}-T01", f"{COMMUNE}-T02"


def ring(lon, lat, w, h):
    return [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]


def set_geometry(app, code, geometry):
    with app.app_context():
        db.session.get(AdminUnit, code).geometry = geometry
        db.session.commit()


def household(lat, lon, accuracy=6.0, village=T01, **extra):
    location = {"lat": lat, "lon": lon, "accuracy": accuracy, **extra}
    data = {"head_name": "Nông Thị Lan", "members": 4, "location": location}
    return envelope(data=data, village_code=village)


def flags(app, state="open", record=None):
    with app.app_context():
        query = select(IntegrityFlag).where(IntegrityFlag.state == state)
        if record:
            query = query.where(IntegrityFlag.record_uuid == record)
        return sorted(
            ((f.kind, f.record_uuid, f.details) for f in db.session.scalars(query)),
            key=lambda f: (f[0], f[1]),
        )


def kinds(app, record, state="open"):
    return sorted(k for k, _, _ in flags(app, state, record))


@pytest.fixture
def holes(app, demo):
    """T01 with a hole (a pond that belongs to nobody), T02 a MultiPolygon with an island."""
    set_geometry(app, COMMUNE, None)  # villages only: the island lies beyond the demo's box
    set_geometry(
        app,
        T01,
        {
            "type": "Polygon",
            "coordinates": [ring(105.96, 22.42, 0.02, 0.015), ring(105.965, 22.425, 0.005, 0.005)],
        },
    )
    set_geometry(
        app,
        T02,
        {
            "type": "MultiPolygon",
            "coordinates": [[ring(105.98, 22.42, 0.02, 0.015)], [ring(106.01, 22.42, 0.01, 0.01)]],
        },
    )


def test_edges_holes_and_a_multipolygon_village(app, client, device, holes):
    on_edge = household(22.42, 105.97)  # on T01's outer edge: inside
    on_hole_edge = household(22.4275, 105.965)  # on the hole's edge: inside
    in_hole = household(22.4275, 105.9675)
    in_t02 = household(22.43, 105.99)  # says T01, stands in T02
    island = household(22.425, 106.015, village=T02)  # T02's second polygon
    assert push(client, device, on_edge, on_hole_edge, in_hole, in_t02, island).status_code == 200
    for inside in (on_edge, on_hole_edge, island):
        assert kinds(app, inside["uuid"]) == []
    [(kind, _, details)] = flags(app, record=in_hole["uuid"])
    assert kind == "outside_village" and details["found_village"] is None
    assert 200 < details["distance_m"] < 300  # 0.0025 degrees to the hole's edge
    [(kind, _, details)] = flags(app, record=in_t02["uuid"])
    assert kind == "outside_village" and details["found_village"] == T02
    with app.app_context():
        row = db.session.scalar(
            select(IntegrityFlag).where(
                IntegrityFlag.kind == "outside_village", IntegrityFlag.record_uuid == in_t02["uuid"]
            )
        )
        assert "ngoài ranh giới Thôn Nà Phặc (thuộc Thôn Bản Mạ)" in row.reason_vi
        assert "(it falls in Thôn Bản Mạ)" in row.reason_en
        assert row.household_id == in_t02["uuid"]


def test_outside_the_commune_is_one_flag_not_two(app, client, device, demo):
    set_geometry(
        app, COMMUNE, {"type": "Polygon", "coordinates": [ring(105.95, 22.41, 0.06, 0.05)]}
    )
    far = household(21.0, 105.8)  # Hà Nội, well outside
    assert push(client, device, far).status_code == 200
    [(kind, _, details)] = flags(app, record=far["uuid"])
    assert kind == "outside_commune" and details["distance_m"] > 100_000


def test_mock_location_and_poor_accuracy(app, client, device, demo):
    mocked = household(22.43, 105.97, accuracy=5.0, mock=True)
    vague = household(22.43, 105.97, accuracy=85.0)
    fine = household(22.43, 105.97, accuracy=12.0)
    assert push(client, device, mocked, vague, fine).status_code == 200
    assert kinds(app, mocked["uuid"]) == ["gps_mock"]
    assert kinds(app, vague["uuid"]) == ["gps_accuracy"]
    assert kinds(app, fine["uuid"]) == []
    app.config["INTEGRITY_MAX_ACCURACY_M"] = 100  # configurable: the next recompute closes it
    with app.app_context():
        integrity.recompute_commune(COMMUNE)
        db.session.commit()
    assert kinds(app, vague["uuid"]) == []
    assert kinds(app, vague["uuid"], state="closed") == ["gps_accuracy"]


def test_moving_the_point_inside_closes_the_flag_and_recompute_is_idempotent(
    app, client, device, demo
):
    rec = household(22.43, 105.99)  # in T02
    assert push(client, device, rec).status_code == 200
    assert kinds(app, rec["uuid"]) == ["outside_village"]
    with app.app_context():
        before = db.session.query(IntegrityFlag).count()
        again = integrity.refresh_records(COMMUNE, [rec["uuid"]])
        whole = integrity.recompute_commune(COMMUNE)
        db.session.commit()
        assert (again.opened, again.closed, again.updated) == (0, 0, 0)
        assert (whole.opened, whole.closed, whole.updated) == (0, 0, 0)
        assert db.session.query(IntegrityFlag).count() == before
        version = db.session.get(Record, rec["uuid"]).version
    moved = dict(rec, mutation_id=envelope()["mutation_id"], base_version=version)
    moved["data"] = dict(rec["data"], location={"lat": 22.43, "lon": 105.97, "accuracy": 5.0})
    assert push(client, device, moved).status_code == 200
    assert kinds(app, rec["uuid"]) == []
    assert kinds(app, rec["uuid"], state="closed") == ["outside_village"]
    back = dict(moved, mutation_id=envelope()["mutation_id"], base_version=version + 1)
    back["data"] = rec["data"]
    assert push(client, device, back).status_code == 200
    assert kinds(app, rec["uuid"]) == ["outside_village"]  # reopened, the same row
    with app.app_context():
        assert db.session.query(IntegrityFlag).count() == before


def test_a_wrong_device_clock_flags_its_records(app, client, device, demo):
    with app.app_context():
        db.session.execute(
            update(Device).where(Device.id == device.device_id).values(clock_skew_seconds=-7200)
        )
        db.session.commit()
    rec = household(22.43, 105.97)
    response = client.post(
        "/api/v1/sync/push", json={"records": [rec]}, headers=device.headers
    )  # no X-Device-Time: the skew measured before stands
    assert response.status_code == 200
    [(kind, _, details)] = flags(app, record=rec["uuid"])
    assert kind == "clock_wrong" and details == {"skew_minutes": -120}
    with app.app_context():
        row = db.session.scalar(select(IntegrityFlag).where(IntegrityFlag.kind == "clock_wrong"))
        assert "chậm khoảng 120 phút" in row.reason_vi


def test_a_photo_that_never_arrives_is_flagged_after_the_wait(app, client, device, demo):
    from hashlib import sha256

    from server.services import photos

    content = jpeg_bytes(text="bien ban")
    sha = sha256(content).hexdigest()
    home = household(22.43, 105.97)
    gift = contribution(
        home["uuid"], 30, kind="land", data_extra={"consent_photo": sha}, photos=[sha]
    )
    assert push(client, device, home, gift).status_code == 200
    assert kinds(app, gift["uuid"]) == []  # just pushed: the photo follows the records
    with app.app_context():
        three_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        db.session.execute(
            update(Record)
            .where(Record.uuid == gift["uuid"])
            .values(created_at=three_days_ago, captured_at=three_days_ago)
        )
        db.session.commit()
        integrity.recompute_commune(COMMUNE)
        db.session.commit()
    [(kind, _, _)] = flags(app, record=gift["uuid"])
    assert kind == "missing_photo"
    with app.app_context():
        photos.store(sha, content, None)
        db.session.commit()
        integrity.refresh_records(COMMUNE, [gift["uuid"]])
        db.session.commit()
    assert kinds(app, gift["uuid"]) == [] and kinds(app, gift["uuid"], "closed") == [
        "missing_photo"
    ]


def test_accepting_needs_a_reason_is_audited_and_survives_recompute(app, client, device, demo):
    rec = household(22.43, 105.99)
    assert push(client, device, rec).status_code == 200
    with app.app_context():
        board = db.session.scalar(select(User).where(User.username == "bql_naphac"))
        other = User(username="bql_khac", display_name="x", role="board", area_code="01849")
        flag = db.session.scalar(select(IntegrityFlag))
        with pytest.raises(integrity.IntegrityError) as refused:
            integrity.accept(board, flag.id, "   ")
        assert refused.value.status == 422
        with pytest.raises(integrity.IntegrityError) as hidden:
            integrity.accept(other, flag.id, "ok")
        assert hidden.value.status == 404
        db.session.rollback()
        integrity.accept(board, flag.id, "Nhà ở sát ranh giới, đã xác minh tại thực địa")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "integrity.accept"))
        assert event.actor == "bql_naphac" and event.target == f"flag:{flag.id}"
        integrity.recompute_commune(COMMUNE)
        db.session.commit()
        flag = db.session.get(IntegrityFlag, flag.id)
        assert flag.state == "accepted" and flag.accepted_by == "bql_naphac"
        with pytest.raises(integrity.IntegrityError) as twice:
            integrity.accept(board, flag.id, "again")
        assert twice.value.status == 409
