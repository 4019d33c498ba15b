"""The desktop camera's stand-in: a popup to choose an existing photo file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.app import App
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.filechooser import FileChooserListView
from kivy.uix.popup import Popup

from mobile_app.i18n import tr
from mobile_app.widgets import BigButton


class FilePicker(Popup):
    def __init__(self, filters: list[str], on_choice: Callable[[str | None], None]):
        app = App.get_running_app()
        lang = app.lang if app else "vi"
        self._on_choice = on_choice
        self._chosen = False
        self.chooser = FileChooserListView(filters=filters, path=str(Path.home()))
        buttons = BoxLayout(size_hint_y=None, height=dp(72), spacing=dp(12))
        buttons.add_widget(
            BigButton(text=tr("cancel", lang), primary=False, on_release=self._cancel)
        )
        buttons.add_widget(BigButton(text=tr("pick_photo", lang), on_release=self._pick))
        body = BoxLayout(orientation="vertical", spacing=dp(8))
        body.add_widget(self.chooser)
        body.add_widget(buttons)
        super().__init__(title=tr("file_picker_title", lang), content=body, size_hint=(0.9, 0.9))
        self.bind(on_dismiss=self._dismissed)

    def _pick(self, *_):
        if self.chooser.selection:
            self._chosen = True
            self.dismiss()
            self._on_choice(self.chooser.selection[0])

    def _cancel(self, *_):
        self.dismiss()

    def _dismissed(self, *_):
        if not self._chosen:
            self._on_choice(None)
