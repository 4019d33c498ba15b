"""Throw-away PostgreSQL databases on the machine's server, for tests."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

PG_ADMIN_URL = os.environ.get(
    "CHUNGSUC_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite"] + ([] if os.environ.get("CHUNGSUC_SKIP_PG") == "1" else ["postgres"])


def create_database(template: str | None = None) -> str:
    """Create a database (empty, or a copy of the database `template`) and return its URL;
    fail the test clearly if PG is down."""
    name = f"chungsuc_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    create = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    try:
        with admin.connect() as conn:
            for attempt in range(50):
                try:
                    conn.execute(text(create))
                    break
                except OperationalError as exc:
                    # the template's last user (a CLI process that just exited) may still be
                    # leaving the server: "source database ... is being accessed by other users"
                    if template is None or "other users" not in str(exc) or attempt == 49:
                        raise
                    time.sleep(0.1)
    except Exception as exc:  # noqa: BLE001 - any connection failure becomes a clear message
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__}: {exc}). "
            "Start it "
            "with `make postgres`, or set CHUNGSUC_SKIP_PG=1 to run SQLite only."
        )
    finally:
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def drop_database(url: str) -> None:
    name = database_name(url)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
