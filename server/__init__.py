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
    _postgres_plans(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    security.bound_url_integers(app, smorest_api)
    smorest_api.init_app(app)
    api.init_app(app, smorest_api)
    web.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    return app


def _postgres_plans(config: dict[str, Any]) -> None:
    """Plan every query for its own parameters on PostgreSQL. psycopg prepares a statement
    after 5 runs and the server may then keep one generic plan for it; for the push's
    "these 200 ids" lookups that plan became a scan of the whole table (60-180 ms instead
    of 2-3 ms from about the 28th batch, bench/bench_sync.py, 2026-11-30)."""
    if not str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        return
    options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    connect = options.setdefault("connect_args", {})
    connect.setdefault("options", "-c plan_cache_mode=force_custom_plan")


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).with_name("migrations")
