"""Household indicator roll-up on hand-built households (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from server.extensions import db
from server.models import AdminUnit, Household, Record
from server.services import indicators, indicators_facts

COMMUNE, VILLAGE = "99001", "99001-T01"
T0 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
GOOD = {
    "clean_water": True,
    "hygienic_latrine": True,
    "bathroom": True,
    "covered_water_container": True,
    "clean_house": True,
    "clean_kitchen": True,
    "clean_lane": True,
    "sorts_waste": True,
    "keeps_livestock": False,
}


class Commune:
    def __init__(self):
        self.version = 0
        db.session.add(AdminUnit(code=COMMUNE, level="commune", name="Xã Thử"))
        db.session.add(AdminUnit(code=VILLAGE, level="village", name="Thôn 1", parent_code=COMMUNE))
        db.session.flush()

    def _record(self, form_id, data, household_id=None, **kw):
        self.version += 1
        uid = str(uuid.uuid4())
        record = Record(
            uuid=uid,
            commune_code=COMMUNE,
            village_code=VILLAGE,
            household_id=household_id or uid,
            form_id=form_id,
            form_version=1,
            data=data,
            captured_at=kw.pop("captured_at", T0),
            version=self.version,
            **kw,
        )
        db.session.add(record)
        return record

    def household(self, active=True, deleted=False):
        record = self._record("household", {"head_name": "Hộ"}, deleted=deleted)
        db.session.flush()
        db.session.add(
            Household(
                uuid=record.uuid,
                commune_code=COMMUNE,
                village_code=VILLAGE,
                head_name="Hộ",
                search_name="ho",
                active=active,
            )
        )
        return record.uuid

    def check(self, household, days=0, status="approved", **answers):
        self._record(
            "environment_check",
            dict(GOOD, date="2026-06-01", **answers),
            household_id=household,
            captured_at=T0 + dt.timedelta(days=days),
            review_status=status,
        )

    def done(self):
        """Flush and rebuild the facts (records here are inserted directly, not pushed)."""
        db.session.flush()
        indicators_facts.recompute(COMMUNE)


def result(rollup, indicator_id):
    return next(r for r in rollup.results if r.indicator.id == indicator_id)


@pytest.fixture
def commune(app):
    with app.app_context():
        yield Commune()
        db.session.rollback()


def test_current_approved_check_counts_and_the_rest_is_reported(commune):
    counted = commune.household()
    commune.check(counted, days=0, clean_water=False)
    commune.check(counted, days=5, clean_water=True)  # latest observation wins
    dirty = commune.household()
    commune.check(dirty, clean_water=False)
    rejected = commune.household()
    commune.check(rejected, status="rejected")  # never counts: not covered
    waiting = commune.household()
    commune.check(waiting, status="pending")  # pending: shown apart, not counted
    commune.household()  # no check yet
    left = commune.household(active=False)
    commune.check(left)  # left the commune: not counted at all
    gone = commune.household(deleted=True)
    commune.check(gone)
    commune.done()

    water = result(indicators.rollup(COMMUNE), "clean_water_households")
    assert (water.numerator, water.denominator) == (1, 2)
    assert (water.covered, water.active, water.pending) == (2, 5, 1)
    assert water.value == 0.5
    assert water.status == "no_data"  # coverage 2/5 is below MIN_COVERAGE


def test_a_newer_pending_check_does_not_replace_the_approved_one(commune):
    household = commune.household()
    commune.check(household, clean_water=True)
    commune.check(household, days=3, status="pending", clean_water=False)
    commune.done()
    water = result(indicators.rollup(COMMUNE), "clean_water_households")
    assert (water.numerator, water.denominator, water.pending) == (1, 1, 1)
    assert water.status == "met"


def test_livestock_pens_only_over_livestock_households(commune):
    for keeps, hygienic in [(True, True), (True, False), (False, None), (False, None)]:
        answers = {"keeps_livestock": keeps}
        if keeps:
            answers.update(pen_hygienic=hygienic, pen_away_from_house=True)
        commune.check(commune.household(), **answers)
    commune.done()
    pens = result(indicators.rollup(COMMUNE), "livestock_hygiene")
    assert (pens.numerator, pens.denominator, pens.covered) == (1, 2, 4)
    assert pens.status == "not_met"  # 50% < demo 60%


def test_threshold_depends_on_region_and_level_and_is_marked_demo(commune):
    for ok in [True, True, True, False, False, False, True, True, True, True]:
        commune.check(commune.household(), clean_kitchen=ok)
    commune.done()
    sid = "household_sanitation_3_cong_trinh_3_sach"
    lowland = result(indicators.rollup(COMMUNE, partition="DBSH"), sid)
    mountain = result(indicators.rollup(COMMUNE, partition="TDMNPB"), sid)
    advanced = result(indicators.rollup(COMMUNE, level="advanced", partition="TDMNPB"), sid)
    assert lowland.value == mountain.value == 0.7
    assert (lowland.threshold, lowland.status) == (0.7, "met")
    assert (mountain.threshold, mountain.status) == (0.6, "met")
    assert (advanced.threshold, advanced.status) == (0.85, "not_met")
    assert "giá trị minh họa (demo)" in lowland.threshold_label()


def test_summary_counts_met_criteria_and_feeds_the_exports(commune):
    for _ in range(5):
        commune.check(commune.household())
    commune.done()
    rollup = indicators.rollup(COMMUNE)
    # environment indicators met; livestock has no population; housing has no check
    assert (rollup.met, rollup.total) == (3, 5)
    rows = {r["code"]: r for r in indicators.export_rows(COMMUNE)}
    assert rows["17.1"]["status"] == "met" and rows["17.1"]["coverage"] == "5/5 hộ"
    assert rows["9.2"]["status"] == "no_data"


def test_as_of_gives_the_value_at_an_earlier_date(commune):
    household = commune.household()
    commune.check(household, clean_water=False)
    commune.check(household, days=40, clean_water=True)
    commune.done()
    early = indicators.rollup(COMMUNE, as_of=T0 + dt.timedelta(days=30))
    assert result(early, "clean_water_households").status == "not_met"
    assert result(indicators.rollup(COMMUNE), "clean_water_households").status == "met"


def test_trend_gives_the_value_at_each_month_end(commune):
    household = commune.household()
    commune.check(household, clean_water=False)  # June
    commune.check(household, days=40, clean_water=True)  # July
    commune.done()
    series = indicators.trend(COMMUNE, months=3, today=dt.date(2026, 7, 20))
    water = series["clean_water_households"]
    assert water == [("05/2026", None), ("06/2026", 0.0), ("07/2026", 1.0)]


def test_month_ends_cross_the_year():
    ends = indicators.month_ends(dt.date(2026, 1, 5), 2)
    assert [e.strftime("%Y-%m-%d") for e in ends] == ["2025-12-31", "2026-01-31"]


def test_facts_kept_by_push_equal_a_full_recompute(app, client, device):
    """Random checks pushed in rounds (and some approved as a review would, refreshing the
    facts of those households only): the incrementally kept roll-up equals the one computed
    from all records, and a full recompute writes the same facts."""
    import random

    from sqlalchemy import select, update

    from server.models import HouseholdCheckFact
    from tests.helpers import envelope
    from tests.server.test_push import push

    rng = random.Random(5)
    homes = [envelope() for _ in range(8)]
    assert push(client, device, *homes).status_code == 200
    ids = [h["uuid"] for h in homes]
    commune_code = homes[0]["commune_code"]
    for round_ in range(4):
        batch = []
        for hid in rng.sample(ids, 5):
            answers = {k: rng.random() < 0.7 for k in GOOD}
            answers.update(date="2026-06-01")
            if answers["keeps_livestock"]:
                answers.update(pen_hygienic=rng.random() < 0.5, pen_away_from_house=True)
            stamp = (T0 + dt.timedelta(days=round_, hours=rng.randrange(20))).isoformat()
            batch.append(
                envelope("environment_check", answers, household_id=hid, captured_at=stamp)
            )
        assert push(client, device, *batch).status_code == 200
        with app.app_context():
            chosen = [b["uuid"] for b in batch if rng.random() < 0.6]
            db.session.execute(
                update(Record).where(Record.uuid.in_(chosen)).values(review_status="approved")
            )
            touched = db.session.scalars(select(Record.household_id).where(Record.uuid.in_(chosen)))
            indicators_facts.refresh(commune_code, list(touched))
            db.session.commit()
    with app.app_context():
        kept = indicators.rollup(commune_code)
        scanned = indicators.rollup(commune_code, as_of=T0 + dt.timedelta(days=3650))
        as_tuple = [(r.numerator, r.denominator, r.covered, r.pending) for r in kept.results]
        assert as_tuple == [
            (r.numerator, r.denominator, r.covered, r.pending) for r in scanned.results
        ]
        assert sum(r.covered for r in kept.results) > 0  # the comparison is not empty
        facts = {
            (f.household_id, f.form_id, f.record_uuid, f.pending)
            for f in db.session.scalars(select(HouseholdCheckFact))
        }
        indicators_facts.recompute(commune_code)
        again = {
            (f.household_id, f.form_id, f.record_uuid, f.pending)
            for f in db.session.scalars(select(HouseholdCheckFact))
        }
        assert facts == again


def test_recompute_command_rebuilds_facts(app, runner, commune):
    household = commune.household()
    commune.check(household)
    db.session.commit()
    out = runner.invoke(args=["recompute-indicators", "--province", "nope"])
    assert out.exit_code == 2 and "nope" in out.output
    out = runner.invoke(args=["recompute-indicators"])
    assert out.exit_code == 0, out.output
    assert "1 dòng / fact rows" in out.output


def test_a_review_decision_updates_the_facts_without_a_recompute(app, demo):
    from sqlalchemy import select

    from server.models import User
    from server.services import review

    with app.app_context():
        before = result(indicators.rollup(demo.COMMUNE), "clean_water_households")
        assert before.covered == 0 and before.pending == 12  # demo checks await review
        board = db.session.scalar(select(User).where(User.username == "bql_naphac"))
        checks = list(
            db.session.scalars(
                select(Record.uuid).where(
                    Record.commune_code == demo.COMMUNE, Record.form_id == "environment_check"
                )
            )
        )
        review.decide(board, checks[:5], "approved")
        review.decide(board, checks[5:7], "rejected", "Thiếu ảnh")
        after = result(indicators.rollup(demo.COMMUNE), "clean_water_households")
        assert (after.covered, after.pending) == (5, 5)
