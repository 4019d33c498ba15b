"""A live server per backend (SQLite file, PostgreSQL database) for end-to-end tests."""

from __future__ import annotations

import pytest

from tests.live_server import start_live_server
from tests.pg import BACKENDS, create_database, drop_database


@pytest.fixture(scope="module", params=BACKENDS)
def live_server(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"live-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'live.sqlite3'}"
    else:
        url = create_database()
    server = start_live_server(url, workdir)
    yield server
    server.stop()
    if request.param == "postgres":
        drop_database(url)
