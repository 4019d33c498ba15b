"""The households of one village, searchable without diacritics ("nguyen van an"), and the
way to register a new one."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.utils import escape_markup

from mobile_app.i18n import tr
from mobile_app.screens.base import BaseScreen
from mobile_app.widgets import BigButton

SEARCH_DELAY = 0.25  # seconds: one query per pause in typing, not one per key


class HouseholdRow(BigButton):
    """A row of the list: tap anywhere on it to open the household."""

    household_id = StringProperty("")

    def __init__(self, **kwargs):
        # Set here, not in the .kv class rule: Kivy skips a class rule's constant values
        # for properties that __init__ received as keyword arguments (BigButton sets them).
        kwargs.update(primary=False, halign="left", markup=True)
        super().__init__(**kwargs)


class HouseholdsScreen(BaseScreen):
    village_code = StringProperty("")
    village_name = StringProperty("")
    empty = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        self.search_later = Clock.create_trigger(lambda _dt: self.refresh(), SEARCH_DELAY)

    def on_village_code(self, *_):
        self.ids.search.text = ""  # a search in one village means nothing in the next

    def refresh(self) -> None:
        if not self.village_code:
            return
        lang = self.app.lang
        rows = self.app.replica.households(self.village_code, self.ids.search.text)
        self.ids.list.data = [
            {"household_id": r["uuid"], "text": household_line(r["data"], lang)} for r in rows
        ]
        self.empty = not rows
        self.ids.list.scroll_y = 1  # a new result starts at its top

    def add_household(self) -> None:
        self.app.show(
            "form",
            form_id="household",
            household_id="",
            village_code=self.village_code,
            back_to="households",
        )

    def open_household(self, household_id: str) -> None:
        self.app.show("household", household_id=household_id, back_to="households")


def household_line(data: dict, lang: str) -> str:
    """ "Nguyễn Văn An  ·  Số nhà 12  ·  5 nhân khẩu" (markup, name in bold)."""
    parts = [f"[b]{escape_markup(data.get('head_name') or '?')}[/b]"]
    if data.get("house_number"):
        parts.append(tr("house_number_short", lang, number=escape_markup(data["house_number"])))
    if data.get("members"):
        parts.append(tr("members_short", lang, n=data["members"]))
    return "   ·   ".join(parts)
