"""Roll-up benchmark: incremental fact refresh after a push, full recompute of a province.

Builds N communes x H households with one approved environment check each (set-based Core
inserts, not the push path), then measures:
- refresh of the facts of 20 households (what a push of 20 checks adds to its transaction);
- the dashboard roll-up of one commune read from the facts;
- the full recompute of one commune (median), and of the N built communes, extrapolated
  linearly to 150 communes (the script says so in its output).
Usage: .venv/bin/python -m bench.bench_rollup [--backend sqlite|postgres] [--communes 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
import uuid

from bench.bench_db import bench_app, drop


def build(communes: int, households: int) -> list[str]:
    from sqlalchemy import insert

    from server.extensions import db
    from server.models import AdminUnit, Household, Record

    rng = random.Random(1)
    codes = []
    version = 0
    when = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    db.session.add(AdminUnit(code="B9", level="province", name="Tỉnh bench"))
    for c in range(communes):
        code = f"B9{c:03d}"
        codes.append(code)
        db.session.add(AdminUnit(code=code, level="commune", name=f"Xã {c}", parent_code="B9"))
        db.session.add(
            AdminUnit(code=f"{code}-T01", level="village", name="Thôn 1", parent_code=code)
        )
        db.session.flush()
        records, homes = [], []
        for _ in range(households):
            hid = str(uuid.uuid4())
            version += 1
            common = {
                "commune_code": code,
                "village_code": f"{code}-T01",
                "form_version": 1,
                "photos": [],
                "captured_at": when,
                "device_id": "",
                "revision": 1,
                "deleted": False,
                "sync_status": "ok",
            }
            records.append(
                dict(
                    common,
                    uuid=hid,
                    household_id=hid,
                    form_id="household",
                    data={"head_name": "Hộ"},
                    version=version,
                    review_status="approved",
                )
            )
            version += 1
            livestock = rng.random() < 0.4
            answers = {k: rng.random() < 0.8 for k in ("clean_water", "hygienic_latrine")}
            answers.update(
                bathroom=True,
                covered_water_container=True,
                clean_house=True,
                clean_kitchen=True,
                clean_lane=True,
                sorts_waste=rng.random() < 0.5,
                keeps_livestock=livestock,
            )
            if livestock:
                answers.update(pen_hygienic=rng.random() < 0.6, pen_away_from_house=True)
            records.append(
                dict(
                    common,
                    uuid=str(uuid.uuid4()),
                    household_id=hid,
                    form_id="environment_check",
                    data=answers,
                    version=version,
                    review_status="approved",
                )
            )
            homes.append(
                {
                    "uuid": hid,
                    "commune_code": code,
                    "village_code": f"{code}-T01",
                    "head_name": "Hộ",
                    "search_name": "ho",
                    "active": True,
                }
            )
        db.session.execute(insert(Record), records)
        db.session.execute(insert(Household), homes)
        db.session.commit()
    return codes


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--communes", type=int, default=5)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from server.extensions import db
    from server.models import Household
    from server.services import indicators, indicators_facts

    app, url = bench_app(args.backend, "bench-rollup-")
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            start = time.perf_counter()
            codes = build(args.communes, args.households)
            print(
                f"built {args.communes} x {args.households} in {time.perf_counter() - start:.1f} s"
            )
            start = time.perf_counter()
            for code in codes:
                indicators_facts.recompute(code)
                db.session.commit()
            province = time.perf_counter() - start
            one = codes[0]
            twenty = list(
                db.session.scalars(select(Household.uuid).where(Household.commune_code == one))
            )[:20]

            def incremental():
                indicators_facts.refresh(one, twenty)
                db.session.commit()

            def full():
                indicators_facts.recompute(one)
                db.session.commit()

            results = {
                "refresh facts of 20 households (added to a push)": timed(incremental, args.repeat),
                "dashboard roll-up of one commune (from facts)": timed(
                    lambda: indicators.rollup(one), args.repeat
                ),
                "full recompute of one commune": timed(full, args.repeat),
            }
            for name, seconds in results.items():
                print(f"{name}: {seconds * 1000:.1f} ms")
            print(
                f"full recompute of {args.communes} communes: {province:.2f} s; "
                f"extrapolated linearly to 150 communes: {province / args.communes * 150:.0f} s"
            )
    finally:
        drop(args.backend, url)


if __name__ == "__main__":
    main()
