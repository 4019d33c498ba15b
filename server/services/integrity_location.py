"""Location flags: a record's GPS point or a photo's EXIF position outside its village or
commune, a photo taken far from the household's registered house, poor GPS accuracy, and a
position from a mock-location provider (the tablet's geopoint carries "mock": true)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.models import Record
from server.services.integrity_inputs import Inputs
from server.services.integrity_kinds import Finding
from sync.geo import haversine_m


@dataclass(frozen=True)
class _Point:
    record: Record
    lon: float
    lat: float
    accuracy: float | None
    subject: str  # field name or photo SHA-256
    photo: str | None
    mock: bool = False


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _points(inputs: Inputs) -> list[_Point]:
    out = []
    for record in inputs.records:
        form = inputs.form(record)
        for f in form.fields if form else ():
            value = record.data.get(f.name)
            if f.type != "geopoint" or not isinstance(value, dict):
                continue
            lat, lon = _number(value.get("lat")), _number(value.get("lon"))
            if lat is None or lon is None:
                continue
            acc = _number(value.get("accuracy"))
            out.append(_Point(record, lon, lat, acc, f.name, None, value.get("mock") is True))
        for sha in dict.fromkeys(record.photos or []):
            meta = inputs.metas.get(sha)
            if meta is None or meta.gps_lat is None or meta.gps_lon is None:
                continue
            out.append(_Point(record, meta.gps_lon, meta.gps_lat, meta.gps_accuracy_m, sha, sha))
    return out


def _what(p: _Point) -> tuple[str, str]:
    return ("Ảnh", "The photo") if p.photo else ("Vị trí ghi", "The recorded position")


def _finding(p: _Point, kind: str, vi: str, en: str, **details: Any) -> Finding:
    record = p.record
    base = {"lat": round(p.lat, 6), "lon": round(p.lon, 6)}
    return Finding(
        kind=kind,
        record_uuid=record.uuid,
        subject=p.subject,
        commune_code=record.commune_code,
        household_id=record.household_id,
        reason_vi=vi,
        reason_en=en,
        photo_sha256=p.photo,
        details=base | details,
    )


def check(inputs: Inputs) -> list[Finding]:
    points = _points(inputs)
    if not points:
        return []
    s = inputs.settings
    out: list[Finding] = []
    placements = (
        inputs.fence.place([(p.lon, p.lat, p.record.village_code) for p in points])
        if inputs.fence.has_polygons()
        else [None] * len(points)
    )
    for p, place in zip(points, placements, strict=True):
        what_vi, what_en = _what(p)
        if place is not None and place.in_commune is False:
            metres = round(place.distance_m or 0)
            out.append(
                _finding(
                    p,
                    "outside_commune",
                    f"{what_vi} nằm ngoài ranh giới {inputs.place_name(inputs.commune)},"
                    f" cách khoảng {metres} m.",
                    f"{what_en} is outside {inputs.place_name(inputs.commune)},"
                    f" about {metres} m away.",
                    distance_m=metres,
                )
            )
        elif place is not None and place.in_village is False:
            metres = round(place.distance_m or 0)
            village = inputs.place_name(p.record.village_code)
            other_vi = other_en = ""
            if place.found_village:
                name = inputs.place_name(place.found_village)
                other_vi, other_en = f" (thuộc {name})", f" (it falls in {name})"
            out.append(
                _finding(
                    p,
                    "outside_village",
                    f"{what_vi} nằm ngoài ranh giới {village}{other_vi}, cách khoảng {metres} m.",
                    f"{what_en} is outside {village}{other_en}, about {metres} m away.",
                    distance_m=metres,
                    village=p.record.village_code,
                    found_village=place.found_village,
                )
            )
        if p.accuracy is not None and p.accuracy > s.max_accuracy_m:
            out.append(
                _finding(
                    p,
                    "gps_accuracy",
                    f"{what_vi}: GPS kém chính xác (±{round(p.accuracy)} m,"
                    f" ngưỡng {round(s.max_accuracy_m)} m).",
                    f"{what_en}: poor GPS accuracy (±{round(p.accuracy)} m,"
                    f" limit {round(s.max_accuracy_m)} m).",
                    accuracy_m=round(p.accuracy, 1),
                )
            )
        if p.mock:
            out.append(
                _finding(
                    p,
                    "gps_mock",
                    "Vị trí do ứng dụng giả lập vị trí (mock location) cung cấp,"
                    " không phải GPS thật.",
                    "The position came from a mock-location app, not from the GPS.",
                )
            )
        if p.photo:
            far = _far_from_home(inputs, p)
            if far is not None:
                out.append(far)
    return out


def _far_from_home(inputs: Inputs, p: _Point) -> Finding | None:
    home = inputs.home(p.record.household_id)
    if home is None or home.lat is None or home.lon is None:
        return None
    metres = haversine_m(home.lat, home.lon, p.lat, p.lon)
    limit = inputs.settings.far_from_household_m
    if metres <= limit:
        return None
    return _finding(
        p,
        "far_from_household",
        f"Ảnh chụp cách nhà hộ {home.name} khoảng {round(metres)} m (ngưỡng {round(limit)} m).",
        f"The photo was taken about {round(metres)} m from {home.name}'s registered house"
        f" (limit {round(limit)} m).",
        distance_m=round(metres),
        home_lat=home.lat,
        home_lon=home.lon,
    )
