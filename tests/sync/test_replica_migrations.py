"""An app update migrates the replica without losing unsent work, and a migration that fails
leaves the store as it was (the next start tries again)."""

from __future__ import annotations

import sqlite3

import pytest

from sync import replica as replica_module
from sync.replica import Replica

VILLAGE = "01936-T01"


def _with_unsent_work(path) -> str:
    old = Replica(path)
    old.set_meta({"commune_code": "01936", "device_id": "tablet"})
    saved = old.save_record("household", {"head_name": "Đinh Văn Tú", "members": 2}, VILLAGE)
    old.close()
    return saved.mutation_id


def test_an_update_with_a_new_migration_keeps_the_outbox(tmp_path, monkeypatch):
    path = tmp_path / "replica.db"
    mutation = _with_unsent_work(path)
    monkeypatch.setattr(
        replica_module,
        "MIGRATIONS",
        replica_module.MIGRATIONS + ("ALTER TABLE records ADD COLUMN note TEXT",),
    )
    updated = Replica(path)
    assert updated.schema_version == len(replica_module.MIGRATIONS)
    assert [e.mutation_id for e in updated.pending_mutations()] == [mutation]
    assert updated.households(VILLAGE, "dinh van tu")[0]["note"] is None


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "replica.db"
    mutation = _with_unsent_work(path)
    before = len(replica_module.MIGRATIONS)
    broken = "ALTER TABLE records ADD COLUMN note TEXT; ALTER TABLE no_such_table ADD COLUMN x"
    monkeypatch.setattr(replica_module, "MIGRATIONS", replica_module.MIGRATIONS + (broken,))
    with pytest.raises(sqlite3.OperationalError):
        Replica(path)
    monkeypatch.undo()
    again = Replica(path)
    assert again.schema_version == before
    columns = [row[1] for row in again._conn().execute("PRAGMA table_info(records)")]
    assert "note" not in columns  # the half of the migration that ran was rolled back
    assert [e.mutation_id for e in again.pending_mutations()] == [mutation]
