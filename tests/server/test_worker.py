"""The job worker as real processes (SQLite and PostgreSQL): a killed worker's job is done by
the next, SIGTERM finishes the job in hand, `chungsuc serve` processes photos by itself and a
push returns before the pipeline has run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from server.extensions import db
from server.models import Job, Photo, PhotoMeta
from server.services.worker import Worker
from tests.live_server import ROOT, LiveServer
from tests.server import photo_samples as samples
from tests.server.conftest import enrol


def _worker_process(app, database_url, *args, delay: float = 0.0) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        PHOTO_DIR=app.config["PHOTO_DIR"],
        SECRET_KEY="worker-test",
        PYTHONPATH=str(ROOT),
        CHUNGSUC_FAULT_JOB_DELAY=str(delay),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "server", "worker", "--poll", "0.2", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _until(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _job(app, sha: str) -> dict | None:
    with app.app_context():
        db.session.expire_all()
        found = [
            {"state": j.state, "attempts": j.attempts, "locked_by": j.locked_by}
            for j in db.session.query(Job)
            if j.payload == {"sha256": sha}
        ]
        db.session.rollback()
        return found[0] if found else None


def _meta(app, sha: str) -> dict | None:
    with app.app_context():
        db.session.expire_all()
        row = db.session.get(PhotoMeta, sha)
        found = None if row is None else {"error": row.error, "taken": row.exif_taken_at}
        db.session.rollback()
        return found


def _upload(client, device, content: bytes) -> str:
    sha = samples.sha(content)
    response = client.put(
        f"/api/v1/photos/{sha}",
        data=content,
        headers=device.headers,
        content_type="application/octet-stream",
    )
    assert response.status_code == 201, response.json
    return sha


@pytest.fixture
def device(app, client, demo):
    enrolled = enrol(app, client)
    Worker(app).run_until_idle()  # the demo commune's own photos
    return enrolled


def test_a_job_held_by_a_killed_worker_is_done_by_the_next(app, client, device, database_url):
    sha = _upload(client, device, samples.jpeg(samples.scene()))
    # This worker claims the job for 3 s, then "hangs" inside it and is killed.
    doomed = _worker_process(app, database_url, "--lease", "3", delay=60)
    try:
        _until(lambda: (j := _job(app, sha)) and j["locked_by"], what="the claim")
    finally:
        doomed.kill()
        doomed.communicate(timeout=10)
    claimed_at = time.monotonic()
    assert Worker(app).run_until_idle() == 0  # its lease still holds: nobody else takes it
    assert _meta(app, sha) is None
    time.sleep(max(0.0, 3.2 - (time.monotonic() - claimed_at)))
    _until(lambda: Worker(app).run_until_idle() == 1, timeout=10, what="the lease to expire")
    assert _meta(app, sha)["error"] is None
    job = _job(app, sha)
    assert job["state"] == "done" and job["attempts"] == 2


def test_sigterm_finishes_the_job_in_hand_then_stops(app, client, device, database_url):
    sha = _upload(client, device, samples.jpeg(samples.scene()))
    worker = _worker_process(app, database_url, delay=1.5)
    _until(lambda: (j := _job(app, sha)) and j["locked_by"], what="the claim")
    worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, out
    assert "stopped after 1 jobs" in out
    assert _meta(app, sha)["error"] is None
    assert _job(app, sha)["state"] == "done"


def test_a_child_worker_stops_when_its_parent_is_gone(app, database_url):
    worker = _worker_process(app, database_url, "--parent", "999999999")
    out, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0 and "stopped after 0 jobs" in out


def test_demo_data_leaves_its_photos_processed(app, runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "Background jobs run" in result.output
    with app.app_context():
        photos = db.session.query(Photo).count()
        processed = db.session.query(PhotoMeta).filter(PhotoMeta.error.is_(None)).count()
        assert photos > 0 and processed == photos


# --- `chungsuc serve`: gunicorn plus its own child worker, as `make run` starts it -----------


def _http(method: str, url: str, *, token: str = "", data: bytes | None = None, json_body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if json_body is not None:
        data, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
    elif data is not None:
        headers["Content-Type"] = "application/octet-stream"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] in "ZX"
    except (FileNotFoundError, IndexError):
        return True


def _children(pid: int) -> list[int]:
    """Children of every thread of `pid` (the watch thread spawns restarted workers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def _job_worker_pid(master: int) -> int | None:
    for child in _children(master):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if b"worker" in cmdline and b"--parent" in cmdline:
            return child
    return None


@pytest.mark.e2e
def test_serve_processes_photos_after_the_upload_returned(app, demo, database_url, tmp_path):
    from server.services import enrolment

    Worker(app).run_until_idle()  # the demo commune's own photos
    with app.app_context():
        _, code = enrolment.create("01936", "serve test")
    server = LiveServer(database_url, tmp_path)  # the database is migrated and loaded above
    server.env["CHUNGSUC_FAULT_JOB_DELAY"] = "1"  # each job waits 1 s after its claim
    server.start()
    try:
        status, body = _http(
            "POST",
            server.url + "/api/v1/devices/enroll",
            json_body={"code": code, "device_name": "serve-test"},
        )
        assert status == 201, body
        token = json.loads(body)["token"]
        for n in range(2):
            content = samples.jpeg(samples.scene(), taken=f"2025:05:0{n + 1} 08:00:00")
            sha = samples.sha(content)
            photo_url = f"{server.url}/api/v1/photos/{sha}"
            status, body = _http("PUT", photo_url, token=token, data=content)
            assert status == 201, body
            status, body = _http("GET", photo_url + "/thumbnail", token=token)
            assert status == 404 and json.loads(body)["code"] == "thumbnail_pending"
            _until(
                lambda url=photo_url: _http("GET", url + "/thumbnail", token=token)[0] == 200,
                what="the thumbnail",
            )
            assert _meta(app, sha)["taken"] is not None
            if n == 0:  # kill the child worker: serve starts another one
                child = _until(lambda: _job_worker_pid(server.process.pid), what="the worker")
                os.kill(child, signal.SIGKILL)
                _until(
                    lambda old=child: _job_worker_pid(server.process.pid) not in (None, old),
                    what="a new worker",
                )
        child = _job_worker_pid(server.process.pid)
    finally:
        server.stop()
    _until(lambda: _gone(child), timeout=10, what="the worker to stop")
