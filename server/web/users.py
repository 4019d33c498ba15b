"""Users and roles page for administrators: list and create users, deactivate/reactivate,
reset a password, let a user locked out by failed logins try again, and assign tablets to
villages. A system administrator manages everyone,
a sync administrator the users and tablets of their province; nobody else sees the page."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from server.services import users_admin
from server.services.users_admin import UserAdminError
from server.web.auth import check_csrf, login_required

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


def _require_admin() -> None:
    if g.user.role not in users_admin.ADMIN_ROLES:
        abort(403)


def _page(status: int = 200, **extra):
    admin = g.user
    devices = users_admin.managed_devices(admin)
    query = request.args.get("q", "")
    users = users_admin.visible_users(admin, query)
    return (
        render_template(
            "admin/users.html",
            users=users,
            locked=users_admin.recently_locked(users),
            query=query[:64],
            roles=users_admin.creatable_roles(admin),
            role_labels=users_admin.ROLE_LABELS,
            areas=users_admin.area_choices(admin),
            devices=devices,
            villages=users_admin.villages_of({d.commune_code for d in devices}),
            assigned=users_admin.assignments([d.id for d in devices]),
            form=request.form if request.method == "POST" else {},
            **extra,
        ),
        status,
    )


def _error(exc: UserAdminError):
    return _page(exc.status, error=(exc.message, exc.message_en))


@bp.get("")
@login_required
def index():
    _require_admin()
    return _page()


@bp.post("")
@login_required
def create():
    _require_admin()
    check_csrf()
    form = request.form
    try:
        user, password = users_admin.create(
            g.user,
            form.get("username", ""),
            form.get("display_name", ""),
            form.get("role", ""),
            form.get("area_code", ""),
        )
    except UserAdminError as exc:
        return _error(exc)
    return _page(201, password_for=user, password=password)


@bp.post("/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    _require_admin()
    check_csrf()
    wanted = {"0": False, "1": True}.get(request.form.get("active", ""))
    try:
        user = users_admin.get_managed(g.user, user_id)
        if wanted is None:
            raise UserAdminError(400, "Yêu cầu không hợp lệ.", "Invalid request.")
        users_admin.set_active(g.user, user, wanted)
    except UserAdminError as exc:
        return _error(exc)
    return _page(notice=("active", user))


@bp.post("/<int:user_id>/password")
@login_required
def reset_password(user_id: int):
    _require_admin()
    check_csrf()
    try:
        user = users_admin.get_managed(g.user, user_id)
        if request.form.get("confirm") != "1":
            raise UserAdminError(400, "Yêu cầu không hợp lệ.", "Invalid request.")
        password = users_admin.reset_password(g.user, user)
    except UserAdminError as exc:
        return _error(exc)
    return _page(password_for=user, password=password)


@bp.post("/<int:user_id>/unlock")
@login_required
def unlock(user_id: int):
    _require_admin()
    check_csrf()
    try:
        user = users_admin.get_managed(g.user, user_id)
    except UserAdminError as exc:
        return _error(exc)
    users_admin.unlock_login(g.user, user)
    return _page(notice=("unlocked", user))


@bp.post("/devices/<device_id>/villages")
@login_required
def assign_villages(device_id: str):
    _require_admin()
    check_csrf()
    try:
        device = users_admin.get_device(g.user, device_id)
        if request.form.get("confirm") != "1":
            raise UserAdminError(400, "Yêu cầu không hợp lệ.", "Invalid request.")
        users_admin.assign_villages(g.user, device, request.form.getlist("village"))
    except UserAdminError as exc:
        return _error(exc)
    return _page(notice=("villages", device))
