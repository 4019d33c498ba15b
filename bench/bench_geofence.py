"""Geofence and integrity-flag benchmark: a province's worth of points, and one commune's
flags recomputed in the database.

Part 1, no database: N communes (default 150), each an irregular polygon of about 60
vertices split into 10 villages (Voronoi cells clipped to the commune, so they share edges;
one village is a MultiPolygon), with H households (default 2,000) x R records (default 3)
each carrying a GPS point: 80% inside their village, 15% in a neighbouring village, 5%
outside the commune. Times `Fence` construction (shapely prepare + STRtree) and
`Fence.place` over every point, and the tablet's pure-Python `sync.geo.covers` on a sample
for comparison.

Part 2, with a database (--backend sqlite|postgres): one commune of H households with a
house location and R-1 observation records each with one photo (pHash/dHash known, 2% of
photos reused by a second household), built with set-based inserts; times
`integrity.recompute_commune` (every flag of the commune, duplicates included) and
`integrity.refresh_records` for 100 records (what a push of 100 records adds to its
transaction).

Usage: .venv/bin/python -m bench.bench_geofence [--communes 150] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
import uuid

import numpy as np
import shapely
from shapely.geometry import mapping

from bench.bench_db import bench_app, drop


def commune_shape(rng: random.Random, cx: float, cy: float) -> shapely.Polygon:
    points = []
    for i in range(60):
        angle = 2 * math.pi * i / 60
        radius = 0.03 * (0.8 + 0.4 * rng.random())  # about 3 km, ragged
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return shapely.Polygon(points)


def villages(rng: random.Random, commune: shapely.Polygon, count=10) -> list:
    xmin, ymin, xmax, ymax = commune.bounds
    seeds = []
    while len(seeds) < count:
        p = shapely.Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax))
        if commune.contains(p):
            seeds.append(p)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=commune)
    out = [cell.intersection(commune) for cell in shapely.get_parts(cells)]
    out = [g for g in out if not g.is_empty and g.area > 0]
    # make the first village a MultiPolygon: it also owns a detached field far away
    field = shapely.box(xmax + 0.002, ymin, xmax + 0.006, ymin + 0.004)
    out[0] = shapely.MultiPolygon([*shapely.get_parts(out[0]), field])
    return out


def points_for(rng, commune, parts, n):
    """(lon, lat, village index) with 80% in their village, 15% elsewhere, 5% outside."""
    xmin, ymin, xmax, ymax = commune.bounds
    out = []
    for _ in range(n):
        village = rng.randrange(len(parts))
        roll = rng.random()
        if roll < 0.80:
            target = parts[village]
        elif roll < 0.95:
            target = parts[(village + 1) % len(parts)]
        else:
            target = None
        while True:
            if target is None:
                x, y = rng.uniform(xmax, xmax + 0.02), rng.uniform(ymin - 0.02, ymin)
                break
            bx0, by0, bx1, by1 = target.bounds
            x, y = rng.uniform(bx0, bx1), rng.uniform(by0, by1)
            if target.covers(shapely.Point(x, y)):
                break
        out.append((x, y, village))
    return out


def part1(args) -> None:
    from server.services.integrity_geofence import Fence
    from sync.geo import covers

    rng = random.Random(7)
    per_commune = args.households * args.records
    build_s, place_s, flagged = [], [], 0
    sample_py, sample_n = 0.0, 0
    total_points = 0
    for c in range(args.communes):
        commune = commune_shape(rng, 105 + (c % 15) * 0.08, 21 + (c // 15) * 0.08)
        parts = villages(rng, commune)
        codes = [f"C{c}-T{i:02d}" for i in range(len(parts))]
        raw = {code: mapping(g) for code, g in zip(codes, parts, strict=True)}
        pts = points_for(rng, commune, parts, per_commune)
        start = time.perf_counter()
        fence = Fence(mapping(commune), raw, {code: code for code in codes})
        build_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        placed = fence.place([(x, y, codes[v]) for x, y, v in pts])
        place_s.append(time.perf_counter() - start)
        flagged += sum(1 for p in placed if p.in_commune is False or p.in_village is False)
        total_points += len(pts)
        if c < 2:  # the tablet's pure-Python check on a sample, same points
            sample = pts[:2000]
            start = time.perf_counter()
            for x, y, v in sample:
                covers(raw[codes[v]], x, y)
            sample_py += time.perf_counter() - start
            sample_n += len(sample)
    print(f"communes: {args.communes}, points: {total_points:,}, flagged: {flagged:,}")
    print(f"fence build per commune: median {statistics.median(build_s) * 1000:.1f} ms")
    print(
        f"place per commune ({per_commune:,} points): median "
        f"{statistics.median(place_s) * 1000:.0f} ms, total {sum(place_s):.1f} s for the province"
        f" ({sum(place_s) / total_points * 1e6:.1f} µs/point, incl. the STRtree lookup and"
        " the distance of flagged points)"
    )
    print(
        f"pure-Python sync.geo.covers: {sample_py / sample_n * 1e6:.1f} µs/point"
        f" -> {sample_py / sample_n * total_points:.0f} s for the province"
    )


def build_commune(args):
    from sqlalchemy import insert

    from server.extensions import db
    from server.models import AdminUnit, Household, Photo, PhotoMeta, Record, SyncScope
    from server.models.types import utcnow

    rng = random.Random(3)
    commune = commune_shape(rng, 105.97, 22.43)
    parts = villages(rng, commune)
    code = "B8001"
    db.session.add(AdminUnit(code="B8", level="province", name="Tỉnh bench"))
    db.session.flush()
    db.session.add(
        AdminUnit(
            code=code, level="commune", name="Xã bench", parent_code="B8", geometry=mapping(commune)
        )
    )
    codes = [f"{code}-T{i:02d}" for i in range(len(parts))]
    for village, geom in zip(codes, parts, strict=True):
        db.session.add(
            AdminUnit(
                code=village,
                level="village",
                name=village,
                parent_code=code,
                geometry=mapping(geom),
            )
        )
    db.session.flush()
    db.session.add(SyncScope(commune_code=code, last_version=0))
    db.session.flush()
    now = utcnow()
    records, homes, photos, metas = [], [], [], []
    version = 0
    pts = points_for(rng, commune, parts, args.households)
    shas: list[str] = []
    for x, y, v in pts:
        hid = str(uuid.uuid4())
        version += 1
        common = {
            "commune_code": code,
            "village_code": codes[v],
            "form_version": 1,
            "captured_at": now,
            "created_at": now,
            "updated_at": now,
            "revision": 1,
            "deleted": False,
            "sync_status": "ok",
            "review_status": "pending",
            "device_id": "",
        }
        location = {"lat": y, "lon": x, "accuracy": rng.choice([5.0, 8.0, 15.0, 80.0])}
        records.append(
            dict(
                common,
                uuid=hid,
                household_id=hid,
                form_id="household",
                data={"head_name": "Hộ", "members": 3, "location": location},
                photos=[],
                version=version,
            )
        )
        homes.append(
            {
                "uuid": hid,
                "commune_code": code,
                "village_code": codes[v],
                "head_name": "Hộ",
                "search_name": "ho",
                "lat": y,
                "lon": x,
                "active": True,
            }
        )
        for _ in range(args.records - 1):
            version += 1
            if shas and rng.random() < 0.02:
                sha = rng.choice(shas)  # reused by another household
            else:
                sha = uuid.uuid4().hex + uuid.uuid4().hex
                shas.append(sha)
                photos.append(
                    {
                        "sha256": sha,
                        "size": 1,
                        "content_type": "image/jpeg",
                        "width": 1,
                        "height": 1,
                        "received_at": now,
                    }
                )
                jitter = rng.random() < 0.9
                metas.append(
                    {
                        "sha256": sha,
                        "processed_at": now,
                        "pipeline_version": 1,
                        "phash": f"{rng.getrandbits(64):016x}",
                        "dhash": f"{rng.getrandbits(64):016x}",
                        "gps_lat": y + (rng.uniform(-3e-4, 3e-4) if jitter else 0.01),
                        "gps_lon": x + rng.uniform(-3e-4, 3e-4),
                        "gps_accuracy_m": 10.0,
                        "exif_taken_at": now,
                        "has_device_serial": False,
                    }
                )
            data = {
                "date": "2026-06-01",
                "clean_water": True,
                "water_source": "drilled_well",
                "hygienic_latrine": True,
                "bathroom": True,
                "covered_water_container": True,
                "clean_house": True,
                "clean_kitchen": True,
                "clean_lane": True,
                "sorts_waste": True,
                "keeps_livestock": False,
                "photos": [sha],
            }
            records.append(
                dict(
                    common,
                    uuid=str(uuid.uuid4()),
                    household_id=hid,
                    form_id="environment_check",
                    data=data,
                    photos=[sha],
                    version=version,
                )
            )
    for table, rows in ((Record, records), (Household, homes), (Photo, photos), (PhotoMeta, metas)):
        for i in range(0, len(rows), 2000):
            db.session.execute(insert(table), rows[i : i + 2000])
    db.session.commit()
    return code, [r["uuid"] for r in records]


def part2(args) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models import IntegrityFlag
    from server.services import integrity

    app, url = bench_app(args.backend, "bench-geofence-")
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            code, uuids = build_commune(args)
            full = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                integrity.recompute_commune(code)
                db.session.commit()
                full.append(time.perf_counter() - start)
            counts = dict(
                db.session.execute(
                    select(IntegrityFlag.kind, func.count())
                    .where(IntegrityFlag.state == "open")
                    .group_by(IntegrityFlag.kind)
                ).all()
            )
            rng = random.Random(5)
            batch = []
            for _ in range(args.repeat):
                chosen = rng.sample(uuids, min(100, len(uuids)))  # small test sizes too
                start = time.perf_counter()
                integrity.refresh_records(code, chosen)
                db.session.commit()
                batch.append(time.perf_counter() - start)
            print(f"[{args.backend}] one commune: {len(uuids):,} records, open flags {counts}")
            print(
                f"[{args.backend}] recompute_commune: median {statistics.median(full):.2f} s"
                f" (first run, flags written: {full[0]:.2f} s)"
            )
            print(
                f"[{args.backend}] refresh_records({min(100, len(uuids))}): median "
                f"{statistics.median(batch) * 1000:.0f} ms"
            )
            db.engine.dispose()
    finally:
        drop(args.backend, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=150)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--records", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "none"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    np.random.seed(0)
    if args.communes:
        part1(args)
    if args.backend != "none":
        part2(args)


if __name__ == "__main__":
    main()
