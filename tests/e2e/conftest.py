"""A live server per backend (SQLite file, PostgreSQL database) for end-to-end tests."""

from __future__ import annotations

import pytest

from tests.live_server import LiveServer
from tests.pg import BACKENDS, drop_database


@pytest.fixture(scope="module", params=BACKENDS)
def live_server(request, tmp_path_factory, demo_databases):
    workdir = tmp_path_factory.mktemp(f"live-{request.param}")
    url = demo_databases.new(request.param, workdir)  # as init-db + demo-data leave it
    server = LiveServer(url, workdir)
    server.start()
    yield server
    server.stop()
    if request.param == "postgres":
        drop_database(url)
