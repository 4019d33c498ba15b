"""The durable job queue: enqueue with the caller's transaction, lease, crash recovery, retry."""

from __future__ import annotations

import datetime as dt

from server.extensions import db
from server.models.jobs import Job
from server.models.types import utcnow
from server.services import jobs


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_an_enqueued_job_exists_only_if_the_caller_commits(app):
    with app.app_context():
        jobs.enqueue("photo", {"sha256": "a" * 64})
        db.session.rollback()
        assert db.session.query(Job).count() == 0
        job = jobs.enqueue("photo", {"sha256": "b" * 64})
        db.session.commit()
        assert _job(job.id).state == "queued"
        assert _job(job.id).payload == {"sha256": "b" * 64}


def test_a_claimed_job_is_not_given_to_another_worker_while_its_lease_holds(app):
    with app.app_context():
        job = jobs.enqueue("photo", {"n": 1})
        db.session.commit()
        first = jobs.claim("worker-a", lease=dt.timedelta(minutes=5))
        assert first is not None and first.id == job.id and first.locked_by == "worker-a"
        assert jobs.claim("worker-b") is None


def test_a_job_of_a_killed_worker_is_taken_again_after_its_lease_expires(app):
    with app.app_context():
        job = jobs.enqueue("photo", {"n": 1})
        db.session.commit()
        start = utcnow()
        assert jobs.claim("dead-worker", lease=dt.timedelta(seconds=30), now=start) is not None
        # The worker "crashes": it never completes. Before the lease ends, nobody gets it...
        assert jobs.claim("worker-b", now=start + dt.timedelta(seconds=10)) is None
        # ...after it, another worker does, and the dead worker can no longer complete it.
        taken = jobs.claim("worker-b", now=start + dt.timedelta(seconds=31))
        assert taken is not None and taken.id == job.id and taken.attempts == 2
        assert jobs.complete(job, "dead-worker") is False
        assert jobs.complete(taken, "worker-b") is True
        assert _job(job.id).state == "done"
        assert jobs.claim("worker-c") is None


def test_run_one_runs_the_handler_and_a_failure_is_retried_later_then_given_up(app):
    seen = []

    def flaky(payload):
        seen.append(payload["n"])
        raise RuntimeError("disk full")

    with app.app_context():
        ok = jobs.enqueue("ok", {"n": 1})
        bad = jobs.enqueue("flaky", {"n": 2})
        db.session.commit()
        handlers = {"ok": lambda p: seen.append(p["n"]), "flaky": flaky}
        assert jobs.run_one(handlers, "w") is True
        assert jobs.run_one(handlers, "w") is True
        assert seen == [1, 2]
        assert _job(ok.id).state == "done"
        failed = _job(bad.id)
        assert failed.state == "queued" and "disk full" in failed.last_error
        assert failed.run_after > utcnow()  # backoff: not due again at once
        assert jobs.run_one(handlers, "w") is False
        for attempt in range(2, jobs.MAX_ATTEMPTS + 1):
            later = utcnow() + dt.timedelta(hours=attempt)
            taken = jobs.claim("w", now=later)
            assert taken is not None and taken.attempts == attempt
            jobs.fail(taken, "w", "still failing", now=later)
        assert _job(bad.id).state == "failed"
        assert jobs.claim("w", now=utcnow() + dt.timedelta(days=1)) is None


def test_an_unknown_kind_is_recorded_not_raised(app):
    with app.app_context():
        job = jobs.enqueue("nonsense", {})
        db.session.commit()
        assert jobs.run_one({}, "w") is True
        assert "no handler" in _job(job.id).last_error


def test_a_finished_upload_queues_one_pipeline_job_with_the_photo(app, client, device):
    import hashlib

    from tests.helpers import jpeg_bytes

    content = jpeg_bytes(size=(640, 480), text="queued")
    sha = hashlib.sha256(content).hexdigest()
    for _ in range(2):  # the second upload of the same photo finds it stored: no second job
        started = client.post(
            "/api/v1/uploads", json={"sha256": sha, "size": len(content)}, headers=device.headers
        )
        if started.json.get("complete"):
            break
        upload_id = started.json["upload_id"]
        client.put(
            f"/api/v1/uploads/{upload_id}?offset=0",
            data=content,
            headers=device.headers,
            content_type="application/octet-stream",
        )
        done = client.post(f"/api/v1/uploads/{upload_id}/finish", headers=device.headers)
        assert done.status_code == 201
    with app.app_context():
        queued = db.session.query(Job).filter_by(kind="photo_pipeline").all()
        ours = [j.state for j in queued if j.payload == {"sha256": sha}]
        assert ours == ["queued"]
