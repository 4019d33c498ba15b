"""A month calendar to pick a date with a thumb; typing the date stays possible beside it.

The month is laid out by mobile_app.dates (Monday first, as Vietnamese calendars are); days
after `latest` (today: forms/ refuses future dates) are shown but cannot be picked. The
popup reports the picked day as a datetime.date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.popup import Popup

from mobile_app.dates import month_grid, month_title, shift_month
from mobile_app.i18n import tr
from mobile_app.widgets import FONT, MUTED, BigButton, ChoiceToggle, popup_style

CELL = dp(60)


class DatePicker(Popup):
    def __init__(
        self,
        value: dt.date | None,
        lang: str,
        on_pick: Callable[[dt.date], None],
        latest: dt.date | None = None,
    ):
        self.lang = lang
        self.latest = latest or dt.date.today()
        self.chosen = value or self.latest
        self.year, self.month = self.chosen.year, self.chosen.month
        self._on_pick = on_pick
        body = BoxLayout(orientation="vertical", spacing=dp(8), padding=dp(8))
        header = BoxLayout(size_hint_y=None, height=CELL, spacing=dp(8))
        self.previous = BigButton(text="‹", primary=False, size_hint_x=None, width=CELL * 1.4)
        self.next = BigButton(text="›", primary=False, size_hint_x=None, width=CELL * 1.4)
        self.previous.bind(on_release=lambda *_: self.turn(-1))
        self.next.bind(on_release=lambda *_: self.turn(1))
        self.title_label = Label(color=(0.09, 0.09, 0.09, 1), font_size=FONT, bold=True)
        header.add_widget(self.previous)
        header.add_widget(self.title_label)
        header.add_widget(self.next)
        body.add_widget(header)
        self.days = GridLayout(cols=7, spacing=dp(4), size_hint_y=None)
        self.days.bind(minimum_height=self.days.setter("height"))
        body.add_widget(self.days)
        cancel = BigButton(text=tr("cancel", lang), primary=False, height=CELL)
        cancel.bind(on_release=lambda *_: self.dismiss())
        body.add_widget(cancel)
        super().__init__(
            title=tr("pick_date", lang),
            content=body,
            size_hint=(None, None),
            width=CELL * 7 + dp(4) * 6 + dp(60),
            **popup_style(),
        )
        # as tall as the month needs (five or six weeks), under the title bar
        body.size_hint_y = None
        body.bind(minimum_height=body.setter("height"))
        body.bind(height=lambda *_: setattr(self, "height", body.height + dp(96)))
        self._fill()

    def turn(self, step: int) -> None:
        self.year, self.month = shift_month(self.year, self.month, step)
        self._fill()

    def _fill(self) -> None:
        self.title_label.text = month_title(self.year, self.month, self.lang)
        self.next.disabled = (self.year, self.month) >= (self.latest.year, self.latest.month)
        self.days.clear_widgets()
        for name in tr("weekdays", self.lang).split(","):
            self.days.add_widget(
                Label(text=name, color=MUTED, font_size=FONT, size_hint_y=None, height=dp(40))
            )
        self.day_buttons: dict[dt.date, ChoiceToggle] = {}
        for week in month_grid(self.year, self.month):
            for day in week:
                if day is None:
                    self.days.add_widget(Label(size_hint_y=None, height=CELL))
                    continue
                button = ChoiceToggle(text=str(day.day), height=CELL)
                button.state = "down" if day == self.chosen else "normal"
                button.disabled = day > self.latest
                button.bind(on_release=lambda _b, d=day: self.pick(d))
                self.day_buttons[day] = button
                self.days.add_widget(button)

    def pick(self, day: dt.date) -> None:
        if day > self.latest:
            return
        self.dismiss()
        self._on_pick(day)
