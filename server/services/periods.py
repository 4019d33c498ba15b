"""Reporting periods of a commune (a quarter, a year): the board defines them, approving a
period locks it (who/when) and the board may reopen it with a reason. While a period is
locked, review decisions on records captured in it are refused (server/services/review.py).
Everything is written to the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.extensions import db
from server.models import ReportingPeriod, User
from server.models.types import utcnow
from server.services import audit

NAME_MAX = 80
VN_TZ = dt.timezone(dt.timedelta(hours=7))


class PeriodError(Exception):
    def __init__(self, status: int, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.status, self.code, self.message, self.message_en = status, code, message, message_en


def _require_board(user: User, commune_code: str) -> None:
    if user.role == "sysadmin" or (user.role == "board" and user.area_code == commune_code):
        return
    raise PeriodError(
        403,
        "forbidden",
        "Chỉ Ban quản lý xã được quản lý kỳ báo cáo.",
        "Only the commune's management board manages reporting periods.",
    )


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date in Vietnam (UTC+7) of a captured time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VN_TZ).date()


def list_periods(commune_code: str) -> list[ReportingPeriod]:
    return list(
        db.session.scalars(
            select(ReportingPeriod)
            .where(ReportingPeriod.commune_code == commune_code)
            .order_by(ReportingPeriod.starts_on)
        )
    )


def locked_period_for(commune_code: str, captured_at: dt.datetime) -> ReportingPeriod | None:
    day = local_date(captured_at)
    return db.session.scalar(
        select(ReportingPeriod).where(
            ReportingPeriod.commune_code == commune_code,
            ReportingPeriod.locked_at.is_not(None),
            ReportingPeriod.starts_on <= day,
            ReportingPeriod.ends_on >= day,
        )
    )


def create(user: User, commune_code: str, name: str, starts_on: dt.date, ends_on: dt.date):
    _require_board(user, commune_code)
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise PeriodError(
            422,
            "bad_name",
            f"Tên kỳ phải có từ 1 đến {NAME_MAX} ký tự.",
            f"The period name must be 1 to {NAME_MAX} characters.",
        )
    if ends_on < starts_on:
        raise PeriodError(
            422,
            "bad_dates",
            "Ngày kết thúc phải sau ngày bắt đầu.",
            "The end date must not be before the start date.",
        )
    overlap = db.session.scalar(
        select(ReportingPeriod.name).where(
            ReportingPeriod.commune_code == commune_code,
            ReportingPeriod.starts_on <= ends_on,
            ReportingPeriod.ends_on >= starts_on,
        )
    )
    if overlap:
        raise PeriodError(
            409,
            "overlap",
            f"Kỳ này trùng thời gian với kỳ “{overlap}”.",
            f"This period overlaps “{overlap}”.",
        )
    period = ReportingPeriod(
        commune_code=commune_code,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=user.username,
    )
    db.session.add(period)
    db.session.flush()
    audit.log(
        "period.create",
        actor=user.username,
        area_code=commune_code,
        target=f"period:{period.id}",
        details={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    db.session.commit()
    return period


def _get(user: User, period_id: int) -> ReportingPeriod:
    period = db.session.get(ReportingPeriod, period_id)
    if period is None:
        raise PeriodError(404, "not_found", "Không tìm thấy kỳ báo cáo.", "Period not found.")
    _require_board(user, period.commune_code)
    return period


def lock(user: User, period_id: int) -> ReportingPeriod:
    period = _get(user, period_id)
    if period.locked_at is not None:
        raise PeriodError(
            409,
            "already_locked",
            f"Kỳ đã được {period.locked_by} duyệt và khoá.",
            f"The period was already approved and locked by {period.locked_by}.",
        )
    period.locked_at, period.locked_by = utcnow(), user.username
    audit.log(
        "period.lock",
        actor=user.username,
        area_code=period.commune_code,
        target=f"period:{period.id}",
        details={"name": period.name},
    )
    db.session.commit()
    return period


def reopen(user: User, period_id: int, reason: str) -> ReportingPeriod:
    period = _get(user, period_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise PeriodError(
            422,
            "reason_required",
            "Hãy ghi lý do mở lại kỳ báo cáo.",
            "Give a reason for reopening the period.",
        )
    if period.locked_at is None:
        raise PeriodError(409, "not_locked", "Kỳ này chưa khoá.", "This period is not locked.")
    audit.log(
        "period.reopen",
        actor=user.username,
        area_code=period.commune_code,
        target=f"period:{period.id}",
        details={"name": period.name, "reason": reason[:500], "locked_by": period.locked_by},
    )
    period.locked_at, period.locked_by = None, None
    db.session.commit()
    return period
