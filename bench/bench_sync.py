"""Sync benchmark: push 10,000 records in batches, bootstrap a tablet from a commune of
2,000 households and 10,000 records, and upload photos resumably through a link that drops.

Runs a real server (gunicorn, 2 workers) on loopback, on SQLite or PostgreSQL, and the
tablet's own replica and sync client. Not a test: it prints a Markdown table of medians.

    .venv/bin/python -m bench.bench_sync --backend sqlite
    .venv/bin/python -m bench.bench_sync --backend postgres --runs 3
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from sync.client import SyncClient
from sync.replica import Replica
from sync.replicator import client_for, enroll, sync_once
from sync.simulator import photo_bytes
from tests.live_server import start_live_server
from tests.pg import create_database, drop_database

VILLAGES = ("01936-T01", "01936-T02", "01936-T03")


def fill(replica: Replica, households: int, records: int) -> int:
    """Record `records` records offline: households first, then contributions."""
    rng = random.Random(1)
    ids = []
    for n in range(households):
        ids.append(replica.save_record("household", {
            "head_name": f"Nguyễn Văn Hộ {n}", "members": rng.randint(1, 8),
            "house_number": str(n), "phone": "0912345678"}, VILLAGES[n % 3]))
    for n in range(records - households):
        h = ids[n % households]
        replica.save_record("contribution", {
            "kind": "labour", "quantity": float(rng.randint(1, 5)), "works": "village_road",
            "works_name": "Đường trục thôn", "date": "2026-11-20",
            "verified_by": "Trưởng thôn"}, h.village_code, h.uuid)
    return records


def push_all(replica: Replica, client: SyncClient) -> tuple[float, int, int]:
    """Push the whole outbox; returns (seconds, records, bytes on the wire)."""
    sent = records = 0
    started = time.perf_counter()
    while batch := replica.pending_mutations(max_bytes=256_000, max_items=500):
        body = json.dumps({"records": [e.as_dict() for e in batch]}, ensure_ascii=False)
        sent += len(body.encode())
        results = client.push(batch)["results"]
        replica.apply_push_results(results)
        records += len(batch)
    return time.perf_counter() - started, records, sent


def bench_photos(server, workdir: Path, photos: int, photo_mb: float, drop_mb: float):
    from tests.faults.tcp_proxy import FaultyProxy  # the tests' fault-injecting proxy

    replica = Replica(workdir / "photo-tablet" / "replica.db")
    with FaultyProxy(server.port, seed=3) as proxy:
        enroll(replica, proxy.url, server.enrolment_code(), "photo-bench", "bench")
        rng = random.Random(5)
        payload = 0
        for _ in range(photos):
            content = photo_bytes(rng, int(photo_mb * 1024))
            payload += len(content)
            replica.add_photo(content)
        proxy.cut_upstream_after = int(drop_mb * 1024 * 1024)  # every connection dies there
        started, rounds, sent = time.perf_counter(), 0, 0
        while replica.outbox_counts()["photos"]:
            rounds += 1
            report = sync_once(replica, client_for(replica, timeout=30))
            sent += report.bytes_sent
        seconds = time.perf_counter() - started
        cuts = proxy.cuts
    for photo in replica.pending_photos():
        raise AssertionError(f"photo {photo['sha256']} not uploaded")
    return {"seconds": seconds, "payload": payload, "sent": sent, "rounds": rounds, "cuts": cuts}


def run_once(backend: str, households: int, records: int, photos: int, photo_mb: float,
             drop_mb: float) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="chungsuc-bench-"))
    url = f"sqlite:///{workdir / 'bench.sqlite3'}" if backend == "sqlite" else create_database()
    server = start_live_server(url, workdir)
    try:
        writer = Replica(workdir / "writer" / "replica.db")
        enroll(writer, server.url, server.enrolment_code(), "writer", "bench")
        fill(writer, households, records)
        push_s, pushed, wire = push_all(writer, client_for(writer, timeout=120))
        payload = sum(len(json.dumps(r["data"], ensure_ascii=False).encode())
                      for r in writer.households(limit=10**6))
        reader = Replica(workdir / "reader" / "replica.db")
        started = time.perf_counter()
        enroll(reader, server.url, server.enrolment_code(), "reader", "bench")
        report = sync_once(reader, client_for(reader, timeout=120))
        pull_s = time.perf_counter() - started
        assert report.ok and report.pulled >= records
        out = {"push_s": push_s, "pushed": pushed, "push_wire_bytes": wire,
               "household_payload_bytes": payload, "pull_s": pull_s, "pulled": report.pulled}
        if photos:
            out["photos"] = bench_photos(server, workdir, photos, photo_mb, drop_mb)
        return out
    finally:
        server.stop()
        if backend == "postgres":
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--photo-mb", type=float, default=3.0)
    parser.add_argument("--drop-mb", type=float, default=1.0)
    args = parser.parse_args()
    runs = [run_once(args.backend, args.households, args.records,
                     args.photos if i == 0 else 0, args.photo_mb, args.drop_mb)
            for i in range(args.runs)]
    med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    print(f"| backend | {args.backend} | runs | {args.runs} |")
    print(f"| push {args.records} records | {med('push_s'):.2f} s | "
          f"{args.records / med('push_s'):,.0f} records/s | "
          f"{runs[0]['push_wire_bytes'] / args.records:,.0f} bytes/record on the wire |")
    print(f"| bootstrap (enrol + pull {runs[0]['pulled']} records) | {med('pull_s'):.2f} s | "
          f"{runs[0]['pulled'] / med('pull_s'):,.0f} records/s |")
    if "photos" in runs[0]:
        p = runs[0]["photos"]
        print(f"| {args.photos} photos x {args.photo_mb} MB, link cut every {args.drop_mb} MB | "
              f"{p['seconds']:.1f} s | {p['payload'] / p['seconds'] / 2**20:.1f} MB/s | "
              f"sent {p['sent'] / p['payload']:.3f} x payload | {p['cuts']} cuts, "
              f"{p['rounds']} sync rounds |")


if __name__ == "__main__":
    main()
