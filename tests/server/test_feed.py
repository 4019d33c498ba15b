"""Pull: the commune change feed, paginated by server version, scoped to the device."""

from __future__ import annotations

from tests.helpers import envelope
from tests.server.conftest import enrol


def test_feed_pages_through_the_commune_in_version_order(client, device):
    seen, since = [], 0
    while True:
        page = client.get(f"/api/v1/sync/changes?since={since}&limit=25", headers=device.headers)
        assert page.status_code == 200
        seen += page.json["changes"]
        since = page.json["next"]
        if not page.json["more"]:
            break
    versions = [c["version"] for c in seen]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert sum(c["form_id"] == "household" for c in seen) == 60
    assert any(c["data"].get("head_name") == "Nguyễn Văn An" for c in seen)
    again = client.get(f"/api/v1/sync/changes?since={since}", headers=device.headers)
    assert again.json == {"changes": [], "next": since, "more": False}


def test_feed_shows_only_the_devices_commune(app, client, device):
    other = enrol(app, client, commune="01849")
    page = client.get("/api/v1/sync/changes", headers=other.headers)
    assert page.status_code == 200 and page.json["changes"] == []
    mine = client.post("/api/v1/sync/push", json={"records": [envelope()]}, headers=device.headers)
    assert mine.status_code == 200
    assert client.get("/api/v1/sync/changes", headers=other.headers).json["changes"] == []


def test_feed_bounds_its_query_parameters(client, device):
    for query in ("since=-1", "limit=0", "limit=100000", "since=abc", "since=99999999999999999999"):
        response = client.get(f"/api/v1/sync/changes?{query}", headers=device.headers)
        assert response.status_code == 422, query
        assert response.json["message"] == "Dữ liệu gửi lên không hợp lệ."


def test_a_tombstone_travels_with_its_reason(client, device):
    """A deleted record reaches the other tablets as a tombstone that says why, the way the
    envelope requires (a tombstone without a reason is refused by sync.envelope)."""
    from sync.envelope import Envelope

    record = envelope("household", {"head_name": "Lò Văn Tú", "members": 3})
    first = client.post("/api/v1/sync/push", json={"records": [record]}, headers=device.headers)
    assert first.status_code == 200
    version = first.json["results"][0]["version"]
    tombstone = {
        **record,
        "mutation_id": envelope()["mutation_id"],
        "base_version": version,
        "deleted": True,
        "reason": "Hộ chuyển đi nơi khác",
    }
    second = client.post("/api/v1/sync/push", json={"records": [tombstone]}, headers=device.headers)
    assert second.status_code == 200, second.json
    page = client.get(f"/api/v1/sync/changes?since={version}", headers=device.headers).json
    [change] = [c for c in page["changes"] if c["uuid"] == record["uuid"]]
    assert change["deleted"] is True and change["reason"] == "Hộ chuyển đi nơi khác"
    assert Envelope.from_dict(change).reason == "Hộ chuyển đi nơi khác"
    live = [c for c in page["changes"] if not c["deleted"]]
    assert all("reason" not in c for c in live)
