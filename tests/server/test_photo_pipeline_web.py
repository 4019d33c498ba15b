"""Where the pipeline's copies are served (SQLite and PostgreSQL): the web photo routes, the
household gallery, the PDF dossier and the tablet's thumbnail API, each falling back to the
original (or saying "pending") until the worker has run; a push returns before it runs."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from pypdf import PdfReader

from server.extensions import db
from server.models import Job, PhotoMeta
from server.services.worker import Worker
from tests.helpers import contribution, envelope
from tests.server import photo_samples as samples
from tests.server.conftest import enrol
from tests.server.test_web import add_user, csrf, login


@pytest.fixture
def device(app, client, demo):
    enrolled = enrol(app, client)
    Worker(app).run_until_idle()  # the demo commune's own photos
    return enrolled


def _rotated_photo_with_serial() -> bytes:
    """Stored landscape with orientation 6: upright it is a portrait. Carries a serial."""
    stored = samples.scene((600, 800)).transpose(Image.Transpose.ROTATE_90)
    return samples.with_gps(samples.jpeg(stored, orientation=6, serial=True))


def _push_with_photo(client, device, content: bytes, form: str = "contribution"):
    """Push a household and a record carrying the photo, then upload the photo."""
    sha = samples.sha(content)
    household = envelope(data={"head_name": "Lò Văn Ảnh", "members": 3})
    if form == "contribution":
        record = contribution(
            household["uuid"], 25, kind="land", data_extra={"consent_photo": sha}, photos=[sha]
        )
    else:
        answers = dict.fromkeys(CHECK_ANSWERS, True) | {"keeps_livestock": False}
        data = {"date": dt.date.today().isoformat(), "water_source": "drilled_well", **answers}
        record = envelope(form, data | {"photos": [sha]}, household_id=household["uuid"])
        record["photos"] = [sha]
    pushed = client.post(
        "/api/v1/sync/push", json={"records": [household, record]}, headers=device.headers
    )
    assert pushed.status_code == 200, pushed.json
    uploaded = client.put(
        f"/api/v1/photos/{sha}", data=content, headers=device.headers, content_type="image/jpeg"
    )
    assert uploaded.status_code == 201
    return sha, household["uuid"], record["uuid"]


CHECK_ANSWERS = (
    "clean_water",
    "hygienic_latrine",
    "bathroom",
    "covered_water_container",
    "clean_house",
    "clean_kitchen",
    "clean_lane",
    "sorts_waste",
)


def _get(client, url: str):
    response = client.get(url)
    body = response.get_data()
    response.close()  # a file response holds the file open until closed
    return response, body


def test_push_and_upload_return_before_the_pipeline_and_its_results_appear_after(
    app, client, device
):
    content = _rotated_photo_with_serial()
    sha, _, _ = _push_with_photo(client, device, content)
    with app.app_context():
        assert db.session.get(PhotoMeta, sha) is None
        [job] = [j for j in db.session.query(Job) if j.payload == {"sha256": sha}]
        assert job.state == "queued" and job.attempts == 0
    assert Worker(app).run_until_idle() == 1
    with app.app_context():
        row = db.session.get(PhotoMeta, sha)
        assert (row.width, row.height) == (600, 800) and row.gps_lat is not None


def test_web_photo_routes_serve_the_original_until_the_copies_are_ready(app, client, device):
    content = _rotated_photo_with_serial()
    sha, _, _ = _push_with_photo(client, device, content)
    login(client, "bql_naphac")
    for url in (f"/photos/{sha}", f"/photos/{sha}/thumb/256", f"/photos/{sha}/thumb/1024"):
        response, body = _get(client, url)
        assert response.status_code == 200 and body == content, url
        assert "no-cache" in response.headers["Cache-Control"]
    Worker(app).run_until_idle()
    expected = {"": (600, 800), "/thumb/256": (192, 256), "/thumb/1024": (600, 800)}
    for suffix, size in expected.items():
        response, body = _get(client, f"/photos/{sha}{suffix}")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert samples.SERIAL.encode() not in body, suffix
        assert Image.open(io.BytesIO(body)).size == size, suffix
        assert response.headers["Cache-Control"] == "private, max-age=86400"
    assert client.get(f"/photos/{sha}/thumb/999").status_code == 404
    add_user(app, "board_other", "board", "01849")
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, "board_other", "pw-board_other")
    for suffix in expected:
        assert client.get(f"/photos/{sha}{suffix}").status_code == 404


def test_the_household_gallery_shows_thumbnails(app, client, device):
    sha, household_id, _ = _push_with_photo(
        client, device, samples.jpeg(samples.scene()), form="environment_check"
    )
    login(client, "bql_naphac")
    html = client.get(f"/communes/01936/households/{household_id}/checks").get_data(as_text=True)
    assert f'src="/photos/{sha}/thumb/256"' in html and f'href="/photos/{sha}"' in html


def test_the_review_record_page_shows_thumbnails(app, client, device):
    sha, _, record_uuid = _push_with_photo(client, device, samples.jpeg(samples.scene()))
    login(client, "bql_naphac")
    html = client.get(f"/records/{record_uuid}").get_data(as_text=True)
    assert f'src="/photos/{sha}/thumb/256"' in html and f'href="/photos/{sha}"' in html


def _pdf(client) -> tuple[bytes, list[tuple[int, int]]]:
    response = client.get("/communes/01936/exports/dossier.pdf")
    assert response.status_code == 200
    body = response.get_data()
    reader = PdfReader(io.BytesIO(body))
    return body, [img.image.size for page in reader.pages for img in page.images]


def test_the_pdf_dossier_prints_the_upright_thumbnail_without_the_serial(app, client, device):
    _push_with_photo(client, device, _rotated_photo_with_serial())
    login(client, "bql_naphac")
    body, sizes = _pdf(client)
    assert (800, 600) in sizes  # the original, as stored, while the pipeline has not run
    assert samples.SERIAL.encode() in body  # ...with its EXIF embedded in the PDF
    Worker(app).run_until_idle()
    body, after = _pdf(client)
    assert len(after) == len(sizes)
    assert (600, 800) in after and (800, 600) not in after  # upright now
    assert samples.SERIAL.encode() not in body


# --- the tablet's thumbnail API --------------------------------------------------------------


def test_a_tablet_fetches_a_thumbnail_once_it_is_made(app, client, device):
    sha, _, _ = _push_with_photo(client, device, _rotated_photo_with_serial())
    url = f"/api/v1/photos/{sha}/thumbnail"
    pending = client.get(url, headers=device.headers)
    assert pending.status_code == 404 and pending.json["code"] == "thumbnail_pending"
    assert pending.headers["Retry-After"] == "30" and "thử lại" in pending.json["message"]
    Worker(app).run_until_idle()
    response, body = _get_api(client, url, device)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(body)).size == (192, 256)
    assert samples.SERIAL.encode() not in body
    response, body = _get_api(client, url + "?size=1024", device)
    assert Image.open(io.BytesIO(body)).size == (600, 800)
    bad = client.get(url + "?size=7", headers=device.headers)
    assert bad.status_code == 400 and bad.json["code"] == "bad_size"
    assert client.get("/api/v1/photos/NOTAHASH/thumbnail", headers=device.headers).status_code in (
        400,
        404,
    )


def _get_api(client, url, device):
    response = client.get(url, headers=device.headers)
    body = response.get_data()
    response.close()
    return response, body


def test_a_tablet_of_another_commune_gets_no_thumbnail(app, client, device):
    sha, _, _ = _push_with_photo(client, device, samples.jpeg(samples.scene()))
    Worker(app).run_until_idle()
    other = enrol(app, client, commune="01849")
    response = client.get(f"/api/v1/photos/{sha}/thumbnail", headers=other.headers)
    assert response.status_code == 404 and response.json["code"] == "photo_missing"


def test_a_photo_the_pipeline_could_not_read_is_a_clear_422(app, client, device):
    whole = samples.jpeg(samples.scene((800, 600)))
    sha, _, _ = _push_with_photo(client, device, whole[: len(whole) // 2])
    Worker(app).run_until_idle()
    response = client.get(f"/api/v1/photos/{sha}/thumbnail", headers=device.headers)
    assert response.status_code == 422 and response.json["code"] == "photo_unreadable"
    assert "hỏng" in response.json["message"]
