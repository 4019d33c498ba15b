"""The scope checksum never pairs a digest with a version it does not describe, even when a
write commits between its reads (each statement sees the latest commit on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import create_engine, event, select, text

from server.extensions import db
from server.models import Record
from server.services import feed
from sync.checksum import scope_digest

COMMUNE = "01936"


def _state(conn) -> tuple[int, tuple[int, str]]:
    version = conn.execute(
        text("SELECT last_version FROM sync_scopes WHERE commune_code = :c"), {"c": COMMUNE}
    ).scalar_one()
    rows = conn.execute(
        text("SELECT uuid, version FROM records WHERE commune_code = :c"), {"c": COMMUNE}
    )
    return version, scope_digest((u, v) for u, v in rows)


def test_a_write_between_the_reads_is_never_reported_under_the_old_version(app, demo, database_url):
    other = create_engine(database_url)  # another server worker's connection
    try:
        with app.app_context():
            edited = db.session.scalars(
                select(Record).where(Record.commune_code == COMMUNE).limit(1)
            ).one()
            uuid = edited.uuid
            db.session.commit()
            with other.connect() as conn:
                old_version, old_digest = _state(conn)
            fired = []

            def commit_an_edit_first(conn, cursor, statement, parameters, context, many):
                if fired or "records.uuid, records.version" not in statement:
                    return
                fired.append(True)
                with other.begin() as writer:  # an edit commits just before the rows are read
                    writer.execute(
                        text(
                            "UPDATE sync_scopes SET last_version = last_version + 1 "
                            "WHERE commune_code = :c"
                        ),
                        {"c": COMMUNE},
                    )
                    writer.execute(
                        text(
                            "UPDATE records SET version = (SELECT last_version FROM "
                            "sync_scopes WHERE commune_code = :c) WHERE uuid = :u"
                        ),
                        {"c": COMMUNE, "u": uuid},
                    )

            event.listen(db.engine, "before_cursor_execute", commit_an_edit_first)
            try:
                answer = feed.checksum(COMMUNE)
            finally:
                event.remove(db.engine, "before_cursor_execute", commit_an_edit_first)
            assert fired
            with other.connect() as conn:
                new_version, new_digest = _state(conn)
            assert new_version == old_version + 1
            pair = (answer["count"], answer["digest"])
            # Either the old state, whole, or a version no device's cursor holds yet.
            if answer["version"] == old_version:
                assert pair == old_digest
            else:
                assert answer["version"] == new_version
    finally:
        other.dispose()
