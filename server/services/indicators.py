"""Household indicator roll-up for a commune: value, numerator/denominator, threshold, status.

Computed from the criteria catalogue (forms/catalogue.py) over the records table:
- only active households that are not tombstoned are counted;
- a household's current check for an indicator is its latest APPROVED observation of the
  indicator's form (by captured_at); rejected and deleted records never count; households
  whose latest check is still pending are reported apart (``pending``), not counted;
- the denominator is the covered households in the indicator's population (e.g. only
  households that keep livestock), the numerator those that also meet the condition;
- status is ``no_data`` when coverage (households with a current approved check out of
  active households) is below MIN_COVERAGE, when the population is empty or when the
  threshold has no value; otherwise ``met`` / ``not_met``.

This computes on demand; the incremental indicator_values table of issue 5 is NOT built yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from forms.catalogue import DEMO_LABEL, CriteriaSet, Indicator, catalogues
from server.extensions import db
from server.models import AdminUnit, Household, HouseholdCheckFact, Record
from server.services import commune_indicators, criteria_config, period_holds

MIN_COVERAGE = 0.8
DEFAULT_SET = "ntm-2021-2025"


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    numerator: int
    denominator: int
    covered: int  # active households with a current approved check of the form
    active: int  # active households in the commune
    pending: int  # households whose newest check awaits review (not counted)
    threshold: float | None
    legal_ref: str
    demo: bool
    status: str  # met | not_met | no_data
    source: str = "catalogue"  # where the threshold came from: catalogue | national | province

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def coverage(self) -> float:
        return self.covered / self.active if self.active else 0.0

    def threshold_label(self) -> str:
        if self.threshold is None:
            return "chưa có giá trị / no value"
        text = f"≥ {self.threshold:.0%}"
        return f"{text} ({DEMO_LABEL})" if self.demo else f"{text} ({self.legal_ref})"


@dataclass(frozen=True)
class Rollup:
    commune_code: str
    criteria_set: CriteriaSet
    level: str
    partition: str | None
    results: list[IndicatorResult]

    @property
    def met(self) -> int:
        return sum(r.status == "met" for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)


def _active_households(commune_code: str) -> set[str]:
    rows = db.session.execute(
        select(Household.uuid)
        .join(Record, Record.uuid == Household.uuid)
        .where(
            Household.commune_code == commune_code,
            Household.active.is_(True),
            Record.deleted.is_(False),
        )
    )
    # a household deleted inside a locked period still counts until the board reopens it
    return {r.uuid for r in rows} | period_holds.held_deleted_households(commune_code)


def _checks(commune_code: str, form_id: str, as_of: dt.datetime | None) -> list[Any]:
    query = select(
        Record.household_id, Record.captured_at, Record.review_status, Record.data, Record.version
    ).where(
        Record.commune_code == commune_code,
        Record.form_id == form_id,
        Record.deleted.is_(False),
        Record.review_status != "rejected",
    )
    if as_of is not None:
        query = query.where(Record.captured_at <= as_of)
    return list(db.session.execute(query))


def _current(checks: list[Any], households: set[str]) -> tuple[dict[str, dict], set[str]]:
    """Latest approved answers per household, and households whose newest check is pending."""
    approved: dict[str, tuple[dt.datetime, dict]] = {}
    newest: dict[str, tuple[dt.datetime, str]] = {}
    for row in checks:
        if row.household_id not in households:
            continue
        if row.review_status == "approved":
            seen = approved.get(row.household_id)
            if seen is None or (row.captured_at, row.version) > seen[0]:
                approved[row.household_id] = ((row.captured_at, row.version), row.data)
        seen_any = newest.get(row.household_id)
        if seen_any is None or (row.captured_at, row.version) > seen_any[0]:
            newest[row.household_id] = ((row.captured_at, row.version), row.review_status)
    pending = {h for h, (_, status) in newest.items() if status == "pending"}
    return {h: data for h, (_, data) in approved.items()}, pending


def _current_from_facts(
    commune_code: str, form_id: str, households: set[str]
) -> tuple[dict[str, dict], set[str]]:
    """The same as _current over records, read from the kept-current facts table."""
    rows = db.session.execute(
        select(
            HouseholdCheckFact.household_id, HouseholdCheckFact.data, HouseholdCheckFact.pending
        ).where(
            HouseholdCheckFact.commune_code == commune_code, HouseholdCheckFact.form_id == form_id
        )
    )
    current: dict[str, dict] = {}
    pending: set[str] = set()
    for household_id, data, is_pending in rows:
        if household_id not in households:
            continue
        if data is not None:
            current[household_id] = data
        if is_pending:
            pending.add(household_id)
    return current, pending


def current_checks(
    commune_code: str, form_id: str, households: set[str], as_of: dt.datetime | None
) -> tuple[dict[str, dict], set[str]]:
    """Current approved answers and pending households: from the facts table for now, from
    the records for an earlier date."""
    if as_of is None:
        return _current_from_facts(commune_code, form_id, households)
    return _current(_checks(commune_code, form_id, as_of), households)


def rollup(
    commune_code: str,
    set_id: str = DEFAULT_SET,
    level: str = "standard",
    partition: str | None = None,
    as_of: dt.datetime | None = None,
) -> Rollup:
    """Every household indicator of the set at this level for the commune. `partition` None
    means the region / group configured for the commune (criteria_config), if any; the
    thresholds come from criteria_config's resolver (catalogue + national + province)."""
    criteria = catalogues()[set_id]
    if partition is None:
        assigned = criteria_config.commune_partition(commune_code, set_id)
        partition = assigned.partition if assigned is not None else None
    resolver = criteria_config.resolver_for_commune(commune_code, set_id)
    households = _active_households(commune_code)
    by_form: dict[str, tuple[dict[str, dict], set[str]]] = {}
    results = []
    for indicator in criteria.for_level(level):
        if indicator.form not in by_form:
            by_form[indicator.form] = current_checks(
                commune_code, indicator.form, households, as_of
            )
        current, pending = by_form[indicator.form]
        population = [a for a in current.values() if indicator.in_population(a)]
        numerator = sum(indicator.counts(a) for a in population)
        threshold = resolver.threshold(indicator, level, partition)
        value_needed = threshold.value
        coverage = len(current) / len(households) if households else 0.0
        if not population or value_needed is None or coverage < MIN_COVERAGE:
            status = "no_data"
        else:
            status = "met" if numerator / len(population) >= value_needed else "not_met"
        results.append(
            IndicatorResult(
                indicator=indicator,
                numerator=numerator,
                denominator=len(population),
                covered=len(current),
                active=len(households),
                pending=len(pending),
                threshold=value_needed,
                legal_ref=threshold.legal_ref,
                demo=threshold.demo,
                status=status,
                source=threshold.source,
            )
        )
    return Rollup(commune_code, criteria, level, partition, results)


def export_rows(commune_code: str) -> list[dict[str, Any]]:
    """The indicator table for the exports (server/services/exports.IndicatorRow fields)."""
    rows = []
    for r in rollup(commune_code).results:
        rows.append(
            {
                "code": r.indicator.code.get("standard") or r.indicator.id,
                "name_vi": r.indicator.name_vi,
                "name_en": r.indicator.name_en,
                "value": round(r.value, 4) if r.value is not None else None,
                "threshold": r.threshold_label(),
                "status": r.status,
                "coverage": f"{r.covered}/{r.active} hộ",
            }
        )
    for c in commune_indicators.results(commune_code, DEFAULT_SET, "standard"):
        rows.append(commune_indicators.export_row(c))
    return rows


@dataclass(frozen=True)
class HouseholdLine:
    uuid: str
    head_name: str
    village_code: str
    group: str  # counted | not_counted | outside_population | no_check | pending
    lat: float | None = None
    lon: float | None = None


def drill_down(
    commune_code: str, indicator: Indicator, as_of: dt.datetime | None = None
) -> list[HouseholdLine]:
    """Every active household of the commune and why it is or is not in the numerator."""
    households = _active_households(commune_code)
    current, pending = current_checks(commune_code, indicator.form, households, as_of)
    rows = db.session.execute(
        select(
            Household.uuid,
            Household.head_name,
            Household.village_code,
            Household.lat,
            Household.lon,
        )
        .where(Household.uuid.in_(households))
        .order_by(Household.village_code, Household.head_name)
    )
    lines = []
    for uid, name, village, lat, lon in rows:
        answers = current.get(uid)
        if answers is None:
            group = "pending" if uid in pending else "no_check"
        elif not indicator.in_population(answers):
            group = "outside_population"
        else:
            group = "counted" if indicator.counts(answers) else "not_counted"
        lines.append(HouseholdLine(uid, name, village, group, lat, lon))
    return lines


def household_checks(commune_code: str, household_id: str) -> list[Record]:
    """A household's observation records, newest first (rejected ones included, marked)."""
    return list(
        db.session.scalars(
            select(Record)
            .where(
                Record.commune_code == commune_code,
                Record.household_id == household_id,
                Record.form_id.in_(["environment_check", "house_tidying_check"]),
                Record.deleted.is_(False),
            )
            .order_by(Record.captured_at.desc())
        )
    )


def drill_down_geojson(commune_code: str, lines: list[HouseholdLine]) -> dict[str, Any]:
    """Village boundaries (as stored in admin_units) and located households as points."""
    features: list[dict[str, Any]] = []
    villages = db.session.scalars(
        select(AdminUnit).where(AdminUnit.parent_code == commune_code).order_by(AdminUnit.code)
    )
    for village in villages:
        if village.geometry:
            features.append(
                {
                    "type": "Feature",
                    "geometry": village.geometry,
                    "properties": {"kind": "village", "name": village.name},
                }
            )
    for line in lines:
        if line.lat is None or line.lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [line.lon, line.lat]},
                "properties": {"kind": "household", "name": line.head_name, "group": line.group},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def month_ends(today: dt.date, months: int) -> list[dt.datetime]:
    """The ends of the last `months` calendar months, oldest first, the current one last."""
    ends = []
    year, month = today.year, today.month
    for _ in range(months):
        nxt = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.UTC)
        ends.append(nxt - dt.timedelta(microseconds=1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(ends))


def trend(
    commune_code: str,
    set_id: str = DEFAULT_SET,
    level: str = "standard",
    partition: str | None = None,
    months: int = 6,
    today: dt.date | None = None,
) -> dict[str, list[tuple[str, float | None]]]:
    """Each indicator's value at the end of each of the last months ("MM/YYYY", value)."""
    series: dict[str, list[tuple[str, float | None]]] = {}
    for end in month_ends(today or dt.datetime.now(dt.UTC).date(), months):
        for r in rollup(commune_code, set_id, level, partition, as_of=end).results:
            series.setdefault(r.indicator.id, []).append((end.strftime("%m/%Y"), r.value))
    return series
