"""The conflict inbox in a real browser: two tablets edit the same household offline, the
administrator resolves the clash field by field, and both tablets receive the resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.replica import Replica
from sync.replicator import client_for, enroll, sync_once
from tests.browser import chromium_page

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _tablet(tmp_path, name, live_server) -> Replica:
    replica = Replica(tmp_path / name / "replica.db")
    enroll(replica, live_server.url, live_server.enrolment_code(), name, "test")
    assert sync_once(replica, client_for(replica, timeout=10)).ok
    return replica


def _sign_in(page, url: str) -> None:
    page.goto(url + "/admin/conflicts")
    page.fill("input[name=username]", "qt_thainguyen")
    page.fill("input[name=password]", "chungsuc-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/conflicts")


def _edit(replica: Replica, uid: str, **changes) -> None:
    current = replica.record(uid)
    replica.save_record(
        "household",
        current["data"] | changes,
        current["village_code"],
        current["household_id"],
        record_uuid=uid,
    )


def test_resolve_a_conflict_field_by_field_and_tablets_receive_it(live_server, tmp_path):
    sqlite = live_server.env["DATABASE_URL"].startswith("sqlite")
    first = _tablet(tmp_path, "tab-a", live_server)
    second = _tablet(tmp_path, "tab-b", live_server)
    household = first.households("01936-T01", "nguyen van an")[0]
    uid = household["uuid"]
    members = household["data"].get("members") or 3
    _edit(first, uid, members=members + 1)
    _edit(second, uid, members=members + 2)
    assert sync_once(first, client_for(first, timeout=10)).ok
    clash = sync_once(second, client_for(second, timeout=10))
    assert clash.conflicts == 1

    with chromium_page() as page:
        _sign_in(page, live_server.url)
        rows = page.locator("#conflicts tbody tr[data-conflict]")
        assert rows.count() == 1
        rows.first.locator("a").click()
        page.wait_for_selector("#conflict-fields")
        row = page.locator('#conflict-fields tr[data-field="members"]')
        assert row.locator("td").nth(1).inner_text().strip() == str(members + 1)
        assert row.locator("td").nth(2).inner_text().strip() == str(members + 2)
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-admin-conflict.png"), full_page=True)
        # a wrong typed value is refused with a message, the conflict stays open
        row.locator("input[value=typed]").check()
        row.locator("input[name=value-members]").fill("nhiều")
        page.click("#resolve-form button[type=submit]")
        assert "không đúng kiểu" in page.get_by_role("alert").inner_text()
        page.locator('#conflict-fields tr[data-field="members"] input[value=device]').check()
        page.click("#resolve-form button[type=submit]")
        page.wait_for_selector("#admin-notice")
        assert page.locator("#conflicts tbody tr[data-conflict]").count() == 0
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-admin-conflict-resolved.png"), full_page=True)

    for tablet in (first, second):
        assert sync_once(tablet, client_for(tablet, timeout=10)).ok
        assert tablet.record(uid)["data"]["members"] == members + 2


def test_a_delete_against_an_offline_edit_is_decided_in_the_browser(live_server, tmp_path):
    sqlite = live_server.env["DATABASE_URL"].startswith("sqlite")
    deleter = _tablet(tmp_path, "tab-a", live_server)
    editor = _tablet(tmp_path, "tab-b", live_server)
    created = deleter.save_record(
        "household", {"head_name": "Hà Văn Tư", "members": 2}, "01936-T01"
    )
    assert sync_once(deleter, client_for(deleter, timeout=10)).ok
    assert sync_once(editor, client_for(editor, timeout=10)).ok
    deleter.delete_record(created.uuid, "Ghi trùng với hộ Hà Văn Tứ")
    _edit(editor, created.uuid, members=5)
    assert sync_once(deleter, client_for(deleter, timeout=10)).ok
    clash = sync_once(editor, client_for(editor, timeout=10))
    assert clash.conflicts == 1
    assert editor.record(created.uuid)["deleted"]  # the delete is in force until decided

    with chromium_page() as page:
        _sign_in(page, live_server.url)
        listed = page.locator("#conflicts tbody tr[data-conflict]")
        assert listed.count() == 1 and "xoá hay giữ" in listed.first.inner_text()
        listed.first.locator("a").click()
        row = page.locator('#conflict-fields tr[data-field="_deleted"]')
        assert "Xoá bản ghi?" in row.inner_text()
        assert "Ghi trùng với hộ Hà Văn Tứ" in row.locator("td").nth(1).inner_text()
        assert "Còn giữ" in row.locator("td").nth(2).inner_text()
        assert page.locator('#conflict-fields tr[data-field="members"]').count() == 0
        # the officer's edit, which merges by itself, is shown to decide on
        edit = page.locator('#merged-fields tr[data-field="members"]')
        assert [edit.locator("td").nth(i).inner_text() for i in range(3)] == ["2", "2", "5"]
        if sqlite:
            page.screenshot(path=str(SHOTS / "web-admin-conflict-delete.png"), full_page=True)
        row.locator("input[value=device]").check()  # keep it, with the officer's edit
        page.click("#resolve-form button[type=submit]")
        page.wait_for_selector("#admin-notice")
        assert page.locator("#conflicts tbody tr[data-conflict]").count() == 0

    for tablet in (deleter, editor):
        assert sync_once(tablet, client_for(tablet, timeout=10)).ok
        record = tablet.record(created.uuid)
        assert (record["deleted"], record["data"]["members"]) == (False, 5)
