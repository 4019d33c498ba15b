"""The JSON API under /api/v1 (flask-smorest; OpenAPI document at /api/v1/openapi.json)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from server.api import (
        conflicts,
        devices,
        photos,
        records,
        revisions,
        scope,
        session,
        uploads,
    )

    for module in (devices, scope, records, photos, uploads, conflicts, revisions, session):
        api.register_blueprint(module.blp)
    api.spec.components.security_scheme("device_token", {"type": "http", "scheme": "bearer"})
