"""The record envelope: what travels between a tablet and the server for every record.

A record is born on a device with its own UUID. Each change the device makes to it is a
mutation with its own id, so that a push can be replayed without applying anything twice.
`base_version` is the server version the change was made on (None for a new record);
`version` is assigned by the server and orders the commune's change feed.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

COMMUNE_CODE = re.compile(r"^\d{5}$")
VILLAGE_CODE = re.compile(r"^\d{5}-[A-Za-z0-9]{1,12}$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class EnvelopeError(ValueError):
    """An envelope is malformed; `field` names the part, the message says what is wrong."""

    def __init__(self, field_name: str, message: str, message_en: str):
        super().__init__(f"{field_name}: {message_en}")
        self.field = field_name
        self.message = message
        self.message_en = message_en


def new_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_uuid(value: Any, field_name: str) -> str:
    try:
        if not isinstance(value, str):
            raise ValueError
        return str(uuid.UUID(value))
    except ValueError:
        raise EnvelopeError(
            field_name,
            f"«{field_name}» phải là một UUID hợp lệ.",
            f"'{field_name}' must be a valid UUID.",
        ) from None


def parse_timestamp(value: Any, field_name: str) -> str:
    try:
        if not isinstance(value, str):
            raise ValueError
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError
    except ValueError:
        raise EnvelopeError(
            field_name,
            f"«{field_name}» phải là thời điểm ISO 8601 có múi giờ.",
            f"'{field_name}' must be an ISO 8601 timestamp with a time zone.",
        ) from None
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Envelope:
    uuid: str
    mutation_id: str
    form_id: str
    form_version: int
    commune_code: str
    village_code: str
    household_id: str | None
    data: dict[str, Any]
    device_id: str
    captured_at: str
    photos: list[str] = field(default_factory=list)
    base_version: int | None = None
    # The device's previous unacknowledged change of this record: the server merges against
    # what the device had then, so an officer's second offline edit never conflicts with
    # their own first one.
    parent_mutation_id: str | None = None
    version: int | None = None
    deleted: bool = False
    reason: str | None = None  # why a record was deleted (a tombstone says who and why)
    status: str | None = None  # server-side review/sync status, informative for the device
    # The board's last decision, from the feed: {"status", "reason", "by", "at"} (text values)
    review: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: its generic walk cost 4x more, on every record of a push.
        return {name: _copied(getattr(self, name)) for name in _FIELD_NAMES}

    def with_changes(self, **changes: Any) -> Envelope:
        return replace(self, **changes)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Envelope:
        """Parse and check the envelope's shape (the form's answers are checked by forms/)."""
        if not isinstance(raw, Mapping):
            raise EnvelopeError(
                "record", "Bản ghi phải là một đối tượng.", "A record must be an object."
            )
        commune = raw.get("commune_code")
        if not isinstance(commune, str) or not COMMUNE_CODE.match(commune):
            raise EnvelopeError(
                "commune_code", "Mã xã phải gồm 5 chữ số.", "commune_code must be 5 digits."
            )
        village = raw.get("village_code")
        if not isinstance(village, str) or not VILLAGE_CODE.match(village):
            raise EnvelopeError(
                "village_code",
                "Mã thôn không hợp lệ (dạng <mã xã>-<mã thôn>).",
                "village_code must look like <commune code>-<village code>.",
            )
        if not village.startswith(commune + "-"):
            raise EnvelopeError(
                "village_code",
                "Thôn không thuộc xã của bản ghi.",
                "The village does not belong to the record's commune.",
            )
        form_id, form_version = raw.get("form_id"), raw.get("form_version")
        if not isinstance(form_id, str) or not form_id:
            raise EnvelopeError("form_id", "Thiếu mã biểu mẫu.", "form_id is missing.")
        if not isinstance(form_version, int) or isinstance(form_version, bool) or form_version < 1:
            raise EnvelopeError(
                "form_version",
                "Phiên bản biểu mẫu phải là số nguyên dương.",
                "form_version must be a positive integer.",
            )
        data = raw.get("data")
        if not isinstance(data, Mapping):
            raise EnvelopeError("data", "Dữ liệu phải là một đối tượng.", "data must be an object.")
        photos = raw.get("photos") or []
        if not isinstance(photos, list) or not all(
            isinstance(h, str) and SHA256_HEX.match(h) for h in photos
        ):
            raise EnvelopeError(
                "photos",
                "Danh sách ảnh phải là các mã SHA-256.",
                "photos must be a list of SHA-256 hex digests.",
            )
        household = raw.get("household_id")
        base_version = raw.get("base_version")
        if base_version is not None and (
            not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 1
        ):
            raise EnvelopeError(
                "base_version",
                "Phiên bản gốc phải là số nguyên dương.",
                "base_version must be a positive integer or null.",
            )
        device_id = raw.get("device_id")
        deleted = raw.get("deleted", False)
        if not isinstance(deleted, bool):
            raise EnvelopeError(
                "deleted", "«deleted» phải là true/false.", "deleted must be a boolean."
            )
        reason = raw.get("reason")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 300):
            raise EnvelopeError(
                "reason",
                "Lý do xoá tối đa 300 ký tự.",
                "reason must be text of at most 300 characters.",
            )
        if deleted and not (reason or "").strip():
            raise EnvelopeError(
                "reason",
                "Xoá bản ghi cần ghi rõ lý do.",
                "Deleting a record needs a reason.",
            )
        return cls(
            uuid=parse_uuid(raw.get("uuid"), "uuid"),
            mutation_id=parse_uuid(raw.get("mutation_id"), "mutation_id"),
            form_id=form_id,
            form_version=form_version,
            commune_code=commune,
            village_code=village,
            household_id=None if household is None else parse_uuid(household, "household_id"),
            data=dict(data),
            device_id=device_id if isinstance(device_id, str) else "",
            captured_at=parse_timestamp(raw.get("captured_at"), "captured_at"),
            photos=list(photos),
            base_version=base_version,
            parent_mutation_id=None
            if raw.get("parent_mutation_id") is None
            else parse_uuid(raw.get("parent_mutation_id"), "parent_mutation_id"),
            version=raw.get("version") if isinstance(raw.get("version"), int) else None,
            deleted=deleted,
            reason=reason.strip() if isinstance(reason, str) else None,
            status=raw.get("status") if isinstance(raw.get("status"), str) else None,
            review=_review(raw.get("review")),
        )


REVIEW_KEYS = ("status", "reason", "by", "at")


def _review(raw: Any) -> dict[str, str] | None:
    """The board's decision as the feed sends it; anything not of that shape is dropped
    (it is informative for the device, never a reason to refuse a record)."""
    if not isinstance(raw, Mapping):
        return None
    return {k: raw[k][:500] for k in REVIEW_KEYS if isinstance(raw.get(k), str)}


_FIELD_NAMES = tuple(f.name for f in fields(Envelope))


def _copied(value: Any) -> Any:
    """A copy of JSON-like values (dicts, lists, tuples), so the dict never shares them."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copied(v) for v in value)
    return value
