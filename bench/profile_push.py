"""Where a push spends its time: cProfile of the app's push step against the real Flask app
in-process (the tests' transport, no sockets), on SQLite or PostgreSQL. Not a test.

    .venv/bin/python -m bench.profile_push --backend sqlite --records 2000
    .venv/bin/python -m bench.profile_push --backend postgres --sort tottime
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
from pathlib import Path

from bench.bench_sync import fill_households, fill_records, push_all
from sync.client import SyncClient
from sync.replica import Replica
from tests.flask_transport import flask_transport


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--lines", type=int, default=35)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from server import create_app, demo
    from server.services import enrolment
    from tests.pg import create_database, drop_database

    tmp = Path(tempfile.mkdtemp(prefix="chungsuc-profile-"))
    url = f"sqlite:///{tmp / 'p.sqlite3'}" if args.backend == "sqlite" else create_database()
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
        households = fill_households(replica, max(1, args.records // 5))
        fill_records(replica, households, args.records)
        profile = cProfile.Profile()
        profile.enable()
        seconds, pushed, batches = push_all(replica, client)
        profile.disable()
        print(
            f"{args.backend}: {pushed} records in {batches} batches, {seconds:.2f} s "
            f"under the profiler ({pushed / seconds:,.0f} records/s)"
        )
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)
    finally:
        if args.backend == "postgres":
            with app.app_context():
                from server.extensions import db

                db.engine.dispose()
            drop_database(url)


if __name__ == "__main__":
    main()
