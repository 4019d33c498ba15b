"""Criteria configuration and locked-period holds: what they add to the roll-up and a push.

One commune of H households (bench_rollup.build: one approved environment check each), then:
- the roll-up with the catalogue only, and with 60 threshold overrides (national and
  province, per region) plus the commune's region assigned;
- the commune-level results (6 indicators, each with an entry);
- a push of 20 new checks with no locked period, and with a locked period covering them
  (each is then held: one PeriodHold row, audit row, facts read through the holds).
Usage: .venv/bin/python -m bench.bench_criteria [--backend sqlite|postgres] [--households 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import uuid

from bench.bench_db import bench_app, drop
from bench.bench_rollup import build, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from forms.catalogue import catalogues
    from server.extensions import db
    from server.models import AdminUnit, CommuneIndicatorEntry, User
    from server.services import (
        commune_indicators,
        criteria_config,
        indicators,
        indicators_facts,
        periods,
    )
    from server.services.push import Author, push

    app, url = bench_app(args.backend, "bench-criteria-")
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            (code,) = build(1, args.households)
            indicators_facts.recompute(code)
            admin = User(username="admin", display_name="a", role="sysadmin", password_hash="!")
            board = User(
                username="b", display_name="b", role="board", area_code=code, password_hash="!"
            )
            db.session.add_all([admin, board])
            db.session.commit()
            results = {}
            indicators.rollup(code)  # warm up: catalogue loading, first queries
            results["roll-up, catalogue thresholds only"] = timed(
                lambda: indicators.rollup(code), args.repeat
            )
            criteria = catalogues()["ntm-2021-2025"]
            for item in criteria.indicators:
                for level in item.levels:
                    for province in ("", "B9"):
                        for part in ("", "TDMNPB", "DBSH"):
                            criteria_config.set_override(
                                admin, criteria.id, item.id, level, province, part, "75", "QĐ x"
                            )
            criteria_config.set_commune_partition(admin, code, criteria.id, "TDMNPB", "QĐ y")
            results["roll-up, 60+ overrides and the commune's region"] = timed(
                lambda: indicators.rollup(code), args.repeat
            )
            for item in criteria.commune_indicators:
                db.session.add(
                    CommuneIndicatorEntry(
                        commune_code=code,
                        set_id=criteria.id,
                        indicator_id=item.id,
                        value_bool=True,
                        part=1.0,
                        whole=2.0,
                        as_of=dt.date(2026, 1, 1),
                        note="",
                        document_sha256="0" * 64,
                        document_type="application/pdf",
                        document_name="x.pdf",
                        document_size=1,
                        entered_by="b",
                    )
                )
            db.session.commit()
            results["commune-level results (6 indicators)"] = timed(
                lambda: commune_indicators.results(code, criteria.id, "standard"), args.repeat
            )
            # the push path needs a real 5-digit commune code: a second commune for it
            pushed = "99001"
            db.session.add(
                AdminUnit(code=pushed, level="commune", name="Xã push", parent_code="B9")
            )
            db.session.add(
                AdminUnit(code=f"{pushed}-T01", level="village", name="T", parent_code=pushed)
            )
            db.session.commit()

            def envelope(form_id, data, household=None):
                uid = str(uuid.uuid4())
                return {
                    "uuid": uid,
                    "mutation_id": str(uuid.uuid4()),
                    "form_id": form_id,
                    "form_version": 1,
                    "commune_code": pushed,
                    "village_code": f"{pushed}-T01",
                    "household_id": household or uid,
                    "data": data,
                    "photos": [],
                    "device_id": "",
                    "captured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                }

            houses = [envelope("household", {"head_name": "Hộ", "members": 3}) for _ in range(400)]
            push(pushed, houses, Author(username="bench"))
            homes = [h["uuid"] for h in houses]
            answers = {
                "date": dt.date.today().isoformat(),
                "clean_water": True,
                "hygienic_latrine": True,
                "bathroom": True,
                "covered_water_container": True,
                "clean_house": True,
                "clean_kitchen": True,
                "clean_lane": True,
                "sorts_waste": True,
                "keeps_livestock": False,
            }
            batch_no = iter(range(1000))

            def push20():
                n = next(batch_no)
                records = [
                    envelope("environment_check", answers, h) for h in homes[n * 20 : n * 20 + 20]
                ]
                push(pushed, records, Author(username="bench"))

            results["push of 20 new checks, no locked period"] = timed(push20, args.repeat)
            today = dt.date.today()
            board.area_code = pushed
            period = periods.create(board, pushed, "Kỳ", today - dt.timedelta(days=30), today)
            periods.lock(board, period.id)
            results["push of 20 new checks into a locked period (held)"] = timed(
                push20, args.repeat
            )
            for name, seconds in results.items():
                print(f"{name}: {seconds * 1000:.1f} ms")
    finally:
        drop(args.backend, url)


if __name__ == "__main__":
    main()
