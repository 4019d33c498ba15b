"""The authorization matrix: who gets through each route. ONE LINE PER (endpoint, method).

HOW TO ADD A ROUTE (tests/server/test_authz_matrix.py fails, naming any route missing here):
    R("blueprint.view", "METHOD", WHO, SCOPE, <probe>),
  WHO    the principals that get past the route's access checks: one of the named sets below
         or a tuple of names from PRINCIPALS ("anon", "device", and the web roles).
  SCOPE  COMMUNE: the URL (or body) names something of one commune. An allowed principal is
         then allowed only inside its area (commune roles and the device: their commune;
         province roles: their province; sysadmin: everywhere) and refused (403/404) outside.
         NONE: no area in the request (lists filter by area themselves; test that filtering
         in the route's own tests). Probed once, in the principal's own area.
  probe  form= / json= / query= / data= : what to send (a value or a function of the area's
         world dict). Allowed principals get it too, so make it harmless: an invalid value the
         route answers with a 4xx AFTER its access check, or a write that can be repeated.
         params={"url_arg": "world_key"} renames a path argument's source.
         denied=(422,) adds statuses that count as a refusal for this route.
         absent=True: the world has no such resource, so allowed principals may get 404;
         only the commune gate in front of it is probed (test the rest in the route's tests).
         heavy=True: a slow page (PDF...): each area is probed with one allowed principal
         only; every refusal is still probed.
  Path arguments are filled by name from the world (code, uuid, household_id, conflict_id,
  device_id, sha256, size, upload_id, flag_id, user_id, indicator_id, entry_id, filename).
A refusal is 401, 403, 404, a redirect to /login, or a status in `denied`; anything else below
500 counts as allowed. Every refusal is also checked to have written nothing (row counts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PRINCIPALS = ("anon", "device", "officer", "board", "province_officer", "sync_admin", "sysadmin")
ANYONE = PRINCIPALS
WEB = ("officer", "board", "province_officer", "sync_admin", "sysadmin")
VIEWERS = WEB  # every web role may read a commune of its area (server/services/access.py)
ADMINS = ("sync_admin", "sysadmin")
EDITORS = ("board", "sysadmin")  # the commune's own board decides and edits
IMPORTERS = ("board", "sync_admin", "sysadmin")
CONFIGURERS = ("province_officer", "sysadmin")
DEVICE = ("device",)
COMMUNE, NONE = "commune", "none"


@dataclass(frozen=True)
class R:
    endpoint: str
    method: str
    who: tuple[str, ...]
    scope: str
    form: Any = None
    json: Any = None
    query: Any = None
    data: Any = None
    params: dict[str, str] = field(default_factory=dict)
    denied: tuple[int, ...] = ()
    absent: bool = False  # the world lacks the resource: 404 accepted when allowed
    heavy: bool = False  # slow to answer: allowed once per area, every refusal still probed
    note: str = ""


def _household(world: dict) -> dict:
    from tests.helpers import envelope

    return envelope(commune_code=world["code"], village_code=world["village"])


def _push(world: dict) -> dict:
    return {"records": [_household(world)]}


PERIOD = {
    "action": "create",
    "name": "Kỳ ma trận",
    "starts_on": "2020-01-01",
    "ends_on": "2020-01-31",
}
APPROVE: Callable[[dict], dict] = lambda w: {"decision": "approve"}  # noqa: E731

SPEC: list[R] = [
    # public
    R("static", "GET", ANYONE, NONE),
    R("auth.login", "GET", ANYONE, NONE),
    R("auth.login", "POST", ANYONE, NONE, form={"username": "x", "password": "y"}),
    R("auth.logout", "POST", ANYONE, NONE),
    R("api-docs.openapi_json", "GET", ANYONE, NONE),
    R("devices.enroll", "POST", ANYONE, NONE, json={"code": "AAAA-BBBB"}),
    # web pages: communes
    R("commune.home", "GET", WEB, NONE),
    R("commune.page", "GET", VIEWERS, COMMUNE),
    R("commune.photo", "GET", VIEWERS, COMMUNE),
    R("commune.photo_thumb", "GET", VIEWERS, COMMUNE),
    R("dashboard.page", "GET", VIEWERS, COMMUNE),
    R("dashboard.indicator", "GET", VIEWERS, COMMUNE),
    R("dashboard.household", "GET", VIEWERS, COMMUNE),
    R("commune_indicators.page", "GET", VIEWERS, COMMUNE),
    R(
        "commune_indicators.enter",
        "POST",
        ("board",),
        COMMUNE,
        params={"indicator_id": "commune_indicator_id"},
        form={"value_bool": "maybe"},
    ),
    R("commune_indicators.document", "GET", VIEWERS, COMMUNE, absent=True),
    R("ledger.page", "GET", VIEWERS, COMMUNE),
    R("ledger.rates", "GET", VIEWERS, COMMUNE),
    R("ledger.rates", "POST", EDITORS, COMMUNE, form={"land_m2": "-1"}),
    R("ledger.commendation", "GET", VIEWERS, COMMUNE),
    R("ledger.commendation", "POST", EDITORS, COMMUNE, form={"min_points": "-1"}),
    R("exports.ledger_csv", "GET", VIEWERS, COMMUNE),
    R("exports.ledger_xlsx", "GET", VIEWERS, COMMUNE),
    R("exports.indicators_csv", "GET", VIEWERS, COMMUNE),
    R("exports.indicators_xlsx", "GET", VIEWERS, COMMUNE),
    R("exports.records_geojson", "GET", VIEWERS, COMMUNE),
    R("exports.dossier_pdf", "GET", VIEWERS, COMMUNE, heavy=True),
    # web pages: review
    R("integrity.summary", "GET", VIEWERS, COMMUNE),
    R("integrity.accept", "POST", EDITORS, COMMUNE, absent=True, form={"reason": ""}),
    R("review.queue", "GET", VIEWERS, COMMUNE),
    R(
        "review.bulk",
        "POST",
        VIEWERS,
        COMMUNE,
        form={"decision": "approve"},
        note="the reviewer rule answers with a redirect carrying the error "
        "(tests/server/test_review_web_checks.py)",
    ),
    R("review.periods_page", "GET", VIEWERS, COMMUNE),
    R("review.periods_page", "POST", EDITORS, COMMUNE, form=PERIOD),
    R("review.record_page", "GET", VIEWERS, COMMUNE),
    R("review.decide", "POST", EDITORS, COMMUNE, form=APPROVE),
    R("review.add_comment", "POST", VIEWERS, COMMUNE, form={"body": ""}),
    R("bundles.upload", "GET", IMPORTERS, NONE),
    R("bundles.upload", "POST", IMPORTERS, NONE),
    R("criteria.page", "GET", CONFIGURERS, NONE),
    R("criteria.change", "POST", CONFIGURERS, NONE),
    # web pages: administration
    R("admin_devices.index", "GET", ADMINS, NONE),
    R("admin_devices.health", "GET", ADMINS, NONE),
    R("admin_devices.create_enrolment", "POST", ADMINS, NONE, form={"officer_name": ""}),
    R("admin_devices.revoke", "POST", ADMINS, COMMUNE, form={"mode": "bogus"}),
    R("conflict_inbox.index", "GET", ADMINS, NONE),
    R("conflict_inbox.show", "GET", ADMINS, COMMUNE),
    R("conflict_inbox.resolve", "POST", ADMINS, COMMUNE),
    R("conflict_inbox.bulk", "POST", ADMINS, NONE),
    R("audit_log.index", "GET", ADMINS, NONE),
    R("admin_users.index", "GET", ADMINS, NONE),
    R("admin_users.create", "POST", ADMINS, NONE, form={"username": "x"}),
    R("admin_users.set_active", "POST", ADMINS, COMMUNE, form={"active": "maybe"}),
    R("admin_users.reset_password", "POST", ADMINS, COMMUNE),
    R("admin_users.unlock", "POST", ADMINS, COMMUNE),
    R("admin_users.assign_villages", "POST", ADMINS, COMMUNE),
    # JSON API for web users (session cookie + X-CSRF-Token)
    R("session.current", "GET", WEB, NONE),
    R("conflicts.list_conflicts", "GET", ADMINS, NONE),
    R("conflicts.show", "GET", ADMINS, COMMUNE),
    R("conflicts.resolve", "POST", ADMINS, COMMUNE, json={"choices": {"no_such_field": "base"}}),
    R("revisions.revisions", "GET", DEVICE + VIEWERS, COMMUNE, params={"record_uuid": "uuid"}),
    # JSON API for tablets (bearer token)
    R("scope.scope", "GET", DEVICE, NONE),
    R("records.push_records", "POST", DEVICE, COMMUNE, json=_push, denied=(422,)),
    R("records.changes", "GET", DEVICE, NONE),
    R("records.checksum", "GET", DEVICE, NONE),
    R(
        "photos.status",
        "GET",
        DEVICE,
        NONE,
        note="content-addressed: knowing a hash means holding the photo already",
    ),
    R("photos.upload", "PUT", DEVICE, NONE, data=b"not a jpeg"),
    R("photos.thumbnail", "GET", DEVICE, COMMUNE, absent=True),  # no pipeline run: 404 pending
    R("uploads.create", "POST", DEVICE, NONE, json={}),
    R("uploads.state", "GET", DEVICE, COMMUNE),
    R("uploads.chunk", "PUT", DEVICE, COMMUNE, query={"offset": "0"}, data=b""),
    R("uploads.finish", "POST", DEVICE, COMMUNE),
]
