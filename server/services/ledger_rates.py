"""Unit rates for valuing contributions in VND ("quy đổi"), set by the commune board.

Rates are append-only. For one kind and unit, each new rate must start after the last one
started, and (once a rate exists) not before today: so adding a rate never changes the rate
of a contribution dated before it, and every figure valued earlier stays reproducible. A rate
runs until its own valid_to or until the next rate starts, whichever is first.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from server.extensions import db
from server.models import UnitRate
from server.services import audit

MAX_RATE_VND = 10_000_000_000


class RateError(ValueError):
    """A rate the board cannot add, with a message in Vietnamese and English."""

    def __init__(self, field: str, vi: str, en: str):
        super().__init__(f"{vi} / {en}")
        self.field, self.vi, self.en = field, vi, en


@dataclass
class RateBook:
    """The rates of one commune, looked up by kind, unit and date."""

    by_key: dict[tuple[str, str], list[UnitRate]]

    @classmethod
    def load(cls, commune_code: str) -> RateBook:
        by_key: dict[tuple[str, str], list[UnitRate]] = defaultdict(list)
        for rate in db.session.scalars(
            select(UnitRate)
            .where(UnitRate.commune_code == commune_code)
            .order_by(UnitRate.valid_from, UnitRate.id)
        ):
            by_key[(rate.kind, rate.unit)].append(rate)
        return cls(dict(by_key))

    def valid_on(self, kind: str, unit: str, day: dt.date) -> UnitRate | None:
        rates = self.by_key.get((kind, unit), [])
        i = bisect_right([r.valid_from for r in rates], day)
        if i == 0:
            return None
        rate = rates[i - 1]
        return None if rate.valid_to is not None and day > rate.valid_to else rate


def rates_of(commune_code: str) -> list[UnitRate]:
    return list(
        db.session.scalars(
            select(UnitRate)
            .where(UnitRate.commune_code == commune_code)
            .order_by(UnitRate.kind, UnitRate.unit, UnitRate.valid_from)
        )
    )


def add_rate(
    commune_code: str,
    *,
    kind: str,
    unit: str,
    rate_vnd: int,
    basis: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    actor: str,
    today: dt.date | None = None,
) -> UnitRate:
    """Check and add a rate (not committed); raises RateError with a message to show."""
    today = today or dt.date.today()
    if kind == "cash":
        raise RateError("kind", "Tiền mặt không cần đơn giá.", "Cash needs no rate.")
    if not 0 < rate_vnd <= MAX_RATE_VND:
        raise RateError(
            "rate_vnd", "Đơn giá phải lớn hơn 0 đồng.", "The rate must be more than 0 VND."
        )
    basis = basis.strip()
    if not basis:
        raise RateError(
            "basis",
            "Hãy ghi căn cứ, ví dụ số quyết định của UBND xã.",
            "Give the basis, e.g. the commune decision number.",
        )
    if valid_to is not None and valid_to < valid_from:
        raise RateError(
            "valid_to",
            "Ngày hết hiệu lực phải sau ngày bắt đầu.",
            "The end date must be after the start date.",
        )
    last = db.session.scalar(
        select(UnitRate)
        .where(UnitRate.commune_code == commune_code, UnitRate.kind == kind, UnitRate.unit == unit)
        .order_by(UnitRate.valid_from.desc())
        .limit(1)
    )
    if last is not None and valid_from <= last.valid_from:
        raise RateError(
            "valid_from",
            f"Đã có đơn giá từ {last.valid_from:%d/%m/%Y}; đơn giá mới phải bắt đầu sau ngày đó.",
            f"A rate already starts {last.valid_from:%d/%m/%Y}; a new one must start later.",
        )
    if last is not None and valid_from < today:
        raise RateError(
            "valid_from",
            "Đơn giá mới không được áp dụng lùi về trước hôm nay (giá trị đã xuất sẽ bị thay đổi).",
            "A new rate cannot start before today (it would change figures already exported).",
        )
    rate = UnitRate(
        commune_code=commune_code,
        kind=kind,
        unit=unit,
        rate_vnd=rate_vnd,
        basis=basis[:300],
        valid_from=valid_from,
        valid_to=valid_to,
        set_by=actor,
    )
    db.session.add(rate)
    db.session.flush()
    audit.log(
        "ledger.rate_add",
        actor=actor,
        area_code=commune_code,
        target=f"unit_rate:{rate.id}",
        details={
            "kind": kind,
            "unit": unit,
            "rate_vnd": rate_vnd,
            "basis": rate.basis,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
        },
    )
    return rate
