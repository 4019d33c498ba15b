"""Widgets for one form question each, built from its forms/ definition.

A FieldBlock shows the question, its hint, an input suited to the field type, a unit where
one applies, and a red error line. It reports every change as a typed answer through
`on_change(name, value)`; it never validates (forms/ does, through the replica).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.stacklayout import StackLayout

from forms import Field, Form
from mobile_app.answers import format_number, parse_input
from mobile_app.i18n import tr
from mobile_app.widgets import (
    ERROR,
    FONT,
    MUTED,
    TEXT,
    TOUCH,
    WARNING,
    BigButton,
    ChoiceToggle,
    FieldInput,
    WrapLabel,
)

Changed = Callable[[str, Any], None]
Request = Callable[["FieldBlock"], None]  # a photo wanted, or a new GPS fix
NUMBER_CHARS = set("0123456789.,")


def _decimal_filter(substring: str, from_undo: bool) -> str:
    # Both separators are allowed: a Vietnamese keyboard types "12,5", another "12.5".
    return "".join(c for c in substring if c in NUMBER_CHARS)


class FieldBlock(BoxLayout):
    def __init__(
        self,
        form: Form,
        field: Field,
        lang: str,
        on_change: Changed,
        on_request: Request,
        **kwargs,
    ):
        super().__init__(
            orientation="vertical", spacing=dp(6), size_hint_y=None, padding=(0, dp(8)), **kwargs
        )
        self.form, self.field, self.lang = form, field, lang
        self._on_change = on_change
        self._on_request = on_request
        self._value: Any = [] if field.type == "photo" and field.multiple else None
        self._silent = False  # True while the screen sets a value, so it is not echoed back
        label = field.label.get(lang) + (tr("required_mark", lang) if field.required else "")
        self.add_widget(WrapLabel(text=label, bold=True))
        if field.hint is not None:
            self.add_widget(WrapLabel(text=field.hint.get(lang), color=MUTED, italic=True))
        self.add_widget(self._build_input())
        self.error = WrapLabel(text="", color=ERROR, bold=True)
        self.add_widget(self.error)
        self.bind(minimum_height=self.setter("height"))

    # -- building --------------------------------------------------------------------------
    def _build_input(self):
        t = self.field.type
        if t in ("choice", "multichoice", "boolean"):
            return self._build_toggles()
        if t == "photo":
            return self._build_photo()
        if t == "geopoint":
            return self._build_geopoint()
        return self._build_text()

    def _build_toggles(self):
        f = self.field
        if f.type == "boolean":
            options = [(True, tr("yes", self.lang)), (False, tr("no", self.lang))]
        else:
            options = [(c.value, c.label.get(self.lang)) for c in f.choices]
        cols = 2 if len(options) <= 2 else 3
        grid = GridLayout(cols=cols, spacing=dp(10), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        # A group makes the options exclusive; multichoice toggles stay independent.
        group = None if f.type == "multichoice" else f"{self.form.id}.{f.name}.{id(self)}"
        self.toggles: dict[Any, ChoiceToggle] = {}
        for value, text in options:
            toggle = ChoiceToggle(text=text, group=group, allow_no_selection=False)
            toggle.option_value = value
            toggle.bind(state=self._toggled)
            self.toggles[value] = toggle
            grid.add_widget(toggle)
        return grid

    def _build_text(self):
        row = BoxLayout(spacing=dp(12), size_hint_y=None, height=TOUCH)
        t = self.field.type
        self.input = FieldInput()
        if t == "integer":
            self.input.input_filter = "int"
            self.input.input_type = "number"
        elif t == "decimal":
            self.input.input_filter = _decimal_filter
            self.input.input_type = "number"
        elif t == "date":
            self.input.hint_text = tr("date_hint", self.lang)
        if t in ("integer", "decimal", "date"):
            self.input.size_hint_x = None
            self.input.width = dp(280)
        self.input.bind(text=self._typed)
        row.add_widget(self.input)
        if t == "date":
            self.date_button = BigButton(
                text=tr("pick_date", self.lang), primary=False, size_hint_x=None, width=dp(200)
            )
            self.date_button.bind(on_release=lambda *_: self.open_date_picker())
            row.add_widget(self.date_button)
        self.unit = Label(
            text="", color=TEXT, font_size=FONT, bold=True, halign="left", valign="middle"
        )
        self.unit.bind(size=lambda w, s: setattr(w, "text_size", s))
        row.add_widget(self.unit)
        return row

    def _build_photo(self):
        box = BoxLayout(orientation="vertical", spacing=dp(8), size_hint_y=None)
        box.bind(minimum_height=box.setter("height"))
        row = BoxLayout(spacing=dp(12), size_hint_y=None, height=TOUCH)
        self.photo_button = BigButton(
            text=tr("pick_photo", self.lang), primary=False, size_hint_x=None, width=dp(240)
        )
        self.photo_button.bind(on_release=lambda *_: self._on_request(self))
        self.photo_status = WrapLabel(text="", color=MUTED)
        row.add_widget(self.photo_button)
        row.add_widget(self.photo_status)
        # A StackLayout wraps thumbnails onto new lines: portrait fits three, landscape five.
        self.thumbs = StackLayout(spacing=dp(10), size_hint_y=None)
        self.thumbs.bind(minimum_height=self.thumbs.setter("height"))
        # "looks like a photo of another household", per photo, until that photo is removed
        self.photo_warnings: dict[str, str] = {}
        self.photo_warning = WrapLabel(text="", color=WARNING, bold=True)
        box.add_widget(row)
        box.add_widget(self.photo_warning)
        box.add_widget(self.thumbs)
        return box

    def _build_geopoint(self):
        box = BoxLayout(orientation="vertical", spacing=dp(6), size_hint_y=None)
        box.bind(minimum_height=box.setter("height"))
        row = BoxLayout(spacing=dp(12), size_hint_y=None, height=TOUCH)
        # A plain Label centred in the row: it sits level with the button beside it.
        self.geo_text = Label(
            text=tr("gps_waiting", self.lang),
            color=TEXT,
            font_size=FONT,
            bold=True,
            halign="left",
            valign="middle",
        )
        self.geo_text.bind(size=lambda w, s: setattr(w, "text_size", s))
        self.geo_button = BigButton(
            text=tr("gps_again", self.lang), primary=False, size_hint_x=None, width=dp(200)
        )
        self.geo_button.bind(on_release=lambda *_: self._on_request(self))
        row.add_widget(self.geo_text)
        row.add_widget(self.geo_button)
        self.geo_warning = WrapLabel(text="", color=WARNING, bold=True)
        box.add_widget(row)
        box.add_widget(self.geo_warning)
        return box

    def open_date_picker(self):
        from mobile_app.date_picker import DatePicker
        from mobile_app.dates import parse_day

        def picked(day) -> None:
            self.input.text = day.isoformat()  # reported through _typed like typing

        picker = DatePicker(parse_day(self.input.text), self.lang, picked)
        picker.open()
        return picker

    # -- value -----------------------------------------------------------------------------
    @property
    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        """Show `value` without reporting it as a change (used to prefill and restore)."""
        self._silent = True
        try:
            self._value = value
            t = self.field.type
            if t in ("choice", "boolean"):
                for option, toggle in self.toggles.items():
                    toggle.state = "down" if option == value and value is not None else "normal"
            elif t == "multichoice":
                for option, toggle in self.toggles.items():
                    toggle.state = "down" if value and option in value else "normal"
            elif t in ("integer", "decimal"):
                self.input.text = "" if value is None else format_number(value)
            elif t in ("text", "date"):
                self.input.text = value or ""
            # photo and geopoint values are shown by set_photos / show_geo: they need the
            # replica's files and the village boundary, which the screen has.
        finally:
            self._silent = False

    def show_geo(self, text: str, warnings: list[str]) -> None:
        self.geo_text.text = text
        self.geo_warning.text = "\n".join(warnings)

    def set_photos(self, photos: list[tuple[str, str | None]]) -> None:
        """Show (sha256, path) photos as the answer, without reporting a change (restore)."""
        hashes = [sha for sha, _ in photos]
        self._value = hashes if self.field.multiple else (hashes[0] if hashes else None)
        self.thumbs.clear_widgets()
        for sha, path in photos:
            self.thumbs.add_widget(self._thumb(sha, path))
        self._count_photos()

    def add_photo(self, sha256: str, path: str) -> None:
        if self.field.multiple:
            if sha256 in self._value:
                return  # the same picture twice is one piece of evidence
            self._value = [*self._value, sha256]
        else:
            self._value = sha256
            self.thumbs.clear_widgets()
        self.thumbs.add_widget(self._thumb(sha256, path))
        self._count_photos()
        self.set_error("")
        self._on_change(self.field.name, self._value)

    def _thumb(self, sha256: str, path: str | None) -> BoxLayout:
        thumb = BoxLayout(
            orientation="vertical", spacing=dp(4), size_hint=(None, None), size=(dp(170), dp(194))
        )
        thumb.sha256 = sha256
        thumb.add_widget(Image(source=path or "", fit_mode="contain"))
        remove = BigButton(text=tr("remove_photo", self.lang), primary=False)
        remove.bind(on_release=lambda *_: self._remove_photo(thumb))
        thumb.add_widget(remove)
        return thumb

    def warn_photo(self, sha256: str, text: str) -> None:
        self.photo_warnings[sha256] = text
        self.photo_warning.text = "\n".join(self.photo_warnings.values())

    def _remove_photo(self, thumb) -> None:
        self.thumbs.remove_widget(thumb)
        if self.photo_warnings.pop(thumb.sha256, None) is not None:
            self.photo_warning.text = "\n".join(self.photo_warnings.values())
        if self.field.multiple:
            self._value = [sha for sha in self._value if sha != thumb.sha256]
        else:
            self._value = None
        self._count_photos()
        self._on_change(self.field.name, self._value)

    def _count_photos(self) -> None:
        count = len(self.thumbs.children)
        self.photo_status.text = tr("photo_count", self.lang, n=count) if count else ""

    def set_error(self, text: str) -> None:
        self.error.text = text

    def set_unit(self, text: str) -> None:
        if hasattr(self, "unit"):
            self.unit.text = text

    # -- events ----------------------------------------------------------------------------
    def _toggled(self, toggle: ChoiceToggle, state: str) -> None:
        if self._silent:
            return
        if self.field.type == "multichoice":
            self._value = [v for v, t in self.toggles.items() if t.state == "down"]
        elif state == "down":
            self._value = toggle.option_value
        else:
            # Grouped options cannot be unpicked (allow_no_selection is off): a "normal"
            # is the old option letting go while the new one goes down; that one reports.
            return
        self.set_error("")
        self._on_change(self.field.name, self._value)

    def _typed(self, _input, text: str) -> None:
        if self._silent:
            return
        self._value = parse_input(self.field, text)
        self.set_error("")
        self._on_change(self.field.name, self._value)
