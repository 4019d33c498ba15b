"""The background worker: claims jobs from the `jobs` table and runs their handlers.

`Worker.run()` loops: claim one due job (jobs.run_one: lease, handler, done or retry with
backoff), and when nothing is due wait `poll_seconds`. `stop()` (SIGTERM/SIGINT in
`chungsuc worker`) ends the loop after the job in hand, so a stop never leaves a job half
done; a worker that is killed instead leaves its lease to expire, and the next worker takes
the job again. Errors of the queue itself (database gone) are logged and retried with a
growing pause; they never end the loop.

A long-running worker (`run()`) makes sure the hourly housekeeping job is queued
(server/services/housekeeping.py: photos never processed, photos never arrived, old jobs).

`ChildWorker` is how `chungsuc serve` processes jobs on one machine with no extra service:
it runs `python -m server worker` as a child of the gunicorn master, restarts it if it dies,
and stops it with the server. The child exits by itself if its parent disappears.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable

from server.extensions import db
from server.services import jobs

log = logging.getLogger(__name__)

_extra_handlers: dict[str, jobs.Handler] = {}
HOUSEKEEPING_CHECK_SECONDS = 600.0  # an idle worker checks the housekeeping run is queued


def register_handler(kind: str, handler: jobs.Handler) -> None:
    """Add a job kind (for other modules' jobs); the photo pipeline is always there."""
    _extra_handlers[kind] = handler


def handlers() -> dict[str, jobs.Handler]:
    from server.services import housekeeping, photo_pipeline

    return {
        photo_pipeline.JOB_KIND: photo_pipeline.handle,
        housekeeping.JOB_KIND: housekeeping.handle,
        **_extra_handlers,
    }


def default_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        app,
        *,
        name: str | None = None,
        poll_seconds: float = 1.0,
        lease=jobs.DEFAULT_LEASE,
        keep_running: Callable[[], bool] | None = None,
        fault_delay: float = 0.0,
    ):
        self.app = app
        self.name = name or default_name()
        self.poll_seconds = poll_seconds
        self.lease = lease
        self.keep_running = keep_running or (lambda: True)
        self.fault_delay = fault_delay
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def _handlers(self) -> dict[str, jobs.Handler]:
        table = handlers()
        if self.fault_delay <= 0:
            return table

        def delayed(handler: jobs.Handler) -> jobs.Handler:
            def run(payload):
                time.sleep(self.fault_delay)
                handler(payload)

            return run

        return {kind: delayed(handler) for kind, handler in table.items()}

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set() or not self.keep_running()

    def run_until_idle(self, limit: int | None = None) -> int:
        """Run due jobs until none is left (or `limit` ran, or stop()); the number taken."""
        done = 0
        with self.app.app_context():
            table = self._handlers()
            while not self.stopping and (limit is None or done < limit):
                if not jobs.run_one(table, self.name, lease=self.lease):
                    break
                done += 1
            db.session.remove()
        return done

    def run(self) -> int:
        """Run jobs until stop(); the number of jobs taken."""
        done, pause = 0, self.poll_seconds
        with self.app.app_context():
            table = self._handlers()
            self._schedule_housekeeping()
            next_check = time.monotonic() + HOUSEKEEPING_CHECK_SECONDS
            while not self.stopping:
                try:
                    took = jobs.run_one(table, self.name, lease=self.lease)
                except Exception:  # the queue itself failed (database down): wait, go on
                    log.exception("job queue error; retrying in %.0f s", pause)
                    db.session.rollback()
                    db.session.remove()
                    self._stopping.wait(pause)
                    pause = min(pause * 2, 60.0)
                    continue
                pause = self.poll_seconds
                if took:
                    done += 1
                else:
                    if time.monotonic() >= next_check:  # e.g. the database was down at start
                        self._schedule_housekeeping()
                        next_check = time.monotonic() + HOUSEKEEPING_CHECK_SECONDS
                    self._stopping.wait(self.poll_seconds)
            db.session.remove()
        return done

    @staticmethod
    def _schedule_housekeeping() -> None:
        from server.services import housekeeping

        try:
            housekeeping.ensure_scheduled()
        except Exception:  # the database is down: the loop below waits for it anyway
            log.exception("could not schedule housekeeping")
            db.session.rollback()


def stop_on_signals(worker: Worker) -> None:
    """SIGTERM and SIGINT finish the job in hand, then end the loop."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop())


class ChildWorker:
    """A `python -m server worker` process supervised from the serving process."""

    RESTART_DELAY = 2.0

    def __init__(self, extra_args: tuple[str, ...] = ()):
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._spawn()
        self._thread = threading.Thread(target=self._watch, name="job-worker-watch", daemon=True)
        self._thread.start()

    def _spawn(self) -> None:
        command = [sys.executable, "-m", "server", "worker", "--parent", str(os.getpid())]
        self.process = subprocess.Popen([*command, *self.extra_args])
        log.info("job worker started (pid %s)", self.process.pid)

    def _watch(self) -> None:
        while not self._stopping.is_set():
            process = self.process
            if process is not None and process.poll() is not None:
                if self._stopping.is_set():
                    return
                log.warning("job worker exited (%s); restarting", process.returncode)
                if self._stopping.wait(self.RESTART_DELAY):
                    return
                self._spawn()
            self._stopping.wait(1.0)

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()  # the worker finishes its job in hand
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def parent_alive(parent_pid: int | None) -> Callable[[], bool]:
    """For a child worker: True while the process that started it is still its parent."""
    if parent_pid is None:
        return lambda: True
    return lambda: os.getppid() == parent_pid
