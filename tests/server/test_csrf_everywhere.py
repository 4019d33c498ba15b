"""CSRF on every write, enumerated from app.url_map so a new route is covered the day it is
added: every web POST without the session's token is refused (400, a page saying to reload),
and a session cookie alone never writes through the API. Nothing is written either way."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from server.extensions import db

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_TEXT = "biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ"


def unsafe_rules(app, api: bool):
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods & UNSAFE)
        if methods and rule.rule.startswith("/api/") == api:
            yield rule, methods


def sample_url(rule) -> str:
    """The rule's URL with plausible values (the CSRF check comes before any lookup)."""
    values = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__.lower()
        if "int" in converter:
            values[name] = 1
        elif "uuid" in converter:
            values[name] = uuid.uuid4()
        elif name in ("code", "commune_code"):
            values[name] = "01936"
        else:
            values[name] = "x1"
    return rule.build(values, append_unknown=False)[1]


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def sysadmin(app, demo):
    from server.models import User

    with app.app_context():
        user = User(username="qt_he_thong", display_name="Quản trị", role="sysadmin")
        user.set_password("mat-khau-he-thong")
        db.session.add(user)
        db.session.commit()


def logged_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/login",
        data={"username": "qt_he_thong", "password": "mat-khau-he-thong", "csrf_token": token},
    )
    assert answer.status_code == 302
    # logging in starts a new session, with a new token
    return client, client.get("/api/v1/session").json["csrf_token"]


def test_every_web_write_needs_the_csrf_token(app, sysadmin):
    rules = list(unsafe_rules(app, api=False))
    assert len(rules) >= 10  # login, logout, revoke, enrol, review, conflicts, ledger, ...
    client, token = logged_in(app)
    before = row_counts(app)
    refused = []
    for rule, methods in rules:
        url = sample_url(rule)
        for method in methods:
            for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged-" + token[:8]}):
                answer = client.open(url, method=method, data=data)
                body = answer.get_data(as_text=True)
                if answer.status_code != 400 or CSRF_TEXT not in body:
                    refused.append(f"{method} {url} {data}: {answer.status_code}")
                assert "Traceback" not in body
    assert not refused, "writes accepted without a valid CSRF token:\n" + "\n".join(refused)
    after = row_counts(app)
    # the refused login attempts are not even audited: nothing at all was written
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def test_a_visitor_without_a_login_writes_nothing(app, demo):
    """Without a login there is no one to impersonate: every write is sent to the login page
    (or refused), the login form itself checks its token, and nothing is written."""
    client = app.test_client()
    before = row_counts(app)
    for rule, methods in unsafe_rules(app, api=False):
        for method in methods:
            answer = client.open(sample_url(rule), method=method, data={"csrf_token": "x"})
            refused = answer.status_code in (400, 401, 403, 404) or (
                answer.status_code == 302 and "/login" in answer.headers["Location"]
            )
            assert refused, (rule.rule, answer.status_code)
    login = client.post("/login", data={"username": "bql_naphac", "password": "chungsuc-demo"})
    assert login.status_code == 400 and CSRF_TEXT in login.get_data(as_text=True)
    assert row_counts(app) == before


def test_the_token_is_accepted_when_present(app, sysadmin):
    """The check is not a blanket refusal: with the token the route runs (any answer but the
    CSRF page), shown on a harmless write: logging out."""
    client, token = logged_in(app)
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 302
    # a fetch() from a page may send the token in a header instead of a form field
    client, token = logged_in(app)
    answer = client.post("/logout", headers={"X-CSRF-Token": token})
    assert answer.status_code == 302


def test_a_session_cookie_alone_never_writes_through_the_api(app, sysadmin):
    """A page on another site could make the browser send our cookie: API writes need a
    device token or the X-CSRF-Token header, which that page cannot read."""
    client, _ = logged_in(app)
    before = row_counts(app)
    accepted = []
    for rule, methods in unsafe_rules(app, api=True):
        for method in methods:
            answer = client.open(sample_url(rule), method=method, json={})
            if answer.status_code < 400 or answer.status_code >= 500:
                accepted.append(f"{method} {rule.rule}: {answer.status_code}")
    assert not accepted, accepted
    assert row_counts(app) == before
