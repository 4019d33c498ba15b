"""Sync: what is waiting to be sent, when the last sync was, and a button to sync now.

Rounds run on the app's background worker (mobile_app.autosync), by themselves while
records wait and at once when the officer taps "sync now"; the app forwards the worker's
start, progress and outcome here on the UI thread, so the screen never freezes.
"""

from __future__ import annotations

import datetime as dt

from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from mobile_app.i18n import tr
from mobile_app.screens.base import BaseScreen
from sync.replicator import SyncReport


class SyncScreen(BaseScreen):
    pending_records = NumericProperty(0)
    pending_photos = NumericProperty(0)
    rejected = NumericProperty(0)
    last_sync = StringProperty("")
    last_error = StringProperty("")
    stage_text = StringProperty("")
    progress = NumericProperty(0)
    result_text = StringProperty("")
    result_error = BooleanProperty(False)
    retry_text = StringProperty("")  # when the worker will try again by itself

    def on_pre_enter(self, *args):
        if not self.app.sync_running:  # a result from an earlier visit would mislead
            self.result_text, self.result_error = "", False
            self.stage_text, self.progress = "", 0
        super().on_pre_enter(*args)

    def refresh(self) -> None:
        replica = self.app.replica
        counts = replica.outbox_counts()
        self.pending_records = counts["pending"]
        self.pending_photos = counts["photos"]
        self.rejected = counts["rejected"]
        self.last_sync = local_time(replica.get_meta("last_sync_at") or "")
        self.last_error = replica.get_meta("last_sync_error") or ""

    def sync_now(self) -> None:
        app = self.app
        if app.sync_running:
            return
        if not app.replica.enrolled:
            self._show_result(tr("not_enrolled", app.lang), error=True)
            return
        self.sync_started()
        app.sync_now()

    # -- news from the worker, on the UI thread ----------------------------------------------
    def sync_started(self) -> None:
        self.progress = 0
        self.result_text, self.retry_text = "", ""
        self.stage_text = tr("syncing", self.app.lang)

    def show_progress(self, stage: str, done: int, total: int) -> None:
        lang = self.app.lang
        self.stage_text = f"{tr(f'stage_{stage}', lang)}: {stage_counts(stage, done, total, lang)}"
        self.progress = done / total if total else 1
        self.refresh()

    def sync_finished(self, report: SyncReport, retry_in: float | None) -> None:
        lang = self.app.lang
        self.stage_text = ""
        self.refresh()
        if report.ok:
            self.progress = 1
            text = tr(
                "sync_done",
                lang,
                pushed=report.pushed,
                photos=report.photos_uploaded,
                pulled=report.pulled,
            )
            if report.conflicts:
                text += " " + tr("sync_conflicts", lang, n=report.conflicts)
            self._show_result(text, error=False)
        else:
            message = report.error if lang == "vi" else (report.error_en or report.error)
            self._show_result(message or "", error=True)
        self.retry_text = retry_message(retry_in, lang)

    def sync_crashed(self, exc: BaseException) -> None:
        self.stage_text = ""
        self.refresh()
        self._show_result(tr("unexpected_error", self.app.lang, error=exc), error=True)

    def _show_result(self, text: str, error: bool) -> None:
        self.result_text, self.result_error = text, error


def retry_message(retry_in: float | None, lang: str, now: dt.datetime | None = None) -> str:
    """ "Sẽ tự thử lại lúc 09:15:30." for a retry planned `retry_in` seconds from now."""
    if retry_in is None:
        return ""
    moment = (now or dt.datetime.now().astimezone()) + dt.timedelta(seconds=retry_in)
    return tr("sync_retry_at", lang, time=moment.strftime("%H:%M:%S"))


def local_time(stamp: str) -> str:
    """ "2025-03-04T02:15:00Z" -> "04/03/2025 09:15" in the tablet's time zone (dd/mm, as
    Vietnamese officers write dates); unreadable stamps are shown as they are."""
    if not stamp:
        return ""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


def stage_counts(stage: str, done: int, total: int, lang: str) -> str:
    """How far a stage is, in its own unit: records sent "120 / 200", photo megabytes
    "1,5 / 3,0 MB" (a decimal comma in Vietnamese), records received so far "350" (the
    feed does not say how many are left)."""
    if stage == "photos":
        text = f"{done / 1e6:.1f} / {total / 1e6:.1f} MB"
        return text.replace(".", ",") if lang == "vi" else text
    if stage == "pull":
        return str(done)
    return f"{done} / {total}"
