"""`chungsuc import-boundaries`: good, repairable and refused features, a MultiPolygon
village, a dry run, file-level refusals, and flags recomputed for the new polygons.
SQLite and PostgreSQL."""

from __future__ import annotations

import json

import shapely
from shapely.geometry import shape

from server.extensions import db
from server.models import AdminUnit, IntegrityFlag
from tests.helpers import COMMUNE, envelope
from tests.server.test_push import push


def square(lon, lat, w=0.01, h=0.01):
    return [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]


def feature(code, geometry, **props):
    return {"type": "Feature", "properties": {"code": code, **props}, "geometry": geometry}


def write(tmp_path, features, name="thon.geojson", **extra):
    path = tmp_path / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features, **extra}), "utf-8"
    )
    return path


def test_good_repairable_and_refused_features(app, runner, demo, tmp_path):
    bowtie = [[105.96, 22.42], [105.98, 22.435], [105.98, 22.42], [105.96, 22.435], [105.96, 22.42]]
    multi = {
        "type": "MultiPolygon",
        "coordinates": [
            [square(105.98, 22.42, 0.01, 0.015)],
            [square(105.995, 22.42, 0.005, 0.01)],
        ],
    }
    path = write(
        tmp_path,
        [
            feature(f"{COMMUNE}-T01", {"type": "Polygon", "coordinates": [bowtie]}),
            feature(f"{COMMUNE}-T02", multi),
            feature(f"{COMMUNE}-T99", {"type": "Polygon", "coordinates": [square(106, 22)]}),
            feature(
                f"{COMMUNE}-T03",
                {"type": "Polygon", "coordinates": [square(585000, 2480000, 500, 500)]},
            ),
            feature(f"{COMMUNE}-T03", {"type": "Point", "coordinates": [105.97, 22.44]}),
            {"type": "Feature", "properties": {"name": "no code"}, "geometry": None},
            feature(f"{COMMUNE}-T02", multi),
        ],
    )
    result = runner.invoke(args=["import-boundaries", str(path), "--level", "village"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "imported: 2 (sửa / repaired: 1), từ chối / refused: 5" in out, out
    assert f"~ #1 {COMMUNE}-T01: Đã sửa hình không hợp lệ (Self-intersection" in out
    assert f"+ #2 {COMMUNE}-T02" in out
    assert f"#3 {COMMUNE}-T99: Không có thôn nào mang mã" in out
    assert f"#4 {COMMUNE}-T03: Toạ độ ngoài phạm vi" in out and "VN-2000 hoặc UTM" in out
    assert f"#5 {COMMUNE}-T03: Mã bị lặp trong tệp" in out
    assert "#6 ?: Thiếu mã đơn vị" in out
    assert f"#7 {COMMUNE}-T02: Mã bị lặp trong tệp" in out
    with app.app_context():
        t01 = db.session.get(AdminUnit, f"{COMMUNE}-T01")
        fixed = shape(t01.geometry)
        assert fixed.is_valid and fixed.geom_type == "MultiPolygon"  # two triangles
        assert fixed.area > 0 and t01.geometry_source == "import: thon.geojson"
        t02 = db.session.get(AdminUnit, f"{COMMUNE}-T02")
        assert t02.geometry["type"] == "MultiPolygon" and len(t02.geometry["coordinates"]) == 2
        t03 = db.session.get(AdminUnit, f"{COMMUNE}-T03")
        assert t03.geometry_source == demo.GEOMETRY_NOTE  # refused: the hand-drawn one stays
        assert db.session.get(AdminUnit, f"{COMMUNE}-T99") is None


def test_dry_run_writes_nothing_and_file_errors_are_clear(app, runner, demo, tmp_path):
    path = write(
        tmp_path,
        [feature(f"{COMMUNE}-T01", {"type": "Polygon", "coordinates": [square(105.9, 22.4)]})],
    )
    result = runner.invoke(args=["import-boundaries", str(path), "--dry-run"])
    assert result.exit_code == 0 and "nothing written" in result.output
    with app.app_context():
        assert db.session.get(AdminUnit, f"{COMMUNE}-T01").geometry_source == demo.GEOMETRY_NOTE
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", "utf-8")
    result = runner.invoke(args=["import-boundaries", str(bad)])
    assert result.exit_code != 0 and "không phải JSON hợp lệ" in result.output
    projected = write(
        tmp_path,
        [feature(COMMUNE, {"type": "Polygon", "coordinates": [square(105.9, 22.4)]})],
        name="vn2000.geojson",
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3405"}},
    )
    result = runner.invoke(args=["import-boundaries", str(projected), "--level", "commune"])
    assert result.exit_code != 0 and "WGS84" in result.output
    point = write(
        tmp_path,
        [feature(COMMUNE, {"type": "Point", "coordinates": [105.97, 22.44]})],
        name="point.geojson",
    )
    result = runner.invoke(args=["import-boundaries", str(point), "--level", "commune"])
    assert result.exit_code != 0 and "MultiPolygon (nhận được Point)" in result.output
    nothing = write(tmp_path, [feature("X", None)], name="none.geojson")
    result = runner.invoke(args=["import-boundaries", str(nothing)])
    assert result.exit_code != 0 and "Không nhập được vùng nào" in result.output


def test_commune_polygon_import_opens_and_closes_flags(app, client, runner, device, tmp_path):
    rec = envelope(
        data={
            "head_name": "Lường Văn Sơn",
            "members": 3,
            "location": {"lat": 22.50, "lon": 105.97, "accuracy": 8},
        }
    )
    assert push(client, device, rec).status_code == 200
    with app.app_context():  # the demo's hand-drawn commune box ends at 22.455
        flags = db.session.query(IntegrityFlag).filter_by(state="open").all()
        assert [f.kind for f in flags] == ["outside_commune"]
        assert "ngoài ranh giới Xã Nà Phặc" in flags[0].reason_vi
    official = write(
        tmp_path,
        [feature(COMMUNE, {"type": "Polygon", "coordinates": [square(105.95, 22.41, 0.06, 0.1)]})],
        name="xa.geojson",
    )
    result = runner.invoke(args=["import-boundaries", str(official), "--level", "commune"])
    assert result.exit_code == 0, result.output
    assert "flags 01936: +1 mở / opened, 1 đóng / closed" in result.output
    with app.app_context():  # inside the commune now, still outside its village
        flags = db.session.query(IntegrityFlag).filter_by(state="open").all()
        assert [f.kind for f in flags] == ["outside_village"]
        assert db.session.get(AdminUnit, COMMUNE).geometry_source == "import: xa.geojson"
        commune = shape(db.session.get(AdminUnit, COMMUNE).geometry)
        assert shapely.equals(commune, shapely.box(105.95, 22.41, 106.01, 22.51))
