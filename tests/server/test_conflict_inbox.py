"""The conflict inbox page: filters, side-by-side view, per-field and typed resolution,
bulk resolution, area checks; the resolution reaches the device on its next pull."""

from __future__ import annotations

from sqlalchemy import select

from forms import default_registry
from server.extensions import db
from server.models import AuditEvent, Conflict, Record
from tests.server.test_conflicts import make_conflict
from tests.server.test_web import add_user, csrf, login

LABEL = default_registry().get("household").field("members").label.vi


def admin(client) -> str:
    assert login(client, "qt_thainguyen").status_code == 302
    return csrf(client, "/admin/conflicts")


def test_inbox_lists_and_filters_open_conflicts(app, client, device):
    _, conflict_id = make_conflict(client, device)
    admin(client)
    page = client.get("/admin/conflicts").get_data(as_text=True)
    assert f'data-conflict="{conflict_id}"' in page and "members" in page
    assert f'data-conflict="{conflict_id}"' in client.get(
        "/admin/conflicts?commune=01936&form=household"
    ).get_data(as_text=True)
    assert f'data-conflict="{conflict_id}"' not in client.get(
        "/admin/conflicts?form=contribution"
    ).get_data(as_text=True)
    assert f'data-conflict="{conflict_id}"' not in client.get("/admin/conflicts?age=3").get_data(
        as_text=True
    )
    # nonsense filters are ignored, not a 500; a NUL byte is refused up front (server/security.py)
    assert client.get("/admin/conflicts?age=-1&commune=x").status_code == 200
    assert client.get("/admin/conflicts?age=-1&commune=%00x").status_code == 400


def test_side_by_side_shows_form_labels_and_all_three_versions(app, client, device):
    _, conflict_id = make_conflict(client, device)
    admin(client)
    html = client.get(f"/admin/conflicts/{conflict_id}").get_data(as_text=True)
    row = html.split('data-field="members"')[1].split("</tr>")[0]
    cells = [" ".join(c.split("</td>")[0].split()) for c in row.split("<td>")[1:4]]
    assert LABEL in row
    ends = ("4</label>", "6</label>", "7</label>")
    assert [c.endswith(v) for c, v in zip(cells, ends, strict=True)] == [True] * 3, cells
    assert "Cán bộ thôn" in html  # who: the officer the device was enrolled for


def test_resolve_per_field_makes_a_revision_the_device_pulls(app, client, device):
    household, conflict_id = make_conflict(client, device)
    token = admin(client)
    with app.app_context():
        before = db.session.get(Record, household["uuid"]).version
    answer = client.post(
        f"/admin/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, "choice-members": "device"},
    )
    assert answer.status_code == 302
    with app.app_context():
        record = db.session.get(Record, household["uuid"])
        assert record.data["members"] == 7 and record.version > before
        assert record.sync_status == "ok"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.resolve"))
        assert event.actor == "qt_thainguyen" and event.target == str(conflict_id)
    pulled = client.get(f"/api/v1/sync/changes?since={before}", headers=device.headers).json
    mine = [c for c in pulled["changes"] if c["uuid"] == household["uuid"]]
    assert mine and mine[-1]["data"]["members"] == 7


def test_typed_value_is_validated_and_bad_input_keeps_the_conflict_open(app, client, device):
    household, conflict_id = make_conflict(client, device)
    token = admin(client)
    wrong_type = client.post(
        f"/admin/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, "choice-members": "typed", "value-members": "tám"},
    )
    assert wrong_type.status_code == 422 and "không đúng kiểu" in wrong_type.get_data(as_text=True)
    undecided = client.post(f"/admin/conflicts/{conflict_id}/resolve", data={"csrf_token": token})
    assert undecided.status_code == 422
    out_of_range = client.post(
        f"/admin/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, "choice-members": "typed", "value-members": "-5"},
    )
    assert out_of_range.status_code == 422
    with app.app_context():
        assert db.session.get(Conflict, conflict_id).resolved_at is None
    typed = client.post(
        f"/admin/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, "choice-members": "typed", "value-members": "8"},
    )
    assert typed.status_code == 302
    with app.app_context():
        assert db.session.get(Record, household["uuid"]).data["members"] == 8
    again = client.post(
        f"/admin/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, "choice-members": "server"},
    )
    assert again.status_code == 409 and "đã được" in again.get_data(as_text=True)


def test_bulk_take_device_values(app, client, device):
    first_household, first = make_conflict(client, device)
    second_household, second = make_conflict(client, device)
    token = admin(client)
    missing = client.post("/admin/conflicts/bulk", data={"csrf_token": token, "side": "device"})
    assert missing.status_code == 400
    done = client.post(
        "/admin/conflicts/bulk",
        data={"csrf_token": token, "side": "device", "ids": [str(first), str(second)]},
    )
    assert done.status_code == 200 and 'id="bulk-done"' in done.get_data(as_text=True)
    with app.app_context():
        for uid in (first_household["uuid"], second_household["uuid"]):
            assert db.session.get(Record, uid).data["members"] == 7
        assert db.session.query(Conflict).filter(Conflict.resolved_at.is_(None)).count() == 0


def test_other_province_and_board_cannot_see_or_resolve(app, client, device):
    _, conflict_id = make_conflict(client, device)
    add_user(app, "admin_other", "sync_admin", "04")
    login(client, "admin_other", "pw-admin_other")
    token = csrf(client, "/admin/conflicts")
    assert f'data-conflict="{conflict_id}"' not in client.get("/admin/conflicts").get_data(
        as_text=True
    )
    assert client.get(f"/admin/conflicts/{conflict_id}").status_code == 404
    refused = client.post(
        f"/admin/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, "choice-members": "device"},
    )
    assert refused.status_code == 404
    bulk = client.post(
        "/admin/conflicts/bulk", data={"csrf_token": token, "side": "device", "ids": [conflict_id]}
    )
    assert bulk.status_code == 200 and 'id="bulk-done"' not in bulk.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Conflict, conflict_id).resolved_at is None
    client.post("/logout", data={"csrf_token": token})
    login(client, "bql_naphac")
    assert client.get("/admin/conflicts").status_code == 403
    no_csrf = client.post(f"/admin/conflicts/{conflict_id}/resolve", data={"choice-members": "x"})
    assert no_csrf.status_code in (400, 403)
