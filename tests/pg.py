"""Throw-away PostgreSQL databases on the machine's server, for tests."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get(
    "CHUNGSUC_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite"] + ([] if os.environ.get("CHUNGSUC_SKIP_PG") == "1" else ["postgres"])


def create_database() -> str:
    """Create an empty database and return its URL; fail the test clearly if PG is down."""
    name = f"chungsuc_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure becomes a clear message
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__}). Start it "
            "with `make postgres`, or set CHUNGSUC_SKIP_PG=1 to run SQLite only."
        )
    finally:
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
