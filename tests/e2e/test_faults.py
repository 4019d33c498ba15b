"""Faults lose nothing: real server processes on loopback, killed, replayed, lied to.

After each run every record made on a tablet is on the server exactly once and every photo
arrived whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from sync.replica import Replica
from sync.replicator import client_for, enroll, sync_once
from sync.simulator import photo_bytes
from tests.faults.tcp_proxy import FaultyProxy
from tests.helpers import jpeg_bytes

pytestmark = pytest.mark.e2e


def server_rows(live_server, sql: str, **params):
    engine = create_engine(live_server.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def count_records(live_server, uuids) -> int:
    return sum(
        server_rows(live_server, "SELECT COUNT(*) FROM records WHERE uuid = :u", u=u)[0][0]
        for u in uuids
    )


def new_tablet(live_server, tmp_path, name) -> Replica:
    replica = Replica(tmp_path / name / "replica.db")
    enroll(replica, live_server.url, live_server.enrolment_code(), name, "test")
    return replica


def record_work(replica: Replica, households: int = 3, photos: int = 1) -> list[str]:
    made = []
    for n in range(households):
        h = replica.save_record(
            "household", {"head_name": f"Hộ thử {n}", "members": 3}, "01936-T02"
        )
        made.append(h.uuid)
        data = {"kind": "labour", "quantity": 2.0, "works": "canal", "date": "2026-11-20"}
        if n < photos:
            sha = replica.add_photo(jpeg_bytes(size=(900, 700), text=f"{h.uuid}"))
            data.update(kind="land", quantity=12.5, consent_photo=sha)
        made.append(replica.save_record("contribution", data, "01936-T02", h.uuid).uuid)
    return made


def test_simulated_tablets_with_lost_requests_and_answers(live_server, tmp_path):
    """`chungsuc simulate` with faults: answers lost after the server acted must not duplicate."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "simulate",
            "--server",
            live_server.url,
            "--devices",
            "3",
            "--rounds",
            "2",
            "--households",
            "3",
            "--contributions",
            "4",
            "--checks",
            "2",
            "--photo-kb",
            "60",
            "--lose-request",
            "0.15",
            "--lose-answer",
            "0.15",
            "--seed",
            "3",
            "--workdir",
            str(tmp_path),
        ],
        env=live_server.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    made, on_server, retried = (
        int(n)
        for n in re.search(
            r"(\d+) records made on 3 devices, (\d+) on the server; .* (\d+) failed syncs",
            summary,
        ).groups()
    )
    assert made == on_server == 3 * 2 * (3 + 4 + 2)
    assert retried > 0  # the faults really happened and were recovered from


def test_server_killed_mid_batch_loses_nothing(live_server, tmp_path):
    replica = new_tablet(live_server, tmp_path, "kill-tablet")
    made = record_work(replica, households=4, photos=0)
    live_server.stop()
    live_server.env["CHUNGSUC_FAULT_PUSH_DELAY"] = "3"  # each push waits before committing
    live_server.start()
    try:
        outcome = {}
        pushing = threading.Thread(
            target=lambda: outcome.update(report=sync_once(replica, client_for(replica, 20)))
        )
        pushing.start()
        time.sleep(1.0)  # the batch is inside its transaction now
        live_server.stop(signal.SIGKILL)
        pushing.join(30)
        assert not outcome["report"].ok
        assert count_records(live_server, made) == 0  # the cut transaction left nothing
    finally:
        live_server.env.pop("CHUNGSUC_FAULT_PUSH_DELAY")
        if live_server.process is not None:
            live_server.stop()
        live_server.start()
    assert sync_once(replica, client_for(replica, 20)).ok
    assert count_records(live_server, made) == len(made)
    assert replica.outbox_counts()["pending"] == 0


def test_a_replayed_batch_over_http_applies_once(live_server, tmp_path):
    replica = new_tablet(live_server, tmp_path, "replay-tablet")
    made = record_work(replica, households=2, photos=0)
    batch = replica.pending_mutations()
    client = client_for(replica)
    first = client.push(batch)["results"]
    second = client.push(batch)["results"]
    assert [r["version"] for r in first] == [r["version"] for r in second]
    assert all(r["replayed"] for r in second)
    assert count_records(live_server, made) == len(made)
    revisions = server_rows(
        live_server,
        "SELECT COUNT(*) FROM record_revisions r JOIN records "
        "x ON x.uuid = r.record_uuid WHERE x.device_id = :d",
        d=replica.get_meta("device_id"),
    )[0][0]
    assert revisions == len(made)


def test_a_tablet_clock_a_year_ahead_is_flagged_and_loses_nothing(
    live_server, tmp_path, monkeypatch
):
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
    stamp = ahead.isoformat(timespec="seconds").replace("+00:00", "Z")
    monkeypatch.setattr("sync.replica.utc_now", lambda: stamp)
    monkeypatch.setattr("sync.client.utc_now", lambda: stamp)
    replica = new_tablet(live_server, tmp_path, "clock-tablet")
    made = record_work(replica, households=2, photos=1)
    report = sync_once(replica, client_for(replica))
    assert report.ok, report.error_en
    assert count_records(live_server, made) == len(made)
    (skew,) = server_rows(
        live_server,
        "SELECT clock_skew_seconds FROM devices WHERE id = :d",
        d=replica.get_meta("device_id"),
    )[0]
    assert 364 * 86400 < skew < 366 * 86400  # past CLOCK_SKEW_FLAG_SECONDS (600): flagged
    # Order comes from server versions, never from the device's clock: a tablet with a right
    # clock that syncs afterwards comes after, although its capture times are a year earlier.
    monkeypatch.undo()
    right = new_tablet(live_server, tmp_path, "right-clock-tablet")
    later = record_work(right, households=2, photos=0)
    assert sync_once(right, client_for(right)).ok
    feed = client_for(right).changes(since=0, limit=500)["changes"]
    order = [c["uuid"] for c in feed]
    assert [c["version"] for c in feed] == sorted(c["version"] for c in feed)
    assert max(order.index(u) for u in made) < min(order.index(u) for u in later)
    captured = {c["uuid"]: c["captured_at"] for c in feed}
    assert max(captured[u] for u in later) < min(captured[u] for u in made)
    assert sync_once(replica, client_for(replica)).ok  # the skewed tablet pulls the same order
    assert {u: replica.record(u)["version"] for u in made + later} == {
        c["uuid"]: c["version"] for c in feed if c["uuid"] in made + later
    }


def test_photos_arrive_whole_and_are_stored_once(live_server, tmp_path):
    a = new_tablet(live_server, tmp_path, "photo-a")
    b = new_tablet(live_server, tmp_path, "photo-b")
    same = jpeg_bytes(size=(1200, 900), text="the same minutes")
    for replica in (a, b):  # two officers photograph the same meeting minutes
        h = replica.save_record("household", {"head_name": "Hộ ảnh", "members": 1}, "01936-T01")
        sha = replica.add_photo(same)
        replica.save_record(
            "contribution",
            {
                "kind": "land",
                "quantity": 5.0,
                "works": "canal",
                "date": "2026-11-20",
                "consent_photo": sha,
            },
            "01936-T01",
            h.uuid,
        )
        assert sync_once(replica, client_for(replica)).ok
    sha = hashlib.sha256(same).hexdigest()
    assert (
        server_rows(live_server, "SELECT COUNT(*) FROM photos WHERE sha256 = :s", s=sha)[0][0] == 1
    )
    stored = (live_server.workdir / "photos" / sha[:2] / sha[2:4] / f"{sha}.img").read_bytes()
    assert hashlib.sha256(stored).hexdigest() == sha


def test_connections_cut_at_random_byte_offsets_lose_and_duplicate_nothing(live_server, tmp_path):
    """Through a TCP proxy that resets connections at random byte offsets, both ways: a push
    cut on its way up, an answer cut on its way down (the server acted, the tablet never
    heard), a photo chunk cut half-way. Sync rounds repeat, as the app's retries would."""
    with FaultyProxy(live_server.port, seed=11) as proxy:
        replica = Replica(tmp_path / "cut-tablet" / "replica.db")
        enroll(replica, proxy.url, live_server.enrolment_code(), "cut-tablet", "test")
        made = record_work(replica, households=12, photos=0)
        rng = random.Random(5)
        photos = []
        for n in range(3):  # ~400 kB each: two chunks, so cuts fall inside an upload too
            photos.append(replica.add_photo(photo_bytes(rng, 400)))
            h = replica.save_record(
                "household", {"head_name": f"Hộ ảnh {n}", "members": 2}, "01936-T03"
            )
            gift = {
                "kind": "land",
                "quantity": 30.0,
                "works": "village_road",
                "date": "2026-11-20",
                "consent_photo": photos[-1],
            }
            made += [h.uuid, replica.save_record("contribution", gift, "01936-T03", h.uuid).uuid]
        proxy.configure(
            cut_upstream_between=(100, 200_000),
            cut_downstream_between=(20, 6_000),
            cut_probability=0.5,
        )
        rounds = failed = 0
        while replica.outbox_counts()["pending"] or replica.outbox_counts()["photos"]:
            rounds += 1
            assert rounds <= 200, "sync makes no progress through the cuts"
            failed += not sync_once(replica, client_for(replica, 20)).ok
        directions = {direction for direction, _ in proxy.cut_log}
    assert failed > 0 and directions == {"up", "down"}  # the faults really happened
    assert replica.outbox_counts()["rejected"] == 0
    assert count_records(live_server, made) == len(made)  # each exactly once
    (mine,) = server_rows(
        live_server,
        "SELECT COUNT(*) FROM records WHERE device_id = :d",
        d=replica.get_meta("device_id"),
    )[0]
    assert mine == len(made)
    for sha in photos:
        stored = live_server.workdir / "photos" / sha[:2] / sha[2:4] / f"{sha}.img"
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
        assert replica.photo_path(sha).read_bytes() == stored.read_bytes()


APP_SYNC = """
import sys
from sync.replica import Replica
from sync.replicator import client_for, sync_once

replica = Replica(sys.argv[1])
report = sync_once(
    replica, client_for(replica, 30), lambda stage, done, total: print(stage, done, flush=True)
)
print("finished", report.ok, flush=True)
"""


def _device_records(live_server, replica: Replica) -> int:
    return server_rows(
        live_server,
        "SELECT COUNT(*) FROM records WHERE device_id = :d",
        d=replica.get_meta("device_id"),
    )[0][0]


def test_the_app_killed_mid_sync_resumes_from_its_outbox(live_server, tmp_path):
    """The tablet app's process is SIGKILLed while it pushes (after its first batch was
    acknowledged, with the next one on the wire); started again, it sends the rest, and
    whatever the server applied without the app hearing of it is answered as a replay."""
    replica = new_tablet(live_server, tmp_path, "killed-app")
    made = [
        replica.save_record(
            "household", {"head_name": f"Hộ bị ngắt {n}", "members": 2}, "01936-T01"
        ).uuid
        for n in range(1000)  # five batches of 200
    ]
    path = replica.path
    replica.close()
    app = subprocess.Popen(
        [sys.executable, "-c", APP_SYNC, str(path)],
        env=live_server.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = app.stdout.readline().split()
        assert first[:1] == ["push"], first
        app.send_signal(signal.SIGKILL)
    finally:
        app.wait(30)
        app.stdout.close()
    assert app.returncode == -signal.SIGKILL

    restarted = Replica(path)
    on_server = _device_records(live_server, restarted)
    pending = restarted.outbox_counts()["pending"]
    assert 0 < on_server < len(made), "the kill came too late to cut the sync"
    assert pending + on_server >= len(made)  # nothing acknowledged is missing from both sides
    report = sync_once(restarted, client_for(restarted, 30))
    assert report.ok, report.error_en
    assert _device_records(live_server, restarted) == len(made)  # each exactly once
    assert count_records(live_server, made[:3] + made[-3:]) == 6
    assert restarted.outbox_counts()["pending"] == 0
    assert all(restarted.record(u)["status"] == "synced" for u in made)


def test_a_tablet_out_of_step_finds_out_and_downloads_its_commune_again(live_server, tmp_path):
    """The scope check over HTTP: a tablet that skipped a page of the feed and lost a row
    (a restored backup, a bug) sees its digest differ and downloads the commune again."""
    mine = new_tablet(live_server, tmp_path, "step-mine")
    other = new_tablet(live_server, tmp_path, "step-other")
    assert sync_once(mine, client_for(mine)).ok
    missed = record_work(other, households=2, photos=0)
    assert sync_once(other, client_for(other)).ok
    mine.set_meta({"cursor": client_for(mine).checksum()["version"]})  # past other's records
    lost = mine.households("01936-T01")[0]["uuid"]
    mine._conn().execute("DELETE FROM records WHERE uuid = ?", (lost,))

    report = sync_once(mine, client_for(mine))
    assert report.ok and report.redownloaded
    assert all(mine.record(u) is not None for u in missed + [lost])
    remote = client_for(mine).checksum()
    assert mine.scope_digest() == (remote["count"], remote["digest"])
    assert not sync_once(mine, client_for(mine)).redownloaded  # in step again
