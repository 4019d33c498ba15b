"""Web UI language: Vietnamese first by default, English first once chosen (cookie `lang`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from server.extensions import db
from server.models import Device
from server.services import periods
from tests.server.test_conflicts import make_conflict
from tests.server.test_criteria_config import approve_all_checks, user
from tests.server.test_integrity_web import stray_households
from tests.server.test_period_holds import an_approved_water_check, tombstone_of
from tests.server.test_push import push
from tests.server.test_web import add_user, csrf, login

EVIL = "<script>alert(1)</script>"
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def first_text(html: str, tag: str) -> str:
    """The text of the first <tag> up to its first child element (what a reader sees first)."""
    match = re.search(rf"<{tag}(?:\s[^>]*)?>\s*([^<]*)", html)
    assert match, f"no <{tag}> in page"
    return match.group(1).strip()


def second_text(html: str, tag: str) -> str:
    """The muted second-language text inside the first <tag>."""
    match = re.search(rf'<{tag}(?:\s[^>]*)?>.*?<span class="en"[^>]*>([^<]*)</span>', html, re.S)
    assert match, f"no second language in <{tag}>"
    return match.group(1).strip()


def choose_english(client) -> None:
    page = client.get("/login?lang=en")
    assert page.status_code == 200
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"


def test_default_is_vietnamese_first(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert first_text(html, "h1") == "Đăng nhập"
    assert second_text(html, "h1") == "Log in"
    assert '<span class="en">Log in</span>' in html  # the markup the CSS and other tests rely on
    assert 'hreflang="en">English</a>' in html
    assert client.get_cookie("lang") is None


def test_english_login_commune_and_dashboard_pages(client, demo):
    choose_english(client)
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert first_text(html, "h1") == "Log in"
    assert '<span class="en" lang="vi">Đăng nhập</span>' in html
    assert 'hreflang="vi">Tiếng Việt</a>' in html

    login(client, "bql_naphac")
    commune = client.get("/communes/01936").get_data(as_text=True)
    assert first_text(commune, "h2") == "Commune totals"
    assert second_text(commune, "h2") == "Tổng đóng góp của xã"
    assert first_text(commune, "button") == "Log out"

    dashboard = client.get("/communes/01936/indicators").get_data(as_text=True)
    assert first_text(dashboard, "h1") == "NTM indicators"
    assert second_text(dashboard, "h1") == "Chỉ tiêu nông thôn mới"
    assert first_text(dashboard, "th") == "Code"
    # data from the server (indicator names) follow the choice too
    assert 'data-indicator="clean_water_households"' in dashboard
    assert (
        '>Share of households using clean water</a><br><span class="en" lang="vi">Tỷ lệ hộ'
        in dashboard
    )
    # the top bar, the summary and the status words follow the choice too
    assert '">Indicators</a>' in dashboard and '">Review</a>' in dashboard
    assert '">Chỉ tiêu</a>' not in dashboard
    assert first_text(dashboard, "h2").endswith("indicators met")
    assert '<b>Not enough data</b> <span class="en" lang="vi">Chưa đủ dữ liệu</span>' in dashboard


def test_choice_persists_and_can_be_switched_back(client, demo):
    choose_english(client)
    login(client, "bql_naphac")
    html = client.get("/communes/01936").get_data(as_text=True)
    assert first_text(html, "h2") == "Commune totals"
    switch = re.search(r'<a class="lang" href="([^"]+)"', html).group(1)
    assert switch == "/communes/01936?lang=vi"
    back = client.get(switch).get_data(as_text=True)
    assert first_text(back, "h2") == "Tổng đóng góp của xã"
    assert client.get_cookie("lang").value == "vi"
    again = client.get("/communes/01936").get_data(as_text=True)
    assert first_text(again, "h2") == "Tổng đóng góp của xã"


def test_switch_link_keeps_other_query_arguments(client, demo):
    login(client, "bql_naphac")
    html = client.get("/communes/01936/indicators?level=advanced").get_data(as_text=True)
    switch = re.search(r'<a class="lang" href="([^"]+)"', html).group(1)
    assert switch == "/communes/01936/indicators?level=advanced&amp;lang=en"


def test_bad_value_falls_back_to_vietnamese(client):
    client.set_cookie("lang", "fr")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in html and first_text(html, "h1") == "Đăng nhập"
    bad = client.get("/login?lang=<script>")
    assert bad.status_code == 200
    assert first_text(bad.get_data(as_text=True), "h1") == "Đăng nhập"
    assert client.get_cookie("lang").value == "fr"  # a bad ?lang= is ignored, not stored


def test_error_page_message_follows_the_choice(client):
    vi_page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert vi_page.status_code == 404
    vi_html = vi_page.get_data(as_text=True)
    choose_english(client)
    en_page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert en_page.status_code == 404
    en_html = en_page.get_data(as_text=True)
    vi_first = re.search(r"<h1>404</h1>\s*<p>([^<]+)</p>", vi_html).group(1)
    en_first = re.search(r"<h1>404</h1>\s*<p>([^<]+)</p>", en_html).group(1)
    assert vi_first != en_first
    assert f'<p class="en" lang="vi">{vi_first}</p>' in en_html


def test_dashboard_sentences_and_status_words_in_both_modes(client, demo):
    login(client, "bql_naphac")
    vi = client.get("/communes/01936/indicators").get_data(as_text=True)
    summary = re.search(r'id="indicator-summary">([^<]*)<span class="en">([^<]*)</span>', vi)
    assert summary and re.fullmatch(r"Đạt \d+/\d+ chỉ tiêu ", summary.group(1))
    assert re.fullmatch(r"\d+ of \d+ indicators met", summary.group(2))
    assert re.search(r'\d+/\d+ hộ <span class="en">\d+/\d+ households</span>', vi)
    assert '<b>Chưa đủ dữ liệu</b> <span class="en">Not enough data</span>' in vi
    assert 'giá trị minh họa (demo) <span class="en">demo value</span>' in vi
    assert '<option value="">— Mặc định / Default —</option>' in vi

    choose_english(client)
    en = client.get("/communes/01936/indicators").get_data(as_text=True)
    summary = re.search(
        r'id="indicator-summary">([^<]*)<span class="en" lang="vi">([^<]*)</span>', en
    )
    assert summary and re.fullmatch(r"\d+ of \d+ indicators met ", summary.group(1))
    assert re.fullmatch(r"Đạt \d+/\d+ chỉ tiêu", summary.group(2))
    assert re.search(r'\d+/\d+ households <span class="en" lang="vi">\d+/\d+ hộ</span>', en)
    assert 'demo value <span class="en" lang="vi">giá trị minh họa (demo)</span>' in en
    assert '<option value="">— Default / Mặc định —</option>' in en
    # the commune-level block under the dashboard and its own page
    assert '<b>Not entered</b> <span class="en" lang="vi">Chưa nhập</span>' in en
    commune_level = client.get("/communes/01936/commune-indicators").get_data(as_text=True)
    assert first_text(commune_level, "h1") == "Commune-level indicators"
    assert second_text(commune_level, "h1") == "Chỉ tiêu cấp xã"
    assert (
        "the latest entry counts." in commune_level.split('<span class="en" lang="vi">Số liệu')[0]
    )


def test_review_pages_and_a_hold_notice_whose_period_name_is_markup(app, client, device):
    """Sentences with values follow the choice; a value (here a period name) stays escaped."""
    approve_all_checks(app)
    with app.app_context():
        board = user("bql_naphac")
        today = dt.date.today()
        period = periods.create(board, "01936", EVIL, today - dt.timedelta(days=60), today)
        periods.lock(board, period.id)
    target = an_approved_water_check(app)
    assert push(client, device, tombstone_of(app, target)).status_code == 200
    login(client, "bql_naphac")

    vi = client.get(f"/records/{target}").text
    notice = re.search(r'<p class="card error" id="hold-notice">(.*?)</p>', vi, re.S).group(1)
    assert notice.startswith(
        '<b>Cần mở lại kỳ</b> <span class="en">Needs reopening</span>: hồ sơ được xoá'
    )
    assert '<span class="en">Deleted on a tablet after period “' + EVIL_ESCAPED in notice
    assert first_text(vi, "h1") == "Hồ sơ"
    assert "<script>" not in vi

    choose_english(client)
    en = client.get(f"/records/{target}").text
    notice = re.search(r'<p class="card error" id="hold-notice">(.*?)</p>', en, re.S).group(1)
    assert notice.startswith(
        '<b>Needs reopening</b> <span class="en" lang="vi">Cần mở lại kỳ</span>: Deleted on a '
    )
    assert f"after period “{EVIL_ESCAPED}” was locked" in notice
    assert (
        f'<span class="en" lang="vi">hồ sơ được xoá từ máy tính bảng sau khi kỳ “{EVIL_ESCAPED}”'
        in notice
    )
    assert "the board reopens the period and decides again." in notice
    assert first_text(en, "h1") == "Record"
    assert "<script>" not in en
    queue = client.get("/communes/01936/review").text
    assert first_text(queue, "h1") == "Review queue"
    assert second_text(queue, "h1") == "Duyệt hồ sơ"
    assert '<option value="pending">Pending / Chờ duyệt</option>' in queue
    assert re.search(
        r'<b class="warn held" title="Needs reopening / Cần mở lại kỳ">Needs reopening</b>', queue
    )
    periods_page = client.get("/communes/01936/periods").text
    assert re.search(
        r'Locked by bql_naphac at [\d/: ]+ <span class="en" lang="vi">Đã khoá bởi',
        periods_page,
    )
    assert EVIL_ESCAPED in periods_page and "<script>" not in periods_page


def test_ledger_and_commune_pages_in_english(client, demo):
    login(client, "bql_naphac")
    vi = client.get("/communes/01936/ledger").text
    assert '<label>Thôn <span class="en">Village</span>' in vi
    assert '<h2>Tổng hợp <span class="en">Totals</span></h2>' in vi
    assert '<option value="">— Tất cả / All —</option>' in vi
    assert re.search(r'\+ [\d.,]+ chờ duyệt <span class="en">pending</span>', vi)

    choose_english(client)
    en = client.get("/communes/01936/ledger").text
    assert first_text(en, "h1") == "Contribution ledger"
    assert second_text(en, "h1") == "Sổ đóng góp"
    assert '<label>Village <span class="en" lang="vi">Thôn</span>' in en
    assert '<h2>Totals <span class="en" lang="vi">Tổng hợp</span></h2>' in en
    assert '<option value="">— All / Tất cả —</option>' in en
    assert re.search(r'\+ [\d.,]+ pending <span class="en" lang="vi">chờ duyệt</span>', en)
    assert "download>Ledger XLSX</a>" in en
    assert 'Dossier <span class="en" lang="vi">Hồ sơ PDF</span>' in en
    assert '<p class="en">Below: pending · Dòng dưới: chờ duyệt</p>' in en
    assert '<span class="en">' not in en.split("<main>")[1]  # no Vietnamese-first pair left
    for path in ("/communes/01936/ledger/rates", "/communes/01936/commendation"):
        page = client.get(path).text
        assert second_text(page, "h1") in ("Đơn giá quy đổi", "Hộ gia đình có đóng góp tiêu biểu")
        assert '<span class="en">' not in page.split("<main>")[1]

    commune = client.get("/communes/01936").text
    assert re.search(r"</b> labour days,", commune)
    assert '<span class="en">' not in commune.split("<main>")[1]


def test_admin_pages_in_english_with_values_escaped(app, client, device):
    _, conflict_id = make_conflict(client, device)
    with app.app_context():
        db.session.get(Device, device.device_id).name = EVIL
        db.session.commit()
    assert login(client, "qt_thainguyen").status_code == 302
    # the notice after a resolution repeats two query arguments: escaped in both languages
    query = "/admin/conflicts?resolved=%3Cscript%3Ealert(1)%3C/script%3E&version=7"
    vi = client.get(query).text
    assert f"Đã giải quyết xung đột #{EVIL_ESCAPED}; bản sửa mới (phiên bản 7)" in vi
    assert f'<span class="en">Conflict #{EVIL_ESCAPED} resolved; the new revision (version 7)' in vi
    assert "<script>" not in vi
    revoked = client.post(
        f"/admin/devices/{device.device_id}/revoke",
        data={"csrf_token": csrf(client, "/admin/devices"), "mode": "drain"},
    ).text
    notice = re.search(r'id="admin-notice">(.*?)</p>', revoked).group(1)
    assert notice == (
        f"Đã thu hồi máy {EVIL_ESCAPED} (cho gửi nốt rồi dừng). "
        f'<span class="en">Device {EVIL_ESCAPED} revoked (finish uploading, then stop).</span>'
    )

    choose_english(client)
    en = client.get(query).text
    assert f"Conflict #{EVIL_ESCAPED} resolved; the new revision (version 7)" in en
    assert f'<span class="en" lang="vi">Đã giải quyết xung đột #{EVIL_ESCAPED};' in en
    assert "<script>" not in en
    assert first_text(en, "h1") == "Conflict inbox"
    assert '<option value="">All / Tất cả</option>' in en
    one = client.get(f"/admin/conflicts/{conflict_id}").text
    assert first_text(one, "h1") == f"Conflict #{conflict_id}"
    assert 'version <span class="en" lang="vi">phiên bản</span>' in one
    devices = client.get("/admin/devices").text
    assert EVIL_ESCAPED in devices and "<script>" not in devices
    health = client.get("/admin/devices/health").text
    assert first_text(health, "h1") == "Sync health"
    assert "Clock skew is device minus server time" in health.split("Lệch giờ: giờ máy")[0]

    users = client.get("/admin/users").text
    assert first_text(users, "h1") == "Users and roles"
    assert re.search(
        r'<td>Commune board<br><small class="en" lang="vi">Ban quản lý xã</small>', users
    )
    board_id = re.search(
        r'action="/admin/users/(\d+)/active"', users.split('data-user="bql_naphac"')[1]
    )
    reset = client.post(
        f"/admin/users/{board_id.group(1)}/password",
        data={"csrf_token": csrf(client, "/admin/users"), "confirm": "1"},
    ).text
    assert first_text(reset, "h2") == "Password for bql_naphac"
    assert second_text(reset, "h2") == "Mật khẩu cho bql_naphac"
    off = client.post(
        f"/admin/users/{board_id.group(1)}/active",
        data={"csrf_token": csrf(client, "/admin/users"), "active": "0"},
    ).text
    assert 'bql_naphac: deactivated. <span class="en" lang="vi">đã khoá.</span>' in off


def test_integrity_and_criteria_pages_in_english(app, client, device):
    stray_households(client, device)
    add_user(app, "tinh_tn", "province_officer", "19")
    choose_english(client)
    login(client, "bql_naphac")
    html = client.get("/communes/01936/integrity").text
    assert first_text(html, "h1") == "Evidence integrity"
    assert second_text(html, "h1") == "Kiểm tra minh chứng"
    row = re.search(
        r'<tr data-kind="outside_village"><td><a [^>]*>([^<]*)</a> '
        r'<span class="en" lang="vi">([^<]*)</span>',
        html,
    )
    assert row and row.group(1) != row.group(2)
    assert (
        'Checked, acceptable <span class="en" lang="vi">Đã kiểm tra, chấp nhận được</span></button>'
        in html
    )
    assert '<option value="open" selected>Open / Đang mở</option>' in html
    assert '<span class="en">' not in html.split("<main>")[1]

    client.post("/logout", data={"csrf_token": csrf(client, "/communes/01936")})
    login(client, "tinh_tn", "pw-tinh_tn")
    criteria = client.get("/criteria").text
    assert first_text(criteria, "h1") == "Criteria configuration"
    assert second_text(criteria, "h1") == "Cấu hình tiêu chí"
    assert "Set a threshold for " in criteria
    assert 'demo value <span class="en" lang="vi">giá trị minh họa (demo)</span>' in criteria
    assert '<span class="en">' not in criteria.split("<main>")[1]


def test_no_hand_written_pairs_left_in_templates():
    """Every pair goes through t()/tf()/t_muted(): none writes its muted half by hand."""
    templates = Path(__file__).resolve().parents[2] / "server" / "templates"
    left = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if '<span class="en">' in line or re.search(r'class="en">\{\{ t_second', line)
    ]
    assert left == []
