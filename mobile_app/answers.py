"""Pure helpers between form widgets and typed answers: no Kivy, tested without a window.

A TextInput gives strings; forms/ validates typed values. These functions turn what the
officer typed into the value the form expects, and turn stored answers back into short
readable text for lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from forms import Field, Form, relevant_fields
from mobile_app.i18n import tr


def parse_input(field: Field, text: str | None) -> Any:
    """The typed answer for what was typed in a text box; empty is None.

    Text that is not a valid number is returned unchanged, so validation names the field
    with a readable message instead of the app silently dropping what the officer typed.
    """
    text = (text or "").strip()
    if not text:
        return None
    if field.type == "integer":
        digits = text.replace(" ", "")
        return int(digits) if digits.lstrip("-").isdigit() else text
    if field.type == "decimal":
        number = parse_decimal(text)
        return text if number is None else number
    return text


def parse_decimal(text: str) -> float | None:
    """Read "12,5", "12.5", "1.234,5" or "1,234.5" as a number (None if it is not one).

    Vietnamese writes a decimal comma and a dot between thousands; tablets often offer
    only a dot. With both present, the last one is the decimal separator.
    """
    text = text.strip().replace(" ", "")
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        text = text.replace(thousands, "").replace(decimal_sep, ".")
    else:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def format_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def initial_answers(form: Form, today: dt.date | None = None) -> dict[str, Any]:
    """Answers a fresh form starts with: dates default to today (most records are same-day)."""
    day = (today or dt.date.today()).isoformat()
    return {f.name: day for f in form.fields if f.type == "date"}


def submission(form: Form, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answered, currently relevant questions: hidden answers are kept on screen
    (the officer may switch back) but never sent."""
    return {
        f.name: answers[f.name]
        for f in relevant_fields(form, answers)
        if answers.get(f.name) not in (None, "", [])
    }


def quantity_unit(form: Form, field: Field, answers: Mapping[str, Any], lang: str = "vi") -> str:
    """The unit to print next to a number field, e.g. "m²" once "Hiến đất" is picked.

    A chosen option may name a unit (contribution kind land -> m2); otherwise a choice field
    called `unit` that the officer answered gives it.
    """
    if field.type not in ("integer", "decimal"):
        return ""
    for other in form.fields:
        if other.type != "choice" or other is field:
            continue
        choice = other.choice(answers.get(other.name))
        if choice is not None and choice.unit and choice.unit in form.units:
            return form.units[choice.unit].get(lang)
    unit_field = form.field("unit")
    if unit_field is not None and unit_field.type == "choice":
        choice = unit_field.choice(answers.get("unit"))
        if choice is not None:
            return choice.label.get(lang)
    return ""


def display_value(form: Form, field: Field, value: Any, lang: str = "vi") -> str:
    """A short readable form of one stored answer."""
    if value is None or value == "" or value == []:
        return ""
    if field.type == "choice":
        choice = field.choice(value)
        return choice.label.get(lang) if choice else str(value)
    if field.type == "multichoice":
        chosen = (field.choice(v) for v in value)
        return ", ".join(c.label.get(lang) for c in chosen if c is not None)
    if field.type == "boolean":
        return tr("yes" if value else "no", lang)
    if field.type in ("integer", "decimal"):
        unit = quantity_unit(form, field, {}, lang)
        return f"{format_number(value)} {unit}".strip()
    if field.type == "photo":
        return tr("photo_count", lang, n=len(value) if isinstance(value, list) else 1)
    return str(value)


def record_summary(form: Form, data: Mapping[str, Any], lang: str = "vi", limit: int = 4) -> str:
    """One line for a record in a list: its first few answered choices, numbers and dates.

    Numbers get their unit from the record's own answers (e.g. "12 m²" for a land donation).
    """
    parts: list[str] = []
    for f in form.fields:
        if f.type not in ("choice", "integer", "decimal", "date") or f.name == "unit":
            continue
        value = data.get(f.name)
        if value is None:
            continue
        if f.type in ("integer", "decimal"):
            parts.append(f"{format_number(value)} {quantity_unit(form, f, data, lang)}".strip())
        else:
            parts.append(display_value(form, f, value, lang))
        if len(parts) >= limit:
            break
    return " · ".join(parts)
