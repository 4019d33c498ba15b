"""The in-memory shape of a form definition: forms, fields, choices, bilingual labels."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

MODES = ("entity", "ledger", "observation")
FIELD_TYPES = (
    "text",
    "integer",
    "decimal",
    "boolean",
    "choice",
    "multichoice",
    "date",
    "geopoint",
    "photo",
)


@dataclass(frozen=True)
class Label:
    """A user-facing text, Vietnamese first, English second."""

    vi: str
    en: str

    def get(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Choice:
    value: str
    label: Label
    unit: str | None = None  # the unit a quantity takes when this choice is picked


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: Label
    required: bool = False
    hint: Label | None = None
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_length: int | None = None
    multiple: bool = False  # photo: several photos allowed
    choices: tuple[Choice, ...] = ()
    relevant_source: str | None = None
    relevant: ast.Expression | None = field(default=None, compare=False, repr=False)

    def choice(self, value: Any) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class Form:
    id: str
    version: int
    title: Label
    subject: str  # "household" (the record is about a household) or "self" (it is one)
    fields: tuple[Field, ...]
    # entity: edited over time, offline edits merge field by field (households);
    # ledger: append-only entries, corrected by new entries (contributions);
    # observation: append-only, a new record each visit (checks).
    mode: str = "entity"
    units: dict[str, Label] = field(default_factory=dict)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)
