"""Server test fixtures: an enrolled device for the demo commune."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class EnrolledDevice:
    device_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def enrol(app, client, commune="01936") -> EnrolledDevice:
    from server.services import enrolment

    with app.app_context():
        _, code = enrolment.create(commune, "Cán bộ thôn")
    response = client.post("/api/v1/devices/enroll", json={"code": code, "device_name": "t1"})
    assert response.status_code == 201, response.json
    return EnrolledDevice(response.json["device_id"], response.json["token"])


@pytest.fixture
def device(app, client, demo) -> EnrolledDevice:
    return enrol(app, client)


def count(app, model) -> int:
    from server.extensions import db

    with app.app_context():
        return db.session.query(model).count()
