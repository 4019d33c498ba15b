"""Chung Sức sync server: `create_app()` builds the Flask app (gunicorn 'server:create_app()')."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # models registers the tables
    from server import api, cli, config, errors, models, security, web  # noqa: F401
    from server.extensions import api as smorest_api
    from server.extensions import db, migrate

    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    db.init_app(app)
    _postgres_plans(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    security.bound_url_integers(app, smorest_api)
    smorest_api.init_app(app)
    api.init_app(app, smorest_api)
    web.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    return app


def _postgres_plans(app: Flask) -> None:
    """Plan every query for its own parameters on PostgreSQL. psycopg prepares a statement
    after 5 runs and the server may then keep one generic plan for it; for the push's
    "these 200 ids" lookups that plan became a scan of the whole table (60-180 ms instead
    of 2-3 ms from about the 28th batch, bench/bench_sync.py, 2026-11-30). Set on each new
    connection (not as a startup option, which would replace `options` from the URL); a
    server that does not know the setting (before PostgreSQL 12) keeps its default."""
    from sqlalchemy import event

    from server.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _custom_plans(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        except Exception:  # an old server: keep its default planning
            dbapi_connection.rollback()
        else:
            dbapi_connection.commit()
        finally:
            cursor.close()


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).with_name("migrations")
