"""Web UI language: Vietnamese first by default, English first once chosen (cookie `lang`)."""

from __future__ import annotations

import re

from tests.server.test_web import login


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
    assert '>Share of households using clean water</a><br><span class="en">Tỷ lệ hộ' in dashboard
    # the top bar, the summary and the status words follow the choice too
    assert '">Indicators</a>' in dashboard and '">Review</a>' in dashboard
    assert '">Chỉ tiêu</a>' not in dashboard
    assert first_text(dashboard, "h2").endswith("indicators met")
    assert re.search(r'<b>Not enough data</b> <span class="en">Chưa đủ dữ liệu</span>', dashboard)


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
