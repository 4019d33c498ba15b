"""The Alembic scripts build exactly the schema the models describe, on both backends, so a
model change without its migration (or the reverse) fails here rather than in production."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def _relevant(diff) -> bool:
    # SQLite reports JSON/DateTime types loosely; compare tables, columns and indexes only.
    kind = diff[0] if isinstance(diff, tuple) else diff[0][0]
    return kind in {
        "add_table",
        "remove_table",
        "add_column",
        "remove_column",
        "add_index",
        "remove_index",
    }


def test_migrations_match_the_models(app):
    from server.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = [d for d in compare_metadata(context, db.metadata) if _relevant(d)]
    assert diffs == [], f"models and migrations differ: {diffs}"


def test_the_migration_chain_has_one_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate  # noqa: F401  (the extension is registered on app)

    directory = app.extensions["migrate"].directory
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", directory)
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"more than one migration head: {heads}"
