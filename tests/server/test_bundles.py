"""Sync bundles: signed files carried by hand; exactly-once whatever the order of imports."""

from __future__ import annotations

import zipfile

import pytest

from server.extensions import db
from server.models import Photo, Record
from sync.bundle import BundleError, read_bundle, write_bundle
from sync.replica import Replica
from sync.replicator import sync_once
from tests.flask_transport import flask_transport
from tests.helpers import jpeg_bytes
from tests.server.test_web import add_user, csrf, login


@pytest.fixture
def tablet(app, client, device, tmp_path):
    """An enrolled tablet replica holding a new household and a land donation with a photo."""
    from sync.client import SyncClient

    replica = Replica(tmp_path / "tablet" / "replica.db")
    replica.set_meta(
        {"server_url": "http://server", "token": device.token, "device_id": device.device_id}
    )
    transport = flask_transport(app)
    sync_client = SyncClient("http://server", device.token, transport=transport)
    replica.save_scope(sync_client.scope())
    household = replica.save_record(
        "household", {"head_name": "Triệu Thị Mai", "members": 5}, "01936-T02"
    )
    photo = replica.add_photo(jpeg_bytes(text="bien ban"))
    replica.save_record(
        "contribution",
        {
            "kind": "land",
            "quantity": 30.0,
            "works": "canal",
            "date": "2026-11-20",
            "consent_photo": photo,
        },
        "01936-T02",
        household.uuid,
    )
    replica.sync_client = sync_client
    return replica


def records_of(app, device_id):
    with app.app_context():
        return db.session.query(Record).filter_by(device_id=device_id).count()


def test_bundle_imported_twice_then_synced_applies_everything_once(
    app, runner, device, tablet, tmp_path
):
    path = tmp_path / "the.chungsuc"
    manifest = write_bundle(tablet, path)
    assert manifest["mutations"] == 2 and len(manifest["photos"]) == 1
    first = runner.invoke(args=["import-bundle", str(path)])
    assert first.exit_code == 0, first.output
    assert "2 applied, 0 already there" in first.output and "1 new photos" in first.output
    second = runner.invoke(args=["import-bundle", str(path)])
    assert "0 applied, 2 already there" in second.output and "0 new photos" in second.output
    assert records_of(app, device.device_id) == 2
    report = sync_once(tablet, tablet.sync_client)  # the tablet reaches coverage later
    assert report.ok and report.pushed == 0 and report.bytes_sent < 5000
    assert records_of(app, device.device_id) == 2
    assert tablet.outbox_counts() == {"pending": 0, "rejected": 0, "photos": 0}


def test_sync_first_then_bundle_also_applies_once(app, runner, device, tablet, tmp_path):
    path = tmp_path / "late.chungsuc"
    write_bundle(tablet, path)
    assert sync_once(tablet, tablet.sync_client).pushed == 2
    late = runner.invoke(args=["import-bundle", str(path)])
    assert "0 applied, 2 already there" in late.output
    assert records_of(app, device.device_id) == 2


def test_an_altered_bundle_is_refused_whole(app, runner, device, tablet, tmp_path):
    path = tmp_path / "b.chungsuc"
    write_bundle(tablet, path)
    altered = tmp_path / "altered.chungsuc"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "mutations.jsonl":
                content = content.replace(b"30.0", b"3000.0")
            if item.filename == "manifest.json":
                import hashlib
                import json

                manifest = json.loads(content)
                lines = src.read("mutations.jsonl").replace(b"30.0", b"3000.0")
                manifest["mutations_sha256"] = hashlib.sha256(lines).hexdigest()
                content = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
            dst.writestr(item, content)
    result = runner.invoke(args=["import-bundle", str(altered)])
    assert result.exit_code != 0 and "bị thay đổi" in result.output
    assert records_of(app, device.device_id) == 0
    with app.app_context():
        assert db.session.query(Photo).filter_by(device_id=device.device_id).count() == 0


def test_damaged_files_get_a_clear_message(tmp_path):
    for content in (b"not a zip", b"PK\x03\x04broken"):
        with pytest.raises(BundleError) as info:
            read_bundle(content)
        assert info.value.code == "malformed" and "không phải tệp đồng bộ" in info.value.message


def test_board_imports_a_bundle_through_the_web_page(app, client, device, tablet, tmp_path):
    path = tmp_path / "web.chungsuc"
    write_bundle(tablet, path)
    login(client, "bql_naphac")
    token = csrf(client, "/bundles")
    with open(path, "rb") as fh:
        response = client.post(
            "/bundles",
            data={"csrf_token": token, "bundle": (fh, "b.zip")},
            content_type="multipart/form-data",
        )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Đã nhập: 2 bản ghi mới" in html
    with open(__file__, "rb") as fh:
        junk = client.post(
            "/bundles",
            data={"csrf_token": token, "bundle": (fh, "x.zip")},
            content_type="multipart/form-data",
        )
    assert junk.status_code == 422 and "không phải tệp đồng bộ" in junk.get_data(as_text=True)


def _post_bundle(client, path):
    token = csrf(client, "/bundles")
    with open(path, "rb") as fh:
        return client.post(
            "/bundles",
            data={"csrf_token": token, "bundle": (fh, "b.zip")},
            content_type="multipart/form-data",
        )


def test_another_communes_board_writes_nothing(app, client, device, tablet, tmp_path):
    """The area is asked after the signature and before any write: a 403 leaves no record,
    no revision and no photo behind."""
    path = tmp_path / "other.chungsuc"
    write_bundle(tablet, path)
    add_user(app, "bql_khac", "board", "01849")
    login(client, "bql_khac", "pw-bql_khac")
    assert _post_bundle(client, path).status_code == 403
    assert records_of(app, device.device_id) == 0
    with app.app_context():
        assert db.session.query(Photo).filter_by(device_id=device.device_id).count() == 0
    # the same file from the commune's own board goes in whole
    login(client, "bql_naphac")
    assert _post_bundle(client, path).status_code == 200
    assert records_of(app, device.device_id) == 2


@pytest.mark.parametrize("mode, imported", [("now", 0), ("drain", 2)])
def test_a_revoked_tablets_bundle_follows_its_revocation_mode(
    app, runner, device, tablet, tmp_path, mode, imported
):
    """'Stop now' refuses the tablet's data whichever way it comes; 'finish uploading' lets it
    hand over what it holds, as over the API."""
    from server.models import Device
    from server.services.revocation import revoke

    path = tmp_path / f"{mode}.chungsuc"
    write_bundle(tablet, path)
    with app.app_context():
        revoke(db.session.get(Device, device.device_id), mode, "qt_thainguyen")
        db.session.commit()
    result = runner.invoke(args=["import-bundle", str(path)])
    assert records_of(app, device.device_id) == imported
    if mode == "now":
        assert result.exit_code != 0 and "thu hồi" in result.output
    else:
        assert result.exit_code == 0, result.output
