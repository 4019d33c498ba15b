"""Import a tablet's sync bundle: check its signature, keep its photos, push its mutations.

The same push service as a live sync applies the mutations, so importing a bundle twice,
or importing it and then syncing the same tablet normally, applies each mutation once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from server import security_images
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


def _check_photos(files: dict[str, bytes]) -> None:
    limit = current_app.config.get("MAX_IMAGE_PIXELS", 50_000_000)
    for sha, content in files.items():
        try:
            fmt = security_images.inspect(content, limit)[0]
        except security_images.ImageRefused as exc:
            raise BundleError(
                "bad_photo",
                f"Ảnh {sha[:12]}… trong tệp đồng bộ không dùng được: {exc.message} Không nhập gì.",
                f"Photo {sha[:12]}… in the bundle is unusable: {exc.message_en} Nothing imported.",
            ) from None
        if fmt not in photos.ALLOWED_FORMATS:
            raise BundleError(
                "bad_photo",
                f"Ảnh {sha[:12]}… có định dạng {fmt}, không được hỗ trợ. Không nhập gì.",
                f"Photo {sha[:12]}… is {fmt}, which is not supported. Nothing imported.",
            )


class BundleForbidden(Exception):
    """The importer may not write into the bundle's commune; nothing was written."""

    def __init__(self, commune_code: str):
        super().__init__(commune_code)
        self.commune_code = commune_code


def import_bundle(
    source: bytes | Path,
    importer: str,
    may_import: Callable[[str], bool] | None = None,
) -> ImportReport:
    """Apply a bundle. `may_import(commune_code)` is asked after the signature is checked and
    before anything is written, so a web user never writes outside their area."""
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
    if device.revoked_at is not None and device.revoke_mode != "drain":
        # "stop now" refuses everything, whichever way the data comes; a draining tablet may
        # still hand over what it holds, as it may over the API
        raise BundleError(
            "device_revoked",
            "Máy này đã bị thu hồi và dừng hẳn; không nhập tệp đồng bộ của nó. "
            "Hãy liên hệ quản trị viên đồng bộ.",
            "This device was revoked and stopped; its bundle is not imported. "
            "Contact the sync administrator.",
        )
    if may_import is not None and not may_import(device.commune_code):
        raise BundleForbidden(device.commune_code)
    _check_photos(bundle.photos)  # every photo first: a bad one leaves nothing behind
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
