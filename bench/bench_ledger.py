"""Ledger benchmark: the contribution ledger page and each export for one commune.

Builds a commune of `--households` households with `--contributions` contributions
(land, labour, cash, materials; a tenth of them corrected, half approved, a few
rejected) through the server's own push step, sets unit rates, then times, median of
`--repeat` runs: the ledger computation (`server.services.ledger.compute`), the ledger
page (GET through the Flask test client, rendering included), the commendation list, and
each download (ledger XLSX, ledger CSV, records GeoJSON, PDF dossier without photos on
disk). Not a test: prints a Markdown table.

    .venv/bin/python -m bench.bench_ledger
    .venv/bin/python -m bench.bench_ledger --backend postgres --households 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
import uuid

from sqlalchemy import update

from bench.bench_db import bench_app, drop


def build(households: int, contributions: int) -> None:
    from server import demo
    from server.extensions import db
    from server.models import Record
    from server.services import ledger_commendation, ledger_rates
    from server.services.push import Author, push

    demo._units()
    demo._users()
    rng = random.Random(7)
    villages = ["01936-T01", "01936-T02", "01936-T03"]
    homes = []
    batch = []
    for _ in range(households):
        hid, village = str(uuid.uuid4()), rng.choice(villages)
        homes.append((hid, village))
        data = {
            "head_name": demo._name(rng),
            "members": 4,
            "location": {"lat": 22.0 + rng.random() / 50, "lon": 105.8 + rng.random() / 50},
        }
        batch.append(demo._envelope(hid, "household", village, None, data))
    author = Author(username="bench")
    for start in range(0, len(batch), 500):
        push(demo.COMMUNE, batch[start : start + 500], author)
    gifts, fixes = [], []
    day0 = dt.date(2025, 1, 1)
    for n in range(contributions):
        hid, village = rng.choice(homes)
        kind = rng.choice(["labour", "labour", "cash", "materials", "land"])
        data = {
            "kind": kind,
            "quantity": float(rng.randint(1, 50)),
            "works": rng.choice(["village_road", "canal", "lighting"]),
            "date": (day0 + dt.timedelta(days=rng.randint(0, 600))).isoformat(),
        }
        if kind == "materials":
            data.update(unit="bag", item="xi măng")
        photos = []
        if kind == "land":
            data["consent_photo"] = f"{rng.getrandbits(256):064x}"
            photos = [data["consent_photo"]]
        uid = str(uuid.uuid4())
        gifts.append(demo._envelope(uid, "contribution", village, hid, data, photos))
        if n % 10 == 0:
            fix = {"adjusts": uid, "delta": -1.0, "reason": "Đo lại", "date": "2026-11-01"}
            fixes.append(
                demo._envelope(str(uuid.uuid4()), "contribution_adjustment", village, hid, fix)
            )
    for records in (gifts, fixes):
        for start in range(0, len(records), 500):
            push(demo.COMMUNE, records[start : start + 500], author)
    uuids = [g["uuid"] for g in gifts]
    for status, chosen in (("approved", uuids[::2]), ("rejected", uuids[1::50])):
        for start in range(0, len(chosen), 500):
            db.session.execute(
                update(Record)
                .where(Record.uuid.in_(chosen[start : start + 500]))
                .values(review_status=status)
            )
    for kind, unit, rate in (
        ("land", "m2", 50_000),
        ("labour", "labour_day", 200_000),
        ("materials", "bag", 90_000),
    ):
        ledger_rates.add_rate(
            demo.COMMUNE,
            kind=kind,
            unit=unit,
            rate_vnd=rate,
            basis="QĐ bench",
            valid_from=dt.date(2024, 1, 1),
            valid_to=None,
            actor="bench",
        )
    ledger_commendation.save_rules(
        demo.COMMUNE, {"min_value_vnd": 2_000_000, "top_per_village": 20}, "bench"
    )
    db.session.commit()


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
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--contributions", type=int, default=6000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from server.extensions import db
    from server.models import AdminUnit
    from server.services import ledger_commendation
    from server.services.ledger import compute

    app, url = bench_app(args.backend, "bench-ledger-")
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            start = time.perf_counter()
            build(args.households, args.contributions)
            print(f"built in {time.perf_counter() - start:.1f} s")
            commune = db.session.get(AdminUnit, "01936")
            rules = ledger_commendation.rules_of("01936")
            results = {
                "ledger.compute (whole commune)": timed(lambda: compute(commune), args.repeat),
                "commendation list": timed(
                    lambda: ledger_commendation.commendation(commune, rules), args.repeat
                ),
            }
        client = app.test_client()
        page = client.get("/login")
        token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"username": "bql_naphac", "password": "chungsuc-demo", "csrf_token": token},
        )
        sizes = {}
        for label, path in (
            ("ledger page (GET, rendered)", "/communes/01936/ledger"),
            ("ledger.xlsx", "/communes/01936/exports/ledger.xlsx"),
            ("ledger.csv", "/communes/01936/exports/ledger.csv"),
            ("records.geojson", "/communes/01936/exports/records.geojson"),
            ("dossier.pdf", "/communes/01936/exports/dossier.pdf"),
        ):

            def get(path=path, label=label):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                sizes[label] = len(response.data)

            results[label] = timed(get, args.repeat)
        print(
            f"\n{args.backend}, {args.households} households, {args.contributions} contributions, "
            f"median of {args.repeat}\n"
        )
        print("| step | median s | bytes |\n|---|---:|---:|")
        for label, seconds in results.items():
            print(f"| {label} | {seconds:.3f} | {sizes.get(label, '')} |")

    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop(args.backend, url)  # never leave a bench database behind


if __name__ == "__main__":
    main()
