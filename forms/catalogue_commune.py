"""Commune-level indicators of a criteria set: facts the commune board enters with a document
(planning approved, km of road hardened, cooperative working...), not household records.

Three kinds:
- ``boolean``: met when the board records "yes" (e.g. the commune plan is approved);
- ``ratio``: the board enters a part and a whole in ``unit`` (e.g. km of commune road
  hardened out of km of commune road); the share is compared with the level's threshold;
- ``number``: the board enters one quantity in ``unit``, compared with a minimum.
Every indicator names its legal reference; thresholds carry ``demo`` like household ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = ("boolean", "ratio", "number")


@dataclass(frozen=True)
class CommuneIndicator:
    id: str
    code: dict[str, str]
    name_vi: str
    name_en: str
    status: str
    levels: tuple[str, ...]
    kind: str
    unit: str  # "" for boolean
    part_label: tuple[str, str]  # (vi, en) of the entered quantity (ratio: the part)
    whole_label: tuple[str, str]  # ratio only: (vi, en) of the whole
    legal_ref: str
    thresholds: dict[str, Any]  # level -> forms.catalogue.Threshold (none for boolean)

    @property
    def is_share(self) -> bool:
        return self.kind == "ratio"


def parse_commune_indicators(
    path: Path,
    items: list[dict[str, Any]],
    levels: tuple[str, ...],
    statuses: set[str],
    threshold_parser,
    fail,
) -> tuple[CommuneIndicator, ...]:
    """Parse the ``commune_indicators`` list; `threshold_parser(where, raw, share)` and
    `fail(where, message)` come from forms.catalogue so errors read the same."""
    out = []
    seen: set[str] = set()
    for item in items or []:
        iid = item.get("id", "?")
        if iid in seen:
            raise fail(iid, "duplicate commune indicator id")
        seen.add(iid)
        if item.get("status") not in statuses:
            raise fail(iid, f"status must be one of {sorted(statuses)}")
        kind = item.get("kind")
        if kind not in KINDS:
            raise fail(iid, f"kind must be one of {KINDS}")
        ilevels = tuple(item.get("levels") or ())
        if not ilevels or not set(ilevels) <= set(levels):
            raise fail(iid, f"levels must be a non-empty subset of {levels}")
        if not item.get("legal_ref"):
            raise fail(iid, "a commune indicator needs its legal_ref")
        thresholds = {}
        if kind != "boolean":
            thresholds = {
                level: threshold_parser(f"{iid}.thresholds.{level}", t, kind == "ratio")
                for level, t in (item.get("thresholds") or {}).items()
            }
            missing = set(ilevels) - set(thresholds)
            if missing:
                raise fail(iid, f"no threshold for level(s) {sorted(missing)}")
            if not item.get("unit"):
                raise fail(iid, f"a {kind} indicator needs a unit")
        part = item.get("part") or {}
        whole = item.get("whole") or {}
        if kind == "ratio" and not (part and whole):
            raise fail(iid, "a ratio indicator needs part and whole labels")
        out.append(
            CommuneIndicator(
                id=iid,
                code=dict(item.get("code") or {}),
                name_vi=item["name"]["vi"],
                name_en=item["name"]["en"],
                status=item["status"],
                levels=ilevels,
                kind=kind,
                unit=str(item.get("unit") or ""),
                part_label=(str(part.get("vi", "")), str(part.get("en", ""))),
                whole_label=(str(whole.get("vi", "")), str(whole.get("en", ""))),
                legal_ref=str(item["legal_ref"]),
                thresholds=thresholds,
            )
        )
    return tuple(out)
