"""The replica's photos: each kept once under its SHA-256 until the server has it.

A mixin of `sync.replica.Replica` (it uses the replica's connection, transactions and
`photo_dir`); kept apart so the record store stays readable.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any


class PhotoStore:
    """Photos on the device: stored atomically, listed until uploaded, exported for bundles."""

    def add_photo(self, source: str | Path | bytes) -> str:
        """Keep a copy of a photo under its SHA-256; the same photo is stored once."""
        content = source if isinstance(source, bytes) else Path(source).read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        target = self.photo_dir / f"{digest}.jpg"
        if not target.exists():
            partial = target.with_suffix(".part")
            partial.write_bytes(content)
            partial.replace(target)  # atomic: a crash never leaves a half photo under its hash
        with self._tx() as tx:
            tx.execute(
                "INSERT INTO photos (sha256, path, size) VALUES (?, ?, ?) "
                "ON CONFLICT (sha256) DO NOTHING",
                (digest, str(target), len(content)),
            )
        return digest

    def photo_path(self, sha256: str) -> Path | None:
        row = self._conn().execute("SELECT path FROM photos WHERE sha256 = ?", (sha256,)).fetchone()
        return Path(row[0]) if row else None

    def pending_photos(self) -> list[dict[str, Any]]:
        rows = self._conn().execute("SELECT * FROM photos WHERE uploaded = 0 ORDER BY rowid")
        return [dict(r) for r in rows]

    def mark_photo_uploaded(self, sha256: str) -> None:
        with self._tx() as tx:
            tx.execute("UPDATE photos SET uploaded = 1 WHERE sha256 = ?", (sha256,))

    def export_photo(self, sha256: str, target: Path) -> None:
        path = self.photo_path(sha256)
        if path is not None:
            shutil.copyfile(path, target)
