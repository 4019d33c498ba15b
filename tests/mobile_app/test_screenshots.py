"""Every screen in landscape (1280x800) and portrait (800x1280), in Vietnamese and English,
saved as docs/screenshots/app-<screen>-<orientation>-<lang>.png, with no label whose text
spills out of its box (the check a person repeats by looking at the pictures)."""

from __future__ import annotations

import pytest

from tests.mobile_app.test_field_day import AN, NA_PHAC, VILLAGE, VILLAGE_CODE

pytestmark = pytest.mark.kivy

ORIENTATIONS = {"landscape": (1280, 800), "portrait": (800, 1280)}
SCREENS = ("enrol", "villages", "households", "household", "form", "sync")


@pytest.fixture(scope="module")
def ui(drive, tmp_path_factory):
    from mobile_app.app import ChungSucApp
    from mobile_app.devices.camera import DesktopCamera
    from mobile_app.devices.location import DesktopLocation
    from sync.replica import Replica
    from tests.helpers import contribution

    path = tmp_path_factory.mktemp("tablet")
    replica = Replica(path / "replica.db")
    replica.set_meta(
        {"token": "t", "server_url": "http://192.168.1.10:5000", "officer": "Lò Thị Mai"}
    )
    replica.save_scope(
        {
            "commune": {"code": "01936", "name": "Xã Bằng Thành"},
            "villages": [
                {"code": VILLAGE_CODE, "name": VILLAGE, "geometry": NA_PHAC},
                {"code": "01936-T02", "name": "Thôn Khuổi Tích", "geometry": None},
            ],
        }
    )
    land = contribution(AN["uuid"], 42.5, "land", version=2, status="approved")
    labour = contribution(AN["uuid"], 3.0, "labour", version=3, status="rejected")
    replica.apply_changes([{**AN, "version": 1, "status": "synced"}, land, labour], cursor=3)
    replica.close()
    gps = DesktopLocation(22.4275, 105.97, 8.0)
    app = ChungSucApp(data_dir=path, camera=DesktopCamera(), location=gps, auto_sync=False)
    driver = drive(app)
    yield driver
    from kivy.core.window import Window

    Window.size = ORIENTATIONS["landscape"]


def overflowing(root):
    """Labels whose rendered text is wider or taller than the box they are given."""
    from kivy.uix.label import Label

    bad = []
    for w in root.walk(restrict=True):
        if not isinstance(w, Label) or not w.text or w.shorten or w.opacity == 0:
            continue
        tw, th = w.texture_size
        if tw > w.width + 2 or (w.text_size[1] is not None and th > w.height + 2):
            bad.append((w.text[:40], tuple(w.size), tuple(w.texture_size)))
    return bad


def show(ui, name):
    from mobile_app.widgets import ChoiceToggle

    app = ui.app
    if name == "households":
        app.show(name, village_code=VILLAGE_CODE, village_name=VILLAGE, back_to="villages")
        ui.until(lambda: ui.screen.ids.list.data, what="the household list")
    elif name == "household":
        app.show(name, household_id=AN["uuid"], back_to="households")
    elif name == "form":
        app.show(
            name,
            form_id="contribution",
            household_id=AN["uuid"],
            village_code=VILLAGE_CODE,
            back_to="household",
        )
        land = [t for t in ui.screen.blocks["kind"].toggles.values() if t.option_value == "land"]
        if land[0].state != "down":
            ui.tap(land[0])
        assert isinstance(land[0], ChoiceToggle)
    else:
        app.show(name, back_to="villages")
    ui.frames(4)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("orientation", list(ORIENTATIONS))
def test_every_screen_fits(ui, orientation, lang):
    from kivy.core.window import Window

    Window.size = ORIENTATIONS[orientation]
    ui.app.lang = lang
    ui.frames(3)
    problems = {}
    for name in SCREENS:
        show(ui, name)
        assert tuple(Window.size) == ORIENTATIONS[orientation]
        problems[name] = overflowing(ui.screen)
        ui.screenshot(f"{name}-{orientation}-{lang}")
    for name, popup in dialogs(ui):
        ui.until(lambda p=popup: p._anim_alpha == 1, what=f"the {name} to open")
        problems[name] = overflowing(popup)
        ui.screenshot(f"{name}-{orientation}-{lang}")
        popup.dismiss()
        ui.until(lambda p=popup: p not in Window.children, what=f"the {name} to close")
    ui.app.screen("form").cancel()
    assert not any(problems.values()), problems


def dialogs(ui):
    """The popups over the screens: the calendar of a date question, the delete dialog."""
    from mobile_app.delete_dialog import DeleteDialog

    show(ui, "form")
    yield "date-picker", ui.screen.blocks["date"].open_date_picker()
    ui.app.show("household", household_id=AN["uuid"], back_to="households")
    title = ui.app.tr("record_contribution")
    dialog = DeleteDialog(ui.app.replica, AN["uuid"], title, ui.app.lang, lambda _uuid: None)
    dialog.open()
    yield "delete-dialog", dialog
