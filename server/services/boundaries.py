"""Import village or commune boundaries from GeoJSON: validated, repaired where shapely can,
and a report a person can read of what was imported, repaired and refused (and why).

A feature is imported only if its code names a known unit of the requested level, its
geometry is a Polygon or MultiPolygon in WGS84 longitude/latitude, and it is valid or can be
made valid (`shapely.make_valid`; only the polygonal parts are kept). Features that fail are
refused one by one; the others are written in one transaction. The stored geometry keeps
GeoJSON's [lon, lat] order and its source says which file it came from, so a polygon drawn
by hand (the demo's) stays distinguishable from an imported one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from server.extensions import db
from server.models import AdminUnit

LEVELS = ("village", "commune")
CODE_PROPERTIES = ("code", "ma", "ma_don_vi", "unit_code")
WGS84_NAMES = ("EPSG:4326", "CRS84", "OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326")
SOURCE_MAX = 200


class BoundaryFileError(ValueError):
    """The whole file is unusable (not JSON, not GeoJSON, wrong CRS)."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


@dataclass
class FeatureResult:
    index: int
    code: str
    outcome: str  # imported | repaired | refused
    message: str = ""  # Vietnamese
    message_en: str = ""


@dataclass
class ImportReport:
    level: str
    results: list[FeatureResult] = field(default_factory=list)
    communes: set[str] = field(default_factory=set)  # communes whose boundaries changed

    def of(self, outcome: str) -> list[FeatureResult]:
        return [r for r in self.results if r.outcome == outcome]

    def lines(self) -> list[str]:
        out = [
            f"Đã nhập / imported: {len(self.of('imported')) + len(self.of('repaired'))}"
            f" (sửa / repaired: {len(self.of('repaired'))}),"
            f" từ chối / refused: {len(self.of('refused'))}"
        ]
        for r in self.results:
            if r.outcome == "imported":
                out.append(f"  + #{r.index} {r.code}")
                out[-1] += f": {r.message} / {r.message_en}" if r.message else ""
            else:
                sign = "~" if r.outcome == "repaired" else "x"
                out.append(f"  {sign} #{r.index} {r.code or '?'}: {r.message} / {r.message_en}")
        return out


def read_features(text: str) -> list[Mapping[str, Any]]:
    """The features of a GeoJSON FeatureCollection (or one Feature); file-level errors raise."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BoundaryFileError(
            f"Tệp không phải JSON hợp lệ (dòng {exc.lineno}).",
            f"The file is not valid JSON (line {exc.lineno}).",
        ) from None
    if not isinstance(doc, dict):
        raise BoundaryFileError("Tệp không phải GeoJSON.", "The file is not GeoJSON.")
    crs = (doc.get("crs") or {}).get("properties", {}).get("name") if "crs" in doc else None
    if crs and not any(crs.endswith(n) or crs == n for n in WGS84_NAMES):
        raise BoundaryFileError(
            f"Hệ toạ độ {crs} chưa hỗ trợ: hãy xuất lại theo WGS84 (EPSG:4326, kinh độ/vĩ độ).",
            f"Coordinate system {crs} is not supported: export again as WGS84 (EPSG:4326).",
        )
    if doc.get("type") == "Feature":
        return [doc]
    if doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        return doc["features"]
    raise BoundaryFileError(
        "Tệp phải là GeoJSON FeatureCollection hoặc Feature.",
        "The file must be a GeoJSON FeatureCollection or Feature.",
    )


def _code(feature: Mapping[str, Any], code_property: str | None) -> str:
    props = feature.get("properties") or {}
    if not isinstance(props, Mapping):
        return ""
    names = (code_property,) if code_property else CODE_PROPERTIES
    for name in names:
        value = props.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _refuse(index: int, code: str, vi: str, en: str) -> FeatureResult:
    return FeatureResult(index, code, "refused", vi, en)


def _coordinates_ok(geom) -> bool:
    xmin, ymin, xmax, ymax = geom.bounds
    return -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90


def clean_geometry(raw: Any) -> tuple[Any | None, str, str, bool]:
    """(shapely geometry or None, message vi, message en, repaired?) for one feature."""
    if not isinstance(raw, Mapping) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        kind = raw.get("type") if isinstance(raw, Mapping) else None
        return (
            None,
            f"Hình phải là Polygon hoặc MultiPolygon (nhận được {kind or 'không có'}).",
            f"The geometry must be a Polygon or MultiPolygon (got {kind or 'none'}).",
            False,
        )
    try:
        geom = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        return None, f"Toạ độ không đọc được: {exc}.", f"Unreadable coordinates: {exc}.", False
    if geom.is_empty:
        return None, "Hình rỗng.", "The geometry is empty.", False
    if not _coordinates_ok(geom):
        return (
            None,
            "Toạ độ ngoài phạm vi kinh độ/vĩ độ: có thể tệp dùng VN-2000 hoặc UTM (mét);"
            " hãy xuất lại theo WGS84 (EPSG:4326).",
            "Coordinates are outside longitude/latitude range: the file may be in VN-2000 or"
            " UTM metres; export again as WGS84 (EPSG:4326).",
            False,
        )
    if geom.is_valid:
        return geom, "", "", False
    why = shapely.is_valid_reason(geom)
    fixed = shapely.make_valid(geom)
    polygons = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
    fixed = shapely.union_all(polygons) if polygons else None
    if fixed is None or fixed.is_empty or fixed.area == 0:
        return (
            None,
            f"Hình không hợp lệ ({why}) và không sửa được thành vùng có diện tích.",
            f"Invalid geometry ({why}) that cannot be repaired into an area.",
            False,
        )
    return (
        fixed,
        f"Đã sửa hình không hợp lệ ({why}).",
        f"Repaired an invalid geometry ({why}).",
        True,
    )


def _commune_of(unit: AdminUnit) -> str:
    return unit.code if unit.level == "commune" else (unit.parent_code or "")


def import_boundaries(
    text: str,
    level: str,
    source: str,
    *,
    code_property: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import the file's features as `level` boundaries; commits unless `dry_run`."""
    if level not in LEVELS:
        raise BoundaryFileError(
            "Cấp phải là village (thôn) hoặc commune (xã).", "Level must be village or commune."
        )
    features = read_features(text)
    if not features:
        raise BoundaryFileError("Tệp không có vùng nào.", "The file has no features.")
    report = ImportReport(level=level)
    seen: set[str] = set()
    name = "thôn" if level == "village" else "xã"
    for index, feature in enumerate(features, start=1):
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            report.results.append(
                _refuse(index, "", "Phần tử không phải Feature.", "The item is not a Feature.")
            )
            continue
        code = _code(feature, code_property)
        if not code:
            wanted = code_property or "code"
            report.results.append(
                _refuse(
                    index,
                    "",
                    f"Thiếu mã đơn vị (thuộc tính “{wanted}”).",
                    f"No unit code (property “{wanted}”).",
                )
            )
            continue
        if code in seen:
            report.results.append(
                _refuse(index, code, "Mã bị lặp trong tệp.", "The code appears twice in the file.")
            )
            continue
        seen.add(code)
        unit = db.session.get(AdminUnit, code)
        if unit is None or unit.level != level:
            report.results.append(
                _refuse(
                    index,
                    code,
                    f"Không có {name} nào mang mã {code} trong danh mục.",
                    f"No known {level} has code {code}.",
                )
            )
            continue
        geom, vi, en, repaired = clean_geometry(feature.get("geometry"))
        if geom is None:
            report.results.append(_refuse(index, code, vi, en))
            continue
        unit.geometry = _stored(geom)
        unit.geometry_source = source[:SOURCE_MAX]
        report.communes.add(_commune_of(unit))
        result = FeatureResult(index, code, "repaired" if repaired else "imported", vi, en)
        if level == "village":
            _note_outside_commune(unit, geom, result)
        report.results.append(result)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _stored(geom) -> dict[str, Any]:
    """Plain-JSON GeoJSON (lists, not tuples), coordinates to 1e-7 degree (about 1 cm)
    unless rounding would make the geometry invalid again."""
    geo = mapping(geom)

    def walk(value, digits):
        if isinstance(value, list | tuple):
            if value and isinstance(value[0], int | float):
                return [float(c) if digits is None else round(float(c), digits) for c in value]
            return [walk(v, digits) for v in value]
        return value

    rounded = {"type": geo["type"], "coordinates": walk(geo["coordinates"], 7)}
    if shape(rounded).is_valid:
        return rounded
    return {"type": geo["type"], "coordinates": walk(geo["coordinates"], None)}


def _note_outside_commune(unit: AdminUnit, geom, result: FeatureResult) -> None:
    """Warn (not refuse) when a village reaches more than 5% outside its commune's polygon."""
    commune = db.session.get(AdminUnit, unit.parent_code) if unit.parent_code else None
    if commune is None or not commune.geometry:
        return
    try:
        outside = geom.difference(shape(commune.geometry)).area / geom.area
    except (ValueError, shapely.errors.GEOSException):
        return
    if outside > 0.05:
        pct = round(outside * 100)
        result.message = (result.message + " " if result.message else "") + (
            f"Lưu ý: {pct}% diện tích thôn nằm ngoài ranh giới xã."
        )
        result.message_en = (result.message_en + " " if result.message_en else "") + (
            f"Note: {pct}% of the village lies outside the commune boundary."
        )


def import_file(path: Path, level: str, **kwargs: Any) -> ImportReport:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BoundaryFileError(
            "Tệp không phải văn bản UTF-8.", "The file is not UTF-8 text."
        ) from None
    source = kwargs.pop("source", None) or f"import: {path.name}"
    return import_boundaries(text, level, source, **kwargs)
