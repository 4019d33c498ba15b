"""Tablet app benchmark: the work the officer waits for, without a Kivy window.

The app's screens are thin over `sync.replica.Replica` (the offline store) and the photo
steps (`mobile_app.photo_stamp.stamp`, then `sync.photo_prep.prepare_photo`), so this times
exactly those calls on a replica holding a commune of `--households` households and
`--records` records in all (households, contributions, checks), stored the way a bootstrap
pull stores them (`Replica.apply_changes`, pages of 500). Not a test: it prints a Markdown
table of medians (and the raw samples as JSON with --json FILE).

    .venv/bin/python -m bench.bench_app
    .venv/bin/python -m bench.bench_app --households 2000 --records 10000 --repeat 30

What each line calls:
- store the pulled commune: `apply_changes` for every page of the change feed.
- open the commune (app start): a new `Replica` on the file (opens, checks migrations),
  `villages()` (the village list with household counts) and `households(village)` (the
  first village's list, 200 rows, as the households screen shows).
- search: `households(None, query)` over the whole commune: a full name with diacritics,
  the same typed without them, one common word, a house number; and within one village.
- open a household: `record(uuid)` and `records_for(uuid)` (its history).
- save: `save_record` of a new household and of a contribution (validation by forms/, the
  record and its outbox entry in one transaction, WAL, synchronous=FULL: an fsync each).
- photo: a 12 MP camera JPEG (4000x3000, EXIF with GPS and camera tags): `stamp` (GPS fix
  spliced into EXIF), `prepare_photo` (long edge 1600, quality 80), `add_photo` (SHA-256
  and an atomic file write), `sync.phash.image_hashes` of the kept photo; then the
  look-alike check (`mobile_app.photo_index.PhotoIndex.look_alikes`) against
  `--indexed-photos` photos attached to 2,000 households.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import ExifTags, Image

from mobile_app.photo_index import PhotoIndex
from mobile_app.photo_stamp import stamp
from sync.envelope import Envelope, new_id, utc_now
from sync.phash import image_hashes
from sync.photo_prep import prepare_photo
from sync.replica import Replica

COMMUNE = "01936"
VILLAGES = [f"{COMMUNE}-T{n:02d}" for n in range(1, 9)]  # a commune has a handful of villages
SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Đức Minh Hữu Thanh Quang Ngọc Xuân Công".split()
GIVEN = (
    "An Bình Cường Dũng Đông Giang Hà Hải Hạnh Hiếu Hòa Hùng Hương Khánh Lan Linh Long "
    "Mai Minh Nam Nga Ngọc Phong Phúc Quân Quý Sơn Tâm Thắng Thảo Thủy Trang Trung Tuấn "
    "Tùng Vân Việt Xuân Yến"
).split()


def commune_changes(households: int, records: int, seed: int = 1) -> list[dict]:
    """A commune's change feed: households, then contributions and checks on them."""
    rng = random.Random(seed)
    out, homes, version = [], [], 0

    def envelope(form_id, village, household, data):
        nonlocal version
        version += 1
        uuid = new_id()
        return Envelope(
            uuid=uuid,
            mutation_id=new_id(),
            form_id=form_id,
            form_version=1,
            commune_code=COMMUNE,
            village_code=village,
            household_id=household or uuid,
            data=data,
            device_id="bench",
            captured_at=utc_now(),
            version=version,
            status="synced",
        ).as_dict()

    for n in range(households):
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        village = VILLAGES[n % len(VILLAGES)]
        data = {"head_name": name, "members": rng.randint(1, 8), "house_number": str(n + 1)}
        out.append(envelope("household", village, None, data))
        homes.append((out[-1]["uuid"], village))
    for n in range(records - households):
        home, village = homes[rng.randrange(households)]
        if n % 5 == 4:
            data = {
                "date": "2026-11-20",
                "clean_water": True,
                "hygienic_latrine": True,
                "bathroom": True,
                "covered_water_container": True,
                "clean_house": True,
                "clean_kitchen": True,
                "clean_lane": True,
                "sorts_waste": rng.random() < 0.7,
                "keeps_livestock": False,
            }
            out.append(envelope("environment_check", village, home, data))
        else:
            data = {
                "kind": "labour",
                "quantity": float(rng.randint(1, 5)),
                "works": "village_road",
                "date": "2026-11-20",
            }
            out.append(envelope("contribution", village, home, data))
    return out


def camera_jpeg(seed: int = 0) -> bytes:
    """A 12 MP JPEG at camera quality with camera EXIF (make, model, time, GPS)."""
    size = (4000, 3000)
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 30 + seed)
    image = Image.merge(
        "RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )
    exif = Image.Exif()
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = "samsung", "SM-X205"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: "2026:11:20 09:14:03"}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def run(args: argparse.Namespace) -> dict[str, list[float]]:
    workdir = Path(tempfile.mkdtemp(prefix="chungsuc-bench-app-"))
    path = workdir / "replica.db"
    replica = Replica(path)
    replica.set_meta({"commune_code": COMMUNE, "device_id": "bench-tablet"})
    replica.save_scope(
        {
            "commune": {"code": COMMUNE, "name": "Xã Bench"},
            "villages": [{"code": v, "name": f"Thôn {v[-2:]}"} for v in VILLAGES],
        }
    )
    changes = commune_changes(args.households, args.records)
    samples: dict[str, list[float]] = {}

    started = time.perf_counter()
    for start in range(0, len(changes), 500):
        page = changes[start : start + 500]
        replica.apply_changes(page, page[-1]["version"])
    samples["store the pulled commune"] = [time.perf_counter() - started]
    replica.close()

    def open_commune():
        r = Replica(path)
        villages = r.villages()
        rows = r.households(villages[0]["code"])
        assert sum(v["households"] for v in villages) == args.households and rows
        r.close()

    samples["open the commune (new Replica, villages, first list)"] = timed(
        open_commune, args.repeat
    )

    replica = Replica(path)
    target = next(c for c in changes if c["form_id"] == "household")["data"]["head_name"]
    number = str(args.households * 5 // 8)
    queries = {
        f"search all, with diacritics «{target}»": (None, target),
        f"search all, without diacritics «{_plain(target)}»": (None, _plain(target)),
        "search all, one common word «van»": (None, "van"),
        f"search all, a house number «{number}»": (None, number),
        f"search one village, without diacritics «{_plain(target)}»": (VILLAGES[0], _plain(target)),
    }
    for label, (village, query) in queries.items():
        found = replica.households(village, query)
        assert found, f"{label} found nothing"
        samples[label + f" ({len(found)} found)"] = timed(
            lambda v=village, q=query: replica.households(v, q), args.repeat
        )

    home = next(c for c in changes if c["form_id"] == "household")
    samples["open a household (record + history)"] = timed(
        lambda: (replica.record(home["uuid"]), replica.records_for(home["uuid"])), args.repeat
    )

    consent = replica.add_photo(camera_jpeg(99)[:200_000] + b"\xff\xd9")  # bytes only
    counter = iter(range(10**6))
    samples["save a new household"] = timed(
        lambda: replica.save_record(
            "household",
            {"head_name": f"Lò Văn Mới {next(counter)}", "members": 4, "house_number": "99A"},
            VILLAGES[1],
        ),
        args.repeat,
    )
    samples["save a contribution (land, 120 m²)"] = timed(
        lambda: replica.save_record(
            "contribution",
            {
                "kind": "land",
                "quantity": 120.0,
                "works": "village_road",
                "date": "2026-11-20",
                "verified_by": "Trưởng thôn",
                "consent_photo": consent,
            },
            home["village_code"],
            home["uuid"],
        ),
        args.repeat,
    )

    photos = [camera_jpeg(seed) for seed in range(args.photos)]
    stamped, prepared, sizes = [], [], []
    when = dt.datetime(2026, 11, 20, 2, 14, tzinfo=dt.UTC)
    samples["photo: stamp the GPS fix into EXIF (12 MP)"] = []
    samples["photo: prepare_photo 12 MP -> long edge 1600"] = []
    samples["photo: add_photo (SHA-256, atomic write)"] = []
    samples["photo: perceptual hash of the kept photo (sync.phash)"] = []
    for content in photos:
        t0 = time.perf_counter()
        stamped = stamp(content, 22.4205, 105.9712, 6.5, when)
        t1 = time.perf_counter()
        prepared = prepare_photo(stamped)
        t2 = time.perf_counter()
        replica.add_photo(prepared)
        t3 = time.perf_counter()
        image_hashes(prepared)
        samples["photo: perceptual hash of the kept photo (sync.phash)"].append(
            time.perf_counter() - t3
        )
        samples["photo: stamp the GPS fix into EXIF (12 MP)"].append(t1 - t0)
        samples["photo: prepare_photo 12 MP -> long edge 1600"].append(t2 - t1)
        samples["photo: add_photo (SHA-256, atomic write)"].append(t3 - t2)
        sizes.append((len(content), len(prepared)))
    with Image.open(io.BytesIO(prepared)) as im:
        assert max(im.size) == 1600, im.size
    index = PhotoIndex(workdir / "photo_index.db")
    rng = random.Random(5)
    for n in range(args.indexed_photos):  # a season of photos on one tablet
        sha = f"{n:064x}"
        index.add(sha, f"{rng.getrandbits(64):016x}")
        index.attach(f"record-{n}", f"household-{n % 2000}", [sha])
    newest = f"{args.indexed_photos - 1:064x}"
    samples[f"photo: look-alike check against {args.indexed_photos} indexed photos"] = timed(
        lambda: index.look_alikes(newest, "household-new"), args.repeat
    )
    index.close()
    samples["_photo_bytes_in_out"] = [statistics.median(s[0] for s in sizes)] + [
        statistics.median(s[1] for s in sizes)
    ]
    return samples


def _plain(text: str) -> str:
    from sync.text import fold

    return fold(text)


def table(samples: dict[str, list[float]], args: argparse.Namespace) -> str:
    photo_in, photo_out = samples.pop("_photo_bytes_in_out")
    lines = [
        f"Replica with {args.households:,} households, {args.records:,} records; "
        f"medians of {args.repeat} repeats (photos: {args.photos}).",
        "",
        "| what | median | p90 | repeats |",
        "|---|---|---|---|",
    ]
    for label, values in samples.items():
        values = sorted(values)
        p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
        lines.append(f"| {label} | {_ms(statistics.median(values))} | {_ms(p90)} | {len(values)} |")
    lines.append("")
    lines.append(
        f"Photo: {photo_in / 2**20:.1f} MB camera JPEG -> {photo_out / 2**10:.0f} kB "
        f"prepared ({photo_in / photo_out:.0f}x smaller)."
    )
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--indexed-photos", type=int, default=5000)
    parser.add_argument("--json", type=Path, help="also write the raw samples here")
    args = parser.parse_args()
    samples = run(args)
    if args.json:
        args.json.write_text(json.dumps(samples, indent=1, ensure_ascii=False))
    print(table(samples, args))


if __name__ == "__main__":
    main()
