"""The tablet's look-alike photo check, without a window: real pictures go through the
tablet's own pipeline (stamp, shrink) and hash; a re-compressed, resized copy of a photo
attached to another household is found, a different scene is not, and the officer's own
household, deleted records and replaced photos never raise a warning."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from PIL import Image, ImageDraw

from mobile_app.photo_capture import kept_photo
from mobile_app.photo_index import PhotoIndex
from sync.phash import image_hashes

AN, BINH, NEW = "household-an", "household-binh", ""
WHEN = dt.datetime(2025, 3, 4, 2, 0, tzinfo=dt.UTC)


def scene(seed: int, size=(1200, 900)) -> Image.Image:
    """A busy picture (shapes of many colours), different for each seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(40, 400), rng.randrange(40, 300)
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=tuple(rng.randrange(256) for _ in range(3)))
    return image


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture
def index(tmp_path):
    index = PhotoIndex(tmp_path / "photo_index.db")
    yield index
    index.close()


def taken(index: PhotoIndex, content: bytes) -> str:
    """What the form does with a new photo: keep it as the tablet does, then index it."""
    import hashlib

    kept = kept_photo(content, None, WHEN)
    sha = hashlib.sha256(kept).hexdigest()
    index.add(sha, image_hashes(kept)["phash"])
    return sha


def test_a_near_copy_attached_to_another_household_is_found(index):
    original = taken(index, jpeg(scene(1)))
    index.attach("record-1", AN, [original])
    copy = scene(1).resize((800, 600))
    near = taken(index, jpeg(copy, quality=55))  # resized and re-compressed
    other = taken(index, jpeg(scene(2)))
    found = index.look_alikes(near, BINH)
    assert [(m.household_id, m.sha256) for m in found] == [(AN, original)]
    assert near != original and found[0].distance <= index.threshold
    assert index.look_alikes(other, BINH) == []
    assert index.look_alikes(near, AN) == []  # the same household's own photos are fine
    assert [m.household_id for m in index.look_alikes(near, NEW)] == [AN]


def test_the_very_same_photo_is_distance_zero(index):
    sha = taken(index, jpeg(scene(3)))
    index.attach("record-1", AN, [sha])
    assert [(m.household_id, m.distance) for m in index.look_alikes(sha, BINH)] == [(AN, 0)]


def test_deleted_records_and_replaced_photos_no_longer_count(index):
    first, second = taken(index, jpeg(scene(4))), taken(index, jpeg(scene(5)))
    index.attach("record-1", AN, [first])
    index.attach("record-1", AN, [second])  # saved again with the other photo
    assert index.look_alikes(first, BINH) == []
    assert [m.sha256 for m in index.look_alikes(second, BINH)] == [second]
    index.detach("record-1")
    assert index.look_alikes(second, BINH) == []


def test_each_household_is_named_once_closest_first(index):
    base = scene(6)
    a = taken(index, jpeg(base))
    b = taken(index, jpeg(base.resize((900, 675)), quality=60))
    index.attach("record-a1", AN, [a, b])
    index.attach("record-b1", BINH, [b])
    found = index.look_alikes(a, "household-chi")
    assert [m.household_id for m in found] == [AN, BINH]
    assert found[0].distance == 0 and found[1].sha256 == b
