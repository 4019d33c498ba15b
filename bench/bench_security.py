"""What the security checks cost per request: the image check on an upload, and one
rate-limit counter update in the memory and the shared-file store.

    .venv/bin/python -m bench.bench_security --runs 200

Prints a Markdown table of medians (milliseconds). No server is started: the functions the
request handlers call are timed directly.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import tempfile
import time
from pathlib import Path

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from PIL import Image

from server import security_images, security_storage  # noqa: F401  (registers sqlite-file)


def _photo(size=(1600, 1200)) -> bytes:
    rng = random.Random(3)
    image = Image.new("RGB", size, (90, 140, 70))
    for _ in range(300):  # some structure, so the JPEG is photo-sized (~200-400 kB)
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = tuple(rng.randrange(256) for _ in range(3))
        image.paste(colour, (x, y, min(size[0], x + 80), min(size[1], y + 60)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    photo = _photo()
    rows = [
        (
            f"image check, 1600x1200 JPEG ({len(photo) // 1024} kB)",
            _median_ms(lambda: security_images.inspect(photo, 50_000_000), args.runs),
        )
    ]
    limit = parse("5 per 15 minutes")
    with tempfile.TemporaryDirectory() as tmp:
        for name, uri in (
            ("rate-limit hit, memory://", "memory://"),
            ("rate-limit hit, sqlite-file://", f"sqlite-file://{Path(tmp) / 'r.sqlite3'}"),
        ):
            limiter = FixedWindowRateLimiter(storage_from_string(uri))
            keys = iter(range(10**9))
            rows.append(
                (
                    name,
                    _median_ms(lambda lim=limiter, k=keys: lim.hit(limit, str(next(k))), args.runs),
                )
            )
    print(f"| check ({args.runs} runs) | median ms |\n|---|---|")
    for name, ms in rows:
        print(f"| {name} | {ms:.3f} |")


if __name__ == "__main__":
    main()
