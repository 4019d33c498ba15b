"""The server app the in-process benchmarks build on: a fresh database (SQLite file in a
temporary folder, or a new PostgreSQL database on this machine) and a photo folder."""

from __future__ import annotations

import tempfile
from pathlib import Path


def bench_app(backend: str, prefix: str):
    """(app, database url) on a fresh, not yet migrated database; drop it with `drop`."""
    from server import create_app

    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        from tests.pg import create_database

        url = create_database()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "PHOTO_DIR": str(workdir / "photos"),
            "SECRET_KEY": "bench",
            "TESTING": True,
        }
    )
    return app, url


def drop(backend: str, url: str) -> None:
    if backend == "postgres":
        from tests.pg import drop_database

        drop_database(url)
