"""A real Chung Sức server process (gunicorn via `python -m server serve`) on loopback."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, database_url: str, workdir: Path, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            PHOTO_DIR=str(workdir / "photos"),
            SECRET_KEY="live-test",
            PYTHONPATH=str(ROOT),
        )
        self.process: subprocess.Popen | None = None
        self.log = workdir / "server.log"

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "server", *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"chungsuc {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def enrolment_code(self, commune: str = "01936") -> str:
        out = self.cli("enroll-device", "--commune", commune)
        return re.search(r"Enrolment code: (\w+)", out).group(1)

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    "2",
                ],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start in 30 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)
        self.process = None


def start_live_server(database_url: str, workdir: Path) -> LiveServer:
    server = LiveServer(database_url, workdir)
    server.cli("init-db")
    server.cli("demo-data")
    server.start()
    return server
