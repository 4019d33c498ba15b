"""Configuration from the environment: SQLite file by default, DATABASE_URL for PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path


def _sqlite_default(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "chungsuc.sqlite3")


def load(instance_path: str) -> dict:
    url = os.environ.get("DATABASE_URL") or _sqlite_default(instance_path)
    if url.startswith("postgres://"):  # the scheme Heroku-style providers hand out
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": url,
        "PHOTO_DIR": os.environ.get("PHOTO_DIR") or str(Path(instance_path) / "photos"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", 16 * 1024 * 1024)),
        "MAX_PUSH_RECORDS": int(os.environ.get("MAX_PUSH_RECORDS", 500)),
        "MAX_PHOTO_BYTES": int(os.environ.get("MAX_PHOTO_BYTES", 15 * 1024 * 1024)),
        "CLOCK_SKEW_FLAG_SECONDS": int(os.environ.get("CLOCK_SKEW_FLAG_SECONDS", 600)),
        # Fault injection for the crash tests only: hold each push open this long before
        # committing, so a test can kill the server in the middle of a batch.
        "FAULT_PUSH_DELAY_SECONDS": float(os.environ.get("CHUNGSUC_FAULT_PUSH_DELAY", 0)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        # Security (server/security*.py, docs/administration.md "Security")
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        "PROXY_FIX_X_FOR": int(os.environ.get("PROXY_FIX_X_FOR", 0)),
        "MAX_IMAGE_PIXELS": int(os.environ.get("MAX_IMAGE_PIXELS", 50_000_000)),
        "API_TITLE": "Chung Sức API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


def _instance_secret(instance_path: str) -> str:
    """A per-installation secret kept in the instance folder, made once."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
