"""Load the NTM criteria catalogues in forms/criteria/ and refuse malformed ones.

A catalogue is versioned data: one YAML file per criteria set (ntm-2021-2025, ntm-2026-2030).
Each household indicator is a computation over one observation form: the households whose
current check satisfies ``population`` (default: all) form the denominator, those that also
satisfy ``numerator`` the numerator. Both are conditions in the language of forms.relevance,
checked here against the form's real field names so a typo fails at load time, not on a page.
Thresholds are per level, with a default and optional per-partition (region or group) values,
a legal reference, and ``demo: true`` when the value is an illustration, not law.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from forms.catalogue_commune import CommuneIndicator, parse_commune_indicators
from forms.loader import default_registry
from forms.relevance import ConditionError, condition_names, evaluate, parse_condition

CRITERIA_DIR = Path(__file__).with_name("criteria")
STATUSES = {"VERIFIED", "SECONDARY", "UNVERIFIED"}
LEVELS = ("standard", "advanced", "model")
DEMO_LABEL = "giá trị minh họa (demo)"


class CatalogueError(ValueError):
    """A criteria catalogue is malformed; the message names the file and indicator."""


@dataclass(frozen=True)
class Threshold:
    """The minimum share for one level; per-partition values override the default."""

    default: float | None
    by_partition: dict[str, float]
    legal_ref: str
    demo: bool

    def value_for(self, partition: str | None) -> float | None:
        if partition is not None and partition in self.by_partition:
            return self.by_partition[partition]
        return self.default


@dataclass(frozen=True)
class Indicator:
    id: str
    code: dict[str, str]
    name_vi: str
    name_en: str
    status: str
    levels: tuple[str, ...]
    form: str
    numerator_source: str
    population_source: str | None
    thresholds: dict[str, Threshold]
    _numerator: ast.Expression = field(repr=False, compare=False)
    _population: ast.Expression | None = field(repr=False, compare=False)

    def in_population(self, answers: dict[str, Any]) -> bool:
        return self._population is None or evaluate(self._population, answers)

    def counts(self, answers: dict[str, Any]) -> bool:
        """Whether a household whose current check has these answers is in the numerator."""
        return self.in_population(answers) and evaluate(self._numerator, answers)


@dataclass(frozen=True)
class CriteriaSet:
    id: str
    title_vi: str
    title_en: str
    partition: str  # "region" or "group"
    partitions: tuple[str, ...]
    levels: tuple[str, ...]
    structural_only: bool
    legal_basis: tuple[dict[str, Any], ...]
    indicators: tuple[Indicator, ...]
    commune_indicators: tuple[CommuneIndicator, ...] = ()

    def for_level(self, level: str) -> list[Indicator]:
        return [i for i in self.indicators if level in i.levels]

    def commune_for_level(self, level: str) -> list[CommuneIndicator]:
        return [i for i in self.commune_indicators if level in i.levels]

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def commune_indicator(self, indicator_id: str) -> CommuneIndicator | None:
        return next((i for i in self.commune_indicators if i.id == indicator_id), None)

    def any_indicator(self, indicator_id: str) -> Indicator | CommuneIndicator | None:
        return self.indicator(indicator_id) or self.commune_indicator(indicator_id)


def _fail(path: Path, where: str, message: str) -> CatalogueError:
    return CatalogueError(f"{path.name}: {where}: {message}")


def _condition(path: Path, where: str, source: str, fields: set[str]) -> ast.Expression:
    try:
        tree = parse_condition(source)
    except ConditionError as exc:
        raise _fail(path, where, str(exc)) from exc
    unknown = condition_names(tree) - fields
    if unknown:
        raise _fail(path, where, f"unknown field(s) {sorted(unknown)}")
    return tree


def _threshold(
    path: Path, where: str, raw: Any, partitions: tuple[str, ...], share: bool = True
) -> Threshold:
    if not isinstance(raw, dict) or "legal_ref" not in raw:
        raise _fail(path, where, "a threshold needs a mapping with legal_ref")
    values = {"default": raw.get("default"), **(raw.get("by_partition") or {})}
    for key, value in values.items():
        if value is None:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise _fail(path, where, f"{key} must be a number, got {value!r}")
        if share and value > 1:
            raise _fail(path, where, f"{key} must be a share between 0 and 1, got {value!r}")
    unknown = set(raw.get("by_partition") or {}) - set(partitions)
    if unknown:
        raise _fail(path, where, f"unknown partition(s) {sorted(unknown)}")
    return Threshold(
        default=raw.get("default"),
        by_partition=dict(raw.get("by_partition") or {}),
        legal_ref=str(raw["legal_ref"]),
        demo=bool(raw.get("demo", False)),
    )


def parse_catalogue(path: Path, raw: dict[str, Any]) -> CriteriaSet:
    forms = {f.id: f for f in default_registry().current()}
    partitions = tuple(raw.get("partitions") or ())
    levels = tuple(raw.get("levels") or ())
    if not set(levels) <= set(LEVELS):
        raise _fail(path, "levels", f"levels must be among {LEVELS}")
    if raw.get("partition") not in ("region", "group"):
        raise _fail(path, "partition", "must be 'region' or 'group'")
    indicators = []
    seen: set[str] = set()
    for item in raw.get("indicators") or []:
        iid = item.get("id", "?")
        if iid in seen:
            raise _fail(path, iid, "duplicate indicator id")
        seen.add(iid)
        if item.get("status") not in STATUSES:
            raise _fail(path, iid, f"status must be one of {sorted(STATUSES)}")
        form = forms.get(item.get("form"))
        if form is None:
            raise _fail(path, iid, f"unknown form {item.get('form')!r}")
        names = {f.name for f in form.fields}
        ilevels = tuple(item.get("levels") or ())
        if not ilevels or not set(ilevels) <= set(levels):
            raise _fail(path, iid, f"levels must be a non-empty subset of {levels}")
        thresholds = {
            level: _threshold(path, f"{iid}.thresholds.{level}", t, partitions)
            for level, t in (item.get("thresholds") or {}).items()
        }
        missing = set(ilevels) - set(thresholds)
        if missing:
            raise _fail(path, iid, f"no threshold for level(s) {sorted(missing)}")
        population = item.get("population")
        indicators.append(
            Indicator(
                id=iid,
                code=dict(item.get("code") or {}),
                name_vi=item["name"]["vi"],
                name_en=item["name"]["en"],
                status=item["status"],
                levels=ilevels,
                form=form.id,
                numerator_source=item["numerator"],
                population_source=population,
                thresholds=thresholds,
                _numerator=_condition(path, f"{iid}.numerator", item["numerator"], names),
                _population=(
                    _condition(path, f"{iid}.population", population, names) if population else None
                ),
            )
        )
    commune_indicators = parse_commune_indicators(
        path,
        raw.get("commune_indicators") or [],
        levels,
        STATUSES,
        lambda where, t, share: _threshold(path, where, t, partitions, share),
        lambda where, message: _fail(path, where, message),
    )
    clash = seen & {c.id for c in commune_indicators}
    if clash:
        raise _fail(path, sorted(clash)[0], "id used by a household and a commune indicator")
    return CriteriaSet(
        id=raw["id"],
        title_vi=raw["title"]["vi"],
        title_en=raw["title"]["en"],
        partition=raw["partition"],
        partitions=partitions,
        levels=levels,
        structural_only=bool(raw.get("structural_only", False)),
        legal_basis=tuple(raw.get("legal_basis") or ()),
        indicators=tuple(indicators),
        commune_indicators=commune_indicators,
    )


def load_catalogue(path: Path) -> CriteriaSet:
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    if not isinstance(raw, dict):
        raise CatalogueError(f"{path.name}: not a mapping")
    return parse_catalogue(path, raw)


@lru_cache(maxsize=1)
def catalogues() -> dict[str, CriteriaSet]:
    """Every shipped criteria set, by id."""
    sets = [load_catalogue(p) for p in sorted(CRITERIA_DIR.glob("*.yaml"))]
    return {s.id: s for s in sets}
