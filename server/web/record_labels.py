"""A record's answers as people read them: the form's Vietnamese label (English second)
and readable values, from the form definitions in forms/ (the one source of truth), using
the version the record names; keys the form does not know are shown as they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms import UnknownForm, default_registry
from forms.model import Field, Form


@dataclass(frozen=True)
class Answer:
    key: str
    label_vi: str
    label_en: str
    value: str


def _form(form_id: str, version: int | None) -> Form | None:
    registry = default_registry()
    for wanted in (version, None):
        try:
            return registry.get(form_id, wanted)
        except (UnknownForm, KeyError, LookupError):
            continue
    return None


def _value(field: Field | None, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Có / Yes" if value else "Không / No"
    if field is not None and field.choices:
        values = value if isinstance(value, list) else [value]
        shown = []
        for v in values:
            choice = field.choice(v)
            shown.append(f"{choice.label.vi} / {choice.label.en}" if choice else str(v))
        return ", ".join(shown)
    if isinstance(value, dict) and {"lat", "lon"} <= set(value):
        return f"{value['lat']}, {value['lon']}"
    if isinstance(value, list):
        if field is not None and field.type == "photo":
            return f"{len(value)} ảnh / photos"
        return ", ".join(str(v) for v in value)
    return str(value)


def title(form_id: str, version: int | None) -> tuple[str, str]:
    form = _form(form_id, version)
    return (form.title.vi, form.title.en) if form else (form_id, form_id)


def answers(form_id: str, version: int | None, data: dict[str, Any]) -> list[Answer]:
    """The answers in the form's field order, then any keys the form does not define."""
    form = _form(form_id, version)
    fields = list(form.fields) if form else []
    out = []
    for f in fields:
        if f.name in data:
            out.append(Answer(f.name, f.label.vi, f.label.en, _value(f, data[f.name])))
    known = {f.name for f in fields}
    for key, value in data.items():
        if key not in known:
            out.append(Answer(key, key, "", _value(None, value)))
    return out
