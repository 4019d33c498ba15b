"""Shared widgets with the app's outdoor look: big targets, dark text on a light background.

Styled in Python rather than in a shared .kv file so that each screen's .kv stays the only
rule file it needs, and the form renderer can build the same widgets from code.
"""

from __future__ import annotations

from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, ColorProperty
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton

# Contrast ratios against the light background are all above 7:1 (WCAG AAA) for sunlight.
BACKGROUND = (0.98, 0.98, 0.96, 1)
TEXT = (0.09, 0.09, 0.09, 1)
MUTED = (0.28, 0.28, 0.28, 1)
PRIMARY = (0.05, 0.33, 0.16, 1)  # dark green, white text on it
PRIMARY_DOWN = (0.02, 0.22, 0.10, 1)
SECONDARY = (0.86, 0.87, 0.84, 1)
ERROR = (0.70, 0.0, 0.0, 1)
WARNING = (0.55, 0.27, 0.0, 1)  # dark amber: a caution, not a refusal
SELECTED = (0.05, 0.25, 0.55, 1)  # dark blue for a picked choice
STATUS_COLORS = {
    "pending": (0.55, 0.33, 0.0, 1),
    "synced": (0.05, 0.40, 0.16, 1),
    "conflict": (0.60, 0.0, 0.45, 1),
    "rejected": ERROR,
    "approved": (0.0, 0.30, 0.45, 1),
}
TOUCH = dp(64)  # above the 48dp minimum: officers may wear gloves
FONT = sp(21)
FONT_SMALL = sp(18)
FONT_TITLE = sp(28)


class WrapLabel(Label):
    """A label that wraps to its width and grows to fit its text (never clipped)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("color", TEXT)
        kwargs.setdefault("font_size", FONT)
        kwargs.setdefault("halign", "left")
        kwargs.setdefault("valign", "middle")
        kwargs.setdefault("size_hint_y", None)
        super().__init__(**kwargs)
        self.bind(width=self._wrap, texture_size=self._grow, text=self._grow)
        self._wrap()
        self._grow()

    def _wrap(self, *_):
        self.text_size = (self.width, None)

    def _grow(self, *_):
        # An empty label takes no room (Kivy's default height would leave a 100px gap).
        self.height = self.texture_size[1] if self.text else 0


class BigButton(Button):
    """The primary action: dark green with white text, at least TOUCH high."""

    primary = BooleanProperty(True)
    base_color = ColorProperty(PRIMARY)

    def __init__(self, **kwargs):
        kwargs.setdefault("font_size", FONT)
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", TOUCH)
        kwargs.setdefault("background_normal", "")
        kwargs.setdefault("background_down", "")
        kwargs.setdefault("halign", "center")
        kwargs.setdefault("valign", "middle")
        super().__init__(**kwargs)
        self.bind(primary=self._restyle, state=self._restyle, size=self._wrap)
        self._restyle()
        self._wrap()

    def _wrap(self, *_):
        self.text_size = (self.width - dp(16), None)

    def _restyle(self, *_):
        if self.primary:
            self.color = (1, 1, 1, 1)
            self.background_color = PRIMARY_DOWN if self.state == "down" else PRIMARY
        else:
            self.color = TEXT
            self.background_color = (0.75, 0.76, 0.73, 1) if self.state == "down" else SECONDARY


class ChoiceToggle(ToggleButton):
    """One option of a choice or yes/no question: light when free, dark blue when picked."""

    def __init__(self, **kwargs):
        kwargs.setdefault("font_size", FONT)
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", TOUCH)
        kwargs.setdefault("background_normal", "")
        kwargs.setdefault("background_down", "")
        kwargs.setdefault("halign", "center")
        kwargs.setdefault("valign", "middle")
        super().__init__(**kwargs)
        self.bind(state=self._restyle, size=self._wrap)
        self._restyle()
        self._wrap()

    def _wrap(self, *_):
        self.text_size = (self.width - dp(12), None)

    def _restyle(self, *_):
        picked = self.state == "down"
        self.background_color = SELECTED if picked else SECONDARY
        self.color = (1, 1, 1, 1) if picked else TEXT


class FieldInput(TextInput):
    """A one-line text box sized for a thumb, with dark text on white."""

    def __init__(self, **kwargs):
        kwargs.setdefault("font_size", FONT)
        kwargs.setdefault("multiline", False)
        kwargs.setdefault("write_tab", False)
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", TOUCH)
        kwargs.setdefault("padding", [dp(12), dp(16), dp(12), dp(12)])
        kwargs.setdefault("foreground_color", TEXT)
        kwargs.setdefault("background_color", (1, 1, 1, 1))
        kwargs.setdefault("cursor_color", TEXT)
        super().__init__(**kwargs)


def popup_style() -> dict:
    """Popup settings for the outdoor look: light panel, dark title, green rule (Kivy's
    default dark panel would hide our dark text)."""
    return {
        "background": "",
        "background_color": BACKGROUND,
        "title_color": TEXT,
        "title_size": FONT,
        "separator_color": PRIMARY,
        "separator_height": dp(3),
    }


def register() -> None:
    """Make the widgets usable by name in the screens' .kv files."""
    from kivy.factory import Factory

    for cls in (WrapLabel, BigButton, ChoiceToggle, FieldInput):
        if not Factory.is_template(cls.__name__) and cls.__name__ not in Factory.classes:
            Factory.register(cls.__name__, cls=cls)
