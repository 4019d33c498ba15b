"""Load the official list of provinces and communes (in force since 01/07/2025)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import insert, select

from server.extensions import db
from server.models import AdminUnit

UNITS_FILE = Path(__file__).resolve().parent.parent / "data" / "units-2025.json"
VALID_FROM = dt.date(2025, 7, 1)


def import_units(path: Path = UNITS_FILE) -> int:
    """Insert the units not yet present; returns how many were added. Safe to rerun."""
    provinces = json.loads(path.read_text(encoding="utf-8"))
    known = set(db.session.scalars(select(AdminUnit.code)))
    rows = []
    for province in provinces:
        if province["Code"] not in known:
            rows.append(
                {
                    "code": province["Code"],
                    "level": "province",
                    "name": province["FullName"],
                    "parent_code": None,
                    "valid_from": VALID_FROM,
                }
            )
    for province in provinces:
        for ward in province["Wards"]:
            if ward["Code"] not in known:
                rows.append(
                    {
                        "code": ward["Code"],
                        "level": "commune",
                        "name": ward["FullName"],
                        "parent_code": ward["ProvinceCode"],
                        "valid_from": VALID_FROM,
                    }
                )
    if rows:
        db.session.execute(insert(AdminUnit), rows)
        db.session.commit()
    return len(rows)
