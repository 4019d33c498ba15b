"""schemathesis against /api/v1/openapi.json, in-process (WSGI), on SQLite and PostgreSQL.

Every operation of the OpenAPI document gets a bounded number of generated requests, valid
ones (POSITIVE) and invalid ones (NEGATIVE), sent with an enrolled device's token and a
logged-in sync administrator's session and CSRF header, over the demo commune's data.
Checks: no 5xx, every status documented, the content type and the body match the document.
All failures are collected and reported together with a curl line to reproduce each one.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
MAX_REPORTED_PER_OPERATION = 3


@pytest.fixture(scope="module")
def api_app(database_url, tmp_path_factory):
    from server import create_app
    from server import demo as demo_module
    from server.extensions import db
    from tests.server.conftest import enrol

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PHOTO_DIR": str(tmp_path_factory.mktemp("photos")),
            "SECRET_KEY": "schemathesis",
            "RATELIMIT_ENABLED": False,  # enrolment is explored, not throttled
        }
    )
    with app.app_context():
        demo_module.load()
    client = app.test_client()
    device = enrol(app, client)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    login = client.post(
        "/login",
        data={
            "username": "qt_thainguyen",
            "password": demo_module.DEMO_PASSWORD,
            "csrf_token": token,
        },
    )
    assert login.status_code == 302
    session_cookie = client.get_cookie("session").value
    csrf = client.get("/api/v1/session").json["csrf_token"]
    app.config["_AUTH"] = {
        "headers": {
            "Authorization": f"Bearer {device.token}",
            "X-CSRF-Token": csrf,
            "Accept-Encoding": "identity",  # plain JSON to check (gzip: tests/server/test_push*)
        },
        "cookies": {"session": session_cookie},
    }
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


def _describe(case, response, exc: BaseException) -> str:
    body = response.text[:300].replace("\n", " ") if response is not None else "(no response)"
    status = response.status_code if response is not None else "-"
    lines = [
        f"{case.operation.label} [{case.meta.generation.mode.value if case.meta else '?'}]",
        f"  status {status}: {body}",
        "  " + str(exc).strip().replace("\n", "\n  ")[:800],
        "  reproduce: " + case.as_curl_command(),
    ]
    return "\n".join(lines)


def _explore(
    operation, mode: GenerationMode, auth: dict, failures: list[str], statuses: dict
) -> None:
    seen: set[str] = set()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,  # the same requests every run: a failure is reproducible
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if len(seen) >= MAX_REPORTED_PER_OPERATION:
            return
        response = None
        try:
            response = case.call(headers=dict(auth["headers"]), cookies=dict(auth["cookies"]))
            statuses.setdefault(operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=CHECKS)
        except (Exception, FailureGroup) as exc:  # noqa: BLE001 - all collected and reported
            key = f"{type(exc).__name__}:{getattr(response, 'status_code', None)}"
            if key not in seen:
                seen.add(key)
                failures.append(_describe(case, response, exc))

    try:
        run()
    except Unsatisfiable:
        # nothing can be made invalid (an operation without parameters or body)
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_every_operation_matches_its_documented_schema(api_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    auth = api_app.config["_AUTH"]
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15  # the document lists the whole API
    for operation in operations:
        for mode in EXAMPLES:
            _explore(operation, mode, auth, failures, statuses)
    assert not failures, f"{len(failures)} schemathesis failures:\n\n" + "\n\n".join(failures)
    # the credentials worked: the device and the administrator were let in, not only refused
    for label in ("GET /api/v1/sync/scope", "GET /api/v1/sync/checksum", "GET /api/v1/session"):
        assert 200 in statuses[label], (label, statuses[label])
    assert statuses["GET /api/v1/conflicts"] & {200}, statuses["GET /api/v1/conflicts"]
