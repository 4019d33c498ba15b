"""Where a push spends its time: cProfile of the app's push step against the real Flask app
in-process (the tests' transport, no sockets), on SQLite or PostgreSQL. Not a test.

    .venv/bin/python -m bench.profile_push --backend sqlite --records 2000
    .venv/bin/python -m bench.profile_push --backend postgres --sort tottime
    .venv/bin/python -m bench.profile_push --phases --runs 3   # wall clock per step, no profiler

`--phases` times the steps of `server.services.push.push` (the batch checks, the writer, the
period holds, the indicator facts, the integrity flags, the commit) with a wall clock and
this thread's CPU clock instead of cProfile, whose overhead distorts the pure-Python steps;
it prints the median of `--runs` pushes, each on a fresh database. On a shared machine the
CPU column moves less with the load than the wall column (it leaves out the database
server's own time on PostgreSQL, and the waits).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.bench_sync import fill_households, fill_records, push_all
from sync.client import SyncClient
from sync.replica import Replica
from tests.flask_transport import flask_transport

# (label, module, attribute): the steps `push` calls, by the names it looks them up with.
PHASES = (
    ("checks (push_checks.check_batch)", "server.services.push", "check_batch"),
    ("period_holds.snapshot", "server.services.period_holds", "snapshot"),
    ("writer: apply", "server.services.push", "_BatchWriter.apply"),
    ("writer: flush (bulk INSERT)", "server.services.push", "_BatchWriter.flush"),
    ("period_holds.after_push", "server.services.period_holds", "after_push"),
    ("indicators_facts.refresh", "server.services.indicators_facts", "refresh"),
    ("integrity.refresh_records", "server.services.integrity", "refresh_records"),
    ("commits (push, then the API's)", "server.extensions", "db.session.commit"),
    ("push service in all", "server.api.records", "push"),
)


@contextlib.contextmanager
def phase_timers():
    """Wrap each step of PHASES with a wall-clock timer; yields {label: seconds}."""
    import importlib

    spent: dict[str, float] = defaultdict(float)
    undo = []
    for label, module_name, path in PHASES:
        owner = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        original = getattr(owner, name)

        def timed(*args, _original=original, _label=label, **kwargs):
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - started
                spent[_label + " cpu"] += time.thread_time() - cpu

        setattr(owner, name, timed)
        undo.append((owner, name, original))
    try:
        yield spent
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def one_push(backend: str, records: int, profile: cProfile.Profile | None, timers: bool) -> dict:
    """Push `records` records (and records/5 households first) on a fresh database."""
    from flask_migrate import upgrade

    from server import create_app, demo
    from server.services import enrolment
    from tests.pg import create_database, drop_database

    tmp = Path(tempfile.mkdtemp(prefix="chungsuc-profile-"))
    url = f"sqlite:///{tmp / 'p.sqlite3'}" if backend == "sqlite" else create_database()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "PHOTO_DIR": str(tmp / "photos"), "SECRET_KEY": "x"}
    )
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            demo.load()
            _, code = enrolment.create("01936", "profile")
        client = SyncClient("http://server", transport=flask_transport(app))
        body = client.enroll(code, "profile", "bench")
        replica = Replica(tmp / "tablet" / "replica.db")
        replica.set_meta(
            {"server_url": "http://server", "token": body["token"], "device_id": body["device_id"]}
        )
        replica.save_scope(client.scope())
        households = fill_households(replica, max(1, records // 5))
        fill_records(replica, households, records)
        with phase_timers() if timers else contextlib.nullcontext({}) as spent:
            if profile is not None:
                profile.enable()
            cpu = time.thread_time()
            seconds, pushed, batches = push_all(replica, client)
            cpu = time.thread_time() - cpu
            if profile is not None:
                profile.disable()
        return {"seconds": seconds, "cpu": cpu, "pushed": pushed, "batches": batches, **spent}
    finally:
        if backend == "postgres":
            with app.app_context():
                from server.extensions import db

                db.engine.dispose()
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--lines", type=int, default=35)
    parser.add_argument("--phases", action="store_true", help="wall clock per step, no cProfile")
    parser.add_argument("--runs", type=int, default=1, help="with --phases: pushes to take")
    args = parser.parse_args()

    if args.phases:
        runs = [one_push(args.backend, args.records, None, True) for _ in range(args.runs)]
        first = runs[0]
        total = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        each = " / ".join(f"{r['seconds']:.2f}" for r in runs)
        print(
            f"{args.backend}: {first['pushed']} records in {first['batches']} batches, median of"
            f" {len(runs)} runs {total:.2f} s ({first['pushed'] / total:,.0f} records/s),"
            f" runs {each} s; this process's CPU {cpu:.2f} s"
        )
        print(f"  {'step':<36} {'wall':>9}  {'share':>6}  {'CPU':>9}")
        for label, _, _ in PHASES:
            spent = statistics.median(r.get(label, 0.0) for r in runs)
            used = statistics.median(r.get(label + " cpu", 0.0) for r in runs)
            print(f"  {label:<36} {spent:7.3f} s  {100 * spent / total:5.1f} %  {used:7.3f} s")
        return
    profile = cProfile.Profile()
    result = one_push(args.backend, args.records, profile, False)
    print(
        f"{args.backend}: {result['pushed']} records in {result['batches']} batches, "
        f"{result['seconds']:.2f} s under the profiler "
        f"({result['pushed'] / result['seconds']:,.0f} records/s)"
    )
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
