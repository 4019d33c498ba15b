"""Import a tablet's sync bundle: check its signature, keep its photos, push its mutations.

The same push service as a live sync applies the mutations, so importing a bundle twice,
or importing it and then syncing the same tablet normally, applies each mutation once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from server.extensions import db
from server.models import Device
from server.services import photos
from server.services.push import Author, push
from sync.bundle import BundleError, read_bundle


@dataclass(frozen=True)
class ImportReport:
    device_id: str
    commune_code: str
    applied: int
    replayed: int
    conflicts: int
    photos_added: int


def import_bundle(source: bytes | Path, importer: str) -> ImportReport:
    bundle = read_bundle(source)
    device = db.session.get(Device, str(bundle.manifest.get("device_id")))
    if device is None:
        raise BundleError(
            "unknown_device",
            "Tệp đồng bộ của một máy chưa đăng ký; không nhập.",
            "The bundle comes from a device that is not enrolled; nothing imported.",
        )
    bundle.verify(bytes.fromhex(device.token_hash))
    if bundle.manifest.get("commune_code") != device.commune_code:
        raise BundleError(
            "wrong_commune",
            "Tệp đồng bộ không thuộc xã của máy này.",
            "The bundle is not for this device's commune.",
        )
    added = 0
    for sha, content in bundle.photos.items():
        added += photos.store(sha, content, device.id)[1]
    results = []
    if bundle.mutations:
        results = push(
            device.commune_code, bundle.mutations, Author(device_id=device.id, username=importer)
        )
    return ImportReport(
        device_id=device.id,
        commune_code=device.commune_code,
        applied=sum(r["status"] == "applied" and not r.get("replayed") for r in results),
        replayed=sum(bool(r.get("replayed")) for r in results),
        conflicts=sum(r["status"] == "conflict" for r in results),
        photos_added=added,
    )
