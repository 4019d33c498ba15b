"""The officer's day in a real Kivy window: enrol, sync, find a household, record a land
donation (first with a missing field), see it pending, and sync it to a real server.

One app and one live server (SQLite) for the module: Kivy allows a single window per
process, and each step builds on the one before, as the officer's work does.
"""

from __future__ import annotations

import pytest

from tests.helpers import jpeg_bytes
from tests.live_server import LiveServer, free_port

pytestmark = pytest.mark.kivy

VILLAGE = "Thôn Nà Phặc"


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_databases):
    workdir = tmp_path_factory.mktemp("live-app")
    live = LiveServer(demo_databases.new("sqlite", workdir), workdir)  # init-db, demo-data
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def consent_jpeg(tmp_path_factory):
    path = tmp_path_factory.mktemp("camera") / "bien-ban-hien-dat.jpg"
    path.write_bytes(jpeg_bytes(color=(60, 90, 140), size=(800, 600), text="bien ban hien dat"))
    return path


@pytest.fixture(scope="module")
def qr_pictures(tmp_path_factory, server):
    """Two QR codes an officer might scan: a shop's web address, and the Tablets page's
    code for this server with a code that was never issued."""
    import segno

    folder = tmp_path_factory.mktemp("qr")
    segno.make("https://example.com/khuyen-mai").save(folder / "shop.png", scale=8)
    segno.make(f"chungsuc://enrol?server={server.url}&code=WRNG2345", error="m").save(
        folder / "enrol.png", scale=8
    )
    return [folder / "shop.png", folder / "enrol.png"]


@pytest.fixture(scope="module")
def ui(drive, tmp_path_factory, consent_jpeg, qr_pictures):
    from mobile_app.app import ChungSucApp
    from mobile_app.autosync import Backoff
    from mobile_app.devices.camera import DesktopCamera
    from mobile_app.devices.scanner import DesktopScanner

    app = ChungSucApp(
        data_dir=tmp_path_factory.mktemp("tablet"),
        camera=DesktopCamera(queue=[consent_jpeg]),
        scanner=DesktopScanner(queue=qr_pictures),
        auto_sync=False,  # these steps count pending records; automatic sync has its own test
        sync_options={"backoff": Backoff(base=0.2, cap=1.0)},
    )
    return drive(app)


def test_enrolment_explains_an_unreachable_server(ui):
    from kivy.uix.textinput import TextInput

    assert ui.screen.name == "enrol"
    inputs = ui.find_all(lambda w: isinstance(w, TextInput))
    assert len(inputs) == 3
    ui.type_into(ui.screen.ids.server_url, f"127.0.0.1:{free_port()}")
    ui.type_into(ui.screen.ids.code, "ABCD1234")
    ui.tap(ui.screen.ids.enrol_button)
    ui.until(lambda: ui.screen.message and not ui.screen.busy, what="an enrolment answer")
    assert ui.screen.message == "Không kết nối được máy chủ"
    assert ui.screen.is_error
    ui.screenshot("enrol")


def test_enrolment_shows_the_servers_reason_for_a_wrong_code(ui, server):
    ui.type_into(ui.screen.ids.server_url, server.url)
    ui.type_into(ui.screen.ids.code, "WRONG999")
    ui.tap(ui.screen.ids.enrol_button)
    ui.until(lambda: ui.screen.message and not ui.screen.busy, what="an enrolment answer")
    assert ui.screen.is_error and ui.screen.name == "enrol"
    assert ui.screen.message != "Không kết nối được máy chủ"


def test_a_scanned_qr_fills_the_server_and_code_and_enrols(ui, server):
    ui.type_into(ui.screen.ids.server_url, "")
    ui.type_into(ui.screen.ids.code, "")
    ui.tap(ui.screen.ids.scan_button)  # a shop's QR: explained, nothing sent
    ui.until(lambda: ui.screen.message, what="the foreign QR's message")
    assert ui.screen.is_error and "không phải mã đăng ký Chung Sức" in ui.screen.message
    assert ui.screen.ids.server_url.text == ""

    ui.tap(ui.screen.ids.scan_button)  # the Tablets page's QR: filled in and sent at once
    ui.until(lambda: ui.screen.ids.code.text == "WRNG2345", what="the scanned code")
    assert ui.screen.ids.server_url.text == server.url
    ui.until(lambda: ui.screen.message and not ui.screen.busy, what="the server's answer")
    assert ui.screen.is_error and "Mã đăng ký không đúng" in ui.screen.message


def test_enrolment_then_first_sync_fills_the_villages(ui, server):
    from mobile_app.widgets import BigButton

    ui.type_into(ui.screen.ids.code, server.enrolment_code())
    ui.tap(ui.screen.ids.enrol_button)
    ui.until(lambda: ui.screen.name == "villages", what="the villages screen")
    assert "Xã" in ui.screen.identity_text and server.url in ui.screen.identity_text
    assert f"{VILLAGE}[/b]\n0 hộ" in ui.texts()  # the scope came, the households not yet

    ui.tap(ui.screen.ids.sync_button)
    ui.until(lambda: ui.screen.name == "sync", what="the sync screen")
    ui.tap(ui.screen.ids.sync_now)
    ui.until(lambda: ui.screen.result_text, timeout=60, what="the first sync")
    assert ui.screen.result_text.startswith("Xong"), ui.screen.result_text
    assert not ui.screen.result_error
    assert ui.screen.last_sync

    ui.tap(ui.by_text("Quay lại", BigButton))
    ui.until(lambda: ui.screen.name == "villages", what="the villages screen")
    button = ui.by_text(VILLAGE, BigButton)
    assert int(button.text.split("\n")[1].split()[0]) >= 20
    ui.screenshot("villages")


def test_language_switch_is_live(ui):
    from mobile_app.widgets import BigButton

    ui.tap(ui.by_text("English", BigButton))
    assert "Villages" in ui.texts() and "households" in ui.by_text(VILLAGE, BigButton).text
    ui.tap(ui.by_text("Tiếng Việt", BigButton))
    assert "Các thôn" in ui.texts()


def test_search_without_diacritics_finds_the_household(ui):
    from mobile_app.widgets import BigButton

    ui.tap(ui.by_text(VILLAGE, BigButton))
    ui.until(lambda: ui.screen.name == "households", what="the households screen")
    everyone = ui.until(lambda: ui.screen.ids.list.data, what="the household list")
    ui.type_into(ui.screen.ids.search, "nguyen van an")
    ui.until(lambda: len(ui.screen.ids.list.data) < len(everyone), what="the search")
    names = [row["text"] for row in ui.screen.ids.list.data]
    assert len(names) == 1 and "Nguyễn Văn An" in names[0]
    ui.screenshot("households")


def test_household_detail_offers_the_contribution_form(ui):
    from mobile_app.screens.households import HouseholdRow

    ui.tap(ui.until(lambda: ui.find_all(lambda w: isinstance(w, HouseholdRow)))[0])
    ui.until(lambda: ui.screen.name == "household", what="the household screen")
    assert ui.screen.head_name == "Nguyễn Văn An"
    assert "Chủ hộ: [b]Nguyễn Văn An[/b]" in ui.texts()
    ui.screenshot("household")


def test_land_donation_shows_the_missing_photo_in_red_then_saves(ui, server):
    from mobile_app.widgets import ERROR, BigButton, ChoiceToggle

    ui.tap(ui.by_text("Ghi đóng góp", BigButton))
    form = ui.screen
    assert form.name == "form"
    assert "consent_photo" not in form._shown  # only asked for land
    ui.tap(ui.by_text("Hiến đất", ChoiceToggle))
    assert "consent_photo" in form._shown
    assert form.blocks["quantity"].unit.text == "m²"
    ui.type_into(form.blocks["quantity"].input, "42,5")
    ui.tap(ui.by_text("Đường thôn, xóm", ChoiceToggle))
    assert form.blocks["date"].input.text  # today, prefilled
    ui.screenshot("form")

    ui.tap(form.ids.save_button)
    error = form.blocks["consent_photo"].error
    assert error.text == "Vui lòng nhập «Ảnh biên bản đồng thuận»."
    assert tuple(error.color) == ERROR
    assert form.status_error and "Chưa lưu" in form.status_text
    assert form.name == ui.screen.name == "form"
    assert form.answers["kind"] == "land" and form.answers["quantity"] == 42.5
    assert form.blocks["quantity"].input.text == "42,5"  # nothing the officer typed is lost
    ui.screenshot("form-error")

    ui.tap(form.blocks["consent_photo"].photo_button)
    assert form.blocks["consent_photo"].photo_button.text == "Chọn ảnh"
    ui.until(lambda: form.blocks["consent_photo"].value, what="the photo")
    assert "Đã có 1 ảnh" in form.blocks["consent_photo"].photo_status.text
    assert error.text == "" and not form.status_text
    ui.screenshot("form-photo")
    ui.tap(form.ids.save_button)
    ui.until(lambda: ui.screen.name == "household", what="the household after saving")
    assert ui.screen.notice == "Đã lưu, chờ đồng bộ."
    rows = ui.texts(ui.screen.ids.record_list)
    assert "Hiến đất · 42.5 m² · Đường thôn, xóm" in rows and "Chờ gửi" in rows
    record = ui.app.replica.records_for(ui.screen.household_id)[0]
    assert record["data"]["quantity"] == 42.5 and record["status"] == "pending"
    ui.screenshot("household-pending")


def test_sync_screen_counts_then_sends_the_record_and_photo(ui, server):
    from mobile_app.widgets import BigButton

    ui.app.show("sync", back_to="household")
    sync = ui.screen
    assert (sync.pending_records, sync.pending_photos) == (1, 1)
    assert "Bản ghi chờ gửi: 1" in ui.texts() and "Ảnh chờ gửi: 1" in ui.texts()
    ui.screenshot("sync")

    server.stop()  # out of coverage: the error is plain Vietnamese and nothing is lost
    try:
        ui.tap(sync.ids.sync_now)
        ui.until(lambda: sync.result_text and not ui.app.sync_running, what="failed sync")
        assert sync.result_error and "Không kết nối được máy chủ" in sync.result_text
        assert (sync.pending_records, sync.pending_photos) == (1, 1)
        assert "Lỗi lần trước" in ui.texts()
    finally:
        server.start()

    ui.tap(sync.ids.sync_now)
    ui.until(
        lambda: not ui.app.sync_running and "Xong" in sync.result_text, timeout=60, what="the sync"
    )
    assert "gửi 1 bản ghi, 1 ảnh" in sync.result_text
    assert (sync.pending_records, sync.pending_photos) == (0, 0)
    assert sync.progress == 1
    ui.screenshot("sync-done")

    ui.tap(ui.by_text("Quay lại", BigButton))
    ui.until(lambda: ui.screen.name == "household", what="the household screen")
    assert "Đã gửi" in ui.texts(ui.screen.ids.record_list)


def test_yes_no_answers_reveal_their_follow_up_questions(ui):
    from mobile_app.widgets import BigButton

    ui.tap(ui.by_text("Kiểm tra môi trường, vệ sinh", BigButton))
    form = ui.screen
    assert form.name == "form" and "livestock_kinds" not in form._shown
    keeps = form.blocks["keeps_livestock"]
    assert [t.text for t in keeps.toggles.values()] == ["Có", "Không"]
    ui.tap(keeps.toggles[True])
    assert form.answers["keeps_livestock"] is True
    assert {"livestock_kinds", "pen_hygienic", "pen_away_from_house"} <= set(form._shown)
    ui.tap(keeps.toggles[False])
    assert "livestock_kinds" not in form._shown
    ui.tap(ui.by_text("Huỷ", BigButton))
    ui.until(lambda: ui.screen.name == "household", what="the household screen")


def test_desktop_camera_without_a_script_opens_a_file_picker(ui):
    from kivy.core.window import Window

    from mobile_app.devices.camera import DesktopCamera
    from mobile_app.devices.file_picker import FilePicker
    from mobile_app.widgets import BigButton

    chosen = []
    DesktopCamera().take(chosen.append)
    picker = ui.until(
        lambda: next((w for w in Window.children if isinstance(w, FilePicker)), None),
        what="the file picker",
    )
    cancel = next(w for w in picker.walk() if isinstance(w, BigButton) and w.text == "Huỷ")
    ui.tap(cancel)
    ui.until(lambda: chosen, what="the cancelled pick")
    assert chosen == [None]
    # the popup closes with an animation: it leaves the window a few frames later
    ui.until(lambda: picker not in Window.children, what="the picker to close")


def test_sync_runs_by_itself_and_retries_when_the_server_comes_back(ui, server):
    replica, app = ui.app.replica, ui.app
    household = replica.households()[0]
    app.show("sync", back_to="villages")
    sync = ui.screen
    server.stop()  # out of coverage
    try:
        app.autosync.automatic = True  # as the app runs by default
        saved = replica.save_record(
            "household", {"head_name": "Đinh Thị Lan", "members": 3}, household["village_code"]
        )
        app.records_saved()
        ui.until(lambda: sync.retry_text, what="a failed round planning its retry")
        assert sync.result_error and "Không kết nối được máy chủ" in sync.result_text
        assert sync.retry_text.startswith("Sẽ tự thử lại lúc")
        assert sync.pending_records == 1
        ui.screenshot("sync-retry")
    finally:
        server.start()
    # No tap: the worker's next retry gets through.
    ui.until(lambda: "Xong" in sync.result_text, timeout=60, what="the automatic retry")
    assert sync.pending_records == 0 and not sync.retry_text and not app.sync_running
    assert replica.record(saved.uuid)["status"] == "synced"
    app.autosync.automatic = False
