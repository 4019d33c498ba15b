"""Review pages for the commune board: the review queue, a record with its history and
comments, approve/reject, and the reporting periods page (create, lock, reopen)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import case, or_, select

from server.extensions import db
from server.models import AdminUnit, PeriodHold, Record, RecordRevision, ReportingPeriod
from server.services import period_holds, periods, review
from server.services.access import can_access_commune
from server.web import record_labels
from server.web.auth import check_csrf, login_required

bp = Blueprint("review", __name__)
STATUSES = ("pending", "approved", "rejected")
QUEUE_LIMIT = 500


def commune_or_abort(code: str) -> AdminUnit:
    commune = db.session.get(AdminUnit, code)
    if commune is None or commune.level != "commune":
        abort(404)
    if not can_access_commune(g.user, code):
        abort(403)
    return commune


@bp.get("/communes/<code>/review")
@login_required
def queue(code: str):
    commune = commune_or_abort(code)
    village = request.args.get("village", "").strip()
    form_id = request.args.get("form", "").strip()
    status = request.args.get("status", "").strip()
    held_ids = select(PeriodHold.record_uuid).where(
        PeriodHold.commune_code == code, PeriodHold.released_at.is_(None)
    )  # a deletion held in a locked period stays in the queue until the board decides it
    query = select(Record).where(
        Record.commune_code == code, or_(Record.deleted.is_(False), Record.uuid.in_(held_ids))
    )
    if village:
        query = query.where(Record.village_code == village)
    if form_id:
        query = query.where(Record.form_id == form_id)
    if status in STATUSES:
        query = query.where(Record.review_status == status)
    pending_first = case((Record.review_status == "pending", 0), else_=1)
    records = db.session.scalars(
        query.order_by(pending_first, Record.captured_at.desc()).limit(QUEUE_LIMIT)
    ).all()
    villages = db.session.scalars(
        select(AdminUnit).where(AdminUnit.parent_code == code).order_by(AdminUnit.code)
    ).all()
    forms = sorted(
        db.session.scalars(select(Record.form_id).where(Record.commune_code == code).distinct())
    )
    return render_template(
        "review/queue.html",
        commune=commune,
        records=records,
        villages=villages,
        forms=forms,
        village=village,
        form_id=form_id,
        status=status,
        can_review=review.may_review(g.user, code),
        held=period_holds.open_holds([r.uuid for r in records]),
        titles={f: record_labels.title(f, None) for f in forms},
        error=request.args.get("error", ""),
    )


def _record_page(record: Record, error: tuple[str, str] | None = None, status: int = 200):
    hold = period_holds.open_holds([record.uuid]).get(record.uuid)
    revisions = db.session.scalars(
        select(RecordRevision)
        .where(RecordRevision.record_uuid == record.uuid)
        .order_by(RecordRevision.revision)
    ).all()
    return render_template(
        "review/record.html",
        record=record,
        commune=db.session.get(AdminUnit, record.commune_code),
        revisions=revisions,
        history=review.history(record.uuid),
        comments=review.comments(record.uuid),
        can_review=review.may_review(g.user, record.commune_code),
        locked=periods.locked_period_for(record.commune_code, record.captured_at),
        hold=hold,
        hold_period=db.session.get(ReportingPeriod, hold.period_id) if hold else None,
        answers=record_labels.answers(record.form_id, record.form_version, record.data),
        form_title=record_labels.title(record.form_id, record.form_version),
        error=error,
    ), status


def _record_or_abort(uuid: str) -> Record:
    try:
        return review.get_record(g.user, uuid)
    except review.ReviewError:
        abort(404)


@bp.get("/records/<uuid>")
@login_required
def record_page(uuid: str):
    return _record_page(_record_or_abort(uuid))


@bp.post("/records/<uuid>/decision")
@login_required
def decide(uuid: str):
    check_csrf()
    record = _record_or_abort(uuid)
    decision = {"approve": "approved", "reject": "rejected"}.get(
        request.form.get("decision", ""), ""
    )
    try:
        review.decide(g.user, [record.uuid], decision, request.form.get("reason", ""))
    except review.ReviewError as exc:
        db.session.rollback()
        return _record_page(record, (exc.message, exc.message_en), exc.status)
    return redirect(url_for("review.record_page", uuid=uuid))


@bp.post("/records/<uuid>/comments")
@login_required
def add_comment(uuid: str):
    check_csrf()
    record = _record_or_abort(uuid)
    try:
        review.comment(g.user, record.uuid, request.form.get("body", ""))
    except review.ReviewError as exc:
        db.session.rollback()
        return _record_page(record, (exc.message, exc.message_en), exc.status)
    return redirect(url_for("review.record_page", uuid=uuid))


@bp.post("/communes/<code>/review/bulk")
@login_required
def bulk(code: str):
    check_csrf()
    commune_or_abort(code)
    decision = {"approve": "approved", "reject": "rejected"}.get(
        request.form.get("decision", ""), ""
    )
    uuids = request.form.getlist("record")
    village = request.form.get("village", "").strip()
    try:
        if not uuids and village:
            uuids = review.pending_in_village(g.user, code, village)
        review.decide(g.user, uuids, decision, request.form.get("reason", ""))
    except review.ReviewError as exc:
        db.session.rollback()
        return redirect(
            url_for("review.queue", code=code, error=f"{exc.message} / {exc.message_en}")
        )
    return redirect(url_for("review.queue", code=code))


@bp.route("/communes/<code>/periods", methods=["GET", "POST"])
@login_required
def periods_page(code: str):
    commune = commune_or_abort(code)
    error = None
    status = 200
    if request.method == "POST":
        check_csrf()
        action = request.form.get("action", "")
        try:
            if action == "create":
                try:
                    starts = dt.date.fromisoformat(request.form.get("starts_on", ""))
                    ends = dt.date.fromisoformat(request.form.get("ends_on", ""))
                except ValueError:
                    raise periods.PeriodError(
                        422, "bad_dates", "Ngày không hợp lệ.", "Not a valid date."
                    ) from None
                periods.create(g.user, code, request.form.get("name", ""), starts, ends)
            else:
                period_id = request.form.get("period", "")
                if not period_id.isdigit():
                    abort(400)
                target = periods._get(g.user, int(period_id))
                if target.commune_code != code:
                    abort(404)
                if action == "lock":
                    periods.lock(g.user, target.id)
                elif action == "reopen":
                    periods.reopen(g.user, target.id, request.form.get("reason", ""))
                else:
                    abort(400)
            return redirect(url_for("review.periods_page", code=code))
        except periods.PeriodError as exc:
            db.session.rollback()
            error, status = (exc.message, exc.message_en), exc.status
    return render_template(
        "review/periods.html",
        commune=commune,
        periods=periods.list_periods(code),
        error=error,
        can_edit=review.may_review(g.user, code),
    ), status
