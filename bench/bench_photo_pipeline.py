"""Photo pipeline benchmark: time per photo of the `photo_pipeline` job.

Makes camera-like JPEGs (gradients, shapes and sensor-like noise, quality 92, EXIF with GPS,
capture time, a serial number and an orientation tag, as a phone camera writes them) at
12 MP (4000x3000) and at the 1600x1200 the tablet actually uploads after sync.photo_prep,
then measures, median of N runs each:
- `photo_pipeline.process`: SHA-256 check, decode, EXIF, upright copy, web copy and
  1024/256 thumbnails written to disk, pHash/dHash (everything but the database);
- its steps alone: SHA-256, decode (full, and drafted to the web copy's size), the hashes,
  writing the three copies;
- the whole job through the queue (`Worker.run_until_idle` on one enqueued photo: claim,
  handler, PhotoMeta row, done), on the chosen backend.
Usage: .venv/bin/python -m bench.bench_photo_pipeline [--runs 7] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw


def camera_jpeg(size: tuple[int, int], seed: int) -> bytes:
    from mobile_app.photo_stamp import stamp

    width, height = size
    small = Image.linear_gradient("L").resize((width // 8, height // 8))
    base = Image.merge(
        "RGB", (small, small.rotate(90), small.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )
    base = base.resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(base)
    for i in range(40):  # shapes: edges for the encoder and the hashes
        x, y = (seed * 97 + i * 331) % width, (seed * 53 + i * 211) % height
        draw.rectangle([x, y, x + width // 10, y + height // 12], fill=((i * 37) % 256, 90, 160))
    noise = Image.effect_noise(size, 24).convert("RGB")
    im = Image.blend(base, noise, 0.22)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "samsung", "SM-X200", 6
    exif[0x8769] = {0xA431: "R52W70ABCDE", 0x9003: "2026:03:01 09:30:00"}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, exif=exif.tobytes())
    when = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)
    return stamp(out.getvalue(), 21.0285, 105.8542, 4.5, when)


def timed(fn, runs: int) -> tuple[float, float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db
    from server.models import Photo
    from server.services import jobs, photo_pipeline, photo_thumbs, photos
    from server.services.worker import Worker
    from sync import phash

    tmp = Path(tempfile.mkdtemp(prefix="bench-photo-"))
    if args.backend == "postgres":
        from tests.pg import create_database, drop_database

        url = create_database()
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "PHOTO_DIR": str(tmp / "photos"), "SECRET_KEY": "b"}
    )
    rows = []
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        for label, size in (("12 MP 4000x3000", (4000, 3000)), ("tablet 1600x1200", (1600, 1200))):
            data = camera_jpeg(size, 1)
            sha = hashlib.sha256(data).hexdigest()
            limit = photo_pipeline.max_pixels()
            mb = len(data) / 1e6

            def full(data=data, sha=sha, limit=limit):
                photo_pipeline.process(sha, data, "image/jpeg", limit)

            def decode(data=data):
                with Image.open(io.BytesIO(data)) as im:
                    im.load()

            def drafted(data=data):
                with Image.open(io.BytesIO(data)) as im:
                    im.draft("RGB", photo_thumbs.fit(im.size, photo_thumbs.WEB_LONG_EDGE))
                    im.load()

            with Image.open(io.BytesIO(data)) as im:
                im.draft("RGB", photo_thumbs.fit(im.size, photo_thumbs.WEB_LONG_EDGE))
                upright = im.convert("RGB").transpose(Image.Transpose.ROTATE_270)

            def write(sha=sha, upright=upright):
                photo_thumbs.write_all(sha, upright, None, None)

            steps = {
                "process() total (no database)": full,
                "  SHA-256 of the file": lambda data=data: hashlib.sha256(data).hexdigest(),
                "  decode, full size": decode,
                "  decode, drafted to the web copy's size": drafted,
                "  pHash + dHash (sync.phash, drafted)": lambda data=data: phash.image_hashes(data),
                "  web copy + 1024 + 256 written": write,
            }
            for name, fn in steps.items():
                med, low, high = timed(fn, args.runs)
                rows.append((label, f"{mb:.1f} MB", name, med, low, high))

            def job(data=data, sha=sha, size=size):
                path = photos.photo_path(sha)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                from server.models import PhotoMeta

                db.session.query(PhotoMeta).filter_by(sha256=sha).delete()
                if db.session.get(Photo, sha) is None:
                    db.session.add(
                        Photo(
                            sha256=sha,
                            size=len(data),
                            content_type="image/jpeg",
                            width=size[0],
                            height=size[1],
                        )
                    )
                jobs.enqueue(photo_pipeline.JOB_KIND, {"sha256": sha})
                db.session.commit()
                start = time.perf_counter()
                assert Worker(app).run_until_idle() == 1
                return time.perf_counter() - start

            samples = [job() for _ in range(args.runs)]
            rows.append(
                (
                    label,
                    f"{mb:.1f} MB",
                    f"whole job via the queue ({args.backend})",
                    statistics.median(samples),
                    min(samples),
                    max(samples),
                )
            )
        db.session.remove()
        db.engine.dispose()
    if args.backend == "postgres":
        drop_database(url)
    print(f"runs per line: {args.runs}")
    print("| photo | file | step | median | min | max |\n|---|---|---|---|---|---|")
    for label, mb, name, med, low, high in rows:
        times = " | ".join(f"{value * 1000:.0f} ms" for value in (med, low, high))
        print(f"| {label} | {mb} | {name.strip()} | {times} |")


if __name__ == "__main__":
    main()
