"""The conflict inbox page's side of conflicts: what to show for one conflict (labels from
the form, the three versions, photos, GPS, who and when), turning typed text into a field
value, and bulk resolution by taking one side for every field. Resolving itself goes
through `server.services.conflicts.resolve`, which validates against the form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from forms import default_registry
from forms.model import Field, Form
from server.extensions import db
from server.models import Conflict, Device, Record, RecordRevision
from server.services import conflicts
from sync.merge import DELETED

SIDE_LABELS = {
    "base": ("Bản gốc chung", "Common base"),
    "server": ("Trên máy chủ", "On the server"),
    "device": ("Từ máy tính bảng", "From the tablet"),
}


class TypedValueError(ValueError):
    def __init__(self, field_name: str, message: str, message_en: str):
        super().__init__(message_en)
        self.field_name, self.message, self.message_en = field_name, message, message_en


@dataclass
class FieldRow:
    name: str
    label: str
    label_en: str
    type: str
    values: dict[str, Any]  # side -> raw value
    shown: dict[str, str]  # side -> text for people
    photos: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ConflictView:
    conflict: Conflict
    record: Record
    form: Form | None
    rows: list[FieldRow]
    device: Device | None
    server_author: str
    server_at: dt.datetime | None
    gps: dict[str, Any] | None  # the record's geopoint on the server, if any
    merged: list[FieldRow] = field(default_factory=list)  # changed on one side only


def _merged_rows(conflict: Conflict, form: Form | None) -> list[FieldRow]:
    """Fields changed on one side only: they merge by themselves, but an administrator
    deciding whether a record stays needs to see what the edit was."""
    base, server, device = conflict.base_data, conflict.server_data, conflict.device_data
    rows = []
    names = (set(base) | set(server) | set(device)) - set(conflict.fields)
    for name in sorted(names, key=lambda n: _order(form, n)):
        values = {"base": base.get(name), "server": server.get(name), "device": device.get(name)}
        if values["server"] == values["base"] == values["device"]:
            continue
        rows.append(_row(form, name, values))
    return rows


def _row(form: Form | None, name: str, values: dict[str, Any]) -> FieldRow:
    """One field's three values, labelled from the form and written for people."""
    f = form.field(name) if form else None
    return FieldRow(
        name=name,
        label=f.label.vi if f else name,
        label_en=f.label.en if f else name,
        type=f.type if f else "text",
        values=values,
        shown={side: show_value(f, v) for side, v in values.items()},
    )


def _form(record: Record) -> Form | None:
    try:
        return default_registry().get(record.form_id, record.form_version)
    except LookupError:
        return None


def show_value(f: Field | None, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if f is not None and f.type == "choice":
        choice = f.choice(value)
        return f"{choice.label.vi} ({value})" if choice else str(value)
    if f is not None and f.type == "multichoice" and isinstance(value, list):
        return ", ".join(show_value_choice(f, v) for v in value)
    if f is not None and f.type == "boolean":
        return "Có (yes)" if value else "Không (no)"
    if f is not None and f.type == "geopoint" and isinstance(value, dict):
        return f"{value.get('lat')}, {value.get('lon')}"
    if f is not None and f.type == "photo":
        hashes = value if isinstance(value, list) else [value]
        return f"{len(hashes)} ảnh (photos)"
    return str(value)


def show_value_choice(f: Field, value: Any) -> str:
    choice = f.choice(value)
    return choice.label.vi if choice else str(value)


def view(conflict: Conflict) -> ConflictView:
    record = db.session.get(Record, conflict.record_uuid)
    form = _form(record)
    latest = db.session.scalar(
        select(RecordRevision)
        .where(RecordRevision.record_uuid == record.uuid)
        .order_by(RecordRevision.revision.desc())
        .limit(1)
    )
    rows = []
    for name in sorted(conflict.fields, key=lambda n: _order(form, n)):
        if name == DELETED:
            rows.append(_deletion_row(conflict, latest))
            continue
        values = {side: conflict.fields[name].get(side) for side in conflicts.SIDES}
        row = _row(form, name, values)
        if row.type == "photo":
            row.photos = {
                side: [h for h in (v if isinstance(v, list) else [v]) if isinstance(h, str)]
                for side, v in values.items()
                if v
            }
        rows.append(row)
    gps_field = next((f.name for f in form.fields if f.type == "geopoint"), None) if form else None
    return ConflictView(
        conflict=conflict,
        record=record,
        form=form,
        rows=rows,
        device=db.session.get(Device, conflict.device_id) if conflict.device_id else None,
        server_author=_who(latest) if latest else "",
        server_at=latest.received_at if latest else None,
        gps=record.data.get(gps_field) if gps_field else None,
        merged=_merged_rows(conflict, form),
    )


def _deletion_row(conflict: Conflict, latest: RecordRevision | None) -> FieldRow:
    """The row of a delete-versus-edit conflict: delete the record or keep it, with the
    reason each deleting side gave."""
    values = {side: bool(conflict.fields[DELETED].get(side)) for side in conflicts.SIDES}
    reasons = {
        "server": latest.reason if latest is not None and latest.deleted else None,
        "device": conflict.device_reason,
    }
    shown = {}
    for side, deleted in values.items():
        text = "Đã xoá (deleted)" if deleted else "Còn giữ (kept)"
        if deleted and reasons.get(side):
            text += f" — «{reasons[side]}»"
        shown[side] = text
    return FieldRow(
        name=DELETED,
        label="Xoá bản ghi?",
        label_en="Delete the record?",
        type="deletion",
        values=values,
        shown=shown,
    )


def _who(revision: RecordRevision) -> str:
    """A person's name for who wrote a revision: the web user, or the tablet's officer."""
    if revision.author:
        return revision.author
    device = db.session.get(Device, revision.device_id) if revision.device_id else None
    if device is None:
        return revision.device_id[:8]
    return f"{device.officer_name} · {device.name}" if device.officer_name else device.name


def _order(form: Form | None, name: str) -> int:
    if name == DELETED:
        return -1  # whether the record stays at all comes first
    if form is None:
        return 0
    names = [f.name for f in form.fields]
    return names.index(name) if name in names else len(names)


def parse_typed(form: Form | None, name: str, text: str) -> Any:
    """A value typed on the page, as the form's field type wants it (the service then
    validates ranges, choices and the rest). Empty text clears the field."""
    text = text.strip()
    if name == DELETED:
        raise TypedValueError(
            name,
            "Hãy chọn xoá hay giữ bản ghi từ một trong ba cột.",
            "Choose from one of the three columns whether the record is deleted or kept.",
        )
    f = form.field(name) if form else None
    if text == "":
        return None
    kind = f.type if f else "text"
    label = f.label.vi if f else name
    try:
        if kind == "integer":
            return int(text)
        if kind == "decimal":
            number = float(text.replace(",", "."))
            return int(number) if number.is_integer() else number
        if kind == "boolean":
            lowered = text.lower()
            if lowered in ("có", "co", "yes", "true", "1"):
                return True
            if lowered in ("không", "khong", "no", "false", "0"):
                return False
            raise ValueError(text)
        if kind == "multichoice":
            return [part.strip() for part in text.split(",") if part.strip()]
        if kind == "geopoint":
            lat, lon = (float(part) for part in text.split(","))
            return {"lat": lat, "lon": lon}
        if kind == "photo":
            raise ValueError(text)
    except ValueError:
        raise TypedValueError(
            name,
            f"Giá trị nhập cho «{label}» không đúng kiểu.",
            f"The value typed for “{f.label.en if f else name}” has the wrong type.",
        ) from None
    return text


def bulk_resolve(
    items: list[Conflict], side: str, username: str
) -> tuple[list[int], list[tuple[int, str, str]]]:
    """Take `side` for every clashing field of each conflict; returns the resolved ids and,
    for the others, (id, message, message_en) — each conflict stands or falls alone."""
    done, failed = [], []
    for conflict in items:
        if DELETED in conflict.fields:  # whether a record stays is decided one at a time
            failed.append(
                (
                    conflict.id,
                    "Xung đột xoá hay giữ bản ghi phải được quyết định từng cái một.",
                    "Whether a record is deleted or kept is decided one conflict at a time.",
                )
            )
            continue
        try:
            conflicts.resolve(conflict, {f: side for f in conflict.fields}, {}, username)
        except conflicts.ResolutionError as exc:
            db.session.rollback()
            failed.append((conflict.id, exc.message, exc.message_en))
        else:
            done.append(conflict.id)
    return done, failed
