"""One sync round between a device replica and the server: push, upload photos, pull.

Runs in a background thread on the tablet (never on the UI thread) and as-is in the
simulator. Progress is reported through a callback; a failure part-way loses nothing,
because the outbox keeps every change until the server has acknowledged it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sync.client import ApiError, Offline, SyncClient, Transport
from sync.envelope import new_id, utc_now
from sync.replica import Replica


@dataclass
class SyncReport:
    pushed: int = 0
    conflicts: int = 0
    rejected: int = 0
    photos_uploaded: int = 0
    pulled: int = 0
    bytes_sent: int = 0
    ok: bool = True
    offline: bool = False  # the server could not be reached (worth retrying later)
    temporary: bool = False  # the server answered "not now" (5xx, e.g. 507 disk full; 429)
    redownloaded: bool = False  # the consistency check found the replica out of step
    error: str | None = None  # Vietnamese, for the officer
    error_en: str | None = None
    details: list[dict] = field(default_factory=list)


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def client_for(replica: Replica, timeout: float = 30.0) -> SyncClient:
    url = replica.get_meta("server_url")
    if not url:
        raise RuntimeError("device is not enrolled")
    return SyncClient(url, replica.get_meta("token"), timeout=timeout)


def enroll(
    replica: Replica,
    server_url: str,
    code: str,
    device_name: str,
    app_version: str,
    transport: Transport | None = None,
):
    """Exchange the code for a token and download the commune's villages.

    The installation id is made once and kept, so if the answer is lost on the way the same
    code can be sent again from this installation and still works (the token is renewed).
    """
    install_id = replica.get_meta("install_id")
    if not install_id:
        install_id = new_id()
        replica.set_meta({"install_id": install_id})
    client = SyncClient(server_url, transport=transport)
    body = client.enroll(code.strip().upper(), device_name, app_version, install_id)
    replica.set_meta(
        {
            "server_url": server_url.rstrip("/"),
            "token": body["token"],
            "device_id": body["device_id"],
            "officer": body.get("officer") or "",
        }
    )
    replica.save_scope(client.scope())
    return body


def sync_once(replica: Replica, client: SyncClient, progress: Progress | None = None) -> SyncReport:
    report = SyncReport()
    notify = progress or (lambda stage, done, total: None)
    try:
        _push(replica, client, report, notify)
        _upload_photos(replica, client, report, notify)
        _pull(replica, client, report, notify)
    except Offline:
        report.ok = False
        report.offline = True
        report.error = "Không kết nối được máy chủ. Dữ liệu vẫn được giữ trên máy, hãy thử lại sau."
        report.error_en = "Cannot reach the server. Your data is kept on this tablet; try later."
    except ApiError as exc:
        report.ok = False
        report.temporary = exc.temporary
        report.error, report.error_en = exc.message, exc.message_en
    if report.ok:
        replica.set_meta({"last_sync_at": utc_now(), "last_sync_error": ""})
    else:
        replica.set_meta({"last_sync_error": report.error})
    return report


def _push(replica: Replica, client: SyncClient, report: SyncReport, notify: Progress) -> None:
    total = replica.outbox_counts()["pending"]
    while True:
        batch = replica.pending_mutations()
        if not batch:
            return
        sent_before = client.bytes_sent
        try:
            answer = client.push(batch)
        except ApiError as exc:
            if exc.status != 422 or not exc.body.get("errors"):
                raise
            # The server named the bad records and wrote nothing: set those aside with their
            # reasons for the officer, and send the rest again.
            results = _rejections(batch, exc.body["errors"])
            replica.apply_push_results(results)
            report.rejected += len(results)
            report.details.extend(results)
            continue
        report.bytes_sent += client.bytes_sent - sent_before
        results = answer["results"]
        replica.apply_push_results(results)
        report.pushed += sum(r["status"] == "applied" and not r.get("replayed") for r in results)
        report.conflicts += sum(r["status"] == "conflict" for r in results)
        notify("push", report.pushed + report.conflicts, total)


def _rejections(batch, errors) -> list[dict]:
    by_index: dict[int, list[dict]] = {}
    for err in errors:
        by_index.setdefault(int(err.get("index", -1)), []).append(err)
    return [
        {"uuid": e.uuid, "mutation_id": e.mutation_id, "status": "rejected", "errors": by_index[i]}
        for i, e in enumerate(batch)
        if i in by_index
    ]


def _upload_photos(replica: Replica, client: SyncClient, report: SyncReport, notify: Progress):
    pending = replica.pending_photos()
    total = sum(p["size"] for p in pending)
    done_bytes = 0
    for photo in pending:
        with open(photo["path"], "rb") as fh:
            content = fh.read()
        base = done_bytes

        def on_chunk(offset: int, size: int, base: int = base) -> None:
            notify("photos", base + offset, total)

        report.bytes_sent += client.upload_resumable(photo["sha256"], content, progress=on_chunk)
        replica.mark_photo_uploaded(photo["sha256"])
        report.photos_uploaded += 1
        done_bytes += photo["size"]
        notify("photos", done_bytes, total)


def _pull(replica: Replica, client: SyncClient, report: SyncReport, notify: Progress) -> None:
    _pull_pages(replica, client, report, notify)
    if replica.outbox_counts()["pending"]:
        return  # local edits not yet on the server: the digests cannot agree yet
    remote = client.checksum()
    if remote["version"] != replica.cursor:
        return  # someone wrote meanwhile; compare on the next round
    if replica.scope_digest() != (remote["count"], remote["digest"]):
        report.redownloaded = True
        replica.reset_cursor()
        _pull_pages(replica, client, report, notify)


def _pull_pages(replica: Replica, client: SyncClient, report: SyncReport, notify: Progress):
    for page in client.iter_changes(since=replica.cursor):
        report.pulled += replica.apply_changes(page["changes"], page["next"])
        notify("pull", report.pulled, report.pulled + (1 if page.get("more") else 0))


def sync_with_retries(
    replica: Replica,
    client: SyncClient,
    progress: Progress | None = None,
    attempts: int = 5,
    base_delay: float = 2.0,
    max_delay: float = 300.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> SyncReport:
    """Sync, retrying only when the server could not be reached or said "not now" (5xx,
    429), with exponential backoff and full jitter so a hundred tablets reaching coverage
    together do not retry together. A refusal (4xx) is not retried: it needs a person."""
    rng = rng or random.Random()
    report = sync_once(replica, client, progress)
    for attempt in range(1, attempts):
        if report.ok or not (report.offline or report.temporary):
            break
        sleep(rng.uniform(0, min(max_delay, base_delay * 2**attempt)))
        report = sync_once(replica, client, progress)
    return report
