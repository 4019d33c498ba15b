"""Board review of records: approve, reject with a reason, comment, bulk decisions for a
village, and a small listener registry so other services (indicators) hear of decisions.

A decision is a `ReviewDecision` row plus `records.review_status`; it bumps the record's
version in the commune's change feed under the sync_scopes lock (as push.py does), so
tablets pull it on their next sync. Decisions on records whose captured date falls in a
locked reporting period are refused (see server/services/periods.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import select

from server.extensions import db
from server.models import Record, RecordComment, ReviewDecision, User
from server.models.types import utcnow
from server.services import audit, period_holds
from server.services.access import can_access_commune
from server.services.periods import locked_period_for
from server.services.push import lock_scope, next_version

DECISIONS = ("approved", "rejected")
REASON_MAX = 500
COMMENT_MAX = 2000

Listener = Callable[[str, list[str]], None]
_listeners: list[Listener] = []


def on_decision(callback: Listener) -> Listener:
    """Subscribe `callback(commune_code, record_uuids)`; called after a decision commits."""
    if callback not in _listeners:
        _listeners.append(callback)
    return callback


def remove_listener(callback: Listener) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


class ReviewError(Exception):
    """A refused review action, with a Vietnamese and an English message and an HTTP status."""

    def __init__(self, status: int, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.status, self.code, self.message, self.message_en = status, code, message, message_en


def may_review(user: User, commune_code: str) -> bool:
    """Only the commune's own board (or a system administrator) decides."""
    if user.role == "sysadmin":
        return True
    return user.role == "board" and user.area_code == commune_code


def get_record(user: User, record_uuid: str) -> Record:
    """The record if the user may see it; 404 otherwise, so existence does not leak."""
    record = db.session.get(Record, record_uuid)
    if record is None or not can_access_commune(user, record.commune_code):
        raise ReviewError(404, "not_found", "Không tìm thấy hồ sơ.", "Record not found.")
    return record


def _clean_reason(decision: str, reason: str) -> str:
    if decision not in DECISIONS:
        raise ReviewError(
            422, "bad_decision", "Quyết định không hợp lệ.", "Decision must be approve or reject."
        )
    reason = " ".join((reason or "").split())
    if decision == "rejected" and not reason:
        raise ReviewError(
            422,
            "reason_required",
            "Khi trả lại hồ sơ, hãy ghi lý do để cán bộ biết cần sửa gì.",
            "A rejection needs a reason so the officer knows what to fix.",
        )
    if len(reason) > REASON_MAX:
        raise ReviewError(
            422,
            "reason_too_long",
            f"Lý do quá dài (tối đa {REASON_MAX} ký tự).",
            f"The reason is too long (at most {REASON_MAX} characters).",
        )
    return reason


def decide(
    user: User, record_uuids: Sequence[str], decision: str, reason: str = ""
) -> list[Record]:
    """Approve or reject records of one commune. All or nothing: if any record is refused
    (other commune, locked period, deleted) nothing is written."""
    reason = _clean_reason(decision, reason)
    uuids = list(dict.fromkeys(record_uuids))
    if not uuids:
        raise ReviewError(
            422, "nothing_selected", "Chưa chọn hồ sơ nào.", "No record was selected."
        )
    records = [get_record(user, u) for u in uuids]
    communes = {r.commune_code for r in records}
    if len(communes) != 1:
        raise ReviewError(
            422,
            "mixed_communes",
            "Chỉ duyệt hồ sơ của một xã mỗi lần.",
            "Review records of one commune at a time.",
        )
    commune = communes.pop()
    if not may_review(user, commune):
        raise ReviewError(
            403,
            "forbidden",
            "Chỉ Ban quản lý xã được duyệt hồ sơ.",
            "Only the commune's management board may review records.",
        )
    for record in records:
        period = locked_period_for(commune, record.captured_at)
        if period is not None:
            raise ReviewError(
                409,
                "period_locked",
                f"Kỳ báo cáo “{period.name}” đã khoá; hãy mở lại kỳ trước khi duyệt.",
                f"Reporting period “{period.name}” is locked; reopen it before reviewing.",
            )
    scope = lock_scope(commune)  # holds are made under this lock too (push)
    held = period_holds.locked_hold(uuids)
    if held is not None:
        name = held[1].name
        db.session.rollback()  # let go of the scope lock
        raise ReviewError(
            409,
            "needs_reopening",
            f"Hồ sơ có thay đổi gửi vào kỳ đã khoá “{name}”; hãy mở lại kỳ trước khi duyệt.",
            f"The record was changed in the locked period “{name}”; reopen it before reviewing.",
        )
    now = utcnow()
    period_holds.release(uuids, user.username)  # the board has looked at the held change
    for uuid in uuids:
        record = db.session.get(Record, uuid, populate_existing=True)
        record.review_status = decision
        record.version = next_version(scope)
        record.updated_at = now
        db.session.add(
            ReviewDecision(
                record_uuid=record.uuid,
                commune_code=commune,
                decision=decision,
                reason=reason,
                actor=user.username,
                at=now,
            )
        )
        audit.log(
            "review.approve" if decision == "approved" else "review.reject",
            actor=user.username,
            area_code=commune,
            target=f"record:{record.uuid}",
            details={"reason": reason} if reason else {},
        )
        db.session.flush()
    db.session.commit()
    _notify(commune, uuids)
    return [db.session.get(Record, u) for u in uuids]


def pending_in_village(user: User, commune_code: str, village_code: str) -> list[str]:
    """UUIDs of all pending, live records of a village (for a bulk decision)."""
    if not can_access_commune(user, commune_code):
        raise ReviewError(404, "not_found", "Không tìm thấy xã.", "Commune not found.")
    return list(
        db.session.scalars(
            select(Record.uuid)
            .where(
                Record.commune_code == commune_code,
                Record.village_code == village_code,
                Record.review_status == "pending",
                Record.deleted.is_(False),
            )
            .order_by(Record.captured_at)
        )
    )


def reopen_after_resend(record: Record, user_or_device: str) -> None:
    """A rejected record the officer corrected and re-sent goes back to pending
    (call inside the writer's transaction; the caller bumps the version)."""
    if record.review_status == "rejected":
        record.review_status = "pending"
        db.session.add(
            ReviewDecision(
                record_uuid=record.uuid,
                commune_code=record.commune_code,
                decision="pending",
                reason="gửi lại sau khi sửa / re-sent after correction",
                actor=user_or_device[:64],
                at=utcnow(),
            )
        )


def comment(user: User, record_uuid: str, body: str) -> RecordComment:
    record = get_record(user, record_uuid)
    body = (body or "").strip()
    if not body:
        raise ReviewError(422, "empty_comment", "Nội dung góp ý trống.", "The comment is empty.")
    if len(body) > COMMENT_MAX:
        raise ReviewError(
            422,
            "comment_too_long",
            f"Góp ý quá dài (tối đa {COMMENT_MAX} ký tự).",
            f"The comment is too long (at most {COMMENT_MAX} characters).",
        )
    row = RecordComment(record_uuid=record.uuid, author=user.username, body=body, at=utcnow())
    db.session.add(row)
    audit.log(
        "review.comment",
        actor=user.username,
        area_code=record.commune_code,
        target=f"record:{record.uuid}",
        details={"length": len(body)},
    )
    db.session.commit()
    return row


def history(record_uuid: str) -> list[ReviewDecision]:
    return list(
        db.session.scalars(
            select(ReviewDecision)
            .where(ReviewDecision.record_uuid == record_uuid)
            .order_by(ReviewDecision.at, ReviewDecision.id)
        )
    )


def comments(record_uuid: str) -> list[RecordComment]:
    return list(
        db.session.scalars(
            select(RecordComment)
            .where(RecordComment.record_uuid == record_uuid)
            .order_by(RecordComment.at, RecordComment.id)
        )
    )


def _notify(commune_code: str, uuids: Iterable[str]) -> None:
    uuids = list(uuids)
    for callback in list(_listeners):
        callback(commune_code, uuids)
