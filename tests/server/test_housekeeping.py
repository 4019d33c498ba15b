"""The worker's hourly housekeeping: photos never processed get a pipeline job, a photo that
never arrived is flagged without anyone running integrity-recompute, old finished jobs go,
and exactly one housekeeping run stays queued (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, select, update

from server.extensions import db
from server.models import IntegrityFlag, Job, PhotoMeta, Record
from server.services import housekeeping, photos
from server.services.worker import Worker
from tests.helpers import contribution, envelope
from tests.server import photo_samples as samples
from tests.server.test_push import push


def _queued(app, kind: str) -> list[Job]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Job).where(Job.kind == kind, Job.state == "queued").order_by(Job.id)
            )
        )


def test_a_photo_stored_without_a_pipeline_run_gets_one(app):
    content = samples.jpeg(samples.scene())
    sha = hashlib.sha256(content).hexdigest()
    with app.app_context():
        photos.store(sha, content, None)
        db.session.execute(delete(Job))  # as if stored before the job queue existed
        db.session.commit()
        assert housekeeping.queue_unprocessed_photos() == [sha]
        assert housekeeping.queue_unprocessed_photos() == []  # its job is waiting: not twice
    assert Worker(app).run_until_idle() == 1
    with app.app_context():
        meta = db.session.get(PhotoMeta, sha)
        assert meta is not None and meta.phash and meta.error is None
        assert housekeeping.queue_unprocessed_photos() == []  # processed now


def test_a_photo_that_never_arrived_is_flagged_without_an_operator(app, client, device, demo):
    home = envelope(data={"head_name": "Vi Văn Lả", "members": 3})
    never = hashlib.sha256(b"never sent").hexdigest()
    late = contribution(
        home["uuid"], 30, kind="land", data_extra={"consent_photo": never}, photos=[never]
    )
    recent_sha = hashlib.sha256(b"still on its way").hexdigest()
    recent = contribution(
        home["uuid"], 10, kind="land", data_extra={"consent_photo": recent_sha}, photos=[recent_sha]
    )
    assert push(client, device, home, late, recent).status_code == 200
    with app.app_context():
        three_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        db.session.execute(
            update(Record).where(Record.uuid == late["uuid"]).values(created_at=three_days_ago)
        )
        db.session.commit()
        assert housekeeping.refresh_overdue_photos() == 1
        flags = db.session.scalars(
            select(IntegrityFlag).where(IntegrityFlag.kind == "missing_photo")
        ).all()
        assert [(f.record_uuid, f.photo_sha256, f.state) for f in flags] == [
            (late["uuid"], never, "open")
        ]
        assert "chưa về máy chủ" in flags[0].reason_vi
        assert housekeeping.refresh_overdue_photos() == 0  # flagged once, not refreshed hourly


def test_one_run_stays_queued_and_each_run_queues_the_next(app):
    with app.app_context():
        assert housekeeping.ensure_scheduled() is True
        [first] = _queued(app, housekeeping.JOB_KIND)
        wait = first.run_after - dt.datetime.now(dt.UTC)
        assert dt.timedelta(minutes=4) < wait <= dt.timedelta(minutes=5)  # not at start-up
        db.session.execute(delete(Job))
        db.session.commit()
    app.config["HOUSEKEEPING_FIRST_MINUTES"] = 0
    with app.app_context():
        assert housekeeping.ensure_scheduled() is True
        assert housekeeping.ensure_scheduled() is False  # a second worker starting adds none
    [first] = _queued(app, housekeeping.JOB_KIND)
    app.config["HOUSEKEEPING_MINUTES"] = 30
    assert Worker(app).run_until_idle() == 1  # the run is due now; the next one is not
    [following] = _queued(app, housekeeping.JOB_KIND)
    assert following.id != first.id
    wait = following.run_after - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=29) < wait <= dt.timedelta(minutes=30)
    with app.app_context():
        housekeeping.schedule_next()  # two chains: the one that finds a later run adds none
    assert [j.id for j in _queued(app, housekeeping.JOB_KIND)] == [following.id]


def test_finished_jobs_are_pruned_after_the_keep_period_failed_ones_stay(app):
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    with app.app_context():
        for state, created in (("done", old), ("failed", old), ("done", None), ("queued", old)):
            job = Job(kind="photo_pipeline", payload={}, state=state, attempts=1, last_error="")
            if created is not None:
                job.created_at = created
            db.session.add(job)
        db.session.commit()
        assert housekeeping.prune_finished_jobs() == 1
        left = sorted(
            (j.state, j.created_at < old + dt.timedelta(days=1))
            for j in db.session.scalars(select(Job))
        )
    assert left == [("done", False), ("failed", True), ("queued", True)]


def test_a_failing_run_does_not_end_the_chain(app, monkeypatch):
    def broken() -> int:
        raise RuntimeError("a record the checks cannot read")

    monkeypatch.setattr(housekeeping, "refresh_overdue_photos", broken)
    app.config["HOUSEKEEPING_FIRST_MINUTES"] = 0
    with app.app_context():
        housekeeping.ensure_scheduled()
    [first] = _queued(app, housekeeping.JOB_KIND)
    assert Worker(app).run_until_idle() == 1  # taken, failed, to be retried
    queued = _queued(app, housekeeping.JOB_KIND)
    later = [j for j in queued if j.id != first.id]
    assert len(later) == 1 and later[0].run_after > dt.datetime.now(dt.UTC)
    with app.app_context():
        assert "a record the checks cannot read" in db.session.get(Job, first.id).last_error
