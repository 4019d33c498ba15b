"""Commune-level indicators: the board enters a value with its document; status per level.

A value is an append-only `CommuneIndicatorEntry`; the newest entry of (commune, set,
indicator) is current. The document (PDF, JPEG or PNG, at most MAX_DOCUMENT_BYTES, the type
checked from the content, never from the name or the browser's word) is stored once under its
SHA-256 in DOCUMENT_DIR (default PHOTO_DIR/documents), written atomically like photos.
Thresholds come from criteria_config's resolver, as for household indicators.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from forms.catalogue import DEMO_LABEL, CommuneIndicator, catalogues
from server.extensions import db
from server.models import CommuneIndicatorEntry, User
from server.services import audit, criteria_config
from server.services.criteria_config import ConfigError, ResolvedThreshold
from server.services.periods import VN_TZ
from server.services.photos import SHA256_HEX

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
NOTE_MAX = 500
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


class EntryError(ConfigError):
    """A refused entry (same shape as criteria_config.ConfigError)."""


@dataclass(frozen=True)
class CommuneResult:
    indicator: CommuneIndicator
    entry: CommuneIndicatorEntry | None
    value: float | bool | None  # share (ratio), quantity (number), yes/no (boolean)
    threshold: ResolvedThreshold
    status: str  # met | not_met | no_data


def may_enter(user: User, commune_code: str) -> bool:
    """Only the commune's own management board enters commune-level values."""
    return user.role == "board" and user.area_code == commune_code


def document_dir() -> Path:
    configured = current_app.config.get("DOCUMENT_DIR")
    return Path(configured) if configured else Path(current_app.config["PHOTO_DIR"]) / "documents"


def document_path(sha256: str) -> Path:
    if not SHA256_HEX.match(sha256):  # the only name that ever reaches the filesystem
        raise ValueError("not a SHA-256 hex digest")
    return document_dir() / sha256[:2] / sha256[2:4] / f"{sha256}.doc"


def sniff(content: bytes) -> str:
    """The document's real type from its bytes, or EntryError."""
    if not content:
        raise EntryError(
            422,
            "document_required",
            "Hãy đính kèm văn bản minh chứng (PDF hoặc ảnh).",
            "Attach the supporting document (PDF or image).",
        )
    if len(content) > MAX_DOCUMENT_BYTES:
        raise EntryError(
            413,
            "document_too_large",
            f"Tệp quá lớn (tối đa {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB). "
            "Hãy scan ở độ phân giải thấp hơn.",
            f"The file is too large (at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB).",
        )
    if content.startswith(b"%PDF-") and b"%%EOF" in content[-2048:]:
        return "application/pdf"
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            fmt = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        fmt = None
    if fmt in IMAGE_TYPES:
        return IMAGE_TYPES[fmt]
    raise EntryError(
        415,
        "document_type",
        "Tệp đính kèm phải là PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp).",
        "The document must be a PDF, JPEG or PNG file (checked from its content).",
    )


def _store(content: bytes) -> str:
    sha256 = hashlib.sha256(content).hexdigest()
    path = document_path(sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{sha256}.{os.getpid()}.part")
        with open(partial, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        partial.replace(path)  # atomic: the hash name only ever points at a whole file
    return sha256


def _number(raw: str, what_vi: str, what_en: str) -> float:
    text = (raw or "").strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value) or math.isinf(value) or value < 0 or value > 1e9:
        raise EntryError(
            422,
            "bad_number",
            f"{what_vi}: hãy nhập một số không âm.",
            f"{what_en}: enter a number of at least 0.",
        )
    return value


def _safe_name(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|*?:').strip()
    return (base or "van-ban")[:200]


def enter(
    user: User,
    commune_code: str,
    set_id: str,
    indicator_id: str,
    form: dict[str, str],
    content: bytes,
    filename: str,
) -> CommuneIndicatorEntry:
    """Validate everything first, then store the document and the entry (audit-logged)."""
    if not may_enter(user, commune_code):
        raise EntryError(
            403,
            "forbidden",
            "Chỉ Ban quản lý xã được nhập chỉ tiêu cấp xã.",
            "Only the commune's management board enters commune-level indicators.",
        )
    criteria = catalogues().get(set_id)
    indicator = criteria.commune_indicator(indicator_id) if criteria else None
    if indicator is None:
        raise EntryError(404, "unknown_indicator", "Không có chỉ tiêu này.", "Unknown indicator.")
    entry = CommuneIndicatorEntry(
        commune_code=commune_code, set_id=set_id, indicator_id=indicator_id
    )
    if indicator.kind == "boolean":
        answer = form.get("value_bool", "")
        if answer not in ("yes", "no"):
            raise EntryError(
                422,
                "answer_required",
                "Hãy chọn Đạt (có) hoặc Chưa đạt (không).",
                "Choose yes or no.",
            )
        entry.value_bool = answer == "yes"
    else:
        entry.part = _number(form.get("part", ""), indicator.part_label[0], indicator.part_label[1])
        if indicator.kind == "ratio":
            entry.whole = _number(
                form.get("whole", ""), indicator.whole_label[0], indicator.whole_label[1]
            )
            if entry.whole <= 0 or entry.part > entry.whole:
                raise EntryError(
                    422,
                    "bad_ratio",
                    f"{indicator.part_label[0]} không được lớn hơn "
                    f"{indicator.whole_label[0].lower()}, và tổng phải lớn hơn 0.",
                    "The part must not exceed the whole, and the whole must be more than 0.",
                )
    try:
        entry.as_of = dt.date.fromisoformat(form.get("as_of", ""))
    except ValueError:
        raise EntryError(
            422,
            "bad_date",
            "Hãy nhập ngày của văn bản (ngày/tháng/năm).",
            "Enter the date of the document.",
        ) from None
    if entry.as_of > dt.datetime.now(VN_TZ).date():
        raise EntryError(
            422,
            "future_date",
            "Ngày văn bản không được ở tương lai.",
            "The document date cannot be in the future.",
        )
    note = " ".join((form.get("note") or "").split())
    if len(note) > NOTE_MAX:
        raise EntryError(
            422,
            "note_too_long",
            f"Ghi chú quá dài (tối đa {NOTE_MAX} ký tự).",
            f"The note is too long (at most {NOTE_MAX} characters).",
        )
    entry.note = note
    entry.document_type = sniff(content)
    entry.document_size = len(content)
    entry.document_name = _safe_name(filename)
    entry.document_sha256 = _store(content)  # a file without a row is harmless; never the reverse
    entry.entered_by = user.username
    db.session.add(entry)
    db.session.flush()
    audit.log(
        "commune_indicator.enter",
        actor=user.username,
        area_code=commune_code,
        target=f"commune_indicator:{set_id}/{indicator_id}",
        details={
            "entry": entry.id,
            "value_bool": entry.value_bool,
            "part": entry.part,
            "whole": entry.whole,
            "as_of": entry.as_of.isoformat(),
            "document": entry.document_sha256,
        },
    )
    db.session.commit()
    return entry


def current_entries(commune_code: str, set_id: str) -> dict[str, CommuneIndicatorEntry]:
    """The newest entry of each indicator of the set for the commune."""
    rows = db.session.scalars(
        select(CommuneIndicatorEntry)
        .where(
            CommuneIndicatorEntry.commune_code == commune_code,
            CommuneIndicatorEntry.set_id == set_id,
        )
        .order_by(CommuneIndicatorEntry.entered_at, CommuneIndicatorEntry.id)
    )
    return {row.indicator_id: row for row in rows}


def history(commune_code: str, set_id: str, indicator_id: str) -> list[CommuneIndicatorEntry]:
    return list(
        db.session.scalars(
            select(CommuneIndicatorEntry)
            .where(
                CommuneIndicatorEntry.commune_code == commune_code,
                CommuneIndicatorEntry.set_id == set_id,
                CommuneIndicatorEntry.indicator_id == indicator_id,
            )
            .order_by(CommuneIndicatorEntry.entered_at.desc(), CommuneIndicatorEntry.id.desc())
        )
    )


def evaluate(
    indicator: CommuneIndicator,
    entry: CommuneIndicatorEntry | None,
    threshold: ResolvedThreshold,
) -> tuple[float | bool | None, str]:
    if entry is None:
        return None, "no_data"
    if indicator.kind == "boolean":
        return bool(entry.value_bool), "met" if entry.value_bool else "not_met"
    value = entry.part / entry.whole if indicator.kind == "ratio" else entry.part
    if value is None or threshold.value is None:
        return value, "no_data"
    return value, "met" if value >= threshold.value - 1e-9 else "not_met"


def results(
    commune_code: str, set_id: str, level: str, partition: str | None = None
) -> list[CommuneResult]:
    """Every commune-level indicator of the set at this level, with status."""
    criteria = catalogues()[set_id]
    if partition is None:
        assigned = criteria_config.commune_partition(commune_code, set_id)
        partition = assigned.partition if assigned is not None else None
    resolver = criteria_config.resolver_for_commune(commune_code, set_id)
    entries = current_entries(commune_code, set_id)
    out = []
    for indicator in criteria.commune_for_level(level):
        threshold = resolver.threshold(indicator, level, partition)
        entry = entries.get(indicator.id)
        value, status = evaluate(indicator, entry, threshold)
        out.append(CommuneResult(indicator, entry, value, threshold, status))
    return out


def get_entry(commune_code: str, entry_id: int) -> CommuneIndicatorEntry | None:
    entry = db.session.get(CommuneIndicatorEntry, entry_id)
    return entry if entry is not None and entry.commune_code == commune_code else None


def export_row(r: CommuneResult) -> dict[str, Any]:
    """A row of the indicator export (server/services/exports.IndicatorRow fields)."""
    kind = r.indicator.kind
    if r.entry is None:
        value: Any = None
    elif kind == "boolean":
        value = "Có / Yes" if r.value else "Không / No"
    else:
        value = round(float(r.value), 4)
    if kind == "boolean":
        threshold = f"Có / Yes ({r.indicator.legal_ref})"
    elif r.threshold.value is None:
        threshold = "chưa có giá trị / no value"
    else:
        shown = f"{r.threshold.value:.0%}" if kind == "ratio" else f"{r.threshold.value:g}"
        unit = "" if kind == "ratio" else f" {r.indicator.unit}"
        label = DEMO_LABEL if r.threshold.demo else r.threshold.legal_ref
        threshold = f"≥ {shown}{unit} ({label})"
    entered = "cấp xã: chưa nhập / not entered"
    if r.entry is not None:
        e = r.entry
        entered = f"cấp xã: {e.entered_by} {e.entered_at:%d/%m/%Y}, văn bản {e.as_of:%d/%m/%Y}"
    return {
        "code": r.indicator.code.get("standard") or r.indicator.id,
        "name_vi": r.indicator.name_vi,
        "name_en": r.indicator.name_en,
        "value": value,
        "threshold": threshold,
        "status": r.status,
        "coverage": entered,
    }
