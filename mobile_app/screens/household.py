"""One household: who lives there, its records with their sync and review status (approved,
rejected with the reason, in conflict and why), the forms to start, and deleting a record
(or the household) with a reason where the replica allows it."""

from __future__ import annotations

from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.utils import escape_markup, get_hex_from_color

from forms import UnknownForm
from mobile_app.answers import record_summary
from mobile_app.delete_dialog import DeleteDialog
from mobile_app.i18n import tr
from mobile_app.redo_text import reason_text
from mobile_app.screens.base import BaseScreen
from mobile_app.widgets import STATUS_COLORS, TOUCH, BigButton, WrapLabel

# The forms an officer fills in about a household, most frequent first.
HOUSEHOLD_FORMS = ("contribution", "environment_check", "house_tidying_check")


class RecordRow(BoxLayout):
    """A record in the list: what it says on the left, its sync status on the right."""

    def __init__(
        self,
        title: str,
        summary: str,
        status: str,
        lang: str,
        note: str = "",
        on_delete=None,
        **kwargs,
    ):
        super().__init__(spacing=dp(12), padding=dp(10), size_hint_y=None, **kwargs)
        with self.canvas.before:
            Color(1, 1, 1, 1)
            self._bg = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._move, size=self._move)
        color = STATUS_COLORS.get(status, STATUS_COLORS["pending"])
        body = f"[b]{escape_markup(title)}[/b]\n{escape_markup(summary)}"
        if note:  # why it was rejected, or what a conflict waits for
            body += f"\n[color={get_hex_from_color(color)}]{escape_markup(note)}[/color]"
        text = WrapLabel(text=body, markup=True)
        self.status = WrapLabel(
            text=tr(f"status_{status}", lang),
            color=color,
            bold=True,
            halign="right",
            size_hint_x=0.3,
        )
        self.add_widget(text)
        self.add_widget(self.status)
        self.delete_button = None
        if on_delete is not None:
            self.delete_button = BigButton(
                text=tr("delete", lang), primary=False, size_hint=(None, None), width=dp(110)
            )
            self.delete_button.bind(on_release=lambda *_: on_delete())
            holder = AnchorLayout(size_hint_x=None, width=dp(110))
            holder.add_widget(self.delete_button)
            self.add_widget(holder)
        self._text = text
        text.bind(height=self._fit)
        self.status.bind(height=self._fit)
        self._fit()

    def _fit(self, *_):
        self.height = max(self._text.height, self.status.height, TOUCH) + dp(20)

    def _move(self, *_):
        self._bg.pos, self._bg.size = self.pos, self.size


class HouseholdScreen(BaseScreen):
    household_id = StringProperty("")
    head_name = StringProperty("")
    village_code = StringProperty("")
    notice = StringProperty("")  # e.g. "saved" after a form, until another household opens

    def on_household_id(self, *_):
        self.notice = ""

    def refresh(self) -> None:
        app = self.app
        record = app.replica.record(self.household_id) if self.household_id else None
        if record is None:
            return
        data, lang = record["data"], app.lang
        self.head_name = data.get("head_name") or ""
        self.village_code = record["village_code"]
        facts = self.ids.facts
        facts.clear_widgets()
        for caption, value in (
            (tr("head", lang), data.get("head_name")),
            (tr("house_number", lang), data.get("house_number")),
            (tr("members", lang), data.get("members")),
            (tr("member_names", lang), data.get("member_names")),
        ):
            if value not in (None, ""):
                text = f"{caption}: [b]{escape_markup(str(value))}[/b]"
                facts.add_widget(WrapLabel(text=text, markup=True))
        self._fill_actions(lang)
        self._fill_records(lang)

    def _fill_actions(self, lang: str) -> None:
        actions = self.ids.actions
        actions.clear_widgets()
        for i, form_id in enumerate(HOUSEHOLD_FORMS):
            try:
                form = self.app.replica.forms.get(form_id)
            except UnknownForm:
                continue  # an older build without this form: offer the others
            text = (
                tr("record_contribution", lang)
                if form_id == "contribution"
                else form.title.get(lang)
            )
            button = BigButton(text=text, primary=(i == 0), height=dp(72))
            button.form_id = form_id
            button.bind(on_release=self._start_form)
            actions.add_widget(button)
        household = self.app.replica.record(self.household_id)
        if household is not None and self.app.replica.deletion_refused(household) is None:
            button = BigButton(text=tr("delete_household", lang), primary=False, height=dp(72))
            button.bind(on_release=lambda *_: self._asker(self.household_id, self.head_name)())
            self.delete_household_button = button
            actions.add_widget(button)

    def _fill_records(self, lang: str) -> None:
        rows = self.ids.record_list
        rows.clear_widgets()
        forms = self.app.replica.forms
        records = self.app.replica.records_for(self.household_id)
        if not records:
            rows.add_widget(WrapLabel(text=tr("no_records", lang)))
        redo = {}
        if any(rec["status"] == "rejected" for rec in records):
            redo = {task["uuid"]: task for task in self.app.replica.records_to_redo()}
        for rec in records:
            try:
                form = forms.get(rec["form_id"], rec["form_version"])
                title, summary = form.title.get(lang), record_summary(form, rec["data"], lang)
            except UnknownForm:
                title, summary = rec["form_id"], ""
            status = rec["status"] or "synced"
            note = ""
            if status == "conflict":
                note = tr("conflict_explained", lang)
            elif status == "rejected":
                note = reason_text(redo.get(rec["uuid"], {}).get("errors", []), lang)
            on_delete = None
            if self.app.replica.deletion_refused(rec) is None:
                on_delete = self._asker(rec["uuid"], title)
            rows.add_widget(RecordRow(title, summary, status, lang, note, on_delete))

    def _asker(self, record_uuid: str, what: str):
        def ask() -> None:
            DeleteDialog(self.app.replica, record_uuid, what, self.app.lang, self._deleted).open()

        return ask

    def _deleted(self, record_uuid: str) -> None:
        self.app.photo_index.detach(record_uuid)  # its photos no longer vouch for anyone
        self.app.records_saved()  # the tombstone goes out like any change
        if record_uuid == self.household_id:
            self.go_back()
            return
        self.refresh()
        self.notice = tr("deleted", self.app.lang)

    def _start_form(self, button) -> None:
        self.app.show(
            "form",
            form_id=button.form_id,
            household_id=self.household_id,
            village_code=self.village_code,
            back_to="household",
        )
