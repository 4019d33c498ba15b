"""The contribution ledger service: corrections, review split, valuation, commendation."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, update

from server.extensions import db
from server.models import AdminUnit, AuditEvent, Record
from server.services import ledger_commendation, ledger_rates
from server.services.ledger import LedgerFilter, compute
from server.services.ledger_rates import RateError
from tests.helpers import contribution, envelope, jpeg_bytes
from tests.server.test_ledger import adjustment
from tests.server.test_push import push

D = dt.date


def gift(household, quantity, kind, day, photo=None, **extra):
    data_extra = {"date": day, **extra}
    if kind == "land":
        data_extra["consent_photo"] = photo
    record = contribution(
        household["uuid"],
        quantity,
        kind=kind,
        data_extra=data_extra,
        village_code=household["village_code"],
    )
    record["photos"] = [photo] if photo else []
    return record


def stored_photo(app, text):
    from server.services import photos

    content = jpeg_bytes(text=text)
    sha = hashlib.sha256(content).hexdigest()
    with app.app_context():
        photos.store(sha, content, None)
        db.session.commit()
    return sha


def set_status(app, status, *records):
    with app.app_context():
        db.session.execute(
            update(Record)
            .where(Record.uuid.in_([r["uuid"] for r in records]))
            .values(review_status=status)
        )
        db.session.commit()


def household(name, village="01936-T01", lat=21.8, lon=105.9):
    data = {"head_name": name, "members": 3, "location": {"lat": lat, "lon": lon}}
    return envelope("household", data, village_code=village)


def commune():
    return db.session.get(AdminUnit, "01936")


@pytest.fixture
def book(app, client, device):
    """Three households in two villages with contributions in every review state."""
    with app.app_context():  # the demo's own contributions are rejected: they count nowhere
        db.session.execute(
            update(Record).where(Record.form_id == "contribution").values(review_status="rejected")
        )
        db.session.commit()
    a, b, c = household("Lò Văn Ấm"), household("Đặng Thị Ơn"), household("Hà Văn Ước", "01936-T02")
    photo = stored_photo(app, "bien ban hien dat")
    land = gift(a, 100.0, "land", "2026-03-01", photo)
    labour = gift(a, 4.0, "labour", "2026-03-02")
    cash = gift(b, 300_000.0, "cash", "2026-03-03", works="lighting")
    cut = adjustment(a["uuid"], land["uuid"], -10.0)
    more = adjustment(a["uuid"], land["uuid"], 5.0)
    refused = gift(b, 999.0, "land", "2026-03-04", photo)
    refused_fix = adjustment(b["uuid"], refused["uuid"], -9.0)
    c_land = gift(c, 60.0, "land", "2026-04-10", photo)
    old = gift(c, 2.0, "labour", "2025-12-20")
    response = push(client, device, a, b, c, land, labour, cash, refused, c_land, old)
    assert response.status_code == 200, response.json
    response = push(client, device, cut, more, refused_fix)
    assert response.status_code == 200, response.json
    set_status(app, "approved", land, cut, cash, c_land, old)
    set_status(app, "rejected", refused)
    return locals()


def test_totals_fold_corrections_and_keep_approved_and_pending_apart(app, book):
    with app.app_context():
        ledger = compute(commune())
        lines = {line.record.uuid: line for line in ledger.lines}
        land = lines[book["land"]["uuid"]]
        # 100 approved, -10 approved, +5 pending (the correction's own status)
        assert land.quantity == {"approved": 90.0, "pending": 5.0}
        assert land.adjustments == 2
        assert lines[book["labour"]["uuid"]].quantity == {"approved": 0.0, "pending": 4.0}
        # the rejected entry and its correction count nowhere
        assert book["refused"]["uuid"] not in lines
        assert ledger.total.qty("land") == 150.0 and ledger.total.qty("land", "pending") == 5.0
        assert ledger.total.qty("labour") == 2.0 and ledger.total.qty("labour", "pending") == 4.0
        assert ledger.total.qty("cash") == 300_000.0
        a = book["a"]["uuid"]
        assert ledger.by_household[a].qty("land") == 90.0
        assert ledger.by_village["01936-T02"].qty("land") == 60.0
        assert ledger.by_works["lighting"].qty("cash") == 300_000.0


def test_filters_by_village_works_kind_and_period(app, book):
    with app.app_context():
        t2 = compute(commune(), LedgerFilter(village="01936-T02"))
        assert {ln.record.uuid for ln in t2.lines} == {book["c_land"]["uuid"], book["old"]["uuid"]}
        march = compute(commune(), LedgerFilter(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31)))
        assert march.total.qty("land") == 90.0 and march.total.qty("labour", "pending") == 4.0
        assert march.total.qty("labour") == 0.0  # the December labour is outside the period
        lighting = compute(commune(), LedgerFilter(works="lighting"))
        assert [ln.kind for ln in lighting.lines] == ["cash"]
        labour = compute(commune(), LedgerFilter(kind="labour"))
        assert labour.total.qty("land") == 0 and labour.total.qty("labour") == 2.0


def test_valuation_uses_the_rate_valid_on_the_contribution_date(app, book):
    with app.app_context():
        ledger_rates.add_rate(
            "01936",
            kind="land",
            unit="m2",
            rate_vnd=50_000,
            basis="Quyết định số 12/QĐ-UBND",
            valid_from=D(2026, 1, 1),
            valid_to=None,
            actor="bql",
            today=D(2026, 1, 1),
        )
        ledger_rates.add_rate(
            "01936",
            kind="land",
            unit="m2",
            rate_vnd=80_000,
            basis="Quyết định số 30/QĐ-UBND",
            valid_from=D(2026, 4, 1),
            valid_to=None,
            actor="bql",
            today=D(2026, 3, 20),
        )
        ledger_rates.add_rate(
            "01936",
            kind="labour",
            unit="labour_day",
            rate_vnd=200_000,
            basis="Nghị quyết HĐND",
            valid_from=D(2026, 1, 1),
            valid_to=D(2026, 12, 31),
            actor="bql",
            today=D(2026, 1, 1),
        )
        db.session.commit()
        ledger = compute(commune())
        lines = {line.record.uuid: line for line in ledger.lines}
        march = lines[book["land"]["uuid"]]
        assert (march.rate_vnd, march.basis) == (50_000, "Quyết định số 12/QĐ-UBND")
        assert march.value("approved") == 4_500_000 and march.value("pending") == 250_000
        april = lines[book["c_land"]["uuid"]]
        assert (april.rate_vnd, april.basis) == (80_000, "Quyết định số 30/QĐ-UBND")
        assert april.value("approved") == 4_800_000
        # December 2025 is before any labour rate: not valued, and counted as such
        assert lines[book["old"]["uuid"]].value("approved") is None
        assert ledger.total.unvalued == 1
        assert lines[book["cash"]["uuid"]].value("approved") == 300_000
        assert ledger.total.value["approved"] == 4_500_000 + 4_800_000 + 300_000
        assert ledger.total.value["pending"] == 250_000 + 4 * 200_000
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ledger.rate_add")
        )
        assert len(list(events)) == 3


def test_a_later_rate_cannot_change_figures_already_valued(app, book):
    with app.app_context():
        ledger_rates.add_rate(
            "01936",
            kind="land",
            unit="m2",
            rate_vnd=50_000,
            basis="QĐ 12",
            valid_from=D(2026, 1, 1),
            valid_to=None,
            actor="bql",
            today=D(2026, 1, 1),
        )
        db.session.commit()
        before = compute(commune()).total.value["approved"]
        with pytest.raises(RateError) as back_dated:
            ledger_rates.add_rate(
                "01936",
                kind="land",
                unit="m2",
                rate_vnd=90_000,
                basis="QĐ 40",
                valid_from=D(2026, 3, 1),
                valid_to=None,
                actor="bql",
                today=D(2026, 11, 1),
            )
        assert back_dated.value.field == "valid_from" and "trước hôm nay" in back_dated.value.vi
        with pytest.raises(RateError):
            ledger_rates.add_rate(
                "01936",
                kind="land",
                unit="m2",
                rate_vnd=90_000,
                basis="QĐ 40",
                valid_from=D(2025, 6, 1),
                valid_to=None,
                actor="bql",
                today=D(2025, 1, 1),
            )
        db.session.rollback()
        ledger_rates.add_rate(
            "01936",
            kind="land",
            unit="m2",
            rate_vnd=90_000,
            basis="QĐ 41",
            valid_from=dt.date.today() + dt.timedelta(days=1),
            valid_to=None,
            actor="bql",
        )
        db.session.commit()
        assert compute(commune()).total.value["approved"] == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate_vnd": 0}, "rate_vnd"),
        ({"basis": "  "}, "basis"),
        ({"kind": "cash", "unit": "vnd"}, "kind"),
        ({"valid_to": D(2025, 1, 1)}, "valid_to"),
    ],
)
def test_a_bad_rate_is_refused_with_a_reason(app, demo, kwargs, field):
    args = {
        "kind": "land",
        "unit": "m2",
        "rate_vnd": 1000,
        "basis": "QĐ",
        "valid_from": D(2026, 1, 1),
        "valid_to": None,
        "actor": "bql",
    }
    args.update(kwargs)
    with app.app_context(), pytest.raises(RateError) as error:
        ledger_rates.add_rate("01936", **args)
    assert error.value.field == field and error.value.vi and error.value.en


def test_commendation_ranks_by_the_communes_rules(app, book):
    with app.app_context():
        ledger_rates.add_rate(
            "01936",
            kind="land",
            unit="m2",
            rate_vnd=50_000,
            basis="QĐ 12",
            valid_from=D(2025, 1, 1),
            valid_to=None,
            actor="bql",
            today=D(2025, 1, 1),
        )
        rules = ledger_commendation.save_rules(
            "01936",
            {
                "min_land_m2": 50.0,
                "min_labour_days": None,
                "min_value_vnd": None,
                "top_per_village": None,
                "approved_only": True,
            },
            actor="bql",
        )
        db.session.commit()
        entries, _ = ledger_commendation.commendation(commune(), rules)
        # Ấm: 90 m² approved (4.5M); Ước: 60 m² (3M); Ơn: cash only, below every minimum
        assert [e.household.head_name for e in entries] == ["Lò Văn Ấm", "Hà Văn Ước"]
        assert [e.rank for e in entries] == [1, 2]
        assert entries[0].value_vnd == 4_500_000 and entries[0].land_m2 == 90.0
        assert {ln.record.uuid for ln in entries[0].lines} == {book["land"]["uuid"]}
        # a VND minimum brings in the cash household; top 1 per village keeps the best of T01
        rules.min_value_vnd = 200_000
        rules.top_per_village = 1
        entries, _ = ledger_commendation.commendation(commune(), rules)
        assert [e.household.head_name for e in entries] == ["Lò Văn Ấm", "Hà Văn Ước"]
        rules.top_per_village = None
        entries, _ = ledger_commendation.commendation(commune(), rules)
        assert [e.household.head_name for e in entries] == [
            "Lò Văn Ấm",
            "Hà Văn Ước",
            "Đặng Thị Ơn",
        ]
        # counting pending too brings Ấm's pending labour days in
        rules.approved_only = False
        entries, _ = ledger_commendation.commendation(commune(), rules)
        assert entries[0].labour_days == 4.0 and entries[0].land_m2 == 95.0
        with pytest.raises(RateError):
            ledger_commendation.save_rules("01936", {"min_land_m2": -1.0}, actor="bql")
