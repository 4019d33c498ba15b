"""One sync round and its retries: the consistency check repairs a replica out of step, and
retries back off with full jitter only while the server cannot be reached."""

from __future__ import annotations

import json
import random

from server.extensions import db
from server.models import Record
from server.services import enrolment
from sync.client import SyncClient
from sync.replica import Replica
from sync.replicator import sync_once, sync_with_retries
from tests.flask_transport import flask_transport

VILLAGE = "01936-T02"


def _tablet(app, path, name: str) -> tuple[Replica, SyncClient]:
    with app.app_context():
        _, code = enrolment.create("01936", name)
    client = SyncClient("http://server", transport=flask_transport(app))
    body = client.enroll(code, name, "test")
    replica = Replica(path / "replica.db")
    replica.set_meta(
        {"server_url": "http://server", "token": body["token"], "device_id": body["device_id"]}
    )
    replica.save_scope(client.scope())
    return replica, client


def test_a_replica_out_of_step_downloads_its_scope_again(app, demo, tmp_path):
    mine, my_client = _tablet(app, tmp_path / "a", "officer a")
    other, other_client = _tablet(app, tmp_path / "b", "officer b")
    first = sync_once(mine, my_client)
    assert first.ok and first.pulled > 0 and not first.redownloaded

    # A page this tablet never stored: another officer's household, and a cursor past it.
    missed = other.save_record("household", {"head_name": "Lò Văn Sáng", "members": 3}, VILLAGE)
    assert sync_once(other, other_client).ok
    mine.set_meta({"cursor": other.cursor})
    # And a row lost from this tablet's own store.
    lost = mine.households(VILLAGE)[0]["uuid"]
    mine._conn().execute("DELETE FROM records WHERE uuid = ?", (lost,))
    assert mine.record(missed.uuid) is None and mine.record(lost) is None

    report = sync_once(mine, my_client)
    assert report.ok and report.redownloaded
    assert mine.record(missed.uuid)["data"]["head_name"] == "Lò Văn Sáng"
    assert mine.record(lost) is not None
    remote = my_client.checksum()
    assert mine.scope_digest() == (remote["count"], remote["digest"])

    again = sync_once(mine, my_client)  # in step now: no second download
    assert again.ok and not again.redownloaded and again.pulled == 0


def test_the_check_waits_while_local_edits_are_unsent(app, demo, tmp_path):
    mine, client = _tablet(app, tmp_path / "a", "officer a")
    assert sync_once(mine, client).ok
    mine.save_record("household", {"head_name": "Hà Thị Mai", "members": 2}, VILLAGE)
    calls = []
    send = client.transport

    def refuse_push(method, url, headers, body, timeout):
        calls.append(url)
        if url.endswith("/sync/push"):
            return 503, json.dumps({"code": "down", "message": "x", "message_en": "x"}).encode()
        return send(method, url, headers, body, timeout)

    client.transport = refuse_push
    report = sync_once(mine, client)
    assert not report.ok and not report.redownloaded
    assert not any("/sync/checksum" in url for url in calls)
    assert mine.outbox_counts()["pending"] == 1


class _Down:
    """A transport that cannot reach the server `failures` times, then answers `then`."""

    def __init__(self, failures: int, then=None):
        self.failures, self.then, self.calls = failures, then, 0

    def __call__(self, method, url, headers, body, timeout):
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("no route")
        return self.then(method, url, headers, body, timeout)


def test_retries_back_off_with_full_jitter_and_then_succeed(app, demo, tmp_path):
    replica, client = _tablet(app, tmp_path / "a", "officer a")
    replica.save_record("household", {"head_name": "Vi Văn Tài", "members": 5}, VILLAGE)
    client.transport = _Down(3, then=client.transport)
    sleeps: list[float] = []
    report = sync_with_retries(
        replica, client, attempts=5, base_delay=2.0, sleep=sleeps.append, rng=random.Random(4)
    )
    assert report.ok and report.pushed == 1
    assert len(sleeps) == 3  # one wait after each failed round, none after the good one
    for attempt, delay in enumerate(sleeps, start=1):
        assert 0 <= delay <= 2.0 * 2**attempt
    assert len(set(sleeps)) == 3  # drawn, not fixed: tablets do not retry in step


def test_retries_stop_at_the_limit_and_keep_the_outbox(app, demo, tmp_path):
    replica, client = _tablet(app, tmp_path / "a", "officer a")
    replica.save_record("household", {"head_name": "Vi Văn Tài", "members": 5}, VILLAGE)
    client.transport = _Down(100)
    sleeps: list[float] = []
    report = sync_with_retries(
        replica, client, attempts=4, base_delay=1.0, max_delay=3.0, sleep=sleeps.append
    )
    assert not report.ok and report.offline and report.error.startswith("Không kết nối")
    assert len(sleeps) == 3 and max(sleeps) <= 3.0
    assert replica.outbox_counts()["pending"] == 1


def test_a_push_from_an_unenrolled_device_is_refused_writes_nothing_and_is_not_retried(
    app, demo, tmp_path
):
    replica, client = _tablet(app, tmp_path / "a", "officer a")
    saved = replica.save_record("household", {"head_name": "Vi Văn Tài", "members": 5}, VILLAGE)
    client.token = "not-a-token"
    sleeps: list[float] = []
    report = sync_with_retries(replica, client, attempts=5, sleep=sleeps.append)
    assert not report.ok and not report.offline and "đăng ký" in report.error
    assert sleeps == [] and replica.outbox_counts()["pending"] == 1
    with app.app_context():
        assert db.session.get(Record, saved.uuid) is None


def test_a_server_that_says_not_now_is_retried_with_backoff(app, demo, tmp_path):
    """A 507 (disk full) or 503 is temporary: retried with backoff, the outbox kept between."""
    replica, client = _tablet(app, tmp_path / "a", "officer a")
    saved = replica.save_record("household", {"head_name": "Vi Văn Tài", "members": 5}, VILLAGE)
    send = client.transport
    answers = [507, 503]

    def full_then_fine(method, url, headers, body, timeout):
        if url.endswith("/sync/push") and answers:
            status = answers.pop(0)
            body = {"code": "storage_full", "message": "Máy chủ đã hết chỗ", "message_en": "full"}
            return status, json.dumps(body).encode()
        return send(method, url, headers, body, timeout)

    client.transport = full_then_fine
    sleeps: list[float] = []
    report = sync_with_retries(replica, client, attempts=5, sleep=sleeps.append)
    assert report.ok and report.pushed == 1 and len(sleeps) == 2
    with app.app_context():
        assert db.session.get(Record, saved.uuid) is not None
