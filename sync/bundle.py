"""Sync bundles: a tablet's unsent changes and photos in one signed file, for places with no
signal at all. The officer copies it to an SD card or USB stick; the commune office imports
it. The bundle marks nothing as sent: the tablet's next normal sync pushes the same
mutations, which the server answers as replays, so everything still applies exactly once.

Format (a zip file): `manifest.json` (device, commune, counts, the SHA-256 of the mutations
file and the list of photo hashes), `mutations.jsonl` (one envelope per line), `photos/<sha256>`
(the photo bytes, named by their hash) and `signature` (hex HMAC-SHA256 of the manifest).
The signing key is SHA-256 of the device token: the tablet holds the token, the server holds
only that hash, so both can sign and check without the server ever storing the token.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.envelope import SHA256_HEX, utc_now
from sync.replica import Replica

FORMAT = "chungsuc-bundle/1"
MAX_MEMBERS = 20_000
MAX_UNPACKED = 4 * 1024**3  # refuse zip bombs before inflating anything


class BundleError(ValueError):
    def __init__(self, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.code, self.message, self.message_en = code, message, message_en


@dataclass(frozen=True)
class Bundle:
    manifest: dict[str, Any]
    signature: str
    mutations: list[dict[str, Any]]
    photos: dict[str, bytes]

    def verify(self, key: bytes) -> None:
        expected = sign(self.manifest, key)
        if not hmac.compare_digest(expected, self.signature):
            raise BundleError(
                "bad_signature",
                "Tệp đồng bộ đã bị thay đổi hoặc không phải của máy này; không nhập.",
                "The bundle was altered or is not from this device; nothing imported.",
            )


def signing_key(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _canonical(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(manifest: dict[str, Any], key: bytes) -> str:
    return hmac.new(key, _canonical(manifest), hashlib.sha256).hexdigest()


def write_bundle(replica: Replica, target: Path) -> dict[str, Any]:
    """Write every pending change and photo to `target`; returns the manifest."""
    token = replica.get_meta("token")
    if not token:
        raise BundleError("not_enrolled", "Máy chưa được đăng ký.", "The device is not enrolled.")
    mutations = replica.pending_mutations(max_bytes=2**62, max_items=MAX_MEMBERS)
    lines = "".join(json.dumps(m.as_dict(), ensure_ascii=False) + "\n" for m in mutations)
    photos = replica.pending_photos()
    manifest = {
        "format": FORMAT,
        "device_id": replica.get_meta("device_id"),
        "commune_code": replica.get_meta("commune_code"),
        "created_at": utc_now(),
        "mutations": len(mutations),
        "mutations_sha256": hashlib.sha256(lines.encode()).hexdigest(),
        "photos": sorted(p["sha256"] for p in photos),
    }
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _canonical(manifest))
        archive.writestr("signature", sign(manifest, signing_key(token)))
        archive.writestr("mutations.jsonl", lines)
        for photo in photos:  # JPEG does not deflate: store it as it is
            archive.write(photo["path"], f"photos/{photo['sha256']}", zipfile.ZIP_STORED)
    with open(partial, "rb+") as fh:
        os.fsync(fh.fileno())  # on a USB stick, be sure it is written before saying so
    partial.replace(target)
    return manifest


def read_bundle(source: bytes | Path) -> Bundle:
    """Open and check a bundle's structure and contents (not yet its signature)."""
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = archive.namelist()
        if len(names) > MAX_MEMBERS or not {"manifest.json", "signature", "mutations.jsonl"} <= set(
            names
        ):
            raise _malformed()
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
            raise _malformed()
        manifest = json.loads(archive.read("manifest.json"))
        signature = archive.read("signature").decode("ascii").strip()
        lines = archive.read("mutations.jsonl")
        photos = {}
        for name in names:
            if name.startswith("photos/"):
                sha = name.removeprefix("photos/")
                content = archive.read(name)
                if not SHA256_HEX.match(sha) or hashlib.sha256(content).hexdigest() != sha:
                    raise _malformed()
                photos[sha] = content
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError):
        raise _malformed() from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or hashlib.sha256(lines).hexdigest() != manifest.get("mutations_sha256")
        or sorted(photos) != manifest.get("photos")
    ):
        raise _malformed()
    try:
        mutations = [json.loads(line) for line in lines.decode().splitlines() if line]
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _malformed() from None
    if len(mutations) != manifest.get("mutations"):
        raise _malformed()
    return Bundle(manifest, signature, mutations, photos)


def _malformed() -> BundleError:
    return BundleError(
        "malformed",
        "Tệp không phải tệp đồng bộ Chung Sức hợp lệ (hỏng hoặc thiếu phần).",
        "The file is not a valid Chung Sức bundle (damaged or incomplete).",
    )
