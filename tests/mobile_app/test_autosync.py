"""The background sync worker, without a window: it sends what a killed app left in the
outbox, retries by itself with backoff and jitter while the server cannot be reached, skips
the wait when the officer asks, and does not hammer a server that refused it.

The worker talks to the real server app through the in-process transport; "out of
coverage" is a transport that refuses the connection, as urllib does without a network.
"""

from __future__ import annotations

import random
import time

from mobile_app.autosync import MIN_DELAY, AutoSync, Backoff
from server.extensions import db
from server.models import Record
from server.services import enrolment
from sync.client import SyncClient
from sync.replica import Replica
from sync.replicator import SyncReport
from tests.flask_transport import flask_transport

VILLAGE = "01936-T02"


class Coverage:
    """A transport to the server that can be switched off (no signal) and counts calls."""

    def __init__(self, app):
        self.send = flask_transport(app)
        self.up = True
        self.refused = 0

    def __call__(self, method, url, headers, body, timeout):
        if not self.up:
            self.refused += 1
            raise ConnectionRefusedError("no signal")
        return self.send(method, url, headers, body, timeout)


def enrolled_replica(app, path, coverage: Coverage) -> Replica:
    with app.app_context():
        _, code = enrolment.create("01936", "Lò Thị Mai")
    client = SyncClient("http://server", transport=coverage)
    body = client.enroll(code, "tablet", "test")
    replica = Replica(path / "replica.db")
    replica.set_meta(
        {"server_url": "http://server", "token": body["token"], "device_id": body["device_id"]}
    )
    replica.save_scope(client.scope())
    return replica


def worker(replica: Replica, coverage: Coverage, **options) -> tuple[AutoSync, list]:
    reports: list[tuple[SyncReport, float | None]] = []
    options.setdefault("poll", 0.05)
    auto = AutoSync(
        replica,
        client_factory=lambda r: SyncClient(
            "http://server", r.get_meta("token"), transport=coverage
        ),
        on_report=lambda report, retry_in: reports.append((report, retry_in)),
        **options,
    )
    return auto, reports


def wait_for(condition, timeout: float = 20.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or condition}")


def on_server(app, uuid: str) -> bool:
    with app.app_context():
        return db.session.get(Record, uuid) is not None


def test_backoff_grows_with_full_jitter_resets_on_success_and_waits_long_after_a_refusal():
    backoff = Backoff(base=2.0, cap=60.0, rng=random.Random(7))
    offline = SyncReport(ok=False, offline=True)
    delays = [backoff.after(offline) for _ in range(8)]
    for attempt, delay in enumerate(delays, start=1):
        assert MIN_DELAY <= delay <= max(MIN_DELAY, min(60.0, 2.0 * 2**attempt))
    assert len(set(delays)) == len(delays)  # drawn: tablets do not retry in step
    assert backoff.failures == 8
    assert backoff.after(SyncReport()) is None and backoff.failures == 0
    busy = backoff.after(SyncReport(ok=False, temporary=True, error="507"))  # "not now"
    assert MIN_DELAY <= busy <= 4.0 and backoff.failures == 1
    assert backoff.after(SyncReport(ok=False, error="revoked")) == 60.0  # refused: wait the cap
    assert backoff.after(None) == 60.0  # a crashed round too


def test_a_record_left_by_a_killed_app_is_sent_without_being_asked(app, demo, tmp_path):
    coverage = Coverage(app)
    replica = enrolled_replica(app, tmp_path, coverage)
    saved = replica.save_record("household", {"head_name": "Vi Văn Tài", "members": 5}, VILLAGE)
    replica.close()  # the app is killed with the record in its outbox

    reopened = Replica(tmp_path / "replica.db")  # the app starts again
    auto, reports = worker(reopened, coverage, period=3600)
    auto.start()
    try:
        wait_for(lambda: reports, what="a round")
        assert reports[0][0].ok and reports[0][0].pushed == 1 and reports[0][1] is None
        assert on_server(app, saved.uuid)
        assert reopened.outbox_counts()["pending"] == 0
        rounds = auto.rounds
        time.sleep(0.3)  # nothing to send and the period far away: no more rounds
        assert auto.rounds == rounds
    finally:
        auto.stop()


def test_out_of_coverage_it_retries_by_itself_with_backoff_until_the_record_is_sent(
    app, demo, tmp_path
):
    coverage = Coverage(app)
    replica = enrolled_replica(app, tmp_path, coverage)
    auto, reports = worker(
        replica, coverage, period=3600, backoff=Backoff(base=0.05, cap=0.4, rng=random.Random(3))
    )
    auto.start()
    try:
        wait_for(lambda: reports, what="the first round")  # the start-up pull
        coverage.up = False
        saved = replica.save_record(
            "household", {"head_name": "Lò Văn Sáng", "members": 4}, VILLAGE
        )
        auto.nudge()
        wait_for(lambda: len(reports) >= 4, what="three failed rounds")
        failed = [r for r in reports[1:] if not r[0].ok]
        assert all(r.offline and retry_in is not None for r, retry_in in failed)
        assert "Không kết nối" in failed[0][0].error
        assert replica.outbox_counts()["pending"] == 1  # nothing lost meanwhile
        coverage.up = True  # back in coverage: no tap needed
        wait_for(lambda: reports[-1][0].ok, what="the round that gets through")
        assert reports[-1][0].pushed == 1 and on_server(app, saved.uuid)
        assert auto.backoff.failures == 0 and auto.retry_at is None
    finally:
        auto.stop()
    assert not auto.alive


def test_sync_now_skips_the_wait_and_a_refusal_is_not_hammered(app, demo, tmp_path):
    coverage = Coverage(app)
    replica = enrolled_replica(app, tmp_path, coverage)
    good_token = replica.get_meta("token")
    replica.set_meta({"token": "revoked-or-wrong"})
    replica.save_record("household", {"head_name": "Hà Thị Mai", "members": 2}, VILLAGE)
    auto, reports = worker(replica, coverage, backoff=Backoff(base=0.05, cap=3600))
    auto.start()
    try:
        wait_for(lambda: reports, what="the refused round")
        report, retry_in = reports[0]
        assert not report.ok and not report.offline and retry_in == 3600
        time.sleep(0.3)
        assert len(reports) == 1  # refused: no automatic retry before the cap
        replica.set_meta({"token": good_token})  # e.g. the tablet enrolled again
        auto.request()  # "sync now": at once, whatever the backoff says
        wait_for(lambda: len(reports) == 2, what="the requested round")
        assert reports[1][0].ok and reports[1][0].pushed == 1
    finally:
        auto.stop()


def test_manual_mode_syncs_only_when_asked(app, demo, tmp_path):
    coverage = Coverage(app)
    replica = enrolled_replica(app, tmp_path, coverage)
    replica.save_record("household", {"head_name": "Hà Thị Mai", "members": 2}, VILLAGE)
    auto, reports = worker(replica, coverage, automatic=False)
    auto.start()
    try:
        time.sleep(0.3)
        assert reports == [] and auto.rounds == 0
        auto.request()
        wait_for(lambda: reports, what="the requested round")
        assert reports[0][0].pushed == 1
    finally:
        auto.stop()
