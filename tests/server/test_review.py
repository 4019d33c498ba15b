"""Board review service: decisions, reasons, comments, bulk by village, periods and locking,
audit rows, listeners and area checks. Runs on SQLite and PostgreSQL (the `app` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Record, SyncScope, User
from server.services import periods, review
from tests.helpers import COMMUNE, VILLAGE, envelope
from tests.server.test_push import push
from tests.server.test_web import add_user


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def two_records(client, device) -> list[str]:
    a, b = envelope(), envelope(data={"head_name": "Lò Thị Mai", "members": 3})
    answer = push(client, device, a, b)
    assert answer.status_code == 200, answer.json
    return [a["uuid"], b["uuid"]]


def test_approve_and_reject_write_history_audit_and_bump_version(app, client, device):
    uuids = two_records(client, device)
    heard = []
    listener = review.on_decision(lambda commune, ids: heard.append((commune, ids)))
    try:
        with app.app_context():
            board = user("bql_naphac")
            before = db.session.get(SyncScope, COMMUNE).last_version
            review.decide(board, [uuids[0]], "approved")
            review.decide(board, [uuids[1]], "rejected", "  Thiếu ảnh  nhà vệ sinh ")
            first, second = db.session.get(Record, uuids[0]), db.session.get(Record, uuids[1])
            assert (first.review_status, second.review_status) == ("approved", "rejected")
            assert db.session.get(SyncScope, COMMUNE).last_version == before + 2
            assert second.version == before + 2
            rows = review.history(uuids[1])
            assert [(r.decision, r.reason, r.actor) for r in rows] == [
                ("rejected", "Thiếu ảnh nhà vệ sinh", "bql_naphac")
            ]
            actions = db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("review.%"))
            ).all()
            assert sorted(actions) == ["review.approve", "review.reject"]
    finally:
        review.remove_listener(listener)
    assert heard == [(COMMUNE, [uuids[0]]), (COMMUNE, [uuids[1]])]


def test_reject_without_reason_is_refused_and_writes_nothing(app, client, device):
    uuids = two_records(client, device)
    with app.app_context():
        with pytest.raises(review.ReviewError) as caught:
            review.decide(user("bql_naphac"), uuids, "rejected", "   ")
        assert caught.value.status == 422 and "lý do" in caught.value.message
        assert {db.session.get(Record, u).review_status for u in uuids} == {"pending"}
        assert review.history(uuids[0]) == []


def test_comment_thread_and_empty_comment(app, client, device):
    uuids = two_records(client, device)
    with app.app_context():
        board = user("bql_naphac")
        review.comment(board, uuids[0], "Kiểm tra lại số nhân khẩu.")
        review.comment(board, uuids[0], "Đã gọi điện cho hộ.")
        thread = review.comments(uuids[0])
        assert [c.body for c in thread] == ["Kiểm tra lại số nhân khẩu.", "Đã gọi điện cho hộ."]
        assert all(c.author == "bql_naphac" and c.at is not None for c in thread)
        with pytest.raises(review.ReviewError) as caught:
            review.comment(board, uuids[0], "  ")
        assert caught.value.status == 422


def test_bulk_approve_all_pending_of_a_village(app, client, device):
    uuids = two_records(client, device)
    with app.app_context():
        board = user("bql_naphac")
        pending = review.pending_in_village(board, COMMUNE, VILLAGE)
        assert set(uuids) <= set(pending)
        review.decide(board, pending, "approved")
        assert review.pending_in_village(board, COMMUNE, VILLAGE) == []
        assert {db.session.get(Record, u).review_status for u in uuids} == {"approved"}


def test_other_commune_board_gets_404_and_officer_403(app, client, device):
    uuids = two_records(client, device)
    add_user(app, "bql_khac", "board", "01849")
    add_user(app, "cb_naphac", "officer", COMMUNE)
    with app.app_context():
        with pytest.raises(review.ReviewError) as caught:
            review.decide(user("bql_khac"), uuids, "approved")
        assert caught.value.status == 404
        with pytest.raises(review.ReviewError) as caught:
            review.comment(user("bql_khac"), uuids[0], "xin chào")
        assert caught.value.status == 404
        with pytest.raises(review.ReviewError) as caught:
            review.decide(user("cb_naphac"), uuids, "approved")
        assert caught.value.status == 403
        with pytest.raises(periods.PeriodError) as caught:
            periods.create(
                user("bql_khac"), COMMUNE, "Quý I", dt.date(2026, 1, 1), dt.date(2026, 3, 31)
            )
        assert caught.value.status == 403
        assert {db.session.get(Record, u).review_status for u in uuids} == {"pending"}


def test_locked_period_refuses_review_until_reopened(app, client, device):
    uuids = two_records(client, device)
    with app.app_context():
        board = user("bql_naphac")
        day = periods.local_date(db.session.get(Record, uuids[0]).captured_at)
        period = periods.create(
            board, COMMUNE, "Năm nay", day.replace(month=1, day=1), day.replace(month=12, day=31)
        )
        with pytest.raises(periods.PeriodError) as caught:
            periods.create(board, COMMUNE, "Trùng", day, day)
        assert caught.value.status == 409
        periods.lock(board, period.id)
        assert period.locked_by == "bql_naphac"
        with pytest.raises(review.ReviewError) as caught:
            review.decide(board, [uuids[0]], "approved")
        assert caught.value.status == 409 and "khoá" in caught.value.message
        assert db.session.get(Record, uuids[0]).review_status == "pending"
        with pytest.raises(periods.PeriodError):
            periods.reopen(board, period.id, "")
        periods.reopen(board, period.id, "Bổ sung hồ sơ thôn 1")
        review.decide(board, [uuids[0]], "approved")
        assert db.session.get(Record, uuids[0]).review_status == "approved"
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("period.%"))
        ).all()
        assert sorted(actions) == ["period.create", "period.lock", "period.reopen"]


def test_totals_keep_approved_and_pending_apart_and_drop_rejected(app, client, device):
    from server.services.totals import commune_contributions
    from tests.helpers import contribution

    household = envelope()
    gifts = [contribution(household["uuid"], q, "cash") for q in (100.0, 20.0, 3.0)]
    assert push(client, device, household, *gifts).status_code == 200
    with app.app_context():
        board = user("bql_naphac")
        before = commune_contributions(COMMUNE)
        review.decide(board, [gifts[0]["uuid"]], "approved")
        review.decide(board, [gifts[2]["uuid"]], "rejected", "Trùng với phiếu khác")
        after = commune_contributions(COMMUNE)
        assert after["approved"].cash_vnd == before["approved"].cash_vnd + 100.0
        assert after["pending"].cash_vnd == before["pending"].cash_vnd - 103.0
        assert after["totals"].cash_vnd == before["totals"].cash_vnd - 3.0
