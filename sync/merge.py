"""Three-way, field-by-field merge of a record's answers against their common base.

Edits to different fields merge by themselves. The same field changed to two different
values is a conflict: nothing is chosen silently; the caller keeps both sides and the base.
Whether the record is deleted merges the same way (`merge_deleted`), except that a
delete on one side against an edit on the other clashes.
The merge is deterministic and symmetric in which side is called "server" and "device"
for the merged values (only the labels of the conflict sides swap).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class MergeResult:
    merged: dict[str, Any]
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> sides

    @property
    def clean(self) -> bool:
        return not self.conflicts


def three_way(
    base: Mapping[str, Any], server: Mapping[str, Any], device: Mapping[str, Any]
) -> MergeResult:
    merged: dict[str, Any] = {}
    conflicts: dict[str, dict[str, Any]] = {}
    for key in sorted(set(base) | set(server) | set(device)):
        b = base.get(key, _MISSING)
        s = server.get(key, _MISSING)
        d = device.get(key, _MISSING)
        if s == d:
            value = s
        elif d == b:
            value = s
        elif s == b:
            value = d
        else:
            conflicts[key] = {
                "base": _plain(b),
                "server": _plain(s),
                "device": _plain(d),
            }
            value = s  # the server's value stays in force until an administrator resolves it
        if value is not _MISSING:
            merged[key] = value
    return MergeResult(merged, conflicts)


def _plain(value: Any) -> Any:
    return None if value is _MISSING else value


DELETED = "_deleted"  # the pseudo-field of a delete-versus-edit conflict


def merge_deleted(
    base: bool, server: bool, device: bool, *, server_edited: bool, device_edited: bool
) -> tuple[bool, bool]:
    """Three-way merge of the deleted flag: returns (deleted, clash).

    A side that deletes wins when the other side left the answers alone (the same as any
    field changed on one side only). A delete on one side and an edit of the answers on the
    other is a clash: deleting would throw the edit away, and keeping the record would
    ignore the delete, so an administrator decides.
    """
    if server == device:
        return server, False
    if device == base:  # only the server changed it
        return server, server and device_edited
    return device, device and server_edited  # only the device changed it
