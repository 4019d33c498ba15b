"""Criteria configuration: thresholds layered catalogue < national < province (< partition),
one resolver for the roll-up, dashboard and exports; the page for province officers and
system administrators; every change audit-logged. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Household, Record, ThresholdOverride, User
from server.services import criteria_config, indicators, review
from server.services.criteria_config import ConfigError
from server.services.push import Author
from server.services.push import push as push_service
from tests.helpers import envelope
from tests.server.test_web import add_user, login

COMMUNE, PROVINCE, SET = "01936", "19", "ntm-2021-2025"
CHECKS = ("environment_check", "house_tidying_check")


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def approve_all_checks(app) -> None:
    """Give every demo household an environment check (the demo has 12 of 60, too few for
    the coverage rule) and approve all checks as the board, so indicators have a status."""
    with app.app_context():
        checked = set(
            db.session.scalars(
                select(Record.household_id).where(Record.form_id == "environment_check")
            )
        )
        missing = db.session.execute(
            select(Household.uuid, Household.village_code).where(
                Household.commune_code == COMMUNE, Household.active.is_(True)
            )
        ).all()
        day = dt.date.today().isoformat()
        batch = []
        for n, (hid, village) in enumerate(m for m in missing if m[0] not in checked):
            data = {
                "date": day,
                "clean_water": n % 5 != 0,
                "hygienic_latrine": True,
                "bathroom": True,
                "covered_water_container": True,
                "clean_house": True,
                "clean_kitchen": True,
                "clean_lane": n % 2 == 0,
                "sorts_waste": n % 3 != 0,
                "keeps_livestock": False,
            }
            env = envelope("environment_check", data, household_id=hid, village_code=village)
            batch.append(env)
        push_service(COMMUNE, batch, Author(username="test"))
        uuids = list(
            db.session.scalars(
                select(Record.uuid).where(
                    Record.commune_code == COMMUNE,
                    Record.form_id.in_(CHECKS),
                    Record.review_status == "pending",
                )
            )
        )
        review.decide(user("bql_naphac"), uuids, "approved")


def csrf_of(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


@pytest.fixture
def officers(app, demo):
    add_user(app, "tinh_tn", "province_officer", PROVINCE)
    add_user(app, "tinh_other", "province_officer", "01")  # Hà Nội
    add_user(app, "admin", "sysadmin", None)


def test_resolver_layers_catalogue_national_province_and_partition(app, officers):
    with app.app_context():
        water = criteria_config.Resolver(SET, PROVINCE).criteria.indicator("clean_water_households")

        def resolved(partition=None):
            return criteria_config.resolver_for_commune(COMMUNE, SET).threshold(
                water, "standard", partition
            )

        first = resolved()
        assert (first.value, first.demo, first.source) == (0.9, True, "catalogue")
        criteria_config.set_override(
            user("admin"), SET, water.id, "standard", "", "", "85", "318/QĐ-TTg ngày 08/03/2022"
        )
        national = resolved()
        assert (national.value, national.demo, national.source) == (0.85, False, "national")
        criteria_config.set_override(
            user("tinh_tn"), SET, water.id, "standard", PROVINCE, "", "92,5", "QĐ 1234/QĐ-UBND"
        )
        assert (resolved().value, resolved().source) == (0.925, "province")
        criteria_config.set_override(
            user("tinh_tn"), SET, water.id, "standard", PROVINCE, "TDMNPB", "80", "QĐ 1235/QĐ-UBND"
        )
        assert resolved("TDMNPB").value == 0.8 and resolved("DBSH").value == 0.925
        # another province's setting never applies here
        criteria_config.set_override(
            user("tinh_other"), SET, water.id, "standard", "01", "", "10", "QĐ Hà Nội"
        )
        assert resolved().value == 0.925
        # the commune's configured region is what the roll-up uses by default
        criteria_config.set_commune_partition(
            user("tinh_tn"), COMMUNE, SET, "TDMNPB", "QĐ xã đặc biệt khó khăn"
        )
        row = next(r for r in indicators.rollup(COMMUNE).results if r.indicator.id == water.id)
        assert (row.threshold, row.legal_ref, row.demo, row.source) == (
            0.8,
            "QĐ 1235/QĐ-UBND",
            False,
            "province",
        )
        # removing settings falls back one layer at a time
        for o in criteria_config.overrides(SET, PROVINCE):
            if o.province_code == PROVINCE:
                criteria_config.clear_override(user("tinh_tn"), o.id)
        assert resolved("TDMNPB").source == "national"
        actions = [
            a
            for (a,) in db.session.execute(
                select(AuditEvent.action).where(AuditEvent.action.like("criteria.%"))
            )
        ]
        assert actions.count("criteria.threshold_set") == 4
        assert actions.count("criteria.threshold_clear") == 2
        assert actions.count("criteria.partition_set") == 1


def test_refusals_write_nothing(app, officers):
    with app.app_context():
        cases = [
            (user("tinh_tn"), "clean_water_households", "standard", PROVINCE, "", "90", "", 422),
            (user("tinh_tn"), "clean_water_households", "standard", PROVINCE, "", "150", "QĐ", 422),
            (
                user("tinh_tn"),
                "clean_water_households",
                "standard",
                PROVINCE,
                "",
                "abc",
                "QĐ 1",
                422,
            ),
            (user("tinh_tn"), "clean_water_households", "model", PROVINCE, "", "90", "QĐ 1", 422),
            (
                user("tinh_tn"),
                "general_planning_approved",
                "standard",
                PROVINCE,
                "",
                "1",
                "QĐ 1",
                422,
            ),
            (
                user("tinh_tn"),
                "clean_water_households",
                "standard",
                PROVINCE,
                "XYZ",
                "9",
                "QĐ 1",
                422,
            ),
            (user("tinh_tn"), "clean_water_households", "standard", "01", "", "90", "QĐ 1", 403),
            (user("tinh_tn"), "clean_water_households", "standard", "", "", "90", "QĐ 1", 403),
            (
                user("bql_naphac"),
                "clean_water_households",
                "standard",
                PROVINCE,
                "",
                "9",
                "QĐ 1",
                403,
            ),
        ]
        for actor, indicator, level, province, partition, value, ref, status in cases:
            with pytest.raises(ConfigError) as caught:
                criteria_config.set_override(
                    actor, SET, indicator, level, province, partition, value, ref
                )
            db.session.rollback()
            assert caught.value.status == status, (indicator, value, ref)
            assert caught.value.message  # a Vietnamese message a person can act on
        assert db.session.query(ThresholdOverride).count() == 0
        assert (
            db.session.query(AuditEvent).filter(AuditEvent.action.like("criteria.%")).count() == 0
        )


def test_dashboard_status_follows_a_province_threshold_change(app, client, officers):
    approve_all_checks(app)
    login(client, "bql_naphac")
    page = client.get(f"/communes/{COMMUNE}/indicators").text
    statuses = dict(re.findall(r'data-indicator="([a-z_0-9]+)" data-status="(\w+)"', page))
    with app.app_context():
        rows = {r.indicator.id: r for r in indicators.rollup(COMMUNE).results}
    # an indicator with data whose value is below 100%, so a threshold can flip it
    target = next(
        i for i, r in rows.items() if r.status != "no_data" and r.value is not None and r.value < 1
    )
    before = statuses[target]
    new_value = "0" if before == "not_met" else "100"
    client.post("/logout", data={"csrf_token": csrf_of(client, f"/communes/{COMMUNE}/indicators")})
    login(client, "tinh_tn", "pw-tinh_tn")
    assert client.get("/criteria").status_code == 200
    token = csrf_of(client, "/criteria")
    refused = client.post(
        "/criteria",
        data={
            "action": "set",
            "target": f"{target}|standard",
            "value": new_value,
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422 and "căn cứ pháp lý" in refused.text.lower()
    saved = client.post(
        "/criteria",
        data={
            "action": "set",
            "target": f"{target}|standard",
            "partition": "",
            "value": new_value,
            "legal_ref": "Quyết định 999/QĐ-UBND tỉnh Thái Nguyên",
            "legal_date": "2026-01-15",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 302
    assert "Quyết định 999/QĐ-UBND" in client.get("/criteria").text
    client.post("/logout", data={"csrf_token": token})
    login(client, "bql_naphac")
    after = client.get(f"/communes/{COMMUNE}/indicators").text
    flipped = dict(re.findall(r'data-indicator="([a-z_0-9]+)" data-status="(\w+)"', after))
    assert flipped[target] == ("met" if before == "not_met" else "not_met")
    assert "Quyết định 999/QĐ-UBND" in after and "(cấu hình tỉnh)" in after
    with app.app_context():  # the exports read the same resolver
        exported = {r["name_vi"]: r for r in indicators.export_rows(COMMUNE)}
        row = exported[rows[target].indicator.name_vi]
        assert "999/QĐ-UBND" in row["threshold"] and row["status"] == flipped[target]
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "criteria.threshold_set")
        )
        assert event.actor == "tinh_tn" and event.details["old"] is None


def test_who_may_open_and_change_the_page(app, client, officers):
    login(client, "bql_naphac")
    assert client.get("/criteria").status_code == 403
    token = csrf_of(client, f"/communes/{COMMUNE}/indicators")
    assert client.post("/criteria", data={"action": "set", "csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, "qt_thainguyen")  # sync administrator: not criteria configuration
    assert client.get("/criteria").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(client, "/")})
    with app.app_context():
        mine = criteria_config.set_override(
            user("tinh_tn"), SET, "clean_water_households", "standard", PROVINCE, "", "90", "QĐ 1"
        ).id
    login(client, "tinh_other", "pw-tinh_other")
    page = client.get("/criteria?province=19")  # the province parameter is ignored for officers
    assert page.status_code == 200 and "QĐ 1" not in page.text
    token = csrf_of(client, "/criteria")
    assert client.post("/criteria", data={"action": "set"}).status_code == 400  # no CSRF token
    stolen = client.post(
        "/criteria", data={"action": "clear", "override": str(mine), "csrf_token": token}
    )
    assert stolen.status_code == 403
    with app.app_context():
        assert db.session.get(ThresholdOverride, mine) is not None
    client.post("/logout", data={"csrf_token": token})
    login(client, "admin", "pw-admin")
    national = client.get("/criteria")
    assert national.status_code == 200 and "Toàn quốc" in national.text
    assert client.get("/criteria?province=19").status_code == 200
    assert client.get("/criteria?province=nope").status_code == 404
    token = csrf_of(client, "/criteria")
    assert (
        client.post(
            "/criteria", data={"action": "clear", "override": str(mine), "csrf_token": token}
        ).status_code
        == 302
    )


def test_province_officer_assigns_a_communes_region_on_the_page(app, client, officers):
    login(client, "tinh_tn", "pw-tinh_tn")
    token = csrf_of(client, "/criteria")
    refused = client.post(
        "/criteria",
        data={"action": "partition", "commune": "01", "partition": "TDMNPB", "csrf_token": token},
    )
    assert refused.status_code == 422 and "xã của tỉnh" in refused.text
    no_ref = client.post(
        "/criteria",
        data={
            "action": "partition",
            "commune": COMMUNE,
            "partition": "TDMNPB",
            "csrf_token": token,
        },
    )
    assert no_ref.status_code == 422
    done = client.post(
        "/criteria",
        data={
            "action": "partition",
            "commune": COMMUNE,
            "partition": "TDMNPB",
            "legal_ref": "QĐ 861/QĐ-TTg (xã đặc biệt khó khăn)",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    assert 'data-commune="01936"' in client.get("/criteria").text
    client.post("/logout", data={"csrf_token": token})
    login(client, "bql_naphac")
    page = client.get(f"/communes/{COMMUNE}/indicators").text
    assert "Vùng/nhóm của xã" in page and '<option value="TDMNPB" selected>' in page
    # the region's catalogue threshold now applies (17.8: 60% in TDMNPB instead of 70%)
    assert re.search(
        r'data-indicator="household_sanitation_3_cong_trinh_3_sach".*?≥ 60%', page, re.S
    )


def _catalogue(**commune_indicator):
    from pathlib import Path

    from forms.catalogue import parse_catalogue

    item = {
        "id": "c",
        "status": "UNVERIFIED",
        "name": {"vi": "c", "en": "c"},
        "levels": ["standard"],
        "kind": "ratio",
        "unit": "km",
        "part": {"vi": "a", "en": "a"},
        "whole": {"vi": "b", "en": "b"},
        "legal_ref": "318/QĐ-TTg",
        "thresholds": {"standard": {"default": 0.5, "legal_ref": "r", "demo": True}},
    }
    item.update(commune_indicator)
    raw = {
        "id": "t",
        "title": {"vi": "t", "en": "t"},
        "partition": "region",
        "partitions": ["TDMNPB"],
        "levels": ["standard"],
        "commune_indicators": [item],
    }
    return parse_catalogue(Path("t.yaml"), raw)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"kind": "table"}, "kind must be one of"),
        ({"legal_ref": ""}, "needs its legal_ref"),
        ({"thresholds": {}}, "no threshold for level"),
        ({"thresholds": {"standard": {"default": 2, "legal_ref": "r"}}}, "between 0 and 1"),
        ({"kind": "number", "unit": ""}, "needs a unit"),
        ({"whole": {}}, "part and whole labels"),
        ({"levels": ["model"]}, "non-empty subset"),
    ],
)
def test_malformed_commune_indicators_are_refused(change, message):
    from forms.catalogue import CatalogueError

    with pytest.raises(CatalogueError, match=message):
        _catalogue(**change)
    number = _catalogue(
        kind="number", thresholds={"standard": {"default": 3, "legal_ref": "r", "demo": True}}
    )
    assert number.commune_indicators[0].thresholds["standard"].default == 3
