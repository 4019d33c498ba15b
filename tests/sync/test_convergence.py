"""Property: random offline work on 2-5 tablets plus administrator resolutions converges.

Each example runs a random program against the real server app (in-process transport, the
same requests as over HTTP): tablets create households, edit them offline, record
contributions, delete households and sync at random moments (a delete against an offline
edit of the same household is a conflict the administrator decides); an administrator
resolves conflicts with random choices. After everyone syncs, every tablet holds exactly the
server's records, every record created on a tablet is on the server exactly once, and no
accepted edit went missing: every change a tablet made was answered exactly once, an applied
one left a revision that holds every field the officer changed, a conflicting one left a
conflict that holds the officer's answers. SQLite and PostgreSQL (the app fixture runs
both).
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.extensions import db
from server.models import AppliedMutation, Conflict, Record, RecordRevision
from server.services import conflicts, enrolment
from sync.client import SyncClient
from sync.replica import DeleteRefused, Replica
from sync.replicator import sync_once
from tests.flask_transport import flask_transport

VILLAGE = "01936-T03"
FIELDS = ("members", "house_number", "phone")

op = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 4)),
    st.tuples(
        st.just("edit"),
        st.integers(0, 4),
        st.integers(0, 5),
        st.sampled_from(FIELDS),
        st.integers(1, 4),
    ),
    st.tuples(st.just("give"), st.integers(0, 4), st.integers(0, 5), st.integers(1, 500)),
    st.tuples(st.just("delete"), st.integers(0, 4), st.integers(0, 5)),
    st.tuples(st.just("sync"), st.integers(0, 4)),
    st.tuples(st.just("resolve"), st.integers(0, 2**16)),
)


def _value(field: str, n: int):
    return n if field == "members" else f"{field[:1]}{n}"


@settings(max_examples=20, suppress_health_check=list(HealthCheck), deadline=None)
@given(devices=st.integers(2, 5), program=st.lists(op, min_size=5, max_size=40))
def test_offline_edits_converge(app, demo, tmp_path_factory, devices, program):
    transport = flask_transport(app)
    tablets = []
    with app.app_context():
        for n in range(devices):
            _, code = enrolment.create("01936", f"officer {n}")
            replica = Replica(tmp_path_factory.mktemp("tablet") / "replica.db")
            client = SyncClient("http://server", transport=transport)
            body = client.enroll(code, f"tablet-{n}", "test")
            replica.set_meta(
                {
                    "server_url": "http://server",
                    "token": body["token"],
                    "device_id": body["device_id"],
                }
            )
            replica.save_scope(client.scope())
            tablets.append((replica, client))
    created: list[str] = []
    made: list[tuple[str, dict, dict]] = []  # (mutation id, answers before, answers sent)
    deletes: set[str] = set()  # the mutations that are tombstones
    for step in program:
        kind = step[0]
        if kind == "resolve":
            _resolve_all(app, random.Random(step[1]))
            continue
        replica, client = tablets[step[1] % devices]
        if kind == "sync":
            assert sync_once(replica, client).ok
        elif kind == "create":
            record = replica.save_record(
                "household", {"head_name": f"Hộ {len(created)}", "members": 2}, VILLAGE
            )
            created.append(record.uuid)
            made.append((record.mutation_id, {}, record.data))
        else:
            mine = [h for h in replica.households(VILLAGE, limit=1000) if h["uuid"] in created]
            if not mine:
                continue
            household = mine[step[2] % len(mine)]
            if kind == "delete":
                try:
                    tomb = replica.delete_record(household["uuid"], "Nhập trùng")
                except DeleteRefused:  # it has contributions or checks on this tablet
                    continue
                made.append((tomb.mutation_id, household["data"], tomb.data))
                deletes.add(tomb.mutation_id)
            elif kind == "edit":
                data = dict(household["data"], **{step[3]: _value(step[3], step[4])})
                edit = replica.save_record(
                    "household", data, VILLAGE, record_uuid=household["uuid"]
                )
                made.append((edit.mutation_id, household["data"], edit.data))
            else:
                gift = replica.save_record(
                    "contribution",
                    {
                        "kind": "cash",
                        "quantity": float(step[3]),
                        "works": "lighting",
                        "date": "2026-11-20",
                    },
                    VILLAGE,
                    household["uuid"],
                )
                made.append((gift.mutation_id, {}, gift.data))
    for _ in range(2):  # everyone syncs, the administrator clears the inbox, everyone pulls
        for replica, client in tablets:
            assert sync_once(replica, client).ok
        _resolve_all(app, random.Random(0))
    for replica, client in tablets:
        assert sync_once(replica, client).ok
        assert replica.outbox_counts()["pending"] == 0

    with app.app_context():
        device_ids = {r.get_meta("device_id") for r, _ in tablets}
        rows = db.session.scalars(select(Record).where(Record.village_code == VILLAGE)).all()
        server = {
            r.uuid: (r.data, r.version, r.deleted)
            for r in rows
            if r.uuid in created or r.device_id in device_ids
        }
        assert not db.session.scalar(select(Conflict.id).where(Conflict.resolved_at.is_(None)))
        _no_accepted_edit_lost(made, deletes)
    assert set(created) <= set(server)
    for replica, _ in tablets:
        local = {
            u: (r["data"], r["version"], r["deleted"])
            for u in server
            if (r := replica.record(u)) is not None
        }
        assert local == server


def _no_accepted_edit_lost(made: list[tuple[str, dict, dict]], deletes: set[str]) -> None:
    ids = [m for m, _, _ in made]
    answered = {
        a.mutation_id: a.status
        for a in db.session.scalars(
            select(AppliedMutation).where(AppliedMutation.mutation_id.in_(ids))
        )
    }
    assert set(answered) == set(ids)  # every change answered (the id is the key: once)
    revisions: dict[str, list[dict]] = {}
    deleted_by: dict[str, bool] = {}
    for rev in db.session.scalars(
        select(RecordRevision).where(RecordRevision.mutation_id.in_(ids))
    ):
        revisions.setdefault(rev.mutation_id, []).append(rev.data)
        deleted_by[rev.mutation_id] = rev.deleted
    conflicts = {
        c.mutation_id: c
        for c in db.session.scalars(select(Conflict).where(Conflict.mutation_id.in_(ids)))
    }
    for mutation, before, sent in made:
        if answered[mutation] == "conflict":
            if mutation in deletes:  # a tombstone against an edit: delete or keep is asked
                assert conflicts[mutation].fields["_deleted"]["device"] is True
                continue
            assert conflicts[mutation].device_data == sent  # kept for the admin
            continue
        if mutation in deletes:
            assert deleted_by[mutation] is True  # an applied tombstone deleted the record
        (kept,) = revisions[mutation]  # exactly one revision per applied change
        changed = {k for k in sent.keys() | before.keys() if sent.get(k) != before.get(k)}
        assert {k: kept.get(k) for k in changed} == {k: sent.get(k) for k in changed}


def _resolve_all(app, rng: random.Random) -> None:
    with app.app_context():
        for conflict, _record in conflicts.list_open(None, commune="01936"):
            choices = {f: rng.choice(("base", "server", "device")) for f in conflict.fields}
            # a value of None from "base" would drop a required field: fall back to server
            for f, side in choices.items():
                if conflict.fields[f][side] is None:
                    choices[f] = "server" if conflict.fields[f]["server"] is not None else "device"
            conflicts.resolve(conflict, choices, {}, "admin")
