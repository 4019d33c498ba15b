"""Drive a Kivy app frame by frame from a test: start it, tap widgets, wait for conditions.

Kivy's own async test helpers do not work with current pytest, so the app is prepared
with App._run_prepare() (what App.run() does before its loop) and frames are stepped with
EventLoop.idle(). Taps are real touch events sent through the window, so a widget that is
hidden, covered or disabled cannot be tapped, as on the tablet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from kivy.base import EventLoop, runTouchApp, stopTouchApp
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"


class Driver:
    def __init__(self, app):
        self.app = app

    def start(self) -> None:
        self.app._run_prepare()
        runTouchApp(embedded=True)  # starts the event loop's input providers, no blocking loop
        self.frames(3)

    def stop(self) -> None:
        self.app.stop()
        self.frames(2)
        if self.app.root is not None:
            Window.remove_widget(self.app.root)
        stopTouchApp()

    # -- time ------------------------------------------------------------------------------
    def frames(self, count: int = 1) -> None:
        for _ in range(count):
            EventLoop.idle()

    def until(self, condition: Callable[[], object], timeout: float = 15, what: str = ""):
        """Step frames until condition() is truthy; return its value or fail with `what`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            EventLoop.idle()
        raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")

    # -- finding ---------------------------------------------------------------------------
    @property
    def screen(self):
        return self.app.manager.current_screen

    def find_all(self, predicate: Callable[[Widget], bool], root: Widget | None = None):
        return [w for w in (root or self.screen).walk(restrict=True) if predicate(w)]

    def by_text(self, text: str, cls: type = Widget, root: Widget | None = None) -> Widget:
        """The one widget of `cls` whose text contains `text` (markup included)."""
        found = self.find_all(
            lambda w: isinstance(w, cls) and text in str(getattr(w, "text", "")), root
        )
        assert len(found) == 1, f"expected one {cls.__name__} with {text!r}, found {found}"
        return found[0]

    def texts(self, root: Widget | None = None) -> str:
        return "\n".join(str(w.text) for w in self.find_all(lambda w: hasattr(w, "text"), root))

    # -- acting ----------------------------------------------------------------------------
    def tap(self, widget: Widget) -> None:
        """Touch the middle of `widget`, scrolling it into view first if it is in a list."""
        self.frames(2)  # let a screen that just appeared lay itself out
        scroller = next((p for p in _parents(widget) if isinstance(p, ScrollView)), None)
        # RecycleView.scroll_to is broken in Kivy 2.3.1 (its layout trigger is a plain
        # function); its rows exist only while visible, so they need no scrolling. Checked
        # by attribute: Kivy's Factory loads it as kivy.uix.recycleview.__init__, a second
        # copy of the class that isinstance does not recognise.
        if scroller is not None and not hasattr(scroller, "viewclass"):
            scroller.scroll_to(widget, padding=10, animate=False)
            self.frames(2)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(3)
        if scroller is not None:
            # A ScrollView that has not decided "tap or scroll" hands the release to the
            # widget 0.2 s later, on a timer (kivy ScrollView.on_touch_up): wait it out, so
            # what the tap does has happened when tap() returns, however slow the machine.
            deadline = time.monotonic() + 0.25
            while time.monotonic() < deadline:
                EventLoop.idle()
            self.frames(2)

    def type_into(self, text_input, text: str) -> None:
        """Type as a keyboard does: through insert_text, so input filters apply."""
        text_input.focus = True
        text_input.select_all()
        text_input.delete_selection()
        text_input.insert_text(text)
        text_input.focus = False
        self.frames(2)

    def screenshot(self, name: str) -> Path:
        """Save the window as docs/screenshots/app-<name>.png (Kivy numbers the file)."""
        self.frames(3)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        written = Path(Window.screenshot(name=str(SCREENSHOTS / f"app-{name}.png")))
        target = SCREENSHOTS / f"app-{name}.png"
        written.replace(target)
        return target


def _parents(widget: Widget):
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        yield parent
        parent = parent.parent
