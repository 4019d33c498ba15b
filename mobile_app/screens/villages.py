"""The home screen: the commune's villages with their household counts, sync, and the
records the commune board sent back ("Cần làm lại"), each opening its household."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.utils import escape_markup

from forms import UnknownForm
from mobile_app.redo_text import reason_text
from mobile_app.screens.base import BaseScreen
from mobile_app.widgets import BigButton, WrapLabel


class VillagesScreen(BaseScreen):
    identity_text = StringProperty("")
    redo_title = StringProperty("")

    def on_kv_post(self, base_widget):
        self.app.bind(lang=lambda *_: self.refresh())

    def refresh(self) -> None:
        app = self.app
        app.refresh_identity()
        parts = []
        if app.officer:
            parts.append(app.tr("officer", name=app.officer))
        if app.commune_name:
            parts.append(app.tr("commune", name=app.commune_name))
        if app.server_url:
            parts.append(app.tr("server", url=app.server_url))
        self.identity_text = "   ·   ".join(parts)
        grid = self.ids.village_grid
        grid.clear_widgets()
        villages = app.replica.villages()
        if not villages:
            grid.add_widget(WrapLabel(text=app.tr("no_villages")))
        for village in villages:
            button = BigButton(
                text=f"[b]{escape_markup(village['name'])}[/b]\n"
                + app.tr("households_count", n=village["households"]),
                markup=True,
                primary=False,
                height=dp(104),
            )
            button.village = village
            button.bind(on_release=self._open)
            grid.add_widget(button)
        self._fill_redo()

    def _fill_redo(self) -> None:
        app, rows = self.app, self.ids.redo_list
        rows.clear_widgets()
        tasks = app.replica.records_to_redo()
        self.redo_title = app.tr("redo_title", n=len(tasks)) if tasks else ""
        for task in tasks:
            try:
                title = app.replica.forms.get(task["form_id"], task["form_version"]).title
                title = title.get(app.lang)
            except UnknownForm:
                title = task["form_id"]
            head = task["household"].get("head_name") or task["data"].get("head_name") or ""
            text = f"[b]{escape_markup(title)} — {escape_markup(head)}[/b]\n" + escape_markup(
                reason_text(task["errors"], app.lang)
            )
            button = BigButton(text=text, markup=True, primary=False, halign="left")
            button.bind(
                texture_size=lambda b, size: setattr(b, "height", max(dp(88), size[1] + dp(24)))
            )
            button.household_id = task["household_id"]
            button.bind(on_release=self._open_task)
            rows.add_widget(button)

    def _open_task(self, button) -> None:
        self.app.show("household", household_id=button.household_id, back_to="villages")

    def _open(self, button) -> None:
        village = button.village
        self.app.show(
            "households",
            village_code=village["code"],
            village_name=village["name"],
            back_to="villages",
        )
