"""Window settings for the desktop build; must run before anything imports kivy.core.window.

The app targets a 10" landscape tablet (1280x800); the desktop build opens at that size
so what the developer sees is what the officer sees.
"""

from __future__ import annotations

WIDTH, HEIGHT = 1280, 800


def configure_window(width: int = WIDTH, height: int = HEIGHT) -> None:
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "1")
    # Escape is the Android back key: it must go back a screen, not quit with unsaved work.
    Config.set("kivy", "exit_on_escape", "0")
    # A mouse right-click on desktop would otherwise leave red multitouch dots on screen.
    Config.set("input", "mouse", "mouse,disable_multitouch")
