"""The consistency check both sides compute: a digest of (uuid, version) over a commune.

If a replica's digest differs from the server's while it has nothing left to send, it is
out of step (a lost page, a restored backup) and downloads its scope again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def scope_digest(rows: Iterable[tuple[str, int]]) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for uuid, version in sorted(rows):
        digest.update(f"{uuid}:{version}\n".encode())
        count += 1
    return count, digest.hexdigest()
