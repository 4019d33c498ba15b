"""The commendation list ("hộ gia đình có đóng góp tiêu biểu") by the commune's own rules.

A household qualifies when it meets ANY minimum the commune set (land m², labour days,
VND-equivalent total): a family that gave a strip of land and one that gave weeks of work
both count; with no minimum set, every contributing household does. Ranking is by
VND-equivalent total, then land, then labour days; top N per village if set. By default
only approved records count. Each entry carries its evidence: the ledger lines (records)
and their photos.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.extensions import db
from server.models import AdminUnit, CommendationRules, Household
from server.services import audit
from server.services.ledger import Ledger, LedgerFilter, Line, compute
from server.services.ledger_rates import RateError


@dataclass
class Entry:
    household: Household
    village_name: str
    land_m2: float
    labour_days: float
    cash_vnd: float
    value_vnd: int
    lines: list[Line] = field(default_factory=list)
    rank: int = 0

    @property
    def photos(self) -> list[str]:
        return [h for line in self.lines for h in line.photos]


def rules_of(commune_code: str) -> CommendationRules | None:
    return db.session.get(CommendationRules, commune_code)


def save_rules(commune_code: str, values: dict, actor: str) -> CommendationRules:
    for name in ("min_land_m2", "min_labour_days", "min_value_vnd", "top_per_village"):
        if values.get(name) is not None and values[name] < 0:
            raise RateError(name, "Giá trị không được âm.", "The value cannot be negative.")
    if values.get("top_per_village") == 0:
        raise RateError(
            "top_per_village", "Số hộ mỗi thôn phải từ 1 trở lên.", "Top N must be at least 1."
        )
    rules = rules_of(commune_code) or CommendationRules(commune_code=commune_code)
    for name, value in values.items():
        setattr(rules, name, value)
    rules.updated_by = actor
    db.session.add(rules)
    audit.log(
        "ledger.commendation_rules",
        actor=actor,
        area_code=commune_code,
        target=f"commune:{commune_code}",
        details={k: v for k, v in values.items()},
    )
    return rules


def commendation(
    commune: AdminUnit, rules: CommendationRules | None, filters: LedgerFilter | None = None
) -> tuple[list[Entry], Ledger]:
    ledger = compute(commune, filters)
    if rules is None:
        return [], ledger
    status = ("approved",) if rules.approved_only else ("approved", "pending")
    by_household: dict[str, list[Line]] = {}
    for line in ledger.lines:
        if line.household is not None and line.household.active:
            by_household.setdefault(line.household.uuid, []).append(line)
    entries = []
    for lines in by_household.values():
        household = lines[0].household
        land = sum(ln.quantity[s] for ln in lines for s in status if ln.kind == "land")
        labour = sum(ln.quantity[s] for ln in lines for s in status if ln.kind == "labour")
        cash = sum(ln.quantity[s] for ln in lines for s in status if ln.kind == "cash")
        value = sum(ln.value(s) or 0 for ln in lines for s in status)
        evidence = [ln for ln in lines if any(ln.quantity[s] for s in status)]
        if not evidence:
            continue
        met = [
            rules.min_land_m2 is not None and land >= rules.min_land_m2 > 0,
            rules.min_labour_days is not None and labour >= rules.min_labour_days > 0,
            rules.min_value_vnd is not None and value >= rules.min_value_vnd > 0,
        ]
        no_minimum = not (rules.min_land_m2 or rules.min_labour_days or rules.min_value_vnd)
        if any(met) or no_minimum:
            entries.append(
                Entry(household, lines[0].village_name, land, labour, cash, value, evidence)
            )
    entries.sort(key=lambda e: (-e.value_vnd, -e.land_m2, -e.labour_days, e.household.head_name))
    if rules.top_per_village:
        seen: dict[str, int] = {}
        kept = []
        for entry in entries:
            n = seen.get(entry.household.village_code, 0)
            if n < rules.top_per_village:
                kept.append(entry)
                seen[entry.household.village_code] = n + 1
        entries = kept
    for rank, entry in enumerate(entries, start=1):
        entry.rank = rank
    return entries, ledger
