"""Evidence flags about time and presence: a required photo missing (empty, never received
after a grace period, or unreadable), a photo captured far from the record's time, and a
record from a tablet whose clock is known to be wrong."""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms.validate import is_relevant
from server.models import Record
from server.services.integrity_inputs import Inputs, vn_time
from server.services.integrity_kinds import Finding


def _finding(
    record: Record, kind: str, subject: str, vi: str, en: str, photo: str | None = None, **details
) -> Finding:
    return Finding(
        kind=kind,
        record_uuid=record.uuid,
        subject=subject,
        commune_code=record.commune_code,
        household_id=record.household_id,
        reason_vi=vi,
        reason_en=en,
        photo_sha256=photo,
        details=dict(details),
    )


def check(inputs: Inputs) -> list[Finding]:
    out: list[Finding] = []
    for record in inputs.records:
        out += _missing(inputs, record)
        out += _capture_times(inputs, record)
        clock = _clock(inputs, record)
        if clock is not None:
            out.append(clock)
    return out


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _missing(inputs: Inputs, record: Record) -> list[Finding]:
    out = []
    form = inputs.form(record)
    for f in form.fields if form else ():
        if f.type == "photo" and f.required and is_relevant(f, record.data):
            if not _values(record.data.get(f.name)):
                out.append(
                    _finding(
                        record,
                        "missing_photo",
                        f.name,
                        f"Thiếu ảnh bắt buộc «{f.label.vi}».",
                        f"The required photo “{f.label.en}” is missing.",
                        field=f.name,
                    )
                )
    waited = inputs.now - (record.created_at or inputs.now)
    wait = dt.timedelta(hours=inputs.settings.photo_wait_hours)
    for sha in dict.fromkeys(record.photos or []):
        meta = inputs.metas.get(sha)
        if meta is not None and meta.error:
            out.append(
                _finding(
                    record,
                    "missing_photo",
                    sha,
                    f"Ảnh không đọc được: {meta.error}",
                    f"The photo cannot be read ({meta.error_code or 'error'}).",
                    photo=sha,
                    error_code=meta.error_code,
                )
            )
        elif sha not in inputs.stored and waited > wait:
            hours = round(waited.total_seconds() / 3600)
            out.append(
                _finding(
                    record,
                    "missing_photo",
                    sha,
                    f"Ảnh chưa về máy chủ sau {hours} giờ: hãy đồng bộ lại máy tính bảng.",
                    f"The photo has not reached the server after {hours} hours:"
                    " sync the tablet again.",
                    photo=sha,
                )
            )
    return out


def _capture_times(inputs: Inputs, record: Record) -> list[Finding]:
    out = []
    limit = inputs.settings.time_gap_hours
    for sha in dict.fromkeys(record.photos or []):
        meta = inputs.metas.get(sha)
        if meta is None or meta.exif_taken_at is None:
            continue
        gap_h = (meta.exif_taken_at - record.captured_at).total_seconds() / 3600
        if abs(gap_h) <= limit:
            continue
        when = "trước" if gap_h < 0 else "sau"
        when_en = "before" if gap_h < 0 else "after"
        shown = _duration(abs(gap_h))
        out.append(
            _finding(
                record,
                "capture_time",
                sha,
                f"Ảnh chụp lúc {vn_time(meta.exif_taken_at)}, {shown[0]} {when} khi ghi hồ sơ"
                f" ({vn_time(record.captured_at)}); ngưỡng {round(limit)} giờ.",
                f"The photo was taken {vn_time(meta.exif_taken_at)}, {shown[1]} {when_en} the"
                f" record ({vn_time(record.captured_at)}); limit {round(limit)} hours.",
                photo=sha,
                gap_hours=round(gap_h, 1),
            )
        )
    return out


def _duration(hours: float) -> tuple[str, str]:
    if hours >= 48:
        days = round(hours / 24)
        return f"{days} ngày", f"{days} days"
    return f"{round(hours)} giờ", f"{round(hours)} hours"


def _clock(inputs: Inputs, record: Record) -> Finding | None:
    """The device's last measured skew beyond the limit, or a record captured later than
    the server received it (the tablet's clock was ahead: certain from the record alone)."""
    limit = inputs.settings.clock_skew_seconds
    skew = inputs.clock_skew.get(record.device_id) if record.device_id else None
    ahead = None
    if record.created_at is not None:
        ahead = (record.captured_at - record.created_at).total_seconds()
    if skew is not None and abs(skew) > limit:
        minutes = round(skew / 60)
    elif ahead is not None and ahead > limit:
        minutes = round(ahead / 60)
    else:
        return None
    side_vi, side_en = ("nhanh", "ahead") if minutes > 0 else ("chậm", "behind")
    shown = abs(minutes)
    return _finding(
        record,
        "clock_wrong",
        "device",
        f"Đồng hồ máy tính bảng {side_vi} khoảng {shown} phút: thời điểm ghi hồ sơ có thể sai.",
        f"The tablet's clock is about {shown} minutes {side_en}: the record's time may be wrong.",
        skew_minutes=minutes,
    )
