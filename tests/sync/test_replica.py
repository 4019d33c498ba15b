"""The device replica: atomic saves, a durable outbox, no lost local edits on pull."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from sync.replica import Replica, ValidationFailed
from tests.helpers import envelope, jpeg_bytes

VILLAGE = "01936-T01"


@pytest.fixture
def replica(tmp_path):
    r = Replica(tmp_path / "replica.db")
    r.set_meta({"commune_code": "01936", "device_id": "dev-1"})
    r.save_scope(
        {
            "commune": {"code": "01936", "name": "Xã Nà Phặc"},
            "villages": [{"code": VILLAGE, "name": "Thôn Nà Phặc", "geometry": None}],
        }
    )
    return r


def test_store_uses_wal_and_is_migrated(replica):
    assert replica._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert replica.schema_version >= 1


def test_save_writes_record_and_outbox_together(replica):
    saved = replica.save_record("household", {"head_name": "Nguyễn Văn An", "members": 4}, VILLAGE)
    assert saved.household_id == saved.uuid and saved.base_version is None
    assert replica.households(VILLAGE, "nguyen van an")[0]["uuid"] == saved.uuid
    assert [e.mutation_id for e in replica.pending_mutations()] == [saved.mutation_id]


def test_invalid_answers_write_nothing(replica):
    with pytest.raises(ValidationFailed) as info:
        replica.save_record("household", {"head_name": "", "members": 0}, VILLAGE)
    assert {e.field for e in info.value.errors} == {"head_name", "members"}
    assert replica.households() == [] and replica.pending_mutations() == []


def test_search_ignores_diacritics_and_like_wildcards(replica):
    for name in ("Nguyễn Văn An", "Nông Thị Hoa", "Đinh Văn Đào"):
        replica.save_record("household", {"head_name": name, "members": 2}, VILLAGE)
    assert [h["data"]["head_name"] for h in replica.households(query="dinh dao")] == [
        "Đinh Văn Đào"
    ]
    assert replica.households(query="%") == []
    assert len(replica.households(query="")) == 3


def test_batches_are_sized_by_bytes(replica):
    for i in range(30):
        replica.save_record(
            "household", {"head_name": f"Hộ {i}", "members": 2, "member_names": "x" * 300}, VILLAGE
        )
    batch = replica.pending_mutations(max_bytes=4000)
    assert 1 < len(batch) < 30
    assert len(replica.pending_mutations(max_bytes=10)) == 1  # never an empty batch


def test_pull_never_overwrites_a_record_with_unsent_edits(replica):
    mine = replica.save_record("household", {"head_name": "Hà Văn Sơn", "members": 2}, VILLAGE)
    theirs = envelope(uuid=mine.uuid, data={"head_name": "Server", "members": 9}, version=7)
    other = envelope(version=8)
    assert replica.apply_changes([theirs, other], cursor=8) == 1
    assert replica.record(mine.uuid)["data"]["head_name"] == "Hà Văn Sơn"
    assert replica.record(other["uuid"])["version"] == 8 and replica.cursor == 8


def test_second_offline_edit_keeps_the_first_base(replica):
    first = replica.save_record("household", {"head_name": "Lý Văn Long", "members": 2}, VILLAGE)
    replica.apply_push_results(
        [{"uuid": first.uuid, "mutation_id": first.mutation_id, "status": "applied", "version": 5}]
    )
    a = replica.save_record(
        "household", {"head_name": "Lý Văn Long", "members": 3}, VILLAGE, record_uuid=first.uuid
    )
    b = replica.save_record(
        "household", {"head_name": "Lý Văn Long", "members": 4}, VILLAGE, record_uuid=first.uuid
    )
    assert a.base_version == b.base_version == 5


def test_rejected_mutations_are_set_aside_with_their_reason(replica):
    saved = replica.save_record("household", {"head_name": "Ma Thị Mai", "members": 2}, VILLAGE)
    replica.apply_push_results(
        [
            {
                "uuid": saved.uuid,
                "mutation_id": saved.mutation_id,
                "status": "rejected",
                "errors": [{"message": "Không có thôn"}],
            }
        ]
    )
    assert replica.pending_mutations() == []
    assert replica.rejected()[0]["error"][0]["message"] == "Không có thôn"
    assert replica.record(saved.uuid)["status"] == "rejected"


def test_photos_are_stored_once_by_hash(replica, tmp_path):
    path = tmp_path / "p.jpg"
    path.write_bytes(jpeg_bytes())
    first, second = replica.add_photo(path), replica.add_photo(path.read_bytes())
    assert first == second and len(replica.pending_photos()) == 1
    assert replica.photo_path(first).read_bytes() == path.read_bytes()


def test_a_killed_save_leaves_the_store_intact(tmp_path):
    """SIGKILL a process in the middle of a save transaction: the file stays consistent."""
    db = tmp_path / "replica.db"
    Replica(db).set_meta({"commune_code": "01936"})
    script = textwrap.dedent(f"""
        import os, signal
        from sync.replica import Replica
        r = Replica({str(db)!r})
        r.set_meta({{"commune_code": "01936", "device_id": "d"}})
        r.save_record("household", {{"head_name": "Saved", "members": 1}}, "01936-T01")
        conn = r._conn()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO records (uuid, form_id, form_version, village_code, data, "
                     "captured_at) VALUES ('half', 'household', 1, '01936-T01', '{{}}', 'x')")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -9
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT uuid, data FROM records").fetchall()
    assert [json.loads(d)["head_name"] for _, d in rows] == ["Saved"]
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1
