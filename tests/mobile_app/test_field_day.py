"""A field day offline, in a real Kivy window: register a household with its GPS position
(warned when poor or outside the village), run the environment check with two stamped
photos (one removed), see the board's verdicts and the "to redo" list, and get an
interrupted form back after the app is killed.

No server: the replica is seeded as an enrolled tablet's would be, and the board's verdicts
arrive through Replica.apply_changes exactly as the change feed delivers them. Sync against
a real server is test_screens.py's job.
"""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from tests.helpers import contribution, envelope, jpeg_bytes

pytestmark = pytest.mark.kivy

VILLAGE_CODE, VILLAGE = "01936-T01", "Thôn Nà Phặc"
NA_PHAC = {
    "type": "Polygon",
    "coordinates": [
        [[105.96, 22.42], [105.98, 22.42], [105.98, 22.435], [105.96, 22.435], [105.96, 22.42]]
    ],
}
AN = envelope("household", {"head_name": "Nguyễn Văn An", "members": 5, "house_number": "12"})


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from sync.replica import Replica

    path = tmp_path_factory.mktemp("tablet")
    replica = Replica(path / "replica.db")
    replica.set_meta({"token": "t", "server_url": "http://127.0.0.1:9", "officer": "Lò Thị Mai"})
    replica.save_scope(
        {
            "commune": {"code": "01936", "name": "Xã Bằng Thành"},
            "villages": [{"code": VILLAGE_CODE, "name": VILLAGE, "geometry": NA_PHAC}],
        }
    )
    replica.apply_changes([{**AN, "version": 1, "status": "synced"}], cursor=1)
    replica.close()
    return path


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("camera")
    paths = []
    for i, color in enumerate([(40, 120, 60), (150, 80, 30)]):
        path = folder / f"chuong-trai-{i}.jpg"
        path.write_bytes(jpeg_bytes(color=color, size=(800, 600), text=f"anh {i}"))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def gps():
    from mobile_app.devices.location import DesktopLocation

    return DesktopLocation(22.4275, 105.97, 8.0)


@pytest.fixture(scope="module")
def ui(drive, data_dir, photos, gps):
    from mobile_app.app import ChungSucApp
    from mobile_app.devices.camera import DesktopCamera

    app = ChungSucApp(
        data_dir=data_dir, camera=DesktopCamera(queue=photos), location=gps, auto_sync=False
    )
    return drive(app)


def test_register_a_household_with_its_gps_position(ui, gps):
    from mobile_app.widgets import BigButton

    assert ui.screen.name == "villages"
    ui.tap(ui.by_text(VILLAGE, BigButton))
    ui.tap(ui.screen.ids.add_household)
    form = ui.screen
    assert form.name == "form" and form.form_id == "household"
    location = form.blocks["location"]
    ui.until(lambda: form.answers.get("location"), what="the first fix")
    assert location.geo_text.text == "22.42750, 105.97000 (±8 m)"
    assert location.geo_warning.text == ""

    gps.set_fix(22.45, 105.97, 35.0)  # a vaguer fix does not replace a better one...
    ui.frames(3)
    assert form.answers["location"]["accuracy"] == 8.0
    ui.tap(location.geo_button)  # ...unless the officer asks to measure again
    ui.until(lambda: form.answers.get("location"), what="the new fix")
    assert form.answers["location"] == {"lat": 22.45, "lon": 105.97, "accuracy": 35.0}
    warning = location.geo_warning.text
    assert "Độ chính xác kém (±35 m" in warning and "ngoài ranh giới Thôn Nà Phặc" in warning
    ui.screenshot("form-gps-warning")

    gps.set_fix(22.4280, 105.9702, 6.0)
    ui.until(lambda: form.answers["location"]["accuracy"] == 6.0, what="the better fix")
    assert location.geo_warning.text == ""
    ui.type_into(form.blocks["head_name"].input, "Lò Văn Sáng")
    ui.type_into(form.blocks["members"].input, "4")
    ui.tap(form.ids.save_button)
    ui.until(lambda: ui.screen.name == "household", what="the new household")
    assert ui.screen.head_name == "Lò Văn Sáng" and ui.screen.notice == "Đã lưu, chờ đồng bộ."
    saved = ui.app.replica.record(ui.screen.household_id)
    assert saved["data"]["location"] == {"lat": 22.428, "lon": 105.9702, "accuracy": 6.0}

    ui.tap(ui.by_text("Quay lại", BigButton))
    ui.until(lambda: ui.screen.name == "households", what="the households screen")
    ui.type_into(ui.screen.ids.search, "lo van sang")
    ui.until(lambda: len(ui.screen.ids.list.data) == 1, what="the search")
    assert "Lò Văn Sáng" in ui.screen.ids.list.data[0]["text"]


def test_environment_check_with_livestock_and_two_stamped_photos(ui):
    from mobile_app.screens.households import HouseholdRow
    from mobile_app.widgets import BigButton

    ui.tap(ui.until(lambda: ui.find_all(lambda w: isinstance(w, HouseholdRow)))[0])
    ui.tap(ui.by_text("Kiểm tra môi trường, vệ sinh", BigButton))
    form = ui.screen
    assert "pen_hygienic" not in form._shown
    for name in (
        "clean_water",
        "hygienic_latrine",
        "bathroom",
        "covered_water_container",
        "clean_house",
        "clean_kitchen",
        "clean_lane",
        "sorts_waste",
        "keeps_livestock",
    ):
        ui.tap(form.blocks[name].toggles[True])
    assert {"livestock_kinds", "pen_hygienic", "pen_away_from_house"} <= set(form._shown)
    ui.tap(form.blocks["livestock_kinds"].toggles["pigs"])
    ui.tap(form.blocks["pen_hygienic"].toggles[True])
    ui.tap(form.blocks["pen_away_from_house"].toggles[False])

    block = form.blocks["photos"]
    ui.tap(block.photo_button)
    ui.until(lambda: len(block.value) == 1, what="the first photo")
    ui.tap(block.photo_button)
    ui.until(lambda: len(block.value) == 2, what="the second photo")
    assert block.photo_status.text == "Đã có 2 ảnh"
    ui.screenshot("form-photos")
    first, second = block.value
    ui.tap(next(t for t in block.thumbs.children if t.sha256 == first).children[0])
    assert block.value == [second] and form.answers["photos"] == [second]

    with Image.open(io.BytesIO(ui.app.replica.photo_path(second).read_bytes())) as im:
        stamped = im.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert stamped[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert float(stamped[ExifTags.GPS.GPSHPositioningError]) == 6.0

    ui.tap(form.ids.save_button)
    ui.until(lambda: ui.screen.name == "household", what="the saved check")
    record = ui.app.replica.records_for(ui.screen.household_id)[0]
    assert record["data"]["photos"] == [second] and record["data"]["pen_away_from_house"] is False


def test_house_tidying_check_asks_about_the_fence_only_when_there_is_one(ui):
    from mobile_app.widgets import BigButton

    ui.tap(ui.by_text("Kiểm tra chỉnh trang nhà cửa", BigButton))
    form = ui.screen
    assert "fence_tidy" not in form._shown
    ui.tap(form.blocks["has_fence"].toggles[True])
    assert {"fence_type", "fence_tidy"} <= set(form._shown)
    ui.tap(ui.by_text("Huỷ", BigButton))
    ui.until(lambda: ui.screen.name == "household", what="the household screen")


def test_a_date_is_picked_from_the_calendar_and_can_still_be_typed(ui):
    import datetime as dt

    from kivy.core.window import Window

    from mobile_app.date_picker import DatePicker
    from mobile_app.dates import shift_month
    from mobile_app.widgets import BigButton

    ui.tap(ui.by_text("Kiểm tra chỉnh trang nhà cửa", BigButton))
    form, today = ui.screen, dt.date.today()
    date = form.blocks["date"]
    assert date.input.text == today.isoformat()
    ui.tap(date.date_button)
    picker = ui.until(
        lambda: next((w for w in Window.children if isinstance(w, DatePicker)), None),
        what="the calendar",
    )
    ui.until(lambda: picker._anim_alpha == 1, what="the calendar to open")
    assert picker.day_buttons[today].state == "down"
    assert picker.next.disabled  # no month after this one: dates cannot be in the future
    future = [b for d, b in picker.day_buttons.items() if d > today]
    assert all(b.disabled for b in future)
    ui.screenshot("date-picker")
    ui.tap(picker.previous)
    year, month = shift_month(today.year, today.month, -1)
    assert picker.month == month and f"Tháng {month}, {year}" == picker.title_label.text
    ui.tap(picker.day_buttons[dt.date(year, month, 15)])
    ui.until(lambda: picker not in Window.children, what="the calendar to close")
    assert date.input.text == f"{year}-{month:02d}-15"
    assert form.answers["date"] == f"{year}-{month:02d}-15"
    ui.type_into(date.input, "2025-01-02")  # typing stays possible
    assert form.answers["date"] == "2025-01-02"
    ui.tap(ui.by_text("Huỷ", BigButton))
    ui.until(lambda: ui.screen.name == "household", what="the household screen")


def test_a_look_alike_of_another_households_photo_is_warned_on_the_spot(ui, photos, tmp_path):
    from mobile_app.devices.camera import DesktopCamera
    from mobile_app.widgets import BigButton

    sang = ui.screen.household_id  # Lò Văn Sáng's check holds the second photo
    copy = tmp_path / "chup-lai.jpg"
    with Image.open(photos[1]) as original:  # the same picture, resized and re-compressed
        original.resize((640, 480)).save(copy, quality=60)
    ui.app.camera = DesktopCamera(queue=[copy])
    ui.app.show("household", household_id=AN["uuid"], back_to="households")
    ui.tap(ui.by_text("Kiểm tra môi trường, vệ sinh", BigButton))
    block = ui.screen.blocks["photos"]
    ui.tap(block.photo_button)
    ui.until(lambda: block.value, what="the photo")
    ui.until(lambda: block.photo_warning.text, what="the look-alike warning")
    assert "giống ảnh đã gắn cho hộ Lò Văn Sáng" in block.photo_warning.text
    ui.screen.ids.scroll.scroll_y = 0  # the photos are the last question
    ui.screenshot("form-photo-look-alike")
    ui.tap(block.thumbs.children[0].children[0])  # removed: the warning goes with it
    assert block.photo_warning.text == "" and block.value == []
    ui.tap(ui.by_text("Huỷ", BigButton))
    ui.app.show("household", household_id=sang, back_to="households")


def test_a_check_not_yet_approved_is_deleted_with_a_reason(ui):
    from kivy.core.window import Window

    from mobile_app.delete_dialog import DeleteDialog
    from mobile_app.screens.household import RecordRow

    household = ui.screen.household_id
    assert ui.screen.name == "household" and ui.screen.head_name == "Lò Văn Sáng"
    assert "Xoá hộ này" not in ui.texts()  # not while it holds a check
    row = ui.find_all(lambda w: isinstance(w, RecordRow), ui.screen.ids.record_list)[0]
    ui.tap(row.delete_button)
    dialog = ui.until(
        lambda: next((w for w in Window.children if isinstance(w, DeleteDialog)), None),
        what="the delete dialog",
    )
    ui.until(lambda: dialog._anim_alpha == 1, what="the dialog to open")
    ui.tap(dialog.confirm_button)  # no reason given: refused, nothing deleted
    assert dialog.error.text == "Hãy ghi lý do xoá (tối đa 300 ký tự)."
    assert ui.app.replica.records_for(household)
    ui.type_into(dialog.reason, "Ghi nhầm hộ")
    ui.screenshot("delete-dialog")
    ui.tap(dialog.confirm_button)
    ui.until(lambda: dialog not in Window.children, what="the dialog to close")
    assert ui.screen.notice == "Đã xoá, chờ đồng bộ."
    assert ui.app.replica.records_for(household) == []
    assert "Chưa có bản ghi nào." in ui.texts(ui.screen.ids.record_list)
    tombstone = ui.app.replica.pending_mutations()[-1]
    assert tombstone.deleted and tombstone.reason == "Ghi nhầm hộ"
    assert "Xoá hộ này" in ui.texts()  # now nothing hangs on the household


def test_board_verdicts_reach_the_household_and_the_redo_list(ui):
    from mobile_app.widgets import BigButton

    replica = ui.app.replica
    approved = contribution(AN["uuid"], 20.0, "land", version=2, status="approved")
    rejected = contribution(AN["uuid"], 3.0, "labour", version=3, status="rejected")
    conflict = contribution(AN["uuid"], 500000.0, version=4, status="conflict")
    replica.apply_changes([approved, rejected, conflict], cursor=4)
    pushed = replica.save_record(
        "contribution", contribution(AN["uuid"], 7.0)["data"], VILLAGE_CODE, AN["uuid"]
    )
    replica.apply_push_results(
        [
            {
                "status": "rejected",
                "mutation_id": pushed.mutation_id,
                "uuid": pushed.uuid,
                "errors": [
                    {
                        "field": "date",
                        "message": "Ngày ở tương lai.",
                        "message_en": "Date in the future.",
                    }
                ],
            }
        ]
    )
    ui.app.show("villages")
    assert ui.screen.redo_title == "Cần làm lại (2)"
    tasks = ui.texts(ui.screen.ids.redo_list)
    assert "Lý do: Ngày ở tương lai." in tasks
    assert "Ban quản lý xã từ chối, chưa ghi lý do." in tasks
    ui.screenshot("villages-redo")

    ui.tap(ui.find_all(lambda w: isinstance(w, BigButton), ui.screen.ids.redo_list)[0])
    ui.until(lambda: ui.screen.name == "household", what="the household screen")
    assert ui.screen.head_name == "Nguyễn Văn An"
    history = ui.texts(ui.screen.ids.record_list)
    for text in ("Đã duyệt", "Bị từ chối", "Xung đột", "Đang chờ quản trị viên giải quyết"):
        assert text in history
    ui.screenshot("household-history")


def test_a_killed_app_reopens_the_form_as_it_was(ui, drive, data_dir, gps):
    from mobile_app.app import ChungSucApp
    from mobile_app.devices.camera import DesktopCamera
    from mobile_app.widgets import ChoiceToggle

    ui.tap(ui.by_text("Ghi đóng góp"))
    form = ui.screen
    ui.tap(ui.by_text("Hiến đất", ChoiceToggle))
    ui.type_into(form.blocks["quantity"].input, "42,5")
    household = form.household_id
    ui.until(
        lambda: (ui.app.drafts.load("contribution", household, VILLAGE_CODE) or {}).get("quantity"),
        what="the draft on disk",
    )
    ui.app.on_pause = lambda: True  # a kill gives no chance to flush: only the draft remains
    ui.app.on_stop = lambda: ui.app.drafts.close()
    ui.stop()

    again = drive(
        ChungSucApp(data_dir=data_dir, camera=DesktopCamera(), location=gps, auto_sync=False)
    )
    form = again.screen
    assert form.name == "form" and form.household_id == household
    assert form.answers["kind"] == "land" and form.answers["quantity"] == 42.5
    assert form.blocks["quantity"].input.text == "42.5"  # the number, as the form reads it
    assert form.blocks["kind"].toggles["land"].state == "down"
    assert form.status_text == "Đã khôi phục phần nhập dở lần trước."
    from mobile_app.widgets import BigButton

    again.tap(again.by_text("Huỷ", BigButton))
    assert again.screen.name == "household"
    assert again.app.drafts.latest() is None
