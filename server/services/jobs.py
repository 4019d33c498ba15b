"""A small durable job queue in the `jobs` table.

`enqueue` adds a job to the caller's session, so it commits (or rolls back) with the change
that caused it. A worker claims one due job at a time for a lease: on PostgreSQL the
candidate row is picked with ``FOR UPDATE SKIP LOCKED`` so concurrent workers never wait on
each other; on SQLite (one writer at a time) a conditional UPDATE is the claim. A worker that
is killed holds its lease until `locked_until`; after that any worker takes the job again,
so a job outlives a crash. A failed attempt is retried with backoff up to `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import or_, select, update

from server.extensions import db
from server.models.jobs import Job
from server.models.types import utcnow

MAX_ATTEMPTS = 5
DEFAULT_LEASE = dt.timedelta(minutes=5)

Handler = Callable[[Mapping[str, Any]], None]


def enqueue(kind: str, payload: Mapping[str, Any], *, run_after: dt.datetime | None = None) -> Job:
    """Add a job to the current session; the caller's commit makes it durable."""
    job = Job(
        kind=kind,
        payload=dict(payload),
        state="queued",
        attempts=0,
        run_after=run_after or utcnow(),
        last_error="",
    )
    db.session.add(job)
    return job


def claim(worker: str, *, lease: dt.timedelta = DEFAULT_LEASE, now: dt.datetime | None = None):
    """Take one due job for `lease` and commit the claim; None when nothing is due."""
    now = now or utcnow()
    free = or_(Job.locked_until.is_(None), Job.locked_until < now)
    due = (Job.state == "queued") & (Job.run_after <= now) & free
    pick = select(Job.id).where(due).order_by(Job.run_after, Job.id).limit(1)
    if db.engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    job_id = db.session.execute(pick).scalar()
    if job_id is None:
        db.session.rollback()
        return None
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, due)
        .values(locked_by=worker, locked_until=now + lease, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return None  # another worker won the race on SQLite; the caller simply asks again
    return db.session.get(Job, job_id, populate_existing=True)


def complete(job: Job, worker: str) -> bool:
    """Mark the job done if this worker still holds it; False if its lease was lost."""
    done = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.locked_by == worker, Job.state == "queued")
        .values(state="done", locked_by=None, locked_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return done == 1


def fail(job: Job, worker: str, error: str, *, now: dt.datetime | None = None) -> None:
    """Release the job for a later retry (backoff 2^attempts s), or give up after MAX_ATTEMPTS."""
    now = now or utcnow()
    attempts = job.attempts
    values: dict[str, Any] = {"locked_by": None, "locked_until": None, "last_error": error[:500]}
    if attempts >= MAX_ATTEMPTS:
        values["state"] = "failed"
    else:
        values["run_after"] = now + dt.timedelta(seconds=2**attempts)
    db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.locked_by == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def run_one(handlers: Mapping[str, Handler], worker: str, *, lease=DEFAULT_LEASE) -> bool:
    """Claim and run one job; True if a job was taken (whatever its outcome)."""
    job = claim(worker, lease=lease)
    if job is None:
        return False
    handler = handlers.get(job.kind)
    if handler is None:
        fail(job, worker, f"no handler for job kind {job.kind!r}")
        return True
    try:
        handler(job.payload)
    except Exception as exc:  # a job's failure must not stop the worker; it is recorded
        db.session.rollback()
        fail(job, worker, f"{type(exc).__name__}: {exc}")
        return True
    complete(job, worker)
    return True
