"""Logic under the screens, without a window: GPS warnings, drafts, photo stamps, records to
redo, and the desktop location's configuration."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import ExifTags, Image

from mobile_app.devices.location import DesktopLocation, Fix
from mobile_app.drafts import Drafts
from mobile_app.geopoint import describe, warnings
from mobile_app.photo_stamp import stamp
from sync.replica import Replica
from tests.helpers import jpeg_bytes

NA_PHAC = {
    "type": "Polygon",
    "coordinates": [
        [[105.96, 22.42], [105.98, 22.42], [105.98, 22.435], [105.96, 22.435], [105.96, 22.42]]
    ],
}
INSIDE = {"lat": 22.4275, "lon": 105.97, "accuracy": 8.0}


def test_a_good_fix_inside_the_village_has_no_warning():
    assert describe(INSIDE) == "22.42750, 105.97000 (±8 m)"
    assert warnings(INSIDE, NA_PHAC, "Thôn Nà Phặc") == []


def test_poor_accuracy_outside_and_mock_are_each_explained():
    far = {"lat": 22.45, "lon": 105.97, "accuracy": 35.4}
    vi = warnings(far, NA_PHAC, "Thôn Nà Phặc", mock=True)
    assert vi[0].startswith("Độ chính xác kém (±35 m")
    assert "ngoài ranh giới Thôn Nà Phặc" in vi[1]
    assert "giả lập" in vi[2]
    assert warnings(far, NA_PHAC, "Na Phac", lang="en")[1].startswith("The position is outside")


def test_without_a_boundary_or_accuracy_only_what_is_known_is_said():
    assert len(warnings({"lat": 1.0, "lon": 2.0}, None)) == 1  # accuracy unknown: warned
    broken = {"type": "Polygon", "coordinates": [[["x"]]]}
    assert warnings(INSIDE, broken) == []  # a damaged boundary never accuses the officer


def test_desktop_location_from_configuration():
    gps = DesktopLocation.from_text("22.4275,105.97,12")
    assert gps.available and gps.last.accuracy == 12
    assert gps.last.answer() == {"lat": 22.4275, "lon": 105.97, "accuracy": 12.0}
    assert not DesktopLocation().available
    with pytest.raises(ValueError):
        DesktopLocation.from_text("22.4")
    fix = Fix(22.4, 105.9, None, "2025-03-01T02:00:00Z")
    assert fix.answer() == {"lat": 22.4, "lon": 105.9}


def test_drafts_survive_reopening_and_are_discarded_on_save(tmp_path):
    drafts = Drafts(tmp_path / "drafts.db")
    drafts.save("contribution", "hh-1", "01936-T01", {"kind": "land", "quantity": 42.5})
    drafts.save("household", "", "01936-T01", {"head_name": "Lò Văn Sáng"})
    drafts.close()  # as if the app were killed: a new process opens the file again
    again = Drafts(tmp_path / "drafts.db")
    assert again.load("contribution", "hh-1", "01936-T01") == {"kind": "land", "quantity": 42.5}
    assert again.latest()["form_id"] == "household"
    again.discard("household", "", "01936-T01")
    assert again.load("household", "", "01936-T01") is None
    assert again.latest()["household_id"] == "hh-1"


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        return {
            "gps": dict(exif.get_ifd(ExifTags.IFD.GPSInfo)),
            "taken": exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal),
            "size": im.size,
        }


def test_stamp_writes_position_accuracy_and_time_without_touching_the_pixels():
    original = jpeg_bytes(color=(60, 90, 140), size=(640, 480), text="x")
    when = dt.datetime(2025, 3, 1, 9, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    stamped = stamp(original, 22.4275, 105.97, 8.5, when)
    seen = gps_of(stamped)
    gps = seen["gps"]
    assert gps[1] == "N" and gps[3] == "E" and gps[18] == "WGS-84"
    lat = sum(float(v) / 60**i for i, v in enumerate(gps[2]))
    lon = sum(float(v) / 60**i for i, v in enumerate(gps[4]))
    assert lat == pytest.approx(22.4275, abs=1e-6) and lon == pytest.approx(105.97, abs=1e-6)
    assert float(gps[31]) == 8.5
    assert gps[29] == "2025:03:01" and [float(v) for v in gps[7]] == [2, 15, 30]  # UTC
    assert seen["size"] == (640, 480)
    # the entropy-coded pixels are byte for byte the camera's
    assert stamped[stamped.index(b"\xff\xda") :] == original[original.index(b"\xff\xda") :]
    # stamping again replaces the position, never stacks a second Exif segment
    restamped = stamp(stamped, -1.5, -2.25, None, when)
    assert restamped.count(b"Exif\x00\x00") == 1
    assert gps_of(restamped)["gps"][1] == "S" and 31 not in gps_of(restamped)["gps"]


def test_stamp_turns_a_png_into_a_stamped_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 10)).save(buffer, "PNG")
    out = stamp(buffer.getvalue(), 10.0, 106.0, 3.0, dt.datetime.now(dt.UTC))
    assert out.startswith(b"\xff\xd8") and gps_of(out)["gps"][2]


def test_records_to_redo_lists_rejections_with_the_servers_reason(tmp_path):
    replica = Replica(tmp_path / "replica.db")
    replica.set_meta({"commune_code": "01936"})
    replica.save_scope(
        {
            "commune": {"code": "01936", "name": "Xã Thử"},
            "villages": [{"code": "01936-T01", "name": "Thôn Nà Phặc", "geometry": NA_PHAC}],
        }
    )
    assert replica.village("01936-T01")["geometry"] == NA_PHAC
    assert replica.village("nope") is None
    household = replica.save_record(
        "household", {"head_name": "Hà Văn Long", "members": 3}, "01936-T01"
    )
    check = replica.save_record(
        "contribution",
        {"kind": "cash", "quantity": 100000.0, "works": "canal", "date": "2025-03-01"},
        "01936-T01",
        household.uuid,
    )
    assert replica.records_to_redo() == []
    replica.apply_push_results(
        [
            {
                "status": "rejected",
                "mutation_id": check.mutation_id,
                "uuid": check.uuid,
                "errors": [
                    {
                        "field": "quantity",
                        "message": "Số tiền quá lớn.",
                        "message_en": "Amount too large.",
                    }
                ],
            }
        ]
    )
    (redo,) = replica.records_to_redo()
    assert redo["uuid"] == check.uuid and redo["household"]["head_name"] == "Hà Văn Long"
    assert redo["errors"][0]["message"] == "Số tiền quá lớn."
    replica.close()
