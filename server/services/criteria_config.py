"""Criteria configuration: the one resolver of thresholds, and the changes to it.

The YAML catalogue (forms/criteria/) ships the structure and demo thresholds. On top of it:
- a national override (system administrator, ``province_code`` ''), and
- a province override (that province's officer, or a system administrator),
each for one indicator and level, for every partition ('') or one region / commune group,
always with a legal reference. `Resolver.threshold` picks, most specific first:
province + partition, province, national + partition, national, catalogue partition,
catalogue default. The roll-up (and so the dashboard and the exports) reads thresholds only
through it. A commune's region or group for a set (`CommunePartition`) is configured here too.
Every change writes the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import select

from forms.catalogue import CriteriaSet, catalogues
from server.extensions import db
from server.models import AdminUnit, CommunePartition, ThresholdOverride, User
from server.models.types import utcnow
from server.services import audit

LEGAL_REF_MAX = 300


class ConfigError(Exception):
    def __init__(self, status: int, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.status, self.code, self.message, self.message_en = status, code, message, message_en


@dataclass(frozen=True)
class ResolvedThreshold:
    value: float | None
    legal_ref: str
    demo: bool
    source: str  # catalogue | national | province
    set_by: str = ""
    set_at: dt.datetime | None = None

    @property
    def source_label(self) -> str:
        return {
            "catalogue": "danh mục gốc / catalogue",
            "national": "cấu hình toàn quốc / national setting",
            "province": "cấu hình của tỉnh / province setting",
        }[self.source]


def province_of(commune_code: str) -> str | None:
    unit = db.session.get(AdminUnit, commune_code)
    return unit.province_code() if unit is not None else None


def commune_partition(commune_code: str, set_id: str) -> CommunePartition | None:
    return db.session.get(CommunePartition, (commune_code, set_id))


class Resolver:
    """Thresholds of one criteria set as seen from one province (None: national only)."""

    def __init__(self, set_id: str, province_code: str | None):
        self.criteria: CriteriaSet = catalogues()[set_id]
        scopes = [""] + ([province_code] if province_code else [])
        rows = db.session.scalars(
            select(ThresholdOverride).where(
                ThresholdOverride.set_id == set_id, ThresholdOverride.province_code.in_(scopes)
            )
        )
        self.overrides = {(o.indicator_id, o.level, o.province_code, o.partition): o for o in rows}
        self.province_code = province_code

    def threshold(self, indicator, level: str, partition: str | None) -> ResolvedThreshold:
        keys = []
        if self.province_code:
            keys += [(self.province_code, partition or ""), (self.province_code, "")]
        keys += [("", partition or ""), ("", "")]
        for province, part in dict.fromkeys(keys):
            row = self.overrides.get((indicator.id, level, province, part))
            if row is not None:
                return ResolvedThreshold(
                    row.value,
                    row.legal_ref,
                    False,
                    "province" if province else "national",
                    row.set_by,
                    row.set_at,
                )
        base = indicator.thresholds.get(level)
        if base is None:  # a yes/no commune indicator: met when the board records "yes"
            return ResolvedThreshold(None, indicator.legal_ref, False, "catalogue")
        return ResolvedThreshold(base.value_for(partition), base.legal_ref, base.demo, "catalogue")


def resolver_for_commune(commune_code: str, set_id: str) -> Resolver:
    return Resolver(set_id, province_of(commune_code))


def may_configure(user: User, province_code: str) -> bool:
    """Province officers configure their own province; system administrators everything
    ('' = the national setting)."""
    if user.role == "sysadmin":
        return True
    return (
        user.role == "province_officer"
        and bool(province_code)
        and (user.area_code == province_code)
    )


def _require(user: User, province_code: str) -> None:
    if not may_configure(user, province_code):
        raise ConfigError(
            403,
            "forbidden",
            "Chỉ cán bộ tỉnh (cho tỉnh của mình) hoặc quản trị hệ thống "
            "được sửa cấu hình tiêu chí.",
            "Only a province officer (for their province) or a system administrator may "
            "change the criteria configuration.",
        )


def _criteria(set_id: str) -> CriteriaSet:
    criteria = catalogues().get(set_id)
    if criteria is None:
        raise ConfigError(404, "unknown_set", "Không có bộ tiêu chí này.", "Unknown criteria set.")
    return criteria


def _legal_ref(raw: str) -> str:
    text = " ".join((raw or "").split())
    if len(text) < 3:
        raise ConfigError(
            422,
            "legal_ref_required",
            "Hãy ghi căn cứ pháp lý (số, ngày văn bản), ví dụ “318/QĐ-TTg ngày 08/03/2022”.",
            "Give the legal reference (document number and date).",
        )
    if len(text) > LEGAL_REF_MAX:
        raise ConfigError(
            422,
            "legal_ref_too_long",
            f"Căn cứ pháp lý quá dài (tối đa {LEGAL_REF_MAX} ký tự).",
            f"The legal reference is too long (at most {LEGAL_REF_MAX} characters).",
        )
    return text


def parse_value(indicator, raw: str) -> float:
    """A share is entered in percent (0-100) and stored as 0-1; a number as itself (>= 0)."""
    text = (raw or "").strip().replace(",", ".").rstrip("%").strip()
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    share = getattr(indicator, "kind", "ratio") == "ratio"  # household indicators are shares
    if math.isnan(number) or math.isinf(number) or number < 0 or (share and number > 100):
        raise ConfigError(
            422,
            "bad_value",
            "Ngưỡng phải là tỷ lệ từ 0 đến 100 (%)." if share else "Ngưỡng phải là số không âm.",
            "The threshold must be a percentage from 0 to 100."
            if share
            else "The threshold must be a number of at least 0.",
        )
    return round(number / 100, 6) if share else number


def set_override(
    user: User,
    set_id: str,
    indicator_id: str,
    level: str,
    province_code: str,
    partition: str,
    raw_value: str,
    legal_ref: str,
    legal_date: dt.date | None = None,
) -> ThresholdOverride:
    """Create or replace one override; audit-logged with the old and new value."""
    _require(user, province_code)
    criteria = _criteria(set_id)
    indicator = criteria.any_indicator(indicator_id)
    if indicator is None or level not in indicator.levels or level not in indicator.thresholds:
        raise ConfigError(
            422,
            "unknown_indicator",
            "Chỉ tiêu hoặc mức không có ngưỡng để cấu hình.",
            "This indicator has no threshold at that level.",
        )
    if partition and partition not in criteria.partitions:
        raise ConfigError(
            422, "unknown_partition", "Vùng / nhóm xã không hợp lệ.", "Unknown region or group."
        )
    if province_code:
        unit = db.session.get(AdminUnit, province_code)
        if unit is None or unit.level != "province":
            raise ConfigError(422, "unknown_province", "Không có tỉnh này.", "Unknown province.")
    value = parse_value(indicator, raw_value)
    ref = _legal_ref(legal_ref)
    row = db.session.scalar(
        select(ThresholdOverride).where(
            ThresholdOverride.set_id == set_id,
            ThresholdOverride.indicator_id == indicator_id,
            ThresholdOverride.level == level,
            ThresholdOverride.province_code == province_code,
            ThresholdOverride.partition == partition,
        )
    )
    old = {"value": row.value, "legal_ref": row.legal_ref} if row is not None else None
    if row is None:
        row = ThresholdOverride(
            set_id=set_id,
            indicator_id=indicator_id,
            level=level,
            province_code=province_code,
            partition=partition,
        )
        db.session.add(row)
    row.value, row.legal_ref, row.legal_date = value, ref, legal_date
    row.set_by, row.set_at = user.username, utcnow()
    db.session.flush()
    audit.log(
        "criteria.threshold_set",
        actor=user.username,
        area_code=province_code or None,
        target=f"threshold:{set_id}/{indicator_id}/{level}/{partition or '*'}",
        details={"old": old, "value": value, "legal_ref": ref, "province": province_code},
    )
    db.session.commit()
    return row


def clear_override(user: User, override_id: int) -> None:
    """Remove an override: the next level down (national or catalogue) applies again."""
    row = db.session.get(ThresholdOverride, override_id)
    if row is None:
        raise ConfigError(404, "not_found", "Không tìm thấy cấu hình.", "Setting not found.")
    _require(user, row.province_code)
    audit.log(
        "criteria.threshold_clear",
        actor=user.username,
        area_code=row.province_code or None,
        target=f"threshold:{row.set_id}/{row.indicator_id}/{row.level}/{row.partition or '*'}",
        details={"value": row.value, "legal_ref": row.legal_ref, "province": row.province_code},
    )
    db.session.delete(row)
    db.session.commit()


def overrides(set_id: str, province_code: str | None) -> list[ThresholdOverride]:
    """The overrides a page shows: national ones and (if given) the province's."""
    scopes = [""] + ([province_code] if province_code else [])
    return list(
        db.session.scalars(
            select(ThresholdOverride)
            .where(ThresholdOverride.set_id == set_id, ThresholdOverride.province_code.in_(scopes))
            .order_by(
                ThresholdOverride.indicator_id,
                ThresholdOverride.level,
                ThresholdOverride.province_code,
                ThresholdOverride.partition,
            )
        )
    )


def set_commune_partition(
    user: User, commune_code: str, set_id: str, partition: str, legal_ref: str
) -> CommunePartition | None:
    """Assign (or with partition '' remove) the region / group a commune is assessed under."""
    province = province_of(commune_code)
    commune = db.session.get(AdminUnit, commune_code)
    if commune is None or commune.level != "commune" or province is None:
        raise ConfigError(404, "unknown_commune", "Không có xã này.", "Unknown commune.")
    _require(user, province)
    criteria = _criteria(set_id)
    if partition and partition not in criteria.partitions:
        raise ConfigError(
            422, "unknown_partition", "Vùng / nhóm xã không hợp lệ.", "Unknown region or group."
        )
    row = commune_partition(commune_code, set_id)
    old = row.partition if row is not None else None
    if not partition:
        if row is not None:
            db.session.delete(row)
        row = None
    else:
        ref = _legal_ref(legal_ref)
        if row is None:
            row = CommunePartition(commune_code=commune_code, set_id=set_id)
            db.session.add(row)
        row.partition, row.legal_ref, row.set_by, row.set_at = (
            partition,
            ref,
            user.username,
            utcnow(),
        )
    audit.log(
        "criteria.partition_set",
        actor=user.username,
        area_code=commune_code,
        target=f"partition:{set_id}/{commune_code}",
        details={"old": old, "partition": partition or None},
    )
    db.session.commit()
    return row
