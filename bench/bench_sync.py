"""Sync benchmark: push 10,000 records in batches, bootstrap a tablet from a commune of
2,000 households and 10,000 records, and upload photos resumably through a link that drops.

Runs a real server (gunicorn, 2 workers) on loopback, on SQLite or PostgreSQL, and the
tablet's own replica and sync client (sync/), with the app's own batch sizes. Not a test: it
prints a Markdown table of medians (and the raw runs as JSON with --json FILE).

    .venv/bin/python -m bench.bench_sync --backend sqlite --runs 3
    .venv/bin/python -m bench.bench_sync --backend postgres --runs 3
    .venv/bin/python -m bench.bench_sync --photos 0 --no-gzip   # the same without compression

What is measured, per run, on a fresh database with the demo commune:
- push: a tablet records `--households` households offline and pushes them (timed apart),
  then records `--records` contributions and checks offline (not timed) and pushes those:
  the "push 10,000 records" line. Both in the app's batches (`Replica.pending_mutations`
  defaults: 256 kB or 200 records). Request bodies as sent (gzip, as the app sends them) and
  as JSON before compression are counted against the records' answers (the payload).
- bootstrap: a second tablet enrols (code made beforehand, not timed) and runs one sync
  round, which downloads the whole commune through the paginated change feed and checks the
  scope digest. Answer bodies as received (gzip) and as JSON are counted against the
  answers they carry.
- photos: a third tablet uploads `--photos` unique JPEGs of ~`--photo-mb` MB through the
  tests' fault-injecting TCP proxy, which resets the connection each time about `--drop-mb`
  MB more (0.75x-1.25x, seeded) have gone up the link, counted across connections (the
  client opens one connection per request, so a per-connection limit would never fire).
  Sync rounds repeat until every photo is on the server, as the app's retries would.
  Bytes on the wire are what the proxy forwarded upstream, HTTP headers and the bytes of
  chunks that were cut included.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from sync.client import GZIP_MAGIC, SyncClient, urllib_transport
from sync.replica import Replica
from sync.replicator import SyncReport, _push, enroll, sync_once
from sync.simulator import photo_bytes
from tests.live_server import LiveServer
from tests.pg import create_database, drop_database

VILLAGES = ("01936-T01", "01936-T02", "01936-T03")
CHECK = {
    "date": "2026-11-20",
    "clean_water": True,
    "water_source": "drilled_well",
    "hygienic_latrine": True,
    "bathroom": True,
    "covered_water_container": True,
    "clean_house": True,
    "clean_kitchen": True,
    "clean_lane": True,
    "sorts_waste": False,
    "keeps_livestock": False,
}


class CountingTransport:
    """urllib transport that counts request and answer body bytes, on the wire (gzip when
    the client or server compressed) and as JSON (decompressed)."""

    plain = False  # --no-gzip: never ask for compressed answers

    def __init__(self):
        self.up = self.down = self.down_json = self.requests = 0

    def __call__(self, method, url, headers, body, timeout):
        if self.plain:
            headers = {k: v for k, v in headers.items() if k != "Accept-Encoding"}
        self.requests += 1
        self.up += len(body or b"")
        status, raw = urllib_transport(method, url, headers, body, timeout)
        self.down += len(raw)
        self.down_json += len(gzip.decompress(raw) if raw[:2] == GZIP_MAGIC else raw)
        return status, raw


def fill_households(replica: Replica, households: int) -> list:
    rng = random.Random(1)
    out = []
    for n in range(households):
        data = {
            "head_name": f"Nguyễn Văn Hộ {n}",
            "members": rng.randint(1, 8),
            "house_number": str(n),
            "phone": "0912345678",
        }
        out.append(replica.save_record("household", data, VILLAGES[n % 3]))
    return out


def fill_records(replica: Replica, households: list, records: int) -> int:
    """Record `records` records offline: labour contributions, and every fifth an
    environment check of the household."""
    rng = random.Random(2)
    for n in range(records):
        h = households[n % len(households)]
        if n % 5 == 4:
            form, data = "environment_check", CHECK
        else:
            form = "contribution"
            data = {
                "kind": "labour",
                "quantity": float(rng.randint(1, 5)),
                "works": "village_road",
                "works_name": "Đường trục thôn",
                "date": "2026-11-20",
                "verified_by": "Trưởng thôn",
            }
        replica.save_record(form, data, h.village_code, h.uuid)
    return records


def answers_bytes(records) -> int:
    return sum(len(json.dumps(r["data"], ensure_ascii=False).encode()) for r in records)


def device_client(replica: Replica, transport, timeout: float = 120) -> SyncClient:
    client = SyncClient(
        replica.get_meta("server_url"), replica.get_meta("token"), timeout, transport=transport
    )
    client.compress = not CountingTransport.plain
    return client


def pending_payload(replica: Replica) -> int:
    return answers_bytes(
        replica.record(row[0])
        for row in replica._conn().execute("SELECT uuid FROM records WHERE status = 'pending'")
    )


def push_all(replica: Replica, client: SyncClient) -> tuple[float, int, int]:
    """Push the whole outbox with the app's own push step (sync.replicator), which sends the
    outbox in `Replica.pending_mutations` batches; returns (seconds, records, batches)."""
    batches = []
    report = SyncReport()
    started = time.perf_counter()
    _push(replica, client, report, lambda stage, done, total: batches.append(done))
    seconds = time.perf_counter() - started
    assert report.ok and not report.rejected, report
    return seconds, report.pushed, len(batches)


def bench_push_and_bootstrap(server, workdir: Path, households: int, records: int) -> dict:
    writer = Replica(workdir / "writer" / "replica.db")
    enroll(writer, server.url, server.enrolment_code(), "writer", "bench")
    homes = fill_households(writer, households)
    households_s, _, _ = push_all(writer, device_client(writer, CountingTransport()))
    fill_records(writer, homes, records)
    payload = pending_payload(writer)
    counter = CountingTransport()
    client = device_client(writer, counter)
    push_s, pushed, batches = push_all(writer, client)
    assert writer.outbox_counts()["pending"] == 0, "push left records in the outbox"

    reader = Replica(workdir / "reader" / "replica.db")
    code = server.enrolment_code()  # the administrator's step, not the tablet's wait
    down = CountingTransport()
    started = time.perf_counter()
    enroll(reader, server.url, code, "reader", "bench", transport=down)
    report = sync_once(reader, device_client(reader, down))
    pull_s = time.perf_counter() - started
    assert report.ok and report.pulled >= households + records, report
    pulled_payload = answers_bytes(
        reader.record(row[0]) for row in reader._conn().execute("SELECT uuid FROM records")
    )
    return {
        "households_push_s": households_s,
        "push_s": push_s,
        "pushed": pushed,
        "push_batches": batches,
        "push_body_bytes": counter.up,
        "push_json_bytes": client.json_bytes_sent,
        "push_payload_bytes": payload,
        "pull_s": pull_s,
        "pulled": report.pulled,
        "pull_requests": down.requests,
        "pull_body_bytes": down.down,
        "pull_json_bytes": down.down_json,
        "pull_payload_bytes": pulled_payload,
    }


def bench_photos(server, workdir: Path, photos: int, photo_mb: float, drop_mb: float) -> dict:
    from tests.faults.tcp_proxy import FaultyProxy  # the tests' fault-injecting proxy

    replica = Replica(workdir / "photo-tablet" / "replica.db")
    rng = random.Random(5)
    target = photo_mb * 2**20
    # photo_bytes aims at a size from a rough bytes-per-pixel guess: calibrate it once.
    size_kb = int(
        photo_mb * 1024 * target / len(photo_bytes(random.Random(0), int(photo_mb * 1024)))
    )
    payload = 0
    for _ in range(photos):
        content = photo_bytes(rng, size_kb)
        payload += len(content)
        replica.add_photo(content)
    with FaultyProxy(server.port, seed=3) as proxy:
        enroll(replica, proxy.url, server.enrolment_code(), "photo-bench", "bench")
        drops = random.Random(7)
        drop = int(drop_mb * 2**20)
        next_cut = [0]

        def bytes_to_next_cut(_index: int) -> int:
            # Called by the proxy, under its lock, as each connection opens.
            while next_cut[0] <= proxy.bytes_up:
                next_cut[0] = proxy.bytes_up + int(drop * drops.uniform(0.75, 1.25))
            return next_cut[0] - proxy.bytes_up

        up_before, cuts_before = proxy.bytes_up, proxy.cuts
        proxy.cut_upstream_after = bytes_to_next_cut
        client = device_client(replica, urllib_transport, timeout=30)
        started, rounds = time.perf_counter(), 0
        while replica.outbox_counts()["photos"]:
            rounds += 1
            if rounds > photos * 20:
                raise RuntimeError("photo upload makes no progress")
            sync_once(replica, client)
        seconds = time.perf_counter() - started
        wire, cuts = proxy.bytes_up - up_before, proxy.cuts - cuts_before
        proxy.cut_upstream_after = None
        checked = sum(client.has_photo(p) for p in _all_photos(replica))
    assert checked == photos, f"only {checked} of {photos} photos are on the server"
    return {
        "photo_s": seconds,
        "photo_payload_bytes": payload,
        "photo_wire_bytes": wire,
        "photo_rounds": rounds,
        "photo_cuts": cuts,
    }


def _all_photos(replica: Replica) -> list[str]:
    return [r[0] for r in replica._conn().execute("SELECT sha256 FROM photos")]


def start_live_server(database_url: str, workdir: Path) -> LiveServer:
    """A gunicorn server on a fresh database with the demo commune (init-db, demo-data)."""
    server = LiveServer(database_url, workdir)
    server.cli("init-db")
    server.cli("demo-data")
    server.start()
    return server


def run_once(backend: str, args: argparse.Namespace, photos: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="chungsuc-bench-"))
    url = f"sqlite:///{workdir / 'bench.sqlite3'}" if backend == "sqlite" else create_database()
    server = start_live_server(url, workdir)
    try:
        out = bench_push_and_bootstrap(server, workdir, args.households, args.records)
        if photos:
            out.update(bench_photos(server, workdir, photos, args.photo_mb, args.drop_mb))
        return out
    finally:
        server.stop()
        if backend == "postgres":
            drop_database(url)


def table(args: argparse.Namespace, runs: list[dict]) -> str:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs if key in r)

    first = runs[0]
    lines = [
        f"Backend **{args.backend}**, median of {len(runs)} runs "
        f"(photos: {sum('photo_s' in r for r in runs)} runs).",
        "",
        "| what | median | rate | bytes |",
        "|---|---|---|---|",
        f"| push {args.households:,} households first | {med('households_push_s'):.2f} s "
        f"| {args.households / med('households_push_s'):,.0f} records/s | |",
        f"| push {first['pushed']:,} records ({first['push_batches']} batches) "
        f"| {med('push_s'):.2f} s | {first['pushed'] / med('push_s'):,.0f} records/s "
        f"| {first['push_body_bytes'] / 1e6:.2f} MB sent gzip "
        f"({first['push_json_bytes'] / 1e6:.2f} MB as JSON) for "
        f"{first['push_payload_bytes'] / 1e6:.2f} MB of answers: "
        f"{first['push_body_bytes'] / first['push_payload_bytes']:.2f}x "
        f"({first['push_json_bytes'] / first['push_payload_bytes']:.2f}x uncompressed) |",
        f"| bootstrap: enrol + pull {first['pulled']:,} records "
        f"({first['pull_requests']} requests) | {med('pull_s'):.2f} s "
        f"| {first['pulled'] / med('pull_s'):,.0f} records/s "
        f"| {first['pull_body_bytes'] / 1e6:.2f} MB received gzip "
        f"({first['pull_json_bytes'] / 1e6:.2f} MB as JSON) for "
        f"{first['pull_payload_bytes'] / 1e6:.2f} MB of answers: "
        f"{first['pull_body_bytes'] / first['pull_payload_bytes']:.2f}x "
        f"({first['pull_json_bytes'] / first['pull_payload_bytes']:.2f}x uncompressed) |",
    ]
    if "photo_s" in first:
        mb = first["photo_payload_bytes"] / 2**20
        lines.append(
            f"| {args.photos} photos, {mb:,.0f} MB, link cut every ~{args.drop_mb:g} MB "
            f"| {med('photo_s'):.1f} s | {mb / med('photo_s'):.1f} MB/s "
            f"| {med('photo_wire_bytes') / first['photo_payload_bytes']:.3f}x payload on the "
            f"wire; {med('photo_cuts'):.0f} cuts, {med('photo_rounds'):.0f} sync rounds |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--photo-runs", type=int, default=None, help="default: all runs")
    parser.add_argument("--photo-mb", type=float, default=3.0)
    parser.add_argument("--drop-mb", type=float, default=1.0)
    parser.add_argument("--json", type=Path, help="also write the raw runs here")
    parser.add_argument("--no-gzip", action="store_true", help="plain JSON both ways")
    args = parser.parse_args()
    CountingTransport.plain = args.no_gzip
    photo_runs = args.runs if args.photo_runs is None else args.photo_runs
    runs = []
    for i in range(args.runs):
        runs.append(run_once(args.backend, args, args.photos if i < photo_runs else 0))
        print(f"run {i + 1}: {json.dumps(runs[-1])}", flush=True)
    if args.json:
        args.json.write_text(
            json.dumps({"args": vars(args) | {"json": str(args.json)}, "runs": runs}, indent=1)
        )
    print(table(args, runs))


if __name__ == "__main__":
    main()
