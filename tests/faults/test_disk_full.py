"""A full disk on the server while it receives a push or a photo chunk.

The server's database and photo folder live on a real small tmpfs (the PostgreSQL database
in a tablespace on it), filled up with a file until a few kB are left: the file system itself
answers ENOSPC, SQLite SQLITE_FULL, PostgreSQL disk_full. The tablet gets a clear 507 in the
API's error shape, nothing is half-written (no record, no revision, no applied mutation; the
upload's offset where the cut chunk began; no partial photo), and once space is freed the next
sync round sends everything exactly once.

Mounting needs root (the development VM and CI containers run as root); elsewhere these tests
are skipped with that reason.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from server.models import AppliedMutation, Photo, Record, RecordRevision, Upload
from sync.client import ApiError, SyncClient
from sync.replica import Replica
from sync.replicator import sync_once
from sync.simulator import photo_bytes
from tests.flask_transport import flask_transport
from tests.pg import BACKENDS, PG_ADMIN_URL, drop_database

VILLAGE = "01936-T02"
HEADROOM = 96 * 1024  # left free: enough for a device's "last seen" update, not for a batch


def _mount(size_mb: int) -> Path:
    where = Path(f"/tmp/chungsuc-full-{uuid.uuid4().hex[:8]}")
    where.mkdir(mode=0o755)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs to fill up (needs root): {done.stderr.strip()}")
    return where


def _unmount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], check=False)
    shutil.rmtree(where, ignore_errors=True)


class Disk:
    """The tmpfs, and a filler file that takes all but `HEADROOM` bytes of it."""

    def __init__(self, root: Path):
        self.root, self.filler = root, root / "filler"

    def free(self) -> int:
        st = os.statvfs(self.root)
        return st.f_bavail * st.f_frsize

    def fill(self) -> None:
        with open(self.filler, "ab") as fh:
            while self.free() > HEADROOM:
                try:
                    fh.write(b"\0" * min(1 << 20, self.free() - HEADROOM))
                    fh.flush()
                except OSError:
                    break

    def empty(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture(params=BACKENDS)
def full_disk_app(request):
    """(app, disk) with the database and PHOTO_DIR on a 48 MB tmpfs, demo commune loaded."""
    from flask_migrate import upgrade

    from server import create_app
    from server import demo as demo_module
    from server.extensions import db

    root = _mount(48)
    disk = Disk(root)
    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'server.sqlite3'}"
    else:
        pg_dir = root / "pg"
        pg_dir.mkdir(mode=0o700)
        shutil.chown(pg_dir, "postgres", "postgres")
        name = f"chungsuc_full_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE TABLESPACE {name} LOCATION '{pg_dir}'"))
            conn.execute(text(f'CREATE DATABASE "{name}" TABLESPACE {name}'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "PHOTO_DIR": str(root / "photos"),
            "SECRET_KEY": "test",
        }
    )
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            demo_module.load()
        yield app, disk
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin is not None:
            drop_database(url)
            with admin.connect() as conn:
                conn.execute(text(f"DROP TABLESPACE IF EXISTS {name}"))
            admin.dispose()
        _unmount(root)


def _tablet(app, path: Path) -> tuple[Replica, SyncClient]:
    from server.services import enrolment

    with app.app_context():
        _, code = enrolment.create("01936", "officer")
    client = SyncClient("http://server", transport=flask_transport(app))
    body = client.enroll(code, "tablet", "test")
    replica = Replica(path / "replica.db")
    replica.set_meta(
        {"server_url": "http://server", "token": body["token"], "device_id": body["device_id"]}
    )
    replica.save_scope(client.scope())
    return replica, client


def _checkpoint(app) -> None:
    """SQLite: move the WAL into the database and truncate it, so the next write must grow
    a file (with the WAL's old pages reused, a full disk could go unnoticed)."""
    from server.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _server_counts(app, device_id: str) -> tuple[int, int, int]:
    from server.extensions import db

    with app.app_context():
        return (
            db.session.scalar(select(func.count()).where(Record.device_id == device_id)),
            db.session.scalar(select(func.count()).where(RecordRevision.device_id == device_id)),
            db.session.scalar(select(func.count()).where(AppliedMutation.device_id == device_id)),
        )


def test_a_push_into_a_full_disk_gets_507_writes_nothing_and_is_sent_again_later(
    full_disk_app, tmp_path
):
    app, disk = full_disk_app
    replica, client = _tablet(app, tmp_path)
    assert sync_once(replica, client).ok  # the commune is on the tablet
    made = [
        replica.save_record(
            "household",
            {"head_name": f"Hộ đầy đĩa {n}", "members": 4, "member_names": "Lò Thị Mai " * 12},
            VILLAGE,
        ).uuid
        for n in range(180)
    ]
    _checkpoint(app)
    disk.fill()

    report = sync_once(replica, client)
    assert not report.ok and report.temporary and not report.offline
    assert "hết chỗ lưu trữ" in report.error and "out of storage" in report.error_en
    device_id = replica.get_meta("device_id")
    assert _server_counts(app, device_id) == (0, 0, 0)  # nothing half-written
    assert replica.outbox_counts()["pending"] == len(made)  # the tablet lost nothing

    with pytest.raises(ApiError) as refused:
        client.push(replica.pending_mutations())
    assert refused.value.status == 507 and refused.value.code == "storage_full"
    assert refused.value.body["message"].startswith("Máy chủ đã hết chỗ lưu trữ")

    disk.empty()
    again = sync_once(replica, client)
    assert again.ok, again.error_en
    assert _server_counts(app, device_id) == (len(made), len(made), len(made))
    assert replica.outbox_counts()["pending"] == 0


def test_a_photo_chunk_into_a_full_disk_gets_507_and_the_upload_resumes_whole(
    full_disk_app, tmp_path
):
    from server.extensions import db

    app, disk = full_disk_app
    replica, client = _tablet(app, tmp_path)
    content = photo_bytes(random.Random(2), 700)  # ~700 kB: three 256 kB chunks
    sha = hashlib.sha256(content).hexdigest()
    chunk = 256 * 1024
    _, state = client._request("POST", "/uploads", json_body={"sha256": sha, "size": len(content)})
    upload_id = state["upload_id"]
    client._request(
        "PUT",
        f"/uploads/{upload_id}",
        data=content[:chunk],
        content_type="application/octet-stream",
        query={"offset": 0},
    )
    _checkpoint(app)
    disk.fill()

    with pytest.raises(ApiError) as refused:
        client._request(
            "PUT",
            f"/uploads/{upload_id}",
            data=content[chunk : 2 * chunk],
            content_type="application/octet-stream",
            query={"offset": chunk},
        )
    assert refused.value.status == 507 and refused.value.code == "storage_full"
    _, state = client._request("GET", f"/uploads/{upload_id}")
    assert state["offset"] == chunk  # the cut chunk was given back, not half-kept
    photo_dir = Path(app.config["PHOTO_DIR"])
    assert not list(photo_dir.glob(f"??/??/{sha}*"))  # no photo, whole or partial

    with pytest.raises(ApiError):  # the tablet's own resumable upload stops the same way
        client.upload_resumable(sha, content)
    disk.empty()
    assert client.upload_resumable(sha, content) == len(content) - chunk  # resumed, not redone
    with app.app_context():
        assert db.session.get(Photo, sha).size == len(content)
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 0
    stored = photo_dir / sha[:2] / sha[2:4] / f"{sha}.img"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
