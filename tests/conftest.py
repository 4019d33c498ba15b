"""Shared fixtures: every server test runs against SQLite and against PostgreSQL.

The PostgreSQL server on this machine (127.0.0.1:5432, trust auth) gets a fresh database
per test session, migrated with the real Alembic scripts; tables are emptied between tests.
Set CHUNGSUC_PG_URL to point elsewhere. If PostgreSQL cannot be reached the PostgreSQL
variants FAIL (they are not skipped) unless CHUNGSUC_SKIP_PG=1 is set explicitly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from tests.pg import BACKENDS, create_database, drop_database

# Tests share two cores with servers and a Kivy window: judge properties, not speed.
settings.register_profile("chungsuc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("chungsuc")


def _migrate(url: str, tmp: Path) -> None:
    from flask_migrate import upgrade

    from server import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "PHOTO_DIR": str(tmp / "photos"), "SECRET_KEY": "migrate"}
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        from server.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'test.sqlite3'}"
        _migrate(url, tmp)
        yield url
        return
    url = create_database()
    _migrate(url, tmp)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def demo_databases(tmp_path_factory):
    """Copies of the database `chungsuc init-db` + `demo-data` make, for live servers."""
    from tests.live_server import DemoDatabases

    databases = DemoDatabases(tmp_path_factory.mktemp("demo-templates"))
    yield databases
    databases.close()


@pytest.fixture
def app(database_url, tmp_path):
    from server import create_app
    from server.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PHOTO_DIR": str(tmp_path / "photos"),
            "SECRET_KEY": "test",
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(tables) + " CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo commune loaded into the test database."""
    from server import demo as demo_module

    with app.app_context():
        demo_module.load()
    return demo_module
