"""The photo pipeline on real images made in the tests (SQLite and PostgreSQL): photos go in
through the upload API, a Worker runs the queued jobs, and the results are read back."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from server.extensions import db
from server.models import Job, PhotoMeta
from server.models.types import utcnow
from server.services import jobs, photo_pipeline, photo_thumbs
from server.services.worker import Worker
from sync import phash
from tests.server import photo_samples as samples
from tests.server.conftest import enrol


@pytest.fixture
def device(app, client, demo):
    """An enrolled tablet, with the demo commune's own photos already processed."""
    enrolled = enrol(app, client)
    Worker(app).run_until_idle()
    return enrolled


def upload(client, device, content: bytes) -> str:
    sha = samples.sha(content)
    response = client.put(
        f"/api/v1/photos/{sha}",
        data=content,
        headers=device.headers,
        content_type="application/octet-stream",
    )
    assert response.status_code == 201, response.json
    return sha


def meta(app, sha: str) -> PhotoMeta | None:
    with app.app_context():
        db.session.expire_all()
        return db.session.get(PhotoMeta, sha)


def copy(app, sha: str, kind: str) -> Image.Image:
    with app.app_context():
        path = photo_thumbs.derived_path(sha, kind)
    with Image.open(path) as im:
        im.load()
        return im


def test_a_stamped_camera_photo_gives_gps_time_hashes_and_upright_copies(app, client, device):
    content = samples.with_gps(samples.jpeg(samples.scene((1200, 1600)), serial=True))
    sha = upload(client, device, content)
    assert meta(app, sha) is None  # the upload returned before any of the work
    assert Worker(app).run_until_idle() == 1
    row = meta(app, sha)
    assert row.error is None and row.processed_at is not None
    assert (row.width, row.height) == (1200, 1600)
    assert abs(row.gps_lat - 21.0285) < 1e-6 and abs(row.gps_lon - 105.8542) < 1e-6
    assert row.gps_accuracy_m == 4.5
    assert row.exif_taken_at == dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC)
    assert row.exif_time_offset is not None  # photo_stamp writes OffsetTimeOriginal
    assert row.has_device_serial is True
    assert {"phash": row.phash, "dhash": row.dhash} == phash.image_hashes(content)
    assert copy(app, sha, "256").size == (192, 256)
    assert copy(app, sha, "1024").size == (768, 1024)
    assert copy(app, sha, "web").size == (1200, 1600)  # long edge 1600: kept as it is


def test_the_web_copy_keeps_gps_and_time_but_no_serial_or_owner(app, client, device):
    content = samples.with_gps(samples.jpeg(samples.scene(), serial=True))
    sha = upload(client, device, content)
    Worker(app).run_until_idle()
    with app.app_context():
        original = samples.SERIAL.encode() in photo_thumbs.photo_path(sha).read_bytes()
        files = {k: photo_thumbs.derived_path(sha, k).read_bytes() for k in photo_thumbs.KINDS}
    assert original  # the original is evidence and stays as it came
    for kind, data in files.items():
        assert samples.SERIAL.encode() not in data, kind
        assert samples.OWNER.encode() not in data, kind
    web = copy(app, sha, "web").getexif()
    assert web.get_ifd(0x8825)[2]  # GPSLatitude kept
    assert web.get_ifd(0x8769)[0x9003]  # DateTimeOriginal kept
    assert 0xA431 not in web.get_ifd(0x8769) and 0xA430 not in web.get_ifd(0x8769)
    assert web[0x010F] == "samsung"  # a camera make identifies nobody
    assert not copy(app, sha, "256").getexif()  # thumbnails carry no EXIF at all


def test_a_photo_without_gps_has_no_position_and_assumes_vietnam_time(app, client, device):
    content = samples.jpeg(samples.scene(), taken="2025:04:02 08:00:00")
    sha = upload(client, device, content)
    Worker(app).run_until_idle()
    row = meta(app, sha)
    assert row.error is None
    assert row.gps_lat is None and row.gps_lon is None and row.gps_accuracy_m is None
    assert row.exif_taken_at == dt.datetime(2025, 4, 2, 1, 0, tzinfo=dt.UTC)
    assert row.exif_time_offset is None and row.has_device_serial is False


def test_an_explicit_offset_is_used_for_the_capture_time(app, client, device):
    content = samples.jpeg(samples.scene(), taken="2025:04:02 08:00:00", offset="+09:00")
    sha = upload(client, device, content)
    Worker(app).run_until_idle()
    row = meta(app, sha)
    assert row.exif_taken_at == dt.datetime(2025, 4, 1, 23, 0, tzinfo=dt.UTC)
    assert row.exif_time_offset == "+09:00"


def _top_and_bottom(im: Image.Image) -> tuple[tuple, tuple]:
    rgb = im.convert("RGB")
    width, height = rgb.size
    return rgb.getpixel((width // 2, height // 8)), rgb.getpixel((width // 2, height * 7 // 8))


def _is(colour, target) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(colour, target, strict=True))


def test_rotated_photos_come_out_upright(app, client, device):
    upright = samples.scene((300, 400))
    # Stored pixels such that applying the orientation tag gives the upright scene back.
    stored = {
        1: upright,
        3: upright.transpose(Image.Transpose.ROTATE_180),
        6: upright.transpose(Image.Transpose.ROTATE_90),
        8: upright.transpose(Image.Transpose.ROTATE_270),
    }
    hashes = {}
    for orientation, pixels in stored.items():
        sha = upload(client, device, samples.jpeg(pixels, orientation=orientation))
        Worker(app).run_until_idle()
        row = meta(app, sha)
        assert (row.width, row.height) == (300, 400), orientation
        hashes[orientation] = row.phash
        for kind in photo_thumbs.KINDS:
            im = copy(app, sha, kind)
            assert im.width < im.height, (orientation, kind)
            top, bottom = _top_and_bottom(im)
            assert _is(top, samples.RED) and _is(bottom, samples.BLUE), (orientation, kind)
            assert im.getexif().get(0x0112, 1) == 1
    assert all(phash.hamming(hashes[1], h) <= phash.PHASH_NEAR for h in hashes.values())


def test_a_png_is_read_by_its_content_and_its_copies_are_jpeg(app, client, device):
    content = samples.png(samples.scene())
    sha = upload(client, device, content)
    Worker(app).run_until_idle()
    row = meta(app, sha)
    assert row.error is None and row.gps_lat is None and row.phash
    assert copy(app, sha, "256").format == "JPEG"


def _bad_file_is_recorded_once(app, sha: str, code: str) -> PhotoMeta:
    assert Worker(app).run_until_idle() == 1
    row = meta(app, sha)
    assert row.error_code == code
    assert " / " in row.error  # Vietnamese, then English
    assert row.phash is None and row.width is None
    with app.app_context():
        [job] = [j for j in db.session.query(Job) if j.payload == {"sha256": sha}]
        assert job.state == "done" and job.attempts == 1  # recorded, not retried
        # No retry storm: nothing is due again, not even much later.
        assert jobs.claim("later", now=utcnow() + dt.timedelta(days=1)) is None
        assert photo_thumbs.ready_path(sha, "256") is None
    return row


def test_a_truncated_jpeg_is_a_readable_error_not_a_retry_storm(app, client, device):
    whole = samples.jpeg(samples.scene((800, 600)))
    sha = upload(client, device, whole[: len(whole) // 2])  # the upload itself accepts it
    row = _bad_file_is_recorded_once(app, sha, "photo_unreadable")
    assert "hỏng" in row.error


def _put_photo(app, content: bytes, content_type: str) -> str:
    """Store a file and its row directly, as a path that trusted a name would."""
    from server.models import Photo

    sha = samples.sha(content)
    with app.app_context():
        path = photo_thumbs.photo_path(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        db.session.add(
            Photo(sha256=sha, size=len(content), content_type=content_type, width=1, height=1)
        )
        jobs.enqueue("photo_pipeline", {"sha256": sha})
        db.session.commit()
    return sha


def test_a_png_recorded_as_a_jpeg_is_a_readable_error(app):
    sha = _put_photo(app, samples.png(samples.scene()), "image/jpeg")
    row = _bad_file_is_recorded_once(app, sha, "format_mismatch")
    assert "PNG" in row.error and "image/jpeg" in row.error


def test_a_decompression_bomb_is_refused_before_decoding(app):
    bomb = io.BytesIO()
    Image.new("1", (14000, 14000)).save(bomb, "PNG")  # 196 Mpx in a few kB
    sha = _put_photo(app, bomb.getvalue(), "image/png")
    _bad_file_is_recorded_once(app, sha, "photo_too_large")


def test_the_pixel_limit_is_configurable(app, client, device):
    app.config["PHOTO_MAX_PIXELS"] = 100_000
    sha = upload(client, device, samples.jpeg(samples.scene((400, 300))))
    row = _bad_file_is_recorded_once(app, sha, "photo_too_large")
    assert "100,000" in row.error


def test_a_file_damaged_on_disk_is_a_readable_error(app, client, device):
    sha = upload(client, device, samples.jpeg(samples.scene()))
    with app.app_context():
        path = photo_thumbs.photo_path(sha)
        path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    _bad_file_is_recorded_once(app, sha, "file_damaged")


def test_listeners_are_called_in_the_jobs_transaction(app, client, device):
    seen = []

    def listener(sha):
        # The row is visible to the listener (same session, flushed, not yet committed).
        row = db.session.get(PhotoMeta, sha)
        seen.append((sha, row is not None, row.error_code))

    good = upload(client, device, samples.jpeg(samples.scene()))
    bad_content = samples.jpeg(samples.scene((640, 480)))
    bad = upload(client, device, bad_content[:2000])
    photo_pipeline.on_photo_processed(listener)
    try:
        assert Worker(app).run_until_idle() == 2
    finally:
        photo_pipeline.remove_listener(listener)
    assert sorted(seen) == sorted([(good, True, None), (bad, True, "photo_unreadable")])


def test_a_failing_listener_rolls_the_row_back_and_the_job_is_retried(app, client, device):
    def broken(_sha):
        raise RuntimeError("integrity store unavailable")

    sha = upload(client, device, samples.jpeg(samples.scene()))
    photo_pipeline.on_photo_processed(broken)
    try:
        assert Worker(app).run_until_idle() == 1
    finally:
        photo_pipeline.remove_listener(broken)
    assert meta(app, sha) is None  # nothing half-written
    with app.app_context():
        [job] = [j for j in db.session.query(Job) if j.payload == {"sha256": sha}]
        assert job.state == "queued" and "integrity store unavailable" in job.last_error
        job.run_after = utcnow() - dt.timedelta(seconds=1)  # skip the backoff wait
        db.session.commit()
    # Once the listener is gone (fixed), the retried job succeeds: the pipeline is idempotent.
    assert Worker(app).run_until_idle() == 1
    assert meta(app, sha).error is None
