"""A real Chung Sức server process (gunicorn via `python -m server serve`) on loopback."""

from __future__ import annotations

import os
import re
import shutil
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


class _PortTaken(Exception):
    pass


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
        self._started = False

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
        """Start the server and wait until it answers.

        Tests run in parallel (pytest-xdist): another process may take the free port between
        free_port() and gunicorn's bind. A first start then moves to a new port; a restart
        keeps its port (a tablet remembers the URL) and lets gunicorn retry the bind.
        """
        first = not self._started
        for _attempt in range(5):
            try:
                self._start(give_up_if_taken=first)
                self._started = True
                return
            except _PortTaken:
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
        raise RuntimeError("no free port for the server after 5 tries")

    def _start(self, give_up_if_taken: bool) -> None:
        log_start = self.log.stat().st_size if self.log.exists() else 0
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
        listening = f"Listening at: {self.url} ({self.process.pid})"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            output = self.log.read_bytes()[log_start:].decode(errors="replace")
            if give_up_if_taken and "Connection in use" in output:  # else retried for 5 s
                self.stop(signal.SIGKILL)
                raise _PortTaken
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"server exited: {output[-2000:]}")
            if listening in output:  # ours, not another process's server on this port
                try:
                    with urllib.request.urlopen(self.url + "/login", timeout=2) as response:
                        if response.status == 200:
                            return
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError("server did not start in 30 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)
        self.process = None


class DemoDatabases:
    """Databases as `chungsuc init-db` + `chungsuc demo-data` leave them, for live servers.

    The two commands run once per backend in this test process, into a template (the database
    and the demo photos beside it); each live server then gets a copy of that template: the
    SQLite file copied, or PostgreSQL's CREATE DATABASE ... TEMPLATE, and the photo files.
    """

    def __init__(self, root: Path):
        self.root = root
        self._templates: dict[str, tuple[str, Path]] = {}

    def new(self, backend: str, workdir: Path) -> str:
        """The URL of a fresh copy of the demo database; its photos go to workdir/photos."""
        from tests.pg import create_database, database_name

        if backend not in self._templates:
            self._templates[backend] = self._make(backend)
        url, template_dir = self._templates[backend]
        photos = template_dir / "photos"
        if photos.exists():
            shutil.copytree(photos, workdir / "photos")
        if backend == "sqlite":
            target = workdir / "live.sqlite3"
            shutil.copyfile(template_dir / "live.sqlite3", target)
            return f"sqlite:///{target}"
        return create_database(template=database_name(url))

    def _make(self, backend: str) -> tuple[str, Path]:
        from tests.pg import create_database

        workdir = self.root / backend
        workdir.mkdir(parents=True)
        url = f"sqlite:///{workdir / 'live.sqlite3'}" if backend == "sqlite" else create_database()
        server = LiveServer(url, workdir)
        server.cli("init-db")
        server.cli("demo-data")
        return url, workdir

    def close(self) -> None:
        from tests.pg import drop_database

        for backend, (url, _) in self._templates.items():
            if backend != "sqlite":
                drop_database(url)
        self._templates.clear()
