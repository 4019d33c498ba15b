"""The change feed never skips a change that a concurrent transaction commits late.

Writers push in parallel and hold their transaction open for a random moment after their
versions are assigned (the PUSH_BEFORE_COMMIT fault hook), which is exactly when a feed
built on plain sequences or timestamps would show a later version before an earlier one
commits, so that a reader's cursor jumps over it. A reader polls the feed the whole time,
as a tablet would; at the end it must have seen every record.
"""

from __future__ import annotations

import random
import threading
import time

from tests.helpers import envelope

WRITERS, BATCHES, PER_BATCH = 4, 12, 3


def test_concurrent_writers_never_make_the_feed_skip(app, device):
    rng = random.Random(7)
    delays = threading.Lock()

    def slow_commit(_results):
        with delays:
            pause = rng.uniform(0.0, 0.03)
        time.sleep(pause)

    app.config["PUSH_BEFORE_COMMIT"] = slow_commit
    pushed: list[str] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def writer():
        client = app.test_client()
        try:
            for _ in range(BATCHES):
                batch = [envelope() for _ in range(PER_BATCH)]
                response = client.post(
                    "/api/v1/sync/push", json={"records": batch}, headers=device.headers
                )
                assert response.status_code == 200, response.json
                pushed.extend(e["uuid"] for e in batch)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    seen: dict[str, int] = {}
    client = app.test_client()
    cursor = client.get("/api/v1/sync/checksum", headers=device.headers).json["version"]

    def read_page() -> None:
        nonlocal cursor
        page = client.get(
            f"/api/v1/sync/changes?since={cursor}&limit=50", headers=device.headers
        ).json
        for change in page["changes"]:
            seen[change["uuid"]] = change["version"]
        cursor = page["next"]

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    reads = 0
    while any(t.is_alive() for t in threads):
        read_page()
        reads += 1
    for thread in threads:
        thread.join()
    done.set()
    for _ in range(10):
        read_page()
    assert not errors, errors
    assert reads >= 3  # the reader really polled while the writers were writing
    assert len(pushed) == WRITERS * BATCHES * PER_BATCH
    missing = set(pushed) - set(seen)
    assert not missing, f"the feed skipped {len(missing)} records"
    versions = sorted(seen[u] for u in pushed)
    assert len(set(versions)) == len(versions)
