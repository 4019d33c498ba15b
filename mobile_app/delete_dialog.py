"""Delete a record: a popup that asks why, and tombstones the record with that reason.

The rules (what may be deleted, the reason's length) are the replica's
(sync.replica.Replica.deletion_refused / delete_record); this only asks and shows refusals.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.popup import Popup

from mobile_app.i18n import tr
from mobile_app.widgets import ERROR, TEXT, BigButton, FieldInput, WrapLabel, popup_style
from sync.replica import DeleteRefused, Replica


class DeleteDialog(Popup):
    def __init__(
        self,
        replica: Replica,
        record_uuid: str,
        what: str,
        lang: str,
        on_deleted: Callable[[str], None],
    ):
        self.replica, self.record_uuid, self.lang = replica, record_uuid, lang
        self._on_deleted = on_deleted
        body = BoxLayout(orientation="vertical", spacing=dp(12), padding=dp(12))
        body.add_widget(WrapLabel(text=tr("delete_explain", lang, what=what), color=TEXT))
        self.reason = FieldInput(hint_text=tr("delete_reason_hint", lang))
        self.reason.bind(text=lambda *_: setattr(self.error, "text", ""))
        body.add_widget(self.reason)
        self.error = WrapLabel(text="", color=ERROR, bold=True)
        body.add_widget(self.error)
        buttons = BoxLayout(size_hint_y=None, height=dp(72), spacing=dp(12))
        self.cancel_button = BigButton(text=tr("cancel", lang), primary=False)
        self.cancel_button.bind(on_release=lambda *_: self.dismiss())
        self.confirm_button = BigButton(text=tr("delete_confirm", lang))
        self.confirm_button.bind(on_release=lambda *_: self.confirm())
        buttons.add_widget(self.cancel_button)
        buttons.add_widget(self.confirm_button)
        body.add_widget(buttons)
        body.size_hint_y = None
        body.bind(minimum_height=body.setter("height"))
        super().__init__(
            title=tr("delete_title", lang),
            content=body,
            size_hint=(0.8, None),
            auto_dismiss=False,
            **popup_style(),
        )
        # as tall as what it says: the title bar, then the body
        body.bind(height=lambda *_: setattr(self, "height", body.height + dp(96)))
        self.height = body.height + dp(96)

    def confirm(self) -> None:
        try:
            self.replica.delete_record(self.record_uuid, self.reason.text)
        except DeleteRefused as refused:
            self.error.text = refused.message if self.lang == "vi" else refused.message_en
            return
        self.dismiss()
        self._on_deleted(self.record_uuid)
