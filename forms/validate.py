"""Check a submission's answers against its form: the one rule book for tablet and server.

`validate(form, data)` returns the cleaned answers (only relevant fields, text trimmed) and a
list of errors, each naming the field and carrying a Vietnamese and an English message a
person can act on. It never raises for bad answers; it raises only for a bad call.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms.model import Field, Form, Label
from forms.relevance import Condition, compiled, evaluate

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
MAX_FUTURE_DAYS = 1  # a tablet a day ahead is a time zone, more is a wrong clock or a typo


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: Label

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message.vi,
            "message_en": self.message.en,
        }


def is_relevant(field: Field, values: Mapping[str, Any]) -> bool:
    return field.relevant is None or evaluate(field.relevant, values)


@dataclass(frozen=True)
class _Plan:
    """What `validate` needs of a form, worked out once per form, not once per record."""

    form: Form
    known: frozenset[str]
    fields: tuple[tuple[Field, Condition | None], ...]  # each field with its compiled condition


_PLANS: dict[int, _Plan] = {}  # id(form) -> plan; the plan holds the form, so the id stays its


def _plan(form: Form) -> _Plan:
    plan = _PLANS.get(id(form))
    if plan is not None and plan.form is form:
        return plan
    plan = _Plan(
        form,
        frozenset(f.name for f in form.fields),
        tuple((f, None if f.relevant is None else compiled(f.relevant)) for f in form.fields),
    )
    if len(_PLANS) >= 1024:
        _PLANS.clear()
    _PLANS[id(form)] = plan
    return plan


def relevant_fields(form: Form, values: Mapping[str, Any]) -> list[Field]:
    """The fields to show for the answers so far, in form order."""
    return [f for f in form.fields if is_relevant(f, values)]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def validate(
    form: Form, data: Mapping[str, Any], today: dt.date | None = None
) -> tuple[dict[str, Any], list[FieldError]]:
    if not isinstance(data, Mapping):
        msg = Label("Dữ liệu biểu mẫu phải là một đối tượng.", "Form data must be an object.")
        return {}, [FieldError("", "not_object", msg)]
    today = today or dt.date.today()
    errors: list[FieldError] = []
    plan = _plan(form)
    for name in sorted(set(data) - plan.known):
        errors.append(
            FieldError(
                name,
                "unknown_field",
                Label(
                    f"Trường '{name}' không có trong biểu mẫu {form.id} v{form.version}.",
                    f"Field '{name}' is not in form {form.id} v{form.version}.",
                ),
            )
        )
    cleaned: dict[str, Any] = {}
    for f, relevant in plan.fields:
        if relevant is not None and not relevant(data):
            continue  # answers to hidden questions are dropped, never stored
        value = data.get(f.name)
        if isinstance(value, str):
            value = value.strip()
        if _empty(value):
            if f.required:
                errors.append(
                    FieldError(
                        f.name,
                        "required",
                        Label(f"Vui lòng nhập «{f.label.vi}».", f"Please fill in “{f.label.en}”."),
                    )
                )
            continue
        error = _check(f, value, today)
        if error is not None:
            errors.append(FieldError(f.name, error[0], error[1]))
        else:
            cleaned[f.name] = value
    return cleaned, errors


def _check(f: Field, value: Any, today: dt.date) -> tuple[str, Label] | None:
    vi, en = f.label.vi, f.label.en
    if f.type == "text":
        if not isinstance(value, str):
            return "type", Label(f"«{vi}» phải là chữ.", f"“{en}” must be text.")
        if f.max_length and len(value) > f.max_length:
            return "too_long", Label(
                f"«{vi}» dài quá {f.max_length} ký tự.",
                f"“{en}” is longer than {f.max_length} characters.",
            )
        return None
    if f.type in ("integer", "decimal"):
        return _check_number(f, value)
    if f.type == "boolean":
        if not isinstance(value, bool):
            return "type", Label(f"«{vi}» phải là Có hoặc Không.", f"“{en}” must be yes or no.")
        return None
    if f.type == "choice":
        if f.choice(value) is None:
            return "choice", Label(
                f"«{vi}»: lựa chọn không hợp lệ.", f"“{en}”: not one of the choices."
            )
        return None
    if f.type == "multichoice":
        if (
            not isinstance(value, list)
            or any(f.choice(v) is None for v in value)
            or len(set(value)) != len(value)
        ):
            return "choice", Label(
                f"«{vi}»: lựa chọn không hợp lệ.", f"“{en}”: not among the choices."
            )
        return None
    if f.type == "date":
        return _check_date(f, value, today)
    if f.type == "geopoint":
        return _check_geopoint(f, value)
    if f.type == "photo":
        hashes = value if f.multiple else [value]
        if not isinstance(hashes, list) or not all(
            isinstance(h, str) and SHA256_HEX.match(h) for h in hashes
        ):
            return "photo", Label(
                f"«{vi}»: ảnh không hợp lệ (cần mã SHA-256).",
                f"“{en}”: invalid photo reference (SHA-256 expected).",
            )
        return None
    raise AssertionError(f"unhandled field type {f.type}")  # the loader admits no other types


def _check_number(f: Field, value: Any) -> tuple[str, Label] | None:
    vi, en = f.label.vi, f.label.en
    ok_type = isinstance(value, int) and not isinstance(value, bool)
    if f.type == "decimal":
        ok_type = ok_type or (isinstance(value, float) and math.isfinite(value))
    if not ok_type:
        kind_vi = "số nguyên" if f.type == "integer" else "một số"
        kind_en = "a whole number" if f.type == "integer" else "a number"
        return "type", Label(f"«{vi}» phải là {kind_vi}.", f"“{en}” must be {kind_en}.")
    if f.min is not None:
        too_small = value <= f.min if f.min_exclusive else value < f.min
        if too_small:
            word_vi = "lớn hơn" if f.min_exclusive else "ít nhất là"
            word_en = "greater than" if f.min_exclusive else "at least"
            return "min", Label(
                f"«{vi}» phải {word_vi} {_fmt(f.min)}.", f"“{en}” must be {word_en} {_fmt(f.min)}."
            )
    if f.max is not None and value > f.max:
        return "max", Label(
            f"«{vi}» không được vượt quá {_fmt(f.max)}.", f"“{en}” must be at most {_fmt(f.max)}."
        )
    return None


def _check_date(f: Field, value: Any, today: dt.date) -> tuple[str, Label] | None:
    vi, en = f.label.vi, f.label.en
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return "date", Label(
            f"«{vi}» phải là ngày dạng NNNN-TT-NN.", f"“{en}” must be a date as YYYY-MM-DD."
        )
    if day > today + dt.timedelta(days=MAX_FUTURE_DAYS):
        return "future", Label(
            f"«{vi}» không được ở tương lai ({value}).",
            f"“{en}” cannot be in the future ({value}).",
        )
    if day.year < 2000:
        return "past", Label(
            f"«{vi}» quá xa trong quá khứ ({value}).", f"“{en}” is too far in the past ({value})."
        )
    return None


def _check_geopoint(f: Field, value: Any) -> tuple[str, Label] | None:
    bad = Label(f"«{f.label.vi}»: toạ độ không hợp lệ.", f"“{f.label.en}”: invalid coordinates.")
    if not isinstance(value, Mapping) or set(value) - {"lat", "lon", "accuracy", "mock"}:
        return "geopoint", bad
    # "mock": true when Android said the fix came from a mock-location provider (the tablet
    # only writes it then); the server's integrity flags read it.
    if "mock" in value and not isinstance(value["mock"], bool):
        return "geopoint", bad
    lat, lon, acc = value.get("lat"), value.get("lon"), value.get("accuracy")
    numbers = [x for x in (lat, lon, acc) if x is not None]
    if (
        lat is None
        or lon is None
        or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
            for x in numbers
        )
    ):
        return "geopoint", bad
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (acc is not None and acc < 0):
        return "geopoint", bad
    return None


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def photo_hashes(form: Form, data: Mapping[str, Any]) -> list[str]:
    """Every photo hash the answers refer to, in field order, without repeats."""
    seen: list[str] = []
    for f in form.fields:
        if f.type != "photo" or _empty(data.get(f.name)):
            continue
        value = data[f.name]
        for h in value if isinstance(value, list) else [value]:
            if h not in seen:
                seen.append(h)
    return seen
