"""What every screen shares: access to the app, refresh on entry, and the back action."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen


class BaseScreen(Screen):
    back_to = StringProperty("")  # the screen the back key returns to; "" = stay

    @property
    def app(self):
        return App.get_running_app()

    def on_pre_enter(self, *args):
        self.refresh()

    def refresh(self) -> None:
        """Reload what the screen shows from the replica (called each time it is entered)."""

    def go_back(self) -> bool:
        if not self.back_to:
            return False
        self.app.show(self.back_to)
        return True
