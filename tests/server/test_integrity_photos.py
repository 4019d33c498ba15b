"""Photo-level integrity flags with real images made here: EXIF-rotated, re-compressed and
resized copies of one scene on different households are near-duplicates, different scenes
are not, the same file twice is an exact duplicate; a photo far from the house, outside the
village, or taken days away from its record. Flags appear whether the photo is processed
before or after its record is pushed, and close when a record is deleted.
SQLite and PostgreSQL.

The photo's facts (hashes, EXIF GPS and time) are written here the way the photo pipeline
writes them (PhotoMeta, then the `on_photo_processed` listener in the same transaction)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from PIL import Image
from sqlalchemy import select

from server.extensions import db
from server.models import IntegrityFlag, PhotoMeta, Record
from server.services import integrity, photos
from sync import phash
from tests.helpers import COMMUNE, contribution, envelope
from tests.server.test_push import push
from tests.sync.test_phash import STORED_AS, jpeg, scene


def store_and_process(app, content, *, gps=None, accuracy=None, taken_at=None) -> str:
    sha = hashlib.sha256(content).hexdigest()
    with app.app_context():
        photos.store(sha, content, None)
        hashes = phash.image_hashes(content)
        db.session.add(
            PhotoMeta(
                sha256=sha,
                processed_at=dt.datetime.now(dt.UTC),
                phash=hashes["phash"],
                dhash=hashes["dhash"],
                gps_lat=gps[0] if gps else None,
                gps_lon=gps[1] if gps else None,
                gps_accuracy_m=accuracy,
                exif_taken_at=taken_at,
            )
        )
        db.session.flush()
        integrity.refresh_photo(sha)  # what the pipeline's listener does
        db.session.commit()
    return sha


def home(name, lat=22.4275, lon=105.97):
    data = {"head_name": name, "members": 3, "location": {"lat": lat, "lon": lon, "accuracy": 5}}
    return envelope(data=data)


def with_photo(household, sha):
    return contribution(
        household["uuid"], 2, kind="labour", data_extra={"photos": [sha]}, photos=[sha]
    )


def check_with_photo(household, sha):
    """An environment check (an observation: it can be deleted, unlike a ledger entry)."""
    data = {
        "date": dt.date.today().isoformat(),
        "clean_water": True,
        "water_source": "drilled_well",
        "hygienic_latrine": True,
        "bathroom": True,
        "covered_water_container": True,
        "clean_house": True,
        "clean_kitchen": True,
        "clean_lane": True,
        "sorts_waste": True,
        "keeps_livestock": False,
        "photos": [sha],
    }
    return envelope("environment_check", data, household_id=household["uuid"], photos=[sha])


def open_flags(app, kind=None):
    with app.app_context():
        query = select(IntegrityFlag).where(IntegrityFlag.state == "open")
        if kind:
            query = query.where(IntegrityFlag.kind == kind)
        return {(f.kind, f.household_id): f.details for f in db.session.scalars(query)}


def variants() -> dict[str, bytes]:
    upright = scene(7)
    small = io.BytesIO()
    upright.resize((600, 450), Image.Resampling.LANCZOS).save(small, "JPEG", quality=85)
    return {
        "original": jpeg(upright, quality=92),
        "rotated": jpeg(upright.transpose(STORED_AS[6]), orientation=6),
        "recompressed": jpeg(upright, quality=25),
        "resized": small.getvalue(),
    }


def test_copies_of_one_scene_are_near_duplicates_and_other_scenes_are_not(app, client, device):
    copies = variants()
    houses = {name: home(f"Hộ {name}") for name in [*copies, "other1", "other2", "same_file"]}
    # Two photos processed before the push (the push computes their flags), the rest after.
    early = {n: store_and_process(app, copies[n]) for n in ("original", "rotated")}
    records = {n: with_photo(houses[n], early[n]) for n in early}
    assert push(client, device, *houses.values(), *records.values()).status_code == 200
    late = {n: copies[n] for n in ("recompressed", "resized")}
    late |= {"other1": jpeg(scene(8)), "other2": jpeg(scene(9))}
    shas = dict(early)
    for name, content in late.items():
        sha = hashlib.sha256(content).hexdigest()
        shas[name] = sha
        records[name] = with_photo(houses[name], sha)
    shas["same_file"] = shas["original"]
    records["same_file"] = check_with_photo(houses["same_file"], shas["original"])
    late_records = [records[n] for n in (*late, "same_file")]
    assert push(client, device, *late_records).status_code == 200
    for content in late.values():
        store_and_process(app, content)

    near = open_flags(app, "near_duplicate_photo")
    scene_houses = {
        houses[n]["uuid"] for n in ("original", "rotated", "recompressed", "resized", "same_file")
    }
    assert {h for _, h in near} == scene_houses
    for (_, hid), details in near.items():
        assert 0 <= details["distance"] <= phash.PHASH_NEAR
        named = {o["household"] for o in details["others"]}
        assert hid not in named and named <= scene_houses
    exact = open_flags(app, "duplicate_photo")
    assert set(exact) == {
        ("duplicate_photo", houses["original"]["uuid"]),
        ("duplicate_photo", houses["same_file"]["uuid"]),
    }
    assert (
        exact[("duplicate_photo", houses["original"]["uuid"])]["others"][0]["name"]
        == "Hộ same_file"
    )
    others = {houses["other1"]["uuid"], houses["other2"]["uuid"]}
    assert not any(h in others for _, h in open_flags(app))

    with app.app_context():  # recomputing from scratch finds exactly the same flags
        before = {(f.key, f.state) for f in db.session.scalars(select(IntegrityFlag))}
        outcome = integrity.recompute_commune(COMMUNE)
        db.session.commit()
        assert (outcome.opened, outcome.closed) == (0, 0)
        assert {(f.key, f.state) for f in db.session.scalars(select(IntegrityFlag))} == before

    # The household that reused the file deletes its record: its flags and the original's
    # exact-duplicate flag close; the original is still near the other copies.
    with app.app_context():
        version = db.session.get(Record, records["same_file"]["uuid"]).version
    gone = dict(
        records["same_file"],
        mutation_id=envelope()["mutation_id"],
        base_version=version,
        deleted=True,
        reason="nhập nhầm ảnh",
    )
    assert push(client, device, gone).status_code == 200
    assert ("duplicate_photo", houses["original"]["uuid"]) not in open_flags(app)
    assert not any(h == houses["same_file"]["uuid"] for _, h in open_flags(app))
    assert ("near_duplicate_photo", houses["original"]["uuid"]) in open_flags(app)


def test_where_and_when_the_photo_was_taken(app, client, device, demo):
    house = home("Ma Văn Long")  # registered at 22.4275, 105.97 in T01
    near_house = store_and_process(
        app, jpeg(scene(21)), gps=(22.4277, 105.9702), accuracy=8, taken_at=dt.datetime.now(dt.UTC)
    )
    elsewhere = store_and_process(
        app,
        jpeg(scene(22)),
        gps=(22.43, 105.99),
        accuracy=120,
        taken_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=9),
    )
    good, doubtful = with_photo(house, near_house), with_photo(house, elsewhere)
    assert push(client, device, house, good, doubtful).status_code == 200
    flags = open_flags(app)
    with app.app_context():
        by_record = {}
        for f in db.session.scalars(select(IntegrityFlag).where(IntegrityFlag.state == "open")):
            by_record.setdefault(f.record_uuid, {})[f.kind] = f
    assert good["uuid"] not in by_record
    found = by_record[doubtful["uuid"]]
    assert set(found) == {"far_from_household", "outside_village", "gps_accuracy", "capture_time"}
    assert all(f.photo_sha256 == elsewhere for f in found.values())
    assert 2000 < found["far_from_household"].details["distance_m"] < 2200
    assert "cách nhà hộ Ma Văn Long khoảng" in found["far_from_household"].reason_vi
    assert found["outside_village"].details["found_village"] == f"{COMMUNE}-T02"
    assert "9 ngày trước khi ghi hồ sơ" in found["capture_time"].reason_vi
    assert found["capture_time"].details["gap_hours"] < -200
    app.config["INTEGRITY_FAR_FROM_HOUSEHOLD_M"] = 5000  # the distance is configurable
    with app.app_context():
        integrity.refresh_records(COMMUNE, [doubtful["uuid"]])
        db.session.commit()
    assert ("far_from_household", house["uuid"]) not in open_flags(app)
    assert flags  # the earlier snapshot had it


def test_document_photos_are_checked_for_exact_reuse_only(app, client, device, demo):
    """Photos of paper minutes look alike to a perceptual hash (these two are 0 bits apart),
    so a consent photo is only flagged when the very same file is reused."""
    minutes = [demo._minutes_photo(f"Bien ban so {n} (kiem thu)") for n in (1, 2)]
    assert phash.hamming(phash.phash(minutes[0]), phash.phash(minutes[1])) <= phash.PHASH_NEAR
    shas = [store_and_process(app, content) for content in minutes]
    houses = [home(f"Hộ hiến đất {n}") for n in range(3)]

    def land(house, sha):
        return contribution(
            house["uuid"], 40, kind="land", data_extra={"consent_photo": sha}, photos=[sha]
        )

    gifts = [land(houses[0], shas[0]), land(houses[1], shas[1]), land(houses[2], shas[0])]
    assert push(client, device, *houses, *gifts).status_code == 200
    found = open_flags(app)
    assert set(found) == {
        ("duplicate_photo", houses[0]["uuid"]),
        ("duplicate_photo", houses[2]["uuid"]),
    }


def test_the_real_photo_pipeline_raises_the_flags_after_the_push(app, client, device):
    """Records first, photos after (as a tablet syncs): the worker runs the photo pipeline,
    whose listener computes the flags from the EXIF the tablet stamped and the hashes."""
    from mobile_app.photo_stamp import stamp
    from server.services.worker import Worker

    when = dt.datetime.now(dt.UTC)
    copies = variants()
    near_house = stamp(copies["original"], 22.4276, 105.9701, 6.0, when)
    far_away = stamp(copies["recompressed"], 22.43, 105.99, 6.0, when)  # T02, 2 km off
    other = stamp(jpeg(scene(41)), 22.4275, 105.97, 6.0, when)
    houses = [home(f"Hộ {n}") for n in range(3)]
    shas = [hashlib.sha256(c).hexdigest() for c in (near_house, far_away, other)]
    recs = [with_photo(h, s) for h, s in zip(houses, shas, strict=True)]
    assert push(client, device, *houses, *recs).status_code == 200
    assert open_flags(app) == {}  # the photos have not arrived yet
    with app.app_context():
        for sha, content in zip(shas, (near_house, far_away, other), strict=True):
            photos.store(sha, content, device.device_id)
        db.session.commit()
    assert Worker(app).run_until_idle() >= 3  # and the demo's own photos
    found = open_flags(app)
    assert set(found) == {
        ("near_duplicate_photo", houses[0]["uuid"]),
        ("near_duplicate_photo", houses[1]["uuid"]),
        ("far_from_household", houses[1]["uuid"]),
        ("outside_village", houses[1]["uuid"]),
    }
