"""Sync administrators' tablet page: enrol a tablet (QR and short code), list enrolments and
devices of their province, revoke a device in one of two modes."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from server.extensions import db
from server.models import Device
from server.models.types import utcnow
from server.services import audit, devices_admin, enrolment, revocation, sync_health
from server.services.access import can_access_commune
from server.web.auth import check_csrf, login_required

bp = Blueprint("admin_devices", __name__, url_prefix="/admin/devices")

ENROL_HOURS = 24
SILENT_DAYS = 7  # devices silent longer than this are highlighted on the health page


def _require_admin() -> None:
    if g.user.role not in devices_admin.ADMIN_ROLES:
        abort(403)


def _page(status: int = 200, **extra):
    user = g.user
    return (
        render_template(
            "admin/devices.html",
            communes=devices_admin.communes_for(user),
            devices=devices_admin.devices_for(user),
            enrolments=devices_admin.enrolments_for(user),
            now=utcnow(),
            **extra,
        ),
        status,
    )


@bp.get("")
@login_required
def index():
    _require_admin()
    return _page()


@bp.post("/enrolments")
@login_required
def create_enrolment():
    _require_admin()
    check_csrf()
    commune_code = request.form.get("commune_code", "").strip()
    officer = request.form.get("officer_name", "").strip()[:120]
    if not officer:
        return _page(400, error=("Hãy nhập tên cán bộ.", "Enter the officer's name."))
    if not can_access_commune(g.user, commune_code):
        return _page(
            400, error=("Xã này không thuộc tỉnh của bạn.", "This commune is not in your province.")
        )
    try:
        record, code = enrolment.create(
            commune_code, officer, created_by=g.user.username, hours=ENROL_HOURS
        )
    except enrolment.EnrolmentError as exc:
        return _page(400, error=(exc.message, exc.message_en))
    audit.log(
        "device.enrol_create",
        actor=g.user.username,
        area_code=commune_code,
        target=str(record.id),
        details={"officer": officer, "expires_at": record.expires_at.isoformat()},
    )
    db.session.commit()
    server_url = request.host_url.rstrip("/")
    return _page(
        201,
        new=record,
        code=f"{code[:4]}-{code[4:]}",
        qr=devices_admin.qr_svg(server_url, code),
        server_url=server_url,
    )


@bp.post("/<device_id>/revoke")
@login_required
def revoke(device_id: str):
    _require_admin()
    check_csrf()
    device = db.session.get(Device, device_id)
    if device is None or not can_access_commune(g.user, device.commune_code):
        abort(404)  # a device of another province does not exist for this user
    try:
        revocation.revoke(device, request.form.get("mode", ""), actor=g.user.username)
    except revocation.RevocationError as exc:
        return _page(400, error=(exc.message, exc.message_en))
    return _page(notice=device)


@bp.get("/health")
@login_required
def health():
    _require_admin()
    raw = request.args.get("days", "").strip()
    days = int(raw) if raw.isdigit() and 0 < int(raw) <= 3650 else SILENT_DAYS
    rows, communes = sync_health.report(g.user, days)
    return render_template("admin/sync_health.html", rows=rows, communes=communes, days=days)
