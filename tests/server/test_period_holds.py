"""A push into a LOCKED reporting period is stored but held: the record shows "needs
reopening", the approved figures do not move, a decision waits for the period to be
reopened and then releases the hold. Also: the record page shows the form's labels.
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, PeriodHold, Record, RecordRevision
from server.services import indicators, periods, review
from server.services.review import ReviewError
from tests.helpers import envelope
from tests.server.test_criteria_config import approve_all_checks, user
from tests.server.test_push import push
from tests.server.test_web import login

COMMUNE = "01936"
TODAY = dt.date.today()


def water(app):
    with app.app_context():
        row = next(
            r
            for r in indicators.rollup(COMMUNE).results
            if r.indicator.id == "clean_water_households"
        )
        return row.numerator, row.denominator, row.pending


def lock_this_month(app) -> int:
    with app.app_context():
        board = user("bql_naphac")
        period = periods.create(board, COMMUNE, "Kỳ này", TODAY - dt.timedelta(days=60), TODAY)
        periods.lock(board, period.id)
        return period.id


def tombstone_of(app, record_uuid: str) -> dict:
    with app.app_context():
        r = db.session.get(Record, record_uuid)
        return {
            "uuid": r.uuid,
            "mutation_id": str(uuid.uuid4()),
            "form_id": r.form_id,
            "form_version": r.form_version,
            "commune_code": r.commune_code,
            "village_code": r.village_code,
            "household_id": r.household_id,
            "data": r.data,
            "photos": r.photos,
            "device_id": "",
            "captured_at": r.captured_at.isoformat(),
            "base_version": r.version,
            "deleted": True,
            "reason": "Ghi nhầm hộ",
        }


def an_approved_water_check(app) -> str:
    with app.app_context():
        return db.session.scalar(
            select(Record.uuid).where(
                Record.form_id == "environment_check",
                Record.review_status == "approved",
                Record.data["clean_water"].as_boolean().is_(True),
            )
        )


def test_a_change_pushed_into_a_locked_period_is_held_until_reopened(app, client, device):
    approve_all_checks(app)
    before = water(app)
    period_id = lock_this_month(app)
    target = an_approved_water_check(app)
    tomb = tombstone_of(app, target)
    answer = push(client, device, tomb)
    assert answer.status_code == 200 and answer.json["results"][0]["status"] == "applied"
    with app.app_context():  # stored: nothing collected is lost
        record = db.session.get(Record, target)
        assert record.deleted and record.review_status == "pending"
        assert db.session.query(RecordRevision).filter_by(record_uuid=target).count() == 2
        hold = db.session.scalar(select(PeriodHold).where(PeriodHold.record_uuid == target))
        assert (hold.kind, hold.period_id, hold.released_at) == ("delete", period_id, None)
        assert hold.approved_data["clean_water"] is True
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "period.hold"))
    # the figures the board locked do not move
    assert water(app)[:2] == before[:2]
    # a replay of the same mutation adds no second hold
    assert push(client, device, tomb).json["results"][0]["replayed"] is True
    with app.app_context():
        assert db.session.query(PeriodHold).count() == 1
        assert db.session.query(PeriodHold).one().mutations == 1
    # the board sees it flagged, and cannot decide while the period is locked
    login(client, "bql_naphac")
    queue = client.get(f"/communes/{COMMUNE}/review").text
    assert re.search(rf'data-record="{target}".*?Cần mở lại kỳ', queue, re.S)
    page = client.get(f"/records/{target}").text
    assert 'id="hold-notice"' in page and "Kỳ này" in page
    with app.app_context():
        try:
            review.decide(user("bql_naphac"), [target], "approved")
            raise AssertionError("decided in a locked period")
        except ReviewError as exc:
            db.session.rollback()
            assert exc.status == 409
        periods.reopen(user("bql_naphac"), period_id, "Hộ báo ghi nhầm")
        review.decide(user("bql_naphac"), [target], "approved")  # the board accepts the delete
        hold = db.session.scalar(select(PeriodHold).where(PeriodHold.record_uuid == target))
        assert hold.released_by == "bql_naphac" and hold.released_at is not None
    after = water(app)
    assert after[1] == before[1] - 1 and after[0] == before[0] - 1  # now the figure changes


def test_a_new_check_captured_in_a_locked_period_is_held_and_not_counted(app, client, device):
    approve_all_checks(app)
    before = water(app)
    lock_this_month(app)
    with app.app_context():
        household, village = db.session.execute(
            select(Record.household_id, Record.village_code).where(
                Record.uuid == an_approved_water_check(app)
            )
        ).one()
    late = envelope(
        "environment_check",
        {
            "date": TODAY.isoformat(),
            "clean_water": False,
            "hygienic_latrine": True,
            "bathroom": True,
            "covered_water_container": True,
            "clean_house": True,
            "clean_kitchen": True,
            "clean_lane": True,
            "sorts_waste": True,
            "keeps_livestock": False,
        },
        household_id=household,
        village_code=village,
    )
    assert push(client, device, late).status_code == 200
    with app.app_context():
        hold = db.session.scalar(select(PeriodHold).where(PeriodHold.record_uuid == late["uuid"]))
        assert hold.kind == "new" and hold.approved_data is None
    numerator, denominator, pending = water(app)
    assert (numerator, denominator) == before[:2] and pending == before[2] + 1


def test_pushes_outside_locked_periods_are_not_held(app, client, device):
    approve_all_checks(app)
    with app.app_context():
        board = user("bql_naphac")
        old = periods.create(
            board, COMMUNE, "Năm ngoái", dt.date(2020, 1, 1), dt.date(2020, 12, 31)
        )
        periods.lock(board, old.id)
    tomb = tombstone_of(app, an_approved_water_check(app))
    assert push(client, device, tomb).status_code == 200
    household = envelope()
    assert push(client, device, household).status_code == 200
    with app.app_context():
        assert db.session.query(PeriodHold).count() == 0
        assert db.session.get(Record, tomb["uuid"]).review_status == "approved"


def test_record_page_shows_the_forms_labels_vietnamese_first(app, client, device):
    rec = envelope(data={"head_name": "Lò Văn Páo", "members": 5})
    push(client, device, rec)
    login(client, "bql_naphac")
    page = client.get(f"/records/{rec['uuid']}").text
    assert '<tr data-field="head_name"><th>Chủ hộ <span class="en">Head of household</span>' in page
    assert 'data-field="members"' in page and "Lò Văn Páo" in page
    assert "<th>head_name</th>" not in page


def test_a_household_deleted_in_a_locked_period_still_counts_until_decided(app, client, device):
    approve_all_checks(app)
    with app.app_context():
        row = next(
            r
            for r in indicators.rollup(COMMUNE).results
            if r.indicator.id == "clean_water_households"
        )
        active = row.active
    household = envelope(data={"head_name": "Hộ mới", "members": 2})
    assert push(client, device, household).status_code == 200
    lock_this_month(app)
    tomb = tombstone_of(app, household["uuid"])
    answer = push(client, device, tomb)
    assert answer.status_code == 200, answer.json
    with app.app_context():
        hold = db.session.scalar(
            select(PeriodHold).where(PeriodHold.record_uuid == household["uuid"])
        )
        assert hold.kind == "delete" and hold.form_id == "household"
        row = next(
            r
            for r in indicators.rollup(COMMUNE).results
            if r.indicator.id == "clean_water_households"
        )
        assert row.active == active + 1  # the coverage the board locked does not move


def test_a_change_moving_a_record_out_of_a_locked_period_is_still_held(app, client, device):
    approve_all_checks(app)
    period_id = lock_this_month(app)
    target = an_approved_water_check(app)
    moved = dict(
        tombstone_of(app, target),
        captured_at=(dt.datetime.now(dt.UTC) - dt.timedelta(days=120)).isoformat(),
    )
    assert push(client, device, moved).status_code == 200
    with app.app_context():
        hold = db.session.scalar(select(PeriodHold).where(PeriodHold.record_uuid == target))
        assert hold.period_id == period_id
        assert (
            periods.locked_period_for(COMMUNE, db.session.get(Record, target).captured_at) is None
        )
        try:
            review.decide(user("bql_naphac"), [target], "rejected", "Sai ngày")
            raise AssertionError("decided a held record while its period is locked")
        except ReviewError as exc:
            assert exc.status == 409 and exc.code == "needs_reopening"
        assert db.session.get(Record, target).review_status == "pending"
