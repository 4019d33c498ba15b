"""The authorization matrix, generated from the app's route table: every route x every
principal (anonymous, each web role, an enrolled tablet) x own area / a sibling commune of the
same province / another province, against the one spec table in tests/server/authz_spec.py.
A route missing from the spec fails here by name, so a new route cannot slip through.
Every refusal is checked to have written nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import uuid

import flask
from sqlalchemy import select, text

from server.extensions import db
from tests.helpers import envelope, jpeg_bytes
from tests.server.authz_spec import ANYONE, COMMUNE, NONE, PRINCIPALS, SPEC, R

HOME_COMMUNE, HOME_PROVINCE = "01936", "19"
AREAS = ("own", "sibling", "other")  # sibling: same province, another commune
CSRF = "matrix-csrf-token"
LOGIN_ROLES = {
    "officer": HOME_COMMUNE,
    "board": HOME_COMMUNE,
    "province_officer": HOME_PROVINCE,
    "sync_admin": HOME_PROVINCE,
    "sysadmin": None,
}
SKIP_METHODS = {"HEAD", "OPTIONS"}


def routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - SKIP_METHODS
    }


def test_every_route_is_in_the_spec(app):
    keys = [(line.endpoint, line.method) for line in SPEC]
    doubled = sorted({k for k in keys if keys.count(k) > 1})
    assert not doubled, f"routes with more than one line in authz_spec.py: {doubled}"
    missing = sorted(routes(app) - set(keys))
    assert not missing, (
        "routes not in the authorization matrix: "
        + ", ".join(f"{e} {m}" for e, m in missing)
        + ". Add one line each to tests/server/authz_spec.py (how: the comment at its top)."
    )
    stale = sorted(set(keys) - routes(app))
    assert not stale, f"lines in authz_spec.py for routes that no longer exist: {stale}"
    for line in SPEC:
        assert line.scope in (COMMUNE, NONE) and set(line.who) <= set(PRINCIPALS), line


# --- the world: three communes, each with a tablet, a household, a photo, a conflict ----------


def _communes() -> dict[str, str]:
    from server.models import AdminUnit

    def first(*where) -> str:
        query = select(AdminUnit.code).where(AdminUnit.level == "commune", *where)
        return db.session.scalar(query.order_by(AdminUnit.code).limit(1))

    sibling = first(AdminUnit.parent_code == HOME_PROVINCE, AdminUnit.code != HOME_COMMUNE)
    other = first(AdminUnit.parent_code != HOME_PROVINCE)
    return {"own": HOME_COMMUNE, "sibling": sibling, "other": other}


def _units_and_users(app) -> tuple[dict[str, str], dict[str, int]]:
    from server.models import AdminUnit, SyncScope, User
    from server.services.units import import_units

    with app.app_context():
        import_units()
        codes = _communes()
        for code in codes.values():
            db.session.add(
                AdminUnit(code=f"{code}-T01", level="village", name="Thôn 1", parent_code=code)
            )
            db.session.add(SyncScope(commune_code=code, last_version=0))
        users = {}
        targets = {f"target_{area}": code for area, code in codes.items()}
        for name, area in {**LOGIN_ROLES, **targets}.items():
            role = "board" if name.startswith("target_") else name
            user = User(username=f"m_{name}", display_name=name, role=role, area_code=area)
            user.password_hash = "!"  # never logs in: the test puts the id in the session
            db.session.add(user)
            db.session.flush()
            users[name] = user.id
        db.session.commit()
    return codes, users


def _area_world(app, client, area: str, code: str, user_id: int) -> dict:
    from server.services import enrolment, uploads
    from server.services.indicators import DEFAULT_SET, catalogues

    with app.app_context():
        _, secret = enrolment.create(code, f"Cán bộ {area}")
    enrolled = client.post("/api/v1/devices/enroll", json={"code": secret, "device_name": area})
    assert enrolled.status_code == 201, enrolled.json
    token, device_id = enrolled.json["token"], enrolled.json["device_id"]
    headers = {"Authorization": f"Bearer {token}"}
    photo = jpeg_bytes(color=(len(area) * 30, 90, 120), text=area)
    sha = hashlib.sha256(photo).hexdigest()
    assert client.put(f"/api/v1/photos/{sha}", data=photo, headers=headers).status_code == 201
    house = envelope(commune_code=code, village_code=f"{code}-T01", photos=[sha])

    def push(record) -> dict:
        answer = client.post("/api/v1/sync/push", json={"records": [record]}, headers=headers)
        assert answer.status_code == 200, answer.json
        return answer.json["results"][0]

    base = push(house)["version"]
    push(
        dict(
            house,
            mutation_id=str(uuid.uuid4()),
            base_version=base,
            data={**house["data"], "members": 6},
        )
    )
    clash = push(
        dict(
            house,
            mutation_id=str(uuid.uuid4()),
            base_version=base,
            data={**house["data"], "members": 7},
        )
    )
    assert clash["status"] == "conflict"
    pending = jpeg_bytes(color=(10, len(area) * 20, 10))
    with app.app_context():
        upload, _ = uploads.create(device_id, hashlib.sha256(pending).hexdigest(), len(pending))
        upload_id = upload.id
        catalogue = catalogues()[DEFAULT_SET]
    return {
        "code": code,
        "village": f"{code}-T01",
        "token": token,
        "device_id": device_id,
        "sha256": sha,
        "uuid": house["uuid"],
        "household_id": house["uuid"],
        "conflict_id": clash["conflict_id"],
        "upload_id": upload_id,
        "user_id": user_id,
        "indicator_id": catalogue.indicators[0].id,
        "commune_indicator_id": next(
            (i.id for i in getattr(catalogue, "commune_indicators", ())), "none"
        ),
        "entry_id": 999999,
        "flag_id": _flag_id(app, code),
        "filename": "app.css",
        "size": 256,
    }


def _flag_id(app, code: str) -> int:
    """An integrity flag of the commune if the world raised one (absent: 404 accepted)."""
    from server import models

    flag = getattr(models, "IntegrityFlag", None)
    with app.app_context():
        found = flag and db.session.scalar(
            select(flag.id).where(flag.commune_code == code).limit(1)
        )
    return found or 999999


def build_world(app, client) -> tuple[dict[str, dict], dict[str, int]]:
    codes, users = _units_and_users(app)
    world = {
        area: _area_world(app, client, area, code, users[f"target_{area}"])
        for area, code in codes.items()
    }
    return world, users


# --- probing ------------------------------------------------------------------------------


def expected_allowed(line: R, principal: str, area: str) -> bool:
    if principal not in line.who:
        return False
    if line.scope == NONE or principal == "sysadmin":
        return True
    if principal in ("province_officer", "sync_admin"):
        return area in ("own", "sibling")
    return area == "own"


def _value(spec_value, world: dict):
    return spec_value(world) if callable(spec_value) else spec_value


def _url(app, line: R, world: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules(line.endpoint) if line.method in r.methods)
    args = {name: world[line.params.get(name, name)] for name in rule.arguments}
    with app.test_request_context():
        return flask.url_for(line.endpoint, **args)


def probe(app, line: R, principal: str, world: dict, device_token: str, user_id: int | None):
    client = app.test_client()
    headers = {}
    web = principal not in ("anon", "device")
    if web:
        with client.session_transaction() as session:
            session["user_id"] = user_id
            session["csrf"] = CSRF
        headers["X-CSRF-Token"] = CSRF
    if principal == "device":
        headers["Authorization"] = f"Bearer {device_token}"
    kwargs = {"headers": headers, "query_string": _value(line.query, world)}
    body = _value(line.json, world)
    if body is not None:
        kwargs["json"] = body
    elif line.data is not None:
        kwargs["data"] = line.data
    elif line.method != "GET":
        form = dict(_value(line.form, world) or {})
        if web:
            form["csrf_token"] = CSRF
        kwargs["data"] = form
    return client.open(_url(app, line, world), method=line.method, **kwargs)


def refused(line: R, response) -> bool:
    status = response.status_code
    to_login = status in (301, 302, 303) and "/login" in response.headers.get("Location", "")
    return status in (401, 403, 404) or to_login or status in line.denied


def row_counts() -> dict[str, int]:
    names = [t.name for t in db.metadata.sorted_tables]
    query = " UNION ALL ".join(f"SELECT '{n}', COUNT(*) FROM {n}" for n in names)
    return dict(db.session.execute(text(query)).all())


def test_authorization_matrix(app, client):
    world, users = build_world(app, client)
    device_token = world["own"]["token"]
    failures: list[str] = []
    probes = 0
    for line in SPEC:
        areas = AREAS if line.scope == COMMUNE else ("own",)
        done: set[str] = set()  # areas a heavy line was already allowed in
        for principal in PRINCIPALS:
            for area in areas:
                allowed = expected_allowed(line, principal, area)
                if allowed and line.heavy:
                    if area in done:
                        continue
                    done.add(area)
                with app.app_context():
                    before = None if allowed else row_counts()
                response = probe(
                    app, line, principal, world[area], device_token, users.get(principal)
                )
                probes += 1
                status = response.status_code
                response.close()  # files sent by send_file
                where = f"{line.endpoint} {line.method} as {principal} in {area} area"
                if status >= 500:
                    failures.append(f"{where}: {status} (server error)")
                elif line.who == ANYONE:
                    continue
                elif allowed and refused(line, response) and not (line.absent and status == 404):
                    failures.append(f"{where}: expected allowed, got {status}")
                elif not allowed and not refused(line, response):
                    failures.append(f"{where}: expected refused, got {status}")
                elif before is not None:
                    with app.app_context():
                        after = row_counts()
                    grew = {t: after[t] - before[t] for t in after if after[t] != before[t]}
                    if grew:
                        failures.append(f"{where}: refused ({status}) but wrote {grew}")
    assert not failures, f"{len(failures)} of {probes} probes wrong:\n" + "\n".join(failures)
