"""Background sync: one worker thread that syncs by itself while records wait to be sent.

No Kivy here (tested without a window); the app hands in callbacks that hop to the UI
thread. The worker runs `sync.replicator.sync_once` rounds:

- when the outbox holds records or photos (checked every `poll` seconds, and at once when
  the app starts: the outbox is on disk, so work left by a killed app is picked up);
- every `period` seconds even with nothing to send, to receive the board's decisions;
- at once when the officer taps "sync now" (`request()`), whatever the backoff says.

After a round that could not reach the server, or that the server answered "not now"
(5xx such as 507 disk full, 429: `SyncReport.temporary`), the next automatic attempt waits with
exponential backoff and full jitter (AWS's "full jitter": uniform(0, min(cap, base*2^n))),
so the tablets of a commune that regain coverage together do not retry together, and a
tablet out of coverage for a day does not drain its battery trying. A round the server
refused (revoked tablet, wrong token, server error) is not retried automatically before
`cap`: trying again at once would get the same answer.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sync.client import SyncClient
from sync.replica import Replica
from sync.replicator import Progress, SyncReport, client_for, sync_once

MIN_DELAY = 1.0  # seconds: full jitter may draw ~0; never retry in a tight loop


@dataclass
class Backoff:
    """When to try again: pure arithmetic, fed by the outcome of each round."""

    base: float = 5.0
    cap: float = 900.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def after(self, report: SyncReport | None) -> float | None:
        """Seconds until the next automatic attempt after this round's outcome; None after
        a good round (the next one starts when there is work or the period is up).
        `report` None means the round crashed (a bug): treated as a refusal."""
        if report is not None and report.ok:
            self.failures = 0
            return None
        if report is not None and (report.offline or report.temporary):
            self.failures += 1
            ceiling = min(self.cap, self.base * 2**self.failures)
            return max(MIN_DELAY, self.rng.uniform(0, ceiling))
        self.failures += 1
        return self.cap


class AutoSync:
    """The sync worker. Callbacks run on the worker thread: wrap them for the UI."""

    def __init__(
        self,
        replica: Replica,
        *,
        client_factory: Callable[[Replica], SyncClient] = client_for,
        automatic: bool = True,
        poll: float = 20.0,
        period: float = 900.0,
        backoff: Backoff | None = None,
        on_start: Callable[[], None] = lambda: None,
        on_progress: Progress = lambda stage, done, total: None,
        on_report: Callable[[SyncReport, float | None], None] = lambda report, retry_in: None,
        on_crash: Callable[[BaseException], None] = lambda exc: None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.replica = replica
        self.client_factory = client_factory
        self.automatic = automatic
        self.poll, self.period = poll, period
        self.backoff = backoff or Backoff()
        self.on_start, self.on_progress = on_start, on_progress
        self.on_report, self.on_crash = on_report, on_crash
        self.clock = clock
        self.running = False  # a round is under way
        self.rounds = 0
        self.retry_at: float | None = None  # clock() of the next automatic retry, if waiting
        self._last_round: float | None = None
        self._wake = threading.Event()
        self._forced = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- control (any thread) --------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="chungsuc-autosync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to end after its current round; a round cut by the app being
        killed loses nothing either (the outbox keeps what the server has not confirmed)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def request(self) -> None:
        """Sync as soon as possible (the "sync now" button): skips any backoff wait."""
        self._forced = True
        self._wake.set()

    def nudge(self) -> None:
        """Something was saved: look at the outbox now rather than at the next poll."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the worker ------------------------------------------------------------------------
    def due(self) -> bool:
        """Whether an automatic round should start now (called on the worker thread)."""
        if not self.automatic or not self.replica.enrolled:
            return False
        now = self.clock()
        if self.retry_at is not None:
            return now >= self.retry_at
        counts = self.replica.outbox_counts()
        if counts["pending"] or counts["photos"]:
            return True
        return self._last_round is None or now - self._last_round >= self.period

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                forced, self._forced = self._forced, False
                self._wake.clear()
                if forced or self.due():
                    self._round()
                if self._stop.is_set():
                    break
                self._wake.wait(self._sleep_time())
        finally:
            self.replica.close()  # this thread's SQLite connection

    def _sleep_time(self) -> float:
        wait = self.poll
        if self.retry_at is not None:
            wait = min(wait, max(0.0, self.retry_at - self.clock()))
        return wait

    def _round(self) -> None:
        if not self.replica.enrolled:
            return
        self.running = True
        self.on_start()
        report: SyncReport | None = None
        try:
            report = sync_once(self.replica, self.client_factory(self.replica), self.on_progress)
        except Exception as exc:  # a bug must reach the officer, and must not end the worker
            self.on_crash(exc)
        finally:
            self.running = False
            self.rounds += 1
            self._last_round = self.clock()
        delay = self.backoff.after(report)
        self.retry_at = None if delay is None else self.clock() + delay
        if report is not None:
            self.on_report(report, delay)
