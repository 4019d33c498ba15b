"""A commune's records as a GeoJSON FeatureCollection (RFC 7946): one point per record.

A record is placed at its own geopoint if it has one (household location), else at its
household's location; records with neither are left out and counted in `skipped`.
Rejected and deleted records are left out; the review status is a property.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.extensions import db
from server.models import AdminUnit, Household, Record


def _point(data: dict[str, Any], household: Household | None) -> tuple[float, float] | None:
    location = data.get("location")
    if isinstance(location, dict) and location.get("lat") is not None:
        try:
            return float(location["lon"]), float(location["lat"])
        except (KeyError, TypeError, ValueError):
            pass
    if household is not None and household.lat is not None and household.lon is not None:
        return household.lon, household.lat
    return None


def records_geojson(commune: AdminUnit) -> dict[str, Any]:
    villages = dict(
        db.session.execute(
            select(AdminUnit.code, AdminUnit.name).where(AdminUnit.parent_code == commune.code)
        ).all()
    )
    rows = db.session.execute(
        select(Record, Household)
        .join(Household, Household.uuid == Record.household_id, isouter=True)
        .where(
            Record.commune_code == commune.code,
            Record.deleted.is_(False),
            Record.review_status != "rejected",
        )
        .order_by(Record.version)
    ).all()
    features, skipped = [], 0
    for record, household in rows:
        point = _point(record.data, household)
        if point is None:
            skipped += 1
            continue
        properties = {
            "uuid": record.uuid,
            "form_id": record.form_id,
            "form_version": record.form_version,
            "village_code": record.village_code,
            "village": villages.get(record.village_code, ""),
            "household_id": record.household_id,
            "household_head": household.head_name if household else None,
            "review_status": record.review_status,
            "captured_at": record.captured_at.isoformat(),
            "photos": list(record.photos or []),
        }
        properties.update({f"data.{k}": v for k, v in record.data.items() if k != "location"})
        features.append(
            {
                "type": "Feature",
                "id": record.uuid,
                "geometry": {"type": "Point", "coordinates": [point[0], point[1]]},
                "properties": properties,
            }
        )
    return {
        "type": "FeatureCollection",
        "name": f"{commune.name} ({commune.code})",
        "features": features,
        "skipped": skipped,
    }
