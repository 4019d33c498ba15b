"""The kinds of integrity flag, their readable names, the thresholds, and `Finding`: one flag
a check wants to exist (the reconciler in integrity.py turns findings into rows)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context

from sync.phash import DHASH_NEAR, PHASH_NEAR

# kind -> (Vietnamese, English) short name, in the order the summary shows them.
KINDS: dict[str, tuple[str, str]] = {
    "outside_commune": ("Ngoài ranh giới xã", "Outside the commune"),
    "outside_village": ("Ngoài ranh giới thôn", "Outside the village"),
    "far_from_household": ("Ảnh xa nhà của hộ", "Photo far from the household"),
    "duplicate_photo": ("Ảnh trùng (cùng tệp)", "Same photo reused"),
    "near_duplicate_photo": ("Ảnh gần giống hệt", "Near-identical photo"),
    "capture_time": ("Thời điểm chụp lệch", "Capture time far off"),
    "clock_wrong": ("Đồng hồ máy sai", "Device clock wrong"),
    "gps_accuracy": ("GPS kém chính xác", "Poor GPS accuracy"),
    "gps_mock": ("Vị trí giả lập", "Mock location"),
    "missing_photo": ("Thiếu ảnh", "Photo missing"),
}


@dataclass(frozen=True)
class Settings:
    far_from_household_m: float = 300.0
    phash_distance: int = PHASH_NEAR
    dhash_distance: int = DHASH_NEAR
    max_accuracy_m: float = 50.0
    time_gap_hours: float = 48.0
    clock_skew_seconds: int = 600
    photo_wait_hours: float = 48.0
    # Photo fields holding pictures of paper (minutes, forms): exact duplicates only.
    document_fields: frozenset[str] = frozenset({"consent_photo"})


def _names(raw: Any) -> frozenset[str]:
    if isinstance(raw, str):
        return frozenset(n.strip() for n in raw.split(",") if n.strip())
    return frozenset(raw)


_CONFIG = {
    "far_from_household_m": ("INTEGRITY_FAR_FROM_HOUSEHOLD_M", float),
    "phash_distance": ("INTEGRITY_PHASH_DISTANCE", int),
    "dhash_distance": ("INTEGRITY_DHASH_DISTANCE", int),
    "max_accuracy_m": ("INTEGRITY_MAX_ACCURACY_M", float),
    "time_gap_hours": ("INTEGRITY_TIME_GAP_HOURS", float),
    "clock_skew_seconds": ("CLOCK_SKEW_FLAG_SECONDS", int),
    "photo_wait_hours": ("INTEGRITY_PHOTO_WAIT_HOURS", float),
    "document_fields": ("INTEGRITY_DOCUMENT_PHOTO_FIELDS", _names),
}


def settings() -> Settings:
    """Thresholds from the app config, else the environment, else the defaults above."""
    values: dict[str, Any] = {}
    config = current_app.config if has_app_context() else {}
    for name, (key, cast) in _CONFIG.items():
        raw = config.get(key, os.environ.get(key))
        if raw not in (None, ""):
            values[name] = cast(raw)
    return Settings(**values)


@dataclass(frozen=True)
class Finding:
    kind: str
    record_uuid: str
    subject: str  # what of the record: a field name, a photo's SHA-256, "device"
    commune_code: str
    household_id: str | None
    reason_vi: str
    reason_en: str
    photo_sha256: str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record_uuid}:{self.subject}"


def kind_name(kind: str) -> tuple[str, str]:
    return KINDS.get(kind, (kind, kind))
