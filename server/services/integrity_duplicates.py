"""Duplicate-photo flags: the same file (SHA-256) or a near-identical picture (pHash and
dHash within their Hamming distances) used by another record of the commune.

The commune's photo uses (`integrity_photo_uses`) with their hashes (`photo_meta`) are held
in numpy arrays, and a query compares a block of hashes with all of them at once (XOR and
popcount), so a full commune (about 10,000 photos) takes well under a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from server.extensions import db
from server.models import IntegrityPhotoUse, PhotoMeta, Record
from server.services.integrity_inputs import Inputs, document_shas
from server.services.integrity_kinds import Finding

MAX_LISTED = 20  # other records named in one flag's details
BLOCK = 256  # query hashes compared per numpy pass


@dataclass
class Use:
    record: str
    household: str | None
    sha: str


class HashTable:
    """One commune's live photo uses; `ph`/`dh` hold the hashes (`known` False: not yet
    processed by the photo pipeline, or a document photo: exact duplicates only)."""

    def __init__(self, rows: Iterable):
        self.uses: list[Use] = []
        ph, dh, known = [], [], []
        self.by_sha: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            self.by_sha[row.sha256].append(len(self.uses))
            self.uses.append(Use(row.record_uuid, row.household_id, row.sha256))
            ok = bool(row.phash and row.dhash) and not row.document
            ph.append(int(row.phash, 16) if ok else 0)
            dh.append(int(row.dhash, 16) if ok else 0)
            known.append(ok)
        self.ph = np.array(ph, dtype=np.uint64)
        self.dh = np.array(dh, dtype=np.uint64)
        self.known = np.array(known, dtype=bool)

    @classmethod
    def load(cls, commune_code: str) -> HashTable:
        rows = db.session.execute(
            select(
                IntegrityPhotoUse.record_uuid,
                IntegrityPhotoUse.household_id,
                IntegrityPhotoUse.sha256,
                IntegrityPhotoUse.document,
                PhotoMeta.phash,
                PhotoMeta.dhash,
            )
            .outerjoin(PhotoMeta, PhotoMeta.sha256 == IntegrityPhotoUse.sha256)
            .where(IntegrityPhotoUse.commune_code == commune_code)
            .order_by(IntegrityPhotoUse.record_uuid, IntegrityPhotoUse.sha256)
        ).all()
        return cls(rows)

    def near(
        self, hashes: list[tuple[int, int]], phash_max: int, dhash_max: int
    ) -> list[list[tuple[int, int]]]:
        """For each (phash, dhash): [(use index, phash distance)] within both limits."""
        out: list[list[tuple[int, int]]] = []
        if not len(self.uses):
            return [[] for _ in hashes]
        for start in range(0, len(hashes), BLOCK):
            block = hashes[start : start + BLOCK]
            qp = np.array([h[0] for h in block], dtype=np.uint64)[:, None]
            qd = np.array([h[1] for h in block], dtype=np.uint64)[:, None]
            dp = np.bitwise_count(qp ^ self.ph[None, :])
            dd = np.bitwise_count(qd ^ self.dh[None, :])
            hit = (dp <= phash_max) & (dd <= dhash_max) & self.known[None, :]
            for row in range(len(block)):
                cols = np.nonzero(hit[row])[0]
                out.append([(int(c), int(dp[row, c])) for c in cols])
        return out


def _hashes(inputs: Inputs, sha: str) -> tuple[int, int] | None:
    meta = inputs.metas.get(sha)
    if meta is None or not meta.phash or not meta.dhash:
        return None
    return int(meta.phash, 16), int(meta.dhash, 16)


def partners(inputs: Inputs, table: HashTable, shas: Iterable[str]) -> set[str]:
    """Records of the commune that use one of `shas` or a near-identical photo."""
    shas = list(dict.fromkeys(shas))
    found = {table.uses[i].record for sha in shas for i in table.by_sha.get(sha, [])}
    queries = [(sha, h) for sha in shas if (h := _hashes(inputs, sha)) is not None]
    s = inputs.settings
    hits = table.near([h for _, h in queries], s.phash_distance, s.dhash_distance)
    for matches in hits:
        found |= {table.uses[i].record for i, _ in matches}
    return found


def check(inputs: Inputs, table: HashTable) -> list[Finding]:
    s = inputs.settings
    wanted: list[tuple[Record, str, tuple[int, int]]] = []
    out: list[Finding] = []
    for record in inputs.records:
        if record.deleted:
            continue
        documents = document_shas(record, s.document_fields)
        for sha in dict.fromkeys(record.photos or []):
            same = [table.uses[i] for i in table.by_sha.get(sha, [])]
            others = [u for u in same if u.record != record.uuid]
            if others:
                out.append(_exact(inputs, record, sha, others))
            hashes = _hashes(inputs, sha)
            if hashes is not None and sha not in documents:
                wanted.append((record, sha, hashes))
    hits = table.near([h for _, _, h in wanted], s.phash_distance, s.dhash_distance)
    for (record, sha, _), matches in zip(wanted, hits, strict=True):
        near = [
            (table.uses[i], d)
            for i, d in matches
            if table.uses[i].sha != sha and table.uses[i].record != record.uuid
        ]
        if near:
            out.append(_near(inputs, record, sha, near))
    return out


def _others(inputs: Inputs, uses: list[tuple[Use, int]]) -> tuple[list[dict], str]:
    uses = sorted(uses, key=lambda u: (u[1], u[0].record, u[0].sha))
    listed = [
        {
            "record": u.record,
            "household": u.household,
            "name": inputs.household_name(u.household),
            "sha256": u.sha,
            "distance": d,
        }
        for u, d in uses[:MAX_LISTED]
    ]
    names = list(dict.fromkeys(x["name"] for x in listed))
    text = ", ".join(names[:5]) + ("…" if len(names) > 5 else "")
    return listed, text


def _exact(inputs: Inputs, record: Record, sha: str, others: list[Use]) -> Finding:
    listed, names = _others(inputs, [(u, 0) for u in others])
    count = len(others)
    return Finding(
        kind="duplicate_photo",
        record_uuid=record.uuid,
        subject=sha,
        commune_code=record.commune_code,
        household_id=record.household_id,
        reason_vi=f"Cùng một tệp ảnh cũng được dùng cho {count} hồ sơ khác: {names}.",
        reason_en=f"The same photo file is also used by {count} other record(s): {names}.",
        photo_sha256=sha,
        details={"others": listed, "count": count},
    )


def _near(inputs: Inputs, record: Record, sha: str, near: list[tuple[Use, int]]) -> Finding:
    listed, names = _others(inputs, near)
    best = min(d for _, d in near)
    count = len({u.record for u, _ in near})
    return Finding(
        kind="near_duplicate_photo",
        record_uuid=record.uuid,
        subject=sha,
        commune_code=record.commune_code,
        household_id=record.household_id,
        reason_vi=f"Ảnh gần giống hệt ảnh của {count} hồ sơ khác ({names}); khác {best}/64 bit.",
        reason_en=f"The photo is nearly identical to a photo of {count} other record(s)"
        f" ({names}); {best}/64 bits differ.",
        photo_sha256=sha,
        details={"others": listed, "count": count, "distance": best},
    )
