"""What the job worker does by itself every hour, so nobody has to remember a command.

- **Photos without a pipeline run** (stored before the photo pipeline existed, or whose job
  was lost): every stored photo with no metadata and no queued or failed pipeline job gets
  a job, so its thumbnails, hashes and checks appear.
- **Photos that never arrived**: records whose photo has not reached the server within
  `INTEGRITY_PHOTO_WAIT_HOURS` get their flags refreshed, so the "photo never arrived" flag
  opens without anyone running `chungsuc integrity-recompute`.
- **Old finished jobs** (`done` for more than `JOBS_KEEP_DAYS`) are deleted; failed jobs
  stay for a person to read.

It runs as a job of its own kind. Each run queues the next one `HOUSEKEEPING_MINUTES` (60)
later; a worker that starts when none is queued adds one `HOUSEKEEPING_FIRST_MINUTES` (5)
later. Two workers starting together may add
two, but a run that finds a later housekeeping run already queued adds none, so the chains
become one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, exists, select

from server.extensions import db
from server.models import IntegrityFlag, IntegrityPhotoUse, Photo, PhotoMeta, Record
from server.models.jobs import Job
from server.models.types import utcnow
from server.services import integrity, jobs, photo_pipeline
from server.services.integrity_kinds import settings
from server.services.push import lock_scope

JOB_KIND = "housekeeping"
BATCH = 500  # photos queued / records refreshed per run at most: the next run does the rest
PRUNE_BATCH = 5000  # old jobs deleted per run: a short write, never a long lock
DEFAULTS = {"HOUSEKEEPING_MINUTES": 60, "HOUSEKEEPING_FIRST_MINUTES": 5, "JOBS_KEEP_DAYS": 30}


def _config(name: str) -> int:
    value = current_app.config.get(name)
    return int(DEFAULTS[name] if value is None else value)


def handle(payload: Mapping[str, Any]) -> None:
    """The job handler: the next run is queued first (a part that fails must not end the
    chain), then each part commits on its own."""
    schedule_next()
    queue_unprocessed_photos()
    refresh_overdue_photos()
    prune_finished_jobs()


def ensure_scheduled() -> bool:
    """Queue a housekeeping run (`HOUSEKEEPING_FIRST_MINUTES` from now, out of the way of a
    starting server) unless one is queued already; True if one was added."""
    queued = db.session.scalar(
        select(Job.id).where(Job.kind == JOB_KIND, Job.state == "queued").limit(1)
    )
    if queued is not None:
        db.session.rollback()
        return False
    first = utcnow() + dt.timedelta(minutes=_config("HOUSEKEEPING_FIRST_MINUTES"))
    jobs.enqueue(JOB_KIND, {}, run_after=first)
    db.session.commit()
    return True


def schedule_next() -> None:
    now = utcnow()
    later = db.session.scalar(
        select(Job.id)
        .where(Job.kind == JOB_KIND, Job.state == "queued", Job.run_after > now)
        .limit(1)
    )
    if later is None:
        jobs.enqueue(
            JOB_KIND, {}, run_after=now + dt.timedelta(minutes=_config("HOUSEKEEPING_MINUTES"))
        )
    db.session.commit()


def queue_unprocessed_photos() -> list[str]:
    """A pipeline job for each stored photo that has no metadata and no job waiting."""
    waiting = {
        str((payload or {}).get("sha256", ""))
        for (payload,) in db.session.execute(
            select(Job.payload).where(
                Job.kind == photo_pipeline.JOB_KIND, Job.state.in_(("queued", "failed"))
            )
        )
    }
    unprocessed = db.session.scalars(
        select(Photo.sha256)
        .where(~exists().where(PhotoMeta.sha256 == Photo.sha256))
        .order_by(Photo.received_at)
        .limit(BATCH + len(waiting))
    ).all()
    queued = [sha for sha in unprocessed if sha not in waiting][:BATCH]
    for sha in queued:
        jobs.enqueue(photo_pipeline.JOB_KIND, {"sha256": sha})
    db.session.commit()
    return queued


def refresh_overdue_photos() -> int:
    """Refresh the flags of live records whose photo is overdue and not yet flagged."""
    cutoff = utcnow() - dt.timedelta(hours=settings().photo_wait_hours)
    flagged = exists().where(
        and_(
            IntegrityFlag.record_uuid == IntegrityPhotoUse.record_uuid,
            IntegrityFlag.photo_sha256 == IntegrityPhotoUse.sha256,
            IntegrityFlag.kind == "missing_photo",
        )
    )
    rows = db.session.execute(
        select(IntegrityPhotoUse.commune_code, IntegrityPhotoUse.record_uuid)
        .join(Record, Record.uuid == IntegrityPhotoUse.record_uuid)
        .where(
            Record.created_at <= cutoff,
            Record.deleted.is_(False),
            ~exists().where(Photo.sha256 == IntegrityPhotoUse.sha256),
            ~flagged,
        )
        .limit(BATCH)
    ).all()
    db.session.rollback()
    by_commune: dict[str, set[str]] = {}
    for commune, record in rows:
        by_commune.setdefault(commune, set()).add(record)
    for commune in sorted(by_commune):
        lock_scope(commune)  # flag writers hold the commune's lock (see integrity.py)
        integrity.refresh_records(commune, by_commune[commune])
        db.session.commit()
    return sum(len(uuids) for uuids in by_commune.values())


def prune_finished_jobs() -> int:
    cutoff = utcnow() - dt.timedelta(days=_config("JOBS_KEEP_DAYS"))
    old = (
        select(Job.id)
        .where(Job.state == "done", Job.created_at < cutoff)
        .limit(PRUNE_BATCH)
        .scalar_subquery()
    )
    gone = db.session.execute(
        delete(Job).where(Job.id.in_(old)).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return gone
