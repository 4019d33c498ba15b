"""Check a pushed batch before anything is written: every record, every rule, one report.

A batch with any invalid record is refused whole (422) with one error per problem, naming
the record's index, its UUID and the field, in Vietnamese and English. The rules: the
envelope's shape, the device's commune, a village of that commune (and, for a tablet assigned
to villages, one of those and a record already there), a known form version,
answers valid for that form, a household the record belongs to, the append-only modes
(ledger entries and observations are never edited), tombstones with a reason, and the
references a contribution correction makes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from forms import Form, FormRegistry, UnknownForm, photo_hashes, validate
from server.extensions import db
from server.models import AdminUnit, AppliedMutation, DeviceVillage, Household, Record
from sync.envelope import Envelope, EnvelopeError


class BatchInvalid(ValueError):
    """Some records in the batch are invalid; nothing was written."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(f"{len(errors)} invalid records")
        self.errors = errors


class _Refused(Exception):
    def __init__(self, field_name: str, vi: str, en: str):
        self.field, self.vi, self.en = field_name, vi, en


@dataclass
class _Batch:
    commune_code: str
    forms: FormRegistry
    villages: set[str]
    raw: Sequence[Mapping[str, Any]]
    households: set[str] = field(default_factory=set)
    contributions: dict[str, str | None] = field(default_factory=dict)  # uuid -> household
    stored: dict[str, Record] = field(default_factory=dict)  # records already on the server
    registered: dict[str, str] = field(default_factory=dict)  # household uuid -> commune
    assigned: set[str] = field(default_factory=set)  # the tablet's villages; empty: all
    replayed: set[str] = field(default_factory=set)  # mutation ids already applied
    today: dt.date = field(default_factory=dt.date.today)  # for dates "not in the future"


def _in_chunks(values: set[str], size: int = 500):
    items = sorted(v for v in values if isinstance(v, str))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _prefetch(batch: _Batch) -> None:
    """Load what the checks and the writer need in a few queries, not one per record."""
    wanted: set[str] = set()
    households: set[str] = set()
    for raw in batch.raw:
        if isinstance(raw, Mapping):
            wanted.add(raw.get("uuid"))
            households.add(raw.get("household_id"))
            data = raw.get("data")
            if isinstance(data, Mapping) and isinstance(data.get("adjusts"), str):
                wanted.add(data["adjusts"])
    for chunk in _in_chunks(wanted):
        batch.stored.update(
            (r.uuid, r) for r in db.session.scalars(select(Record).where(Record.uuid.in_(chunk)))
        )
    for chunk in _in_chunks(households):
        batch.registered.update(
            db.session.execute(
                select(Household.uuid, Household.commune_code).where(Household.uuid.in_(chunk))
            ).all()
        )


def _assignment(batch: _Batch, device_id: str) -> None:
    """The villages a tablet is assigned to, and which of its mutations were already applied
    (a replay of an accepted mutation is answered as before even if villages changed)."""
    if not device_id:
        return
    batch.assigned = set(
        db.session.scalars(
            select(DeviceVillage.village_code).where(DeviceVillage.device_id == device_id)
        )
    )
    if batch.assigned:
        ids = {raw.get("mutation_id") for raw in batch.raw if isinstance(raw, Mapping)}
        for chunk in _in_chunks(ids):
            batch.replayed.update(
                db.session.scalars(
                    select(AppliedMutation.mutation_id).where(
                        AppliedMutation.mutation_id.in_(chunk)
                    )
                )
            )


def check_batch(
    commune_code: str,
    raw_records: Sequence[Mapping[str, Any]],
    forms: FormRegistry,
    device_id: str = "",
) -> tuple[list[tuple[Envelope, Form]], dict[str, Record]]:
    """The checked envelopes with their forms, and the batch's records already stored."""
    villages = set(
        db.session.scalars(
            select(AdminUnit.code).where(
                AdminUnit.parent_code == commune_code, AdminUnit.level == "village"
            )
        )
    )
    batch = _Batch(commune_code, forms, villages, raw_records)
    _prefetch(batch)
    _assignment(batch, device_id)
    for raw in raw_records:
        if isinstance(raw, Mapping):
            if raw.get("form_id") == "household":
                batch.households.add(raw.get("uuid"))
            elif raw.get("form_id") == "contribution":
                batch.contributions[raw.get("uuid")] = raw.get("household_id")
    errors: list[dict[str, Any]] = []
    checked: list[tuple[Envelope, Form]] = []
    for index, raw in enumerate(raw_records):
        try:
            checked.append(_check(batch, raw))
        except _Refused as refusal:
            uid = raw.get("uuid") if isinstance(raw, Mapping) else None
            errors.append(
                {
                    "index": index,
                    "uuid": uid,
                    "field": refusal.field,
                    "message": refusal.vi,
                    "message_en": refusal.en,
                }
            )
        except _FieldErrors as many:
            uid = raw.get("uuid")
            errors.extend({"index": index, "uuid": uid, **e} for e in many.errors)
    if errors:
        raise BatchInvalid(errors)
    return checked, batch.stored


class _FieldErrors(Exception):
    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors


def _check(batch: _Batch, raw: Mapping[str, Any]) -> tuple[Envelope, Form]:
    try:
        envelope = Envelope.from_dict(raw)
    except EnvelopeError as exc:
        raise _Refused(exc.field, exc.message, exc.message_en) from None
    code = batch.commune_code
    if envelope.commune_code != code:
        raise _Refused(
            "commune_code",
            "Máy này không được ghi dữ liệu cho xã khác.",
            "This device may not write records for another commune.",
        )
    if envelope.village_code not in batch.villages:
        raise _Refused(
            "village_code",
            f"Không có thôn {envelope.village_code} trong xã {code}.",
            f"There is no village {envelope.village_code} in commune {code}.",
        )
    try:
        form = batch.forms.get(envelope.form_id, envelope.form_version)
    except UnknownForm:
        raise _Refused(
            "form_id",
            f"Không có biểu mẫu «{envelope.form_id}» phiên bản {envelope.form_version}.",
            f"Unknown form '{envelope.form_id}' version {envelope.form_version}.",
        ) from None
    stored = batch.stored.get(envelope.uuid)
    if stored is not None and stored.commune_code != code:
        raise _Refused(
            "uuid", "Bản ghi này thuộc xã khác.", "This record belongs to another commune."
        )
    if batch.assigned and envelope.mutation_id not in batch.replayed:
        _check_assigned(batch, envelope.village_code, stored)
    cleaned = _check_answers(envelope, form, batch.today)
    if form.subject == "self":
        envelope = envelope.with_changes(data=cleaned, household_id=envelope.uuid)
    elif envelope.household_id is None or not _household_known(batch, envelope.household_id):
        raise _Refused(
            "household_id",
            "Bản ghi phải gắn với một hộ gia đình đã đăng ký trong xã.",
            "The record must refer to a household registered in the commune.",
        )
    else:
        envelope = envelope.with_changes(data=cleaned)
    if form.mode != "entity":
        _check_append_only(envelope, form, stored)
    if form.id == "contribution_adjustment":
        _check_adjustment(batch, envelope)
    return envelope, form


def _check_assigned(batch: _Batch, village_code: str, stored: Record | None) -> None:
    assigned = ", ".join(sorted(batch.assigned))
    for village in (village_code, stored.village_code if stored else village_code):
        if village not in batch.assigned:
            raise _Refused(
                "village_code",
                f"Máy này chỉ được ghi cho các thôn được giao ({assigned}); thôn {village}"
                " không được giao. Hãy liên hệ quản trị viên đồng bộ.",
                f"This tablet may only write in its assigned villages; {village} is not one of"
                " them. Contact the sync administrator.",
            )


def _check_answers(envelope: Envelope, form: Form, today: dt.date) -> dict[str, Any]:
    """The cleaned answers (raises for invalid ones)."""
    cleaned, field_errors = validate(form, envelope.data, today=today)
    if field_errors:
        raise _FieldErrors([fe.as_dict() for fe in field_errors])
    if set(photo_hashes(form, cleaned)) - set(envelope.photos):
        raise _Refused(
            "photos",
            "Danh sách ảnh của bản ghi thiếu ảnh được dùng trong biểu mẫu.",
            "The record's photo list lacks photos its answers refer to.",
        )
    return cleaned


def _household_known(batch: _Batch, household_id: str) -> bool:
    if household_id in batch.households:
        return True
    return batch.registered.get(household_id) == batch.commune_code


def _check_append_only(envelope: Envelope, form: Form, stored: Record | None) -> None:
    if envelope.deleted and form.mode == "ledger":
        raise _Refused(
            "deleted",
            "Không xoá được mục đóng góp; hãy ghi một điều chỉnh (có thể trừ toàn bộ).",
            "Contribution entries cannot be deleted; record a correction (it may take all back).",
        )
    if stored is None or envelope.deleted:
        return
    if stored.data != envelope.data or stored.household_id != envelope.household_id:
        if form.mode == "ledger":
            raise _Refused(
                "uuid",
                "Mục đóng góp đã ghi không sửa được; hãy ghi một điều chỉnh.",
                "A recorded contribution cannot be edited; record a correction instead.",
            )
        raise _Refused(
            "uuid",
            "Lần kiểm tra đã ghi không sửa được; hãy ghi một lần kiểm tra mới.",
            "A recorded check cannot be edited; record a new check instead.",
        )


def _check_adjustment(batch: _Batch, envelope: Envelope) -> None:
    target = envelope.data["adjusts"]
    if envelope.data["delta"] == 0:
        raise _Refused(
            "delta",
            "Số lượng điều chỉnh phải khác 0.",
            "The correction must change the quantity (not 0).",
        )
    household = batch.contributions.get(target, "?")
    if household == "?":
        stored = batch.stored.get(target)
        household = stored.household_id if stored and stored.form_id == "contribution" else None
    if household is None or household != envelope.household_id:
        raise _Refused(
            "adjusts",
            "Điều chỉnh phải trỏ tới một đóng góp của cùng hộ.",
            "A correction must refer to a contribution of the same household.",
        )
