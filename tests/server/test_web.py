"""The web side: login, the commune page with totals, and area checks."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from server.extensions import db
from server.models import User
from tests.helpers import contribution, envelope


def csrf(client, path="/login") -> str:
    page = client.get(path, follow_redirects=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def login(client, username, password="chungsuc-demo"):
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf(client)}
    )


def add_user(app, username, role, area):
    with app.app_context():
        user = User(username=username, display_name=username, role=role, area_code=area)
        user.set_password("pw-" + username)
        db.session.add(user)
        db.session.commit()


def test_pages_need_login(client, demo):
    response = client.get("/communes/01936")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_and_unknown_user_get_the_same_message(client, demo):
    wrong = login(client, "bql_naphac", "nope")
    unknown = login(client, "no_such_user", "nope")
    assert wrong.status_code == unknown.status_code == 401
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, demo):
    response = client.post("/login", data={"username": "bql_naphac", "password": "chungsuc-demo"})
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.get_data(as_text=True)


def test_board_member_sees_contributions_and_totals(client, demo, device):
    household = envelope(data={"head_name": "Lục Thị Yến", "members": 3})
    gift = contribution(household["uuid"], 1_250_000, kind="cash")
    labour = contribution(household["uuid"], 2.5, kind="labour")
    pushed = client.post(
        "/api/v1/sync/push", json={"records": [household, gift, labour]}, headers=device.headers
    )
    assert pushed.status_code == 200
    assert login(client, "bql_naphac").status_code == 302
    page = client.get("/communes/01936")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lục Thị Yến" in html and "Tiền mặt" in html
    row = re.search(r'<tr data-village="01936-T01">(.*?)</tr>', html, re.S).group(1)
    # demo: land donations in T01 are households 0 and 9: 20 + 65 = 85 m²
    assert re.search(r'data-total="land_m2">85<', row)
    labour_cell = re.search(r'data-total="labour_days">([^<]+)<', row).group(1)
    assert labour_cell == "7,5"  # demo household 3 gave 5 days, this test adds 2.5
    totals = re.search(r'id="commune-totals">(.*?)</section>', html, re.S).group(1)
    assert re.search(r'data-total="cash_vnd">[\d.]+<', totals)


def test_home_redirects_a_board_member_to_their_commune(client, demo):
    login(client, "bql_naphac")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/communes/01936")


@pytest.mark.parametrize(
    ("username", "role", "area", "status"),
    [
        ("board_other", "board", "01849", 403),
        ("admin_same_province", "sync_admin", "19", 200),
        ("admin_other_province", "sync_admin", "04", 403),
        ("root", "sysadmin", None, 200),
    ],
)
def test_commune_page_is_scoped_to_the_users_area(app, client, demo, username, role, area, status):
    add_user(app, username, role, area)
    assert login(client, username, "pw-" + username).status_code == 302
    response = client.get("/communes/01936")
    assert response.status_code == status
    if status == 403:
        assert "Bạn không có quyền" in response.get_data(as_text=True)


def test_unknown_commune_is_a_404_page_not_a_500(client, demo):
    login(client, "bql_naphac")
    response = client.get("/communes/00000")
    assert response.status_code == 404 and "Không tìm thấy" in response.get_data(as_text=True)


def test_photo_is_served_only_within_the_users_area(app, client, demo):
    with app.app_context():
        from server.models import Record

        sha = next(h for r in db.session.query(Record).all() for h in r.photos)
    add_user(app, "board_other", "board", "01849")
    login(client, "board_other", "pw-board_other")
    assert client.get(f"/photos/{sha}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, "bql_naphac")
    response = client.get(f"/photos/{sha}")
    response.close()  # a file response holds the file open until closed
    assert response.status_code == 200 and response.mimetype == "image/jpeg"


def test_openapi_document_describes_the_sync_api(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert {"/api/v1/sync/push", "/api/v1/sync/changes", "/api/v1/devices/enroll"} <= set(paths)


def test_a_record_that_arrives_before_its_photo_shows_photo_pending(app, client, device):
    import hashlib

    from tests.helpers import jpeg_bytes

    household = envelope()
    photo = jpeg_bytes(text="later")
    sha = hashlib.sha256(photo).hexdigest()
    gift = contribution(
        household["uuid"], 10, kind="land", data_extra={"consent_photo": sha}, photos=[sha]
    )
    client.post("/api/v1/sync/push", json={"records": [household, gift]}, headers=device.headers)
    login(client, "bql_naphac")
    assert f'data-photo-pending="{sha}"' in client.get("/communes/01936").get_data(as_text=True)
    client.put(
        f"/api/v1/photos/{sha}", data=photo, headers=device.headers, content_type="image/jpeg"
    )
    html = client.get("/communes/01936").get_data(as_text=True)
    assert f'data-photo-pending="{sha}"' not in html and f"/photos/{sha}" in html


def test_a_tablet_with_a_wrong_clock_is_flagged_on_the_commune_page(client, demo, device):
    household = envelope()
    gift = contribution(household["uuid"], quantity=200000)
    ahead = "2027-11-22T08:00:00Z"  # about a year ahead of the server
    response = client.post(
        "/api/v1/sync/push",
        json={"records": [household, gift]},
        headers=device.headers | {"X-Device-Time": ahead},
    )
    assert response.status_code == 200, response.json
    login(client, "bql_naphac")
    page = client.get("/communes/01936").get_data(as_text=True)
    assert 'id="clock-flags"' in page and f'data-device="{device.device_id}"' in page
    assert "data-clock-flag" in page  # the contribution from that tablet carries the mark

    client.post(  # the clock is put right: the next contact clears the flag
        "/api/v1/sync/push",
        json={"records": [contribution(household["uuid"])]},
        headers=device.headers | {"X-Device-Time": dt.datetime.now(dt.UTC).isoformat()},
    )
    page = client.get("/communes/01936").get_data(as_text=True)
    assert 'id="clock-flags"' not in page and "data-clock-flag" not in page
