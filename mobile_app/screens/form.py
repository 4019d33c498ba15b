"""Fill in a form about a household (or register a new one), rendered from forms/.

Conditional questions appear and disappear as answers change (forms.relevant_fields); the
answers stay on screen whatever happens, including a failed save, until the officer saves
or cancels. Validation is the replica's (the same rules as the server's). Every change is
kept as a draft (mobile_app.drafts) a moment later, so a killed app reopens the form as it
was. Location questions follow the GPS; photos are stamped with the latest fix and shrunk.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from forms import relevant_fields
from mobile_app import geopoint
from mobile_app.answers import initial_answers, quantity_unit, submission
from mobile_app.background import run_in_background
from mobile_app.devices.location import Fix
from mobile_app.form_fields import FieldBlock
from mobile_app.i18n import tr
from mobile_app.photo_capture import kept_photo
from mobile_app.screens.base import BaseScreen
from sync.phash import PhotoError, image_hashes
from sync.replica import ValidationFailed

DRAFT_DELAY = 0.4  # seconds: one disk write per pause in typing, not one per key


class FormScreen(BaseScreen):
    form_id = StringProperty("")
    household_id = StringProperty("")  # "" while registering a new household
    village_code = StringProperty("")
    title_text = StringProperty("")
    status_text = StringProperty("")
    status_error = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.form = None
        self.answers: dict[str, Any] = {}
        self.blocks: dict[str, FieldBlock] = {}
        self._draft_for: tuple | None = None  # (form, household, village, language)
        self._shown: list[str] = []
        self._village: dict[str, Any] | None = None
        self.save_draft_later = Clock.create_trigger(lambda _dt: self.save_draft(), DRAFT_DELAY)

    def refresh(self) -> None:
        key = (self.form_id, self.household_id, self.village_code, self.app.lang)
        if key != self._draft_for:
            self._start(key)
        if any(f.type == "geopoint" for f in self.form.fields):
            self.app.location.start(self._got_fix)

    def on_leave(self, *args):
        self.app.location.stop(self._got_fix)  # the receiver costs battery: only while here
        self.save_draft()

    # -- building --------------------------------------------------------------------------
    def _start(self, key: tuple) -> None:
        app, lang = self.app, self.app.lang
        previous = self.answers if self._draft_for and self._draft_for[:3] == key[:3] else None
        self.form = app.replica.forms.get(self.form_id)
        household = app.replica.record(self.household_id) if self.household_id else None
        head = (household or {}).get("data", {}).get("head_name", "")
        self.title_text = (
            f"{self.form.title.get(lang)} — {head}" if head else self.form.title.get(lang)
        )
        self._village = app.replica.village(self.village_code)
        restored = None
        if previous is None:
            restored = app.drafts.load(self.form_id, self.household_id, self.village_code)
        # A language switch rebuilds the widgets but keeps what was already answered.
        self.answers = previous if previous is not None else initial_answers(self.form)
        self.answers.update(restored or {})
        self.blocks = {
            f.name: FieldBlock(self.form, f, lang, self._changed, self._request)
            for f in self.form.fields
        }
        for name, block in self.blocks.items():
            if name in self.answers:
                block.set_value(self.answers[name])
            if block.field.type == "photo":
                self._show_photos(block, self.answers.get(name))
            elif block.field.type == "geopoint":
                self._show_geo(block)
        self._shown = []
        self._layout()
        self.status_text = tr("draft_restored", lang) if restored else ""
        self.status_error = False
        self._draft_for = key
        self.ids.scroll.scroll_y = 1

    def _layout(self) -> None:
        shown = [f.name for f in relevant_fields(self.form, self.answers)]
        if shown != self._shown:
            grid = self.ids.fields
            grid.clear_widgets()
            for name in shown:
                grid.add_widget(self.blocks[name])
            self._shown = shown
        for name in shown:
            field = self.form.field(name)
            self.blocks[name].set_unit(quantity_unit(self.form, field, self.answers, self.app.lang))

    def _show_photos(self, block: FieldBlock, value: Any) -> None:
        hashes = value if isinstance(value, list) else [value] if value else []
        paths = [self.app.replica.photo_path(sha) for sha in hashes]
        block.set_photos(
            [(sha, str(p) if p else None) for sha, p in zip(hashes, paths, strict=True)]
        )

    def _show_geo(self, block: FieldBlock) -> None:
        lang, point = self.app.lang, self.answers.get(block.field.name)
        if not point:
            available = self.app.location.available
            block.show_geo(
                tr("gps_waiting", lang) if available else tr("gps_unavailable", lang), []
            )
            return
        village = self._village or {}
        mock = bool(point.get("mock"))  # saved with the point, so a restored draft says it too
        block.show_geo(
            geopoint.describe(point, lang),
            geopoint.warnings(point, village.get("geometry"), village.get("name", ""), mock, lang),
        )

    # -- events ----------------------------------------------------------------------------
    def _changed(self, name: str, value: Any) -> None:
        self.answers[name] = value
        self.status_text, self.status_error = "", False  # the officer is fixing things
        self._layout()
        self.save_draft_later()

    def _got_fix(self, fix: Fix) -> None:
        for block in self.blocks.values():
            if block.field.type != "geopoint":
                continue
            current = self.answers.get(block.field.name)
            # Keep the best fix: a later, vaguer one (walking under trees) must not undo it.
            if current and (current.get("accuracy") or 1e9) <= (fix.accuracy or 1e9):
                continue
            self.answers[block.field.name] = fix.answer()
            block.set_value(fix.answer())
            self._show_geo(block)
            self.save_draft_later()

    def _request(self, block: FieldBlock) -> None:
        if block.field.type == "geopoint":
            self.answers[block.field.name] = None  # "measure again": the next fix replaces it
            self._show_geo(block)
            self.app.location.start(self._got_fix)
        else:
            self._take_photo(block)

    def _take_photo(self, block: FieldBlock) -> None:
        def got(path: str | None) -> None:
            if not path:
                return  # the officer cancelled: nothing changes
            replica, fix, now = self.app.replica, self.app.location.last, dt.datetime.now(dt.UTC)
            index, household = self.app.photo_index, self.household_id

            def keep() -> tuple[str, str, list]:
                # Stamped with the fix, then shrunk and hashed: ~0.2 s here, about a second
                # on a tablet, so off the UI thread.
                content = kept_photo(Path(path).read_bytes(), fix, now)
                digest = replica.add_photo(content)
                try:
                    index.add(digest, image_hashes(content)["phash"])
                except PhotoError:
                    pass  # kept_photo read it, so this cannot happen; never block a photo
                alikes = index.look_alikes(digest, household)
                return digest, str(replica.photo_path(digest)), alikes

            def kept(result: tuple[str, str, list]) -> None:
                digest, photo_path, alikes = result
                block.add_photo(digest, photo_path)
                if alikes:
                    block.warn_photo(digest, self._look_alike_text(alikes))

            def failed(exc: BaseException) -> None:
                if not isinstance(exc, OSError):
                    raise exc
                block.set_error(tr("photo_failed", self.app.lang, error=exc.strerror or exc))

            run_in_background(keep, kept, failed, replica, "chungsuc-photo")

        self.app.camera.take(got)

    def _look_alike_text(self, alikes) -> str:
        names = []
        for match in alikes:
            household = self.app.replica.record(match.household_id)
            names.append(((household or {}).get("data") or {}).get("head_name") or "?")
        return tr("photo_look_alike", self.app.lang, households=", ".join(names))

    # -- drafts, saving --------------------------------------------------------------------
    def save_draft(self) -> None:
        if self._draft_for is not None and self.form is not None:
            self.app.drafts.save(self.form_id, self.household_id, self.village_code, self.answers)

    def _forget(self) -> None:
        self.save_draft_later.cancel()
        self.app.drafts.discard(self.form_id, self.household_id, self.village_code)
        self._draft_for = None  # the next form starts empty
        self.answers = {}

    def save(self) -> None:
        lang = self.app.lang
        data = submission(self.form, self.answers)
        household = self.household_id or None
        try:
            saved = self.app.replica.save_record(self.form_id, data, self.village_code, household)
        except ValidationFailed as failed:
            self._show_errors(failed.errors, lang)
            return
        self.app.photo_index.attach(saved.uuid, saved.household_id, saved.photos)
        self._forget()
        self.app.records_saved()
        # A new household opens at once: the next thing the officer does is record for it.
        self.app.show("household", household_id=saved.household_id, back_to="households")
        self.app.screen("household").notice = tr("saved", lang)

    def _show_errors(self, errors, lang: str) -> None:
        for block in self.blocks.values():
            block.set_error("")
        general = []
        first = None
        for error in errors:
            block = self.blocks.get(error.field)
            text = error.message.get(lang)
            if block is None or error.field not in self._shown:
                general.append(text)
                continue
            block.set_error(text)
            first = first or block
        self.status_text = " ".join([tr("fix_errors", lang), *general])
        self.status_error = True
        if first is not None:
            self.ids.scroll.scroll_to(first, animate=False)

    def cancel(self) -> None:
        self._forget()
        self.go_back()
