"""The Kivy application: owns the device replica, the camera and the screen manager.

Screens are created (and their .kv file loaded) the first time they are shown, so start-up
on a cheap tablet only pays for the first screen. Navigation state lives on the screens'
Kivy properties; app-wide state (language, identity, sync running) on the App's.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from mobile_app import widgets
from mobile_app.autosync import AutoSync
from mobile_app.background import on_ui_thread
from mobile_app.devices.camera import Camera, camera_for_platform
from mobile_app.devices.location import Location, location_for_platform
from mobile_app.devices.scanner import Scanner, scanner_for_platform
from mobile_app.drafts import Drafts
from mobile_app.i18n import tr
from mobile_app.photo_index import PhotoIndex
from sync.replica import Replica

KV_DIR = Path(__file__).with_name("kv")
SCREENS: dict[str, tuple[str, str]] = {
    "enrol": ("mobile_app.screens.enrol", "EnrolScreen"),
    "villages": ("mobile_app.screens.villages", "VillagesScreen"),
    "households": ("mobile_app.screens.households", "HouseholdsScreen"),
    "household": ("mobile_app.screens.household", "HouseholdScreen"),
    "form": ("mobile_app.screens.form", "FormScreen"),
    "sync": ("mobile_app.screens.sync", "SyncScreen"),
}
BACK_KEYS = (27, 1001)  # Escape on desktop, the back button on Android


class ChungSucApp(App):
    lang = StringProperty("vi")
    default_server = StringProperty("")
    officer = StringProperty("")
    commune_name = StringProperty("")
    server_url = StringProperty("")
    sync_running = BooleanProperty(False)
    replica = ObjectProperty(None, allownone=True)
    camera = ObjectProperty(None, allownone=True)
    location = ObjectProperty(None, allownone=True)
    scanner = ObjectProperty(None, allownone=True)

    def __init__(
        self,
        data_dir: str | Path,
        default_server: str = "",
        lang: str = "vi",
        camera: Camera | None = None,
        location: Location | None = None,
        scanner: Scanner | None = None,
        auto_sync: bool = True,
        sync_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ):
        """`auto_sync` False: sync only when the officer asks (tests that count pending
        records); `sync_options` are AutoSync's timings (poll, period, backoff)."""
        super().__init__(**kwargs)
        self.auto_sync = auto_sync
        self.sync_options = sync_options or {}
        self.autosync: AutoSync | None = None
        self.data_dir = Path(data_dir).expanduser()
        self.default_server = default_server
        self.lang = lang
        self.camera = camera
        self.location = location
        self.scanner = scanner
        self.drafts: Drafts | None = None
        self.photo_index: PhotoIndex | None = None
        self.manager: ScreenManager | None = None

    # -- life cycle ------------------------------------------------------------------------
    def build(self) -> ScreenManager:
        widgets.register()
        Window.clearcolor = widgets.BACKGROUND
        self.title = tr("app_title", self.lang)
        self.replica = Replica(self.data_dir / "replica.db")
        self.drafts = Drafts(self.data_dir / "drafts.db")
        self.photo_index = PhotoIndex(self.data_dir / "photo_index.db")
        self.camera = self.camera or camera_for_platform()
        self.location = self.location or location_for_platform()
        self.scanner = self.scanner or scanner_for_platform()
        self.refresh_identity()
        # No slide animation: it costs frames on cheap tablets and adds nothing outdoors.
        self.manager = ScreenManager(transition=NoTransition())
        Window.bind(on_keyboard=self._on_keyboard)
        self.show("villages" if self.replica.enrolled else "enrol")
        if self.replica.enrolled:
            self.resume_draft()
            self.start_sync()  # records a killed app left in the outbox go out by themselves
        return self.manager

    def resume_draft(self) -> None:
        """Reopen the form the officer was filling when the app was killed, as it was."""
        draft = self.drafts.latest()
        if draft is None:
            return
        if draft["household_id"] and self.replica.record(draft["household_id"]) is None:
            return  # its household is gone (e.g. the app's data was reset): nothing to resume
        if draft["household_id"]:
            self.screen("household").household_id = draft["household_id"]
            self.screen("household").back_to = "villages"
        self.show(
            "form",
            form_id=draft["form_id"],
            household_id=draft["household_id"],
            village_code=draft["village_code"],
            back_to="household" if draft["household_id"] else "villages",
        )

    def on_pause(self) -> bool:
        # Android may kill a paused app without warning: write the draft now, not later.
        if self.manager is not None and self.manager.has_screen("form"):
            self.screen("form").save_draft()
        return True

    def on_resume(self) -> None:
        if self.autosync is not None:
            self.autosync.nudge()

    def on_stop(self) -> None:
        self.on_pause()
        if self.autosync is not None:
            self.autosync.stop()
        if self.location is not None:
            self.location.stop()
        if self.replica is not None:
            self.replica.close()
        if self.drafts is not None:
            self.drafts.close()
        if self.photo_index is not None:
            self.photo_index.close()

    # -- text ------------------------------------------------------------------------------
    def tr(self, key: str, lang: str | None = None, **values: Any) -> str:
        """Text for the UI; .kv files pass app.lang so they re-evaluate when it changes."""
        return tr(key, lang or self.lang, **values)

    def toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "vi" else "vi"
        self.title = tr("app_title", self.lang)

    # -- navigation ------------------------------------------------------------------------
    def screen(self, name: str) -> Screen:
        """The screen called `name`, created with its .kv rules on first use."""
        assert self.manager is not None
        if not self.manager.has_screen(name):
            module_name, class_name = SCREENS[name]
            rules = str(KV_DIR / f"{name}.kv")
            if rules not in Builder.files:  # a second app in one process (tests) reuses them
                Builder.load_file(rules)
            cls = getattr(importlib.import_module(module_name), class_name)
            self.manager.add_widget(cls(name=name))
        return self.manager.get_screen(name)

    def show(self, name: str, **props: Any) -> Screen:
        screen = self.screen(name)
        for key, value in props.items():
            setattr(screen, key, value)
        if self.manager.current == name:
            screen.refresh()  # same screen, new subject (e.g. another household)
        self.manager.current = name
        return screen

    def _on_keyboard(self, _window, key: int, *_args: Any) -> bool:
        if key in BACK_KEYS and self.manager is not None and self.manager.current_screen:
            return bool(self.manager.current_screen.go_back())
        return False

    # -- identity --------------------------------------------------------------------------
    def refresh_identity(self) -> None:
        meta = self.replica.get_meta
        self.officer = meta("officer") or ""
        self.commune_name = meta("commune_name") or ""
        self.server_url = meta("server_url") or ""

    # -- background sync -------------------------------------------------------------------
    def start_sync(self) -> None:
        """Start the sync worker (once enrolled); its news reaches the UI thread."""
        if self.autosync is None:
            self.autosync = AutoSync(
                self.replica,
                automatic=self.auto_sync,
                on_start=lambda: on_ui_thread(self._sync_started),
                on_progress=lambda *progress: on_ui_thread(self._sync_progress, *progress),
                on_report=lambda report, retry_in: on_ui_thread(
                    self._sync_finished, report, retry_in
                ),
                on_crash=lambda exc: on_ui_thread(self._sync_crashed, exc),
                **self.sync_options,
            )
        self.autosync.start()

    def sync_now(self) -> None:
        self.start_sync()
        self.autosync.request()

    def records_saved(self) -> None:
        """A form was saved: the worker looks at the outbox now, not at its next poll."""
        if self.autosync is not None:
            self.autosync.nudge()

    def _sync_screen(self):
        return self.screen("sync") if self.manager.has_screen("sync") else None

    def _sync_started(self) -> None:
        self.sync_running = True
        if screen := self._sync_screen():
            screen.sync_started()

    def _sync_progress(self, stage: str, done: int, total: int) -> None:
        if screen := self._sync_screen():
            screen.show_progress(stage, done, total)

    def _sync_finished(self, report, retry_in: float | None) -> None:
        self.sync_running = False
        self.refresh_identity()
        if screen := self._sync_screen():
            screen.sync_finished(report, retry_in if self.autosync.automatic else None)
        changed = report.pushed or report.pulled or report.conflicts or report.rejected
        current = self.manager.current_screen
        if changed and current is not None and current.name in ("villages", "household"):
            current.refresh()  # new statuses, the board's decisions, other officers' records

    def _sync_crashed(self, exc: BaseException) -> None:
        self.sync_running = False
        if screen := self._sync_screen():
            screen.sync_crashed(exc)
