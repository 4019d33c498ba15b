"""Run slow work (network, disk) off the UI thread and deliver the outcome on the UI thread.

The electrum pattern: a plain thread does the work, `Clock.schedule_once` hands the result
back, so Kivy widgets are only ever touched from the main thread and the UI never freezes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock


def on_ui_thread(fn: Callable[..., Any], *args: Any) -> None:
    """Call fn(*args) on the next frame of the UI thread."""
    Clock.schedule_once(lambda _dt: fn(*args), 0)


def run_in_background(
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    replica: Any = None,
    name: str = "chungsuc-work",
) -> threading.Thread:
    """Start `work` in a daemon thread; exactly one of on_done/on_error runs afterwards.

    `replica` (if given) has its connection for this thread closed when the work ends:
    sync.replica keeps one SQLite connection per thread, and a finished thread must not
    leave one open behind it.
    """

    def runner() -> None:
        try:
            result = work()
        except Exception as exc:  # every failure must reach the officer, not vanish
            on_ui_thread(on_error, exc)
        else:
            on_ui_thread(on_done, result)
        finally:
            if replica is not None:
                replica.close()

    thread = threading.Thread(target=runner, name=name, daemon=True)
    thread.start()
    return thread
