"""The web UI for commune boards and sync administrators (server-rendered pages)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from server.web import auth, bundles, commune, i18n
    from server.web.formatting import vn_number

    app.jinja_env.filters["vn_number"] = vn_number
    i18n.init_app(app)
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(commune.bp)
    app.register_blueprint(bundles.bp)
    from server.web import exports, ledger

    app.register_blueprint(ledger.bp)
    app.register_blueprint(exports.bp)
    from server.web import devices as admin_devices

    app.register_blueprint(admin_devices.bp)
    from server.web import conflict_inbox

    app.register_blueprint(conflict_inbox.bp)
    from server.web import audit_log

    app.register_blueprint(audit_log.bp)
    from server.web import dashboard

    app.register_blueprint(dashboard.bp)
    from server.web import review

    app.register_blueprint(review.bp)
    from server.web import integrity

    app.register_blueprint(integrity.bp)
    from server.web import commune_indicators, criteria

    app.register_blueprint(criteria.bp)
    app.register_blueprint(commune_indicators.bp)
    from server.web import users as admin_users

    app.register_blueprint(admin_users.bp)
