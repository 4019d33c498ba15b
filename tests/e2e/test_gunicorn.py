"""`gunicorn 'server:create_app()'`, as the README documents for production, really serves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import ROOT, free_port

pytestmark = pytest.mark.e2e


def test_gunicorn_serves_the_app_factory(tmp_path):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'g.sqlite3'}",
        PHOTO_DIR=str(tmp_path / "photos"),
        SECRET_KEY="g",
        PYTHONPATH=str(ROOT),
    )
    subprocess.run(
        [sys.executable, "-m", "server", "init-db"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "server:create_app()", "-b", f"127.0.0.1:{port}", "-w", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2
                ) as response:
                    assert response.status == 200
                    assert b"/api/v1/sync/push" in response.read()
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=30)
