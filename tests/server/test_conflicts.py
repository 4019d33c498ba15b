"""Conflict inbox API: list, inspect and resolve; the resolution reaches every device."""

from __future__ import annotations

import uuid

from server.extensions import db
from server.models import Conflict, Record
from tests.helpers import envelope
from tests.server.test_push import push
from tests.server.test_web import add_user, login


def make_conflict(client, device):
    household = envelope()
    v1 = push(client, device, household).json["results"][0]["version"]
    a = dict(
        household,
        mutation_id=str(uuid.uuid4()),
        base_version=v1,
        data={"head_name": "Hoàng Văn Thắng", "members": 6, "house_number": "7"},
    )
    b = dict(
        household,
        mutation_id=str(uuid.uuid4()),
        base_version=v1,
        data={"head_name": "Hoàng Văn Thắng B", "members": 7},
    )
    push(client, device, a)
    answer = push(client, device, b).json["results"][0]
    assert answer["status"] == "conflict"
    return household, answer["conflict_id"]


def admin_session(client, username="qt_thainguyen", password="chungsuc-demo"):
    login(client, username, password)
    return client.get("/api/v1/session").json["csrf_token"]


def test_admin_lists_and_inspects_conflicts_of_their_province(app, client, device):
    household, conflict_id = make_conflict(client, device)
    admin_session(client)
    listed = client.get("/api/v1/conflicts?commune=01936")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json] == [conflict_id]
    detail = client.get(f"/api/v1/conflicts/{conflict_id}").json
    # head_name changed on one side only: it merges, and is not part of the conflict
    assert detail["fields"] == {"members": {"base": 4, "server": 6, "device": 7}}
    assert detail["form_id"] == "household" and detail["device_data"]["members"] == 7


def test_resolution_becomes_a_revision_every_device_pulls(app, client, device):
    household, conflict_id = make_conflict(client, device)
    token = admin_session(client)
    before = client.get("/api/v1/sync/changes", headers=device.headers).json["next"]
    incomplete = client.post(
        f"/api/v1/conflicts/{conflict_id}/resolve",
        json={"choices": {"head_name": "device"}},
        headers={"X-CSRF-Token": token},
    )
    assert incomplete.status_code == 422 and incomplete.json["undecided"] == ["members"]
    assert incomplete.json["unknown"] == ["head_name"]
    invalid = client.post(
        f"/api/v1/conflicts/{conflict_id}/resolve",
        json={"values": {"members": 0}},
        headers={"X-CSRF-Token": token},
    )
    assert invalid.status_code == 422 and invalid.json["errors"][0]["field"] == "members"
    done = client.post(
        f"/api/v1/conflicts/{conflict_id}/resolve",
        json={"values": {"members": 8}},
        headers={"X-CSRF-Token": token},
    )
    assert done.status_code == 200, done.json
    assert done.json["data"] == {
        "head_name": "Hoàng Văn Thắng B",
        "members": 8,
        "house_number": "7",
    }
    assert done.json["sync_status"] == "ok"
    feed = client.get(f"/api/v1/sync/changes?since={before}", headers=device.headers).json
    assert [(c["uuid"], c["data"]["members"], c["status"]) for c in feed["changes"]] == [
        (household["uuid"], 8, "synced")
    ]
    again = client.post(
        f"/api/v1/conflicts/{conflict_id}/resolve",
        json={"choices": {"members": "base"}},
        headers={"X-CSRF-Token": token},
    )
    assert again.status_code == 409
    history = client.get(
        f"/api/v1/records/{household['uuid']}/revisions", headers=device.headers
    ).json
    assert [r["data"]["members"] for r in history] == [4, 6, 8]
    assert history[-1]["author"] == "qt_thainguyen"
    with app.app_context():
        conflict = db.session.get(Conflict, conflict_id)
        assert (
            conflict.resolved_by == "qt_thainguyen" and conflict.resolution["data"]["members"] == 8
        )
        assert db.session.get(Record, household["uuid"]).sync_status == "ok"


def test_writes_need_the_csrf_header(client, device):
    _, conflict_id = make_conflict(client, device)
    admin_session(client)
    response = client.post(
        f"/api/v1/conflicts/{conflict_id}/resolve", json={"choices": {"members": "server"}}
    )
    assert response.status_code == 400 and response.json["code"] == "csrf"


def test_other_roles_and_areas_are_refused(app, client, device):
    _, conflict_id = make_conflict(client, device)
    assert client.get("/api/v1/conflicts").status_code == 401
    login(client, "bql_naphac")
    assert client.get("/api/v1/conflicts").status_code == 403
    add_user(app, "admin_cb", "sync_admin", "04")
    client.post("/logout", data={"csrf_token": client.get("/api/v1/session").json["csrf_token"]})
    admin_session(client, "admin_cb", "pw-admin_cb")
    assert client.get("/api/v1/conflicts").json == []
    assert client.get(f"/api/v1/conflicts/{conflict_id}").status_code == 404


def test_revisions_are_not_readable_from_another_commune(app, client, device):
    from tests.server.conftest import enrol

    household = envelope()
    push(client, device, household)
    other = enrol(app, client, commune="01849")
    url = f"/api/v1/records/{household['uuid']}/revisions"
    assert client.get(url, headers=other.headers).status_code == 404
    assert client.get(url, headers=device.headers).status_code == 200
