"""Indicator dashboard pages: the board sees its commune and drills down; others get 403."""

from __future__ import annotations

import re

from server.extensions import db
from server.models import Household, Record
from tests.server.test_web import add_user, login


def test_board_opens_dashboard_and_drills_down_to_a_household(app, client, demo):
    login(client, "bql_naphac")
    page = client.get("/communes/01936/indicators")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'id="indicator-summary">Đạt \d+/\d+ chỉ tiêu', html)
    assert 'data-indicator="clean_water_households"' in html
    assert "giá trị minh họa (demo)" in html
    assert len(re.findall(r'data-month="\d\d/\d{4}"', html)) == 6 * 5  # 6 months x 5 rows
    detail = client.get("/communes/01936/indicators/clean_water_households")
    assert detail.status_code == 200
    households = re.findall(r'data-household="([0-9a-f-]+)"', detail.get_data(as_text=True))
    with app.app_context():
        active = db.session.query(Household).filter_by(commune_code="01936", active=True).count()
    assert len(households) == active > 0
    checks = client.get(f"/communes/01936/households/{households[0]}/checks")
    assert checks.status_code == 200


def test_level_and_region_choice_and_bad_values_fall_back(client, demo):
    login(client, "bql_naphac")
    html = client.get("/communes/01936/indicators?level=advanced&region=TDMNPB").get_data(
        as_text=True
    )
    assert 'data-indicator="house_and_garden_tidying"' in html
    bad = client.get("/communes/01936/indicators?level=nope&set=nope&region=<x>")
    assert bad.status_code == 200 and 'data-indicator="house_and_garden_tidying"' not in (
        bad.get_data(as_text=True)
    )
    assert client.get("/communes/01936/indicators/not_an_indicator").status_code == 404


def test_another_communes_board_gets_403_on_dashboard_and_drill_down(app, client, demo):
    add_user(app, "bql_other", "board", "01849")
    client.post("/logout")
    login(client, "bql_other", "pw-bql_other")
    assert client.get("/communes/01936/indicators").status_code == 403
    assert client.get("/communes/01936/indicators/clean_water_households").status_code == 403
    with app.app_context():
        household = db.session.query(Record).filter_by(form_id="household").first().uuid
    assert client.get(f"/communes/01936/households/{household}/checks").status_code == 403


def test_household_of_another_commune_is_404_not_shown(app, client, demo):
    login(client, "bql_naphac")
    assert client.get("/communes/01936/households/nope/checks").status_code == 404
