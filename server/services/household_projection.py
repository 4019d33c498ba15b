"""The household projection (`households`): the columns lists, search and totals read,
kept in step with the household records by push and by conflict resolution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.extensions import db
from server.models import Household, Record
from sync.text import fold


def household_row(
    uuid: str, commune: str, village: str, data: Mapping[str, Any], deleted: bool
) -> dict[str, Any]:
    """The household projection's columns for a household record's answers."""
    location = data.get("location") or {}
    return {
        "uuid": uuid,
        "commune_code": commune,
        "village_code": village,
        "head_name": data.get("head_name", ""),
        "search_name": fold(
            " ".join(str(data.get(k) or "") for k in ("head_name", "house_number", "member_names"))
        )[:400],
        "house_number": data.get("house_number"),
        "members": data.get("members"),
        "lat": location.get("lat"),
        "lon": location.get("lon"),
        "active": not deleted,
    }


def project_household(record: Record) -> None:
    row = household_row(
        record.uuid, record.commune_code, record.village_code, record.data, record.deleted
    )
    household = db.session.get(Household, record.uuid) or Household(uuid=record.uuid)
    for key, value in row.items():
        setattr(household, key, value)
    db.session.add(household)
