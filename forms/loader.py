"""Load form definitions from YAML and refuse malformed ones with a message naming the spot.

Every form version that was ever shipped stays in definitions/ (file name
``<form id>.v<version>.yaml``) so that older submissions remain readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from forms.model import FIELD_TYPES, MODES, Choice, Field, Form, Label
from forms.relevance import ConditionError, condition_names, parse_condition

DEFINITIONS_DIR = Path(__file__).with_name("definitions")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_FIELD_KEYS = {
    "name",
    "type",
    "label",
    "required",
    "hint",
    "min",
    "max",
    "min_exclusive",
    "max_length",
    "multiple",
    "choices",
    "relevant",
}
_FORM_KEYS = {"id", "version", "title", "subject", "mode", "fields", "units"}


class FormDefinitionError(ValueError):
    """A form definition is malformed; the message says which file and which field."""


class UnknownForm(LookupError):
    """No form with this id and version is defined."""


def parse_form(doc: Any, source: str = "<definition>") -> Form:
    """Turn one parsed YAML document into a Form, checking every rule."""
    where = source
    if not isinstance(doc, Mapping):
        raise FormDefinitionError(f"{where}: a form definition must be a mapping")
    unknown = set(doc) - _FORM_KEYS
    if unknown:
        raise FormDefinitionError(f"{where}: unknown keys {sorted(unknown)}")
    form_id = doc.get("id")
    if not isinstance(form_id, str) or not _NAME.match(form_id):
        raise FormDefinitionError(f"{where}: 'id' must be a lower_snake_case name")
    where = f"{source} (form {form_id})"
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormDefinitionError(f"{where}: 'version' must be a positive integer")
    subject = doc.get("subject", "household")
    if subject not in ("household", "self"):
        raise FormDefinitionError(f"{where}: 'subject' must be 'household' or 'self'")
    mode = doc.get("mode", "entity")
    if mode not in MODES:
        raise FormDefinitionError(f"{where}: 'mode' must be one of {', '.join(MODES)}")
    units = {str(k): _label(v, f"{where}: unit {k!r}") for k, v in (doc.get("units") or {}).items()}
    raw_fields = doc.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise FormDefinitionError(f"{where}: 'fields' must be a non-empty list")
    fields: list[Field] = []
    for i, raw in enumerate(raw_fields):
        fields.append(_field(raw, f"{where}, field #{i + 1}", units))
    names = [f.name for f in fields]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise FormDefinitionError(f"{where}: duplicate field names {dupes}")
    for f in fields:
        if f.relevant is not None:
            missing = condition_names(f.relevant) - set(names)
            if missing:
                raise FormDefinitionError(
                    f"{where}, field {f.name!r}: 'relevant' refers to unknown fields "
                    f"{sorted(missing)}"
                )
    return Form(
        id=form_id,
        version=version,
        title=_label(doc.get("title"), f"{where}: 'title'"),
        subject=subject,
        mode=mode,
        fields=tuple(fields),
        units=units,
    )


def _label(raw: Any, where: str) -> Label:
    if not isinstance(raw, Mapping) or not all(
        isinstance(raw.get(k), str) and raw.get(k).strip() for k in ("vi", "en")
    ):
        raise FormDefinitionError(f"{where} needs both 'vi' and 'en' texts")
    return Label(vi=raw["vi"], en=raw["en"])


def _number(raw: Mapping, key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormDefinitionError(f"{where}: '{key}' must be a number")
    return value


def _field(raw: Any, where: str, units: Mapping[str, Label]) -> Field:
    if not isinstance(raw, Mapping):
        raise FormDefinitionError(f"{where}: each field must be a mapping")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise FormDefinitionError(f"{where}: 'name' must be a lower_snake_case name")
    where = f"{where} ({name!r})"
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise FormDefinitionError(f"{where}: unknown keys {sorted(unknown)}")
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        raise FormDefinitionError(f"{where}: 'type' must be one of {', '.join(FIELD_TYPES)}")
    lo, hi = _number(raw, "min", where), _number(raw, "max", where)
    if (lo is not None or hi is not None) and ftype not in ("integer", "decimal"):
        raise FormDefinitionError(f"{where}: 'min'/'max' apply only to numbers")
    if lo is not None and hi is not None and lo > hi:
        raise FormDefinitionError(f"{where}: 'min' is greater than 'max'")
    choices = tuple(_choice(c, where, units) for c in raw.get("choices") or ())
    if ftype in ("choice", "multichoice") and not choices:
        raise FormDefinitionError(f"{where}: a {ftype} field needs 'choices'")
    if choices and ftype not in ("choice", "multichoice"):
        raise FormDefinitionError(f"{where}: only choice fields take 'choices'")
    values = [c.value for c in choices]
    if len(set(values)) != len(values):
        raise FormDefinitionError(f"{where}: duplicate choice values")
    max_length = raw.get("max_length")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise FormDefinitionError(f"{where}: 'max_length' must be a positive integer")
    source = raw.get("relevant")
    tree = None
    if source is not None:
        if not isinstance(source, str):
            raise FormDefinitionError(f"{where}: 'relevant' must be a text condition")
        try:
            tree = parse_condition(source)
        except ConditionError as exc:
            raise FormDefinitionError(f"{where}: {exc}") from None
    for flag in ("required", "min_exclusive", "multiple"):
        if not isinstance(raw.get(flag, False), bool):
            raise FormDefinitionError(f"{where}: '{flag}' must be true or false")
    return Field(
        name=name,
        type=ftype,
        label=_label(raw.get("label"), f"{where}: 'label'"),
        required=raw.get("required", False),
        hint=_label(raw["hint"], f"{where}: 'hint'") if "hint" in raw else None,
        min=lo,
        max=hi,
        min_exclusive=raw.get("min_exclusive", False),
        max_length=max_length,
        multiple=raw.get("multiple", False),
        choices=choices,
        relevant_source=source,
        relevant=tree,
    )


def _choice(raw: Any, where: str, units: Mapping[str, Label]) -> Choice:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("value"), str):
        raise FormDefinitionError(f"{where}: each choice needs a text 'value' and a 'label'")
    unit = raw.get("unit")
    if unit is not None and unit not in units:
        raise FormDefinitionError(f"{where}: choice {raw['value']!r} names unknown unit {unit!r}")
    return Choice(
        value=raw["value"],
        label=_label(raw.get("label"), f"{where}: choice {raw['value']!r}"),
        unit=unit,
    )


def load_file(path: Path) -> Form:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FormDefinitionError(f"{path.name}: not valid YAML: {exc}") from None
    form = parse_form(doc, path.name)
    expected = f"{form.id}.v{form.version}.yaml"
    if path.name != expected:
        raise FormDefinitionError(f"{path.name}: file must be named {expected}")
    return form


class FormRegistry:
    """Every form version in a folder; the newest version of each id is the current one."""

    def __init__(self, forms: Iterable[Form]):
        self._forms: dict[tuple[str, int], Form] = {}
        for form in forms:
            if form.key in self._forms:
                raise FormDefinitionError(f"form {form.id} v{form.version} is defined twice")
            self._forms[form.key] = form

    @classmethod
    def from_dir(cls, directory: Path = DEFINITIONS_DIR) -> FormRegistry:
        return cls(load_file(p) for p in sorted(directory.glob("*.yaml")))

    def get(self, form_id: str, version: int | None = None) -> Form:
        if version is None:
            versions = [v for (i, v) in self._forms if i == form_id]
            if not versions:
                raise UnknownForm(form_id)
            version = max(versions)
        try:
            return self._forms[(form_id, version)]
        except KeyError:
            raise UnknownForm(f"{form_id} v{version}") from None

    def current(self) -> list[Form]:
        ids = sorted({i for (i, _) in self._forms})
        return [self.get(i) for i in ids]

    def __iter__(self):
        return iter(self._forms.values())


@lru_cache(maxsize=1)
def default_registry() -> FormRegistry:
    """The forms shipped with this build (cached: definitions do not change at run time)."""
    return FormRegistry.from_dir()
