"""The `chungsuc` commands."""

from __future__ import annotations

import re

from server.extensions import db
from server.models import Enrolment, Record, User


def test_enroll_device_prints_a_code_that_works(app, runner, client, demo):
    result = runner.invoke(args=["enroll-device", "--commune", "01936", "--officer", "Ma Văn Hùng"])
    assert result.exit_code == 0, result.output
    code = re.search(r"Enrolment code: ([A-Z0-9]{8})", result.output).group(1)
    response = client.post("/api/v1/devices/enroll", json={"code": code})
    assert response.status_code == 201 and response.json["officer"] == "Ma Văn Hùng"


def test_enroll_device_for_unknown_commune_fails_clearly(app, runner, demo):
    result = runner.invoke(args=["enroll-device", "--commune", "99999"])
    assert result.exit_code != 0 and "No commune 99999" in result.output
    with app.app_context():
        assert db.session.query(Enrolment).count() == 0


def test_create_user_checks_the_area(app, runner, demo):
    ok = runner.invoke(
        args=[
            "create-user",
            "--username",
            "lan",
            "--role",
            "board",
            "--area",
            "01936",
            "--password",
            "s3cret-pass",
        ]
    )
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        args=[
            "create-user",
            "--username",
            "x",
            "--role",
            "board",
            "--area",
            "19",
            "--password",
            "s3cret-pass",
        ]
    )
    assert bad.exit_code != 0 and "commune code" in bad.output
    with app.app_context():
        user = db.session.query(User).filter_by(username="lan").one()
        assert user.check_password("s3cret-pass") and user.password_hash.startswith("scrypt")


def test_demo_data_is_idempotent(app, runner):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0 and "bql_naphac" in first.output
    with app.app_context():
        records = db.session.query(Record).count()
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0
    with app.app_context():
        assert db.session.query(Record).count() == records == 84
