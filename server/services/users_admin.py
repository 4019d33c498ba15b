"""Administering web users and tablet village assignments.

A system administrator manages everyone; a sync administrator manages the users whose area
lies in their own province (the province itself or one of its communes) and may not create
or touch system administrators. Every change is audit-logged in the same transaction.
Passwords are never chosen by the administrator: the server makes a random one, shows it
once, and stores only its hash. A reset also ends the user's open login sessions.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable

from sqlalchemy import func, or_, select

from server import security_limits
from server.extensions import db
from server.models import AdminUnit, AuditEvent, Device, DeviceVillage, User
from server.models.types import utcnow
from server.models.users import ROLES
from server.security_limits import normalise_username
from server.services import audit
from server.services.access import COMMUNE_ROLES, can_access_commune

ADMIN_ROLES = ("sync_admin", "sysadmin")
ROLE_LABELS = {
    "officer": ("Cán bộ thôn (máy tính bảng)", "Field officer (tablet)"),
    "board": ("Ban quản lý xã", "Commune board"),
    "province_officer": ("Cán bộ tỉnh", "Province officer"),
    "sync_admin": ("Quản trị đồng bộ (tỉnh)", "Sync administrator (province)"),
    "sysadmin": ("Quản trị hệ thống", "System administrator"),
}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read over the phone
LIST_LIMIT = 500


class UserAdminError(ValueError):
    def __init__(self, status: int, message: str, message_en: str):
        super().__init__(message_en)
        self.status, self.message, self.message_en = status, message, message_en


def _province_of(area_code: str | None) -> str | None:
    unit = db.session.get(AdminUnit, area_code) if area_code else None
    return unit.province_code() if unit else None


def may_manage(admin: User, user: User) -> bool:
    """Whether `admin` may see and change `user` (a sync admin: their province only)."""
    if admin.role == "sysadmin":
        return True
    if admin.role != "sync_admin" or user.role == "sysadmin":
        return False
    return user.area_code is not None and _province_of(user.area_code) == admin.area_code


def visible_users(admin: User, query: str = "") -> list[User]:
    stmt = select(User)
    if admin.role != "sysadmin":
        communes = select(AdminUnit.code).where(
            AdminUnit.parent_code == admin.area_code, AdminUnit.level == "commune"
        )
        stmt = stmt.where(
            User.role != "sysadmin",
            or_(User.area_code == admin.area_code, User.area_code.in_(communes)),
        )
    query = query.strip()[:64]
    if query:
        like = f"%{query}%"
        stmt = stmt.where(
            or_(User.username.ilike(like), User.display_name.ilike(like), User.area_code == query)
        )
    return list(db.session.scalars(stmt.order_by(User.username).limit(LIST_LIMIT)))


def area_choices(admin: User) -> list[AdminUnit]:
    """Provinces and communes an admin may give a new user (communes omitted for a system
    administrator: thousands of them; the code is typed)."""
    if admin.role == "sysadmin":
        stmt = select(AdminUnit).where(AdminUnit.level == "province")
    else:
        stmt = select(AdminUnit).where(
            or_(
                AdminUnit.code == admin.area_code,
                (AdminUnit.parent_code == admin.area_code) & (AdminUnit.level == "commune"),
            )
        )
    return list(db.session.scalars(stmt.order_by(AdminUnit.level.desc(), AdminUnit.name)))


def new_password() -> str:
    raw = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _check_area(admin: User, role: str, area_code: str) -> str | None:
    if role == "sysadmin":
        if admin.role != "sysadmin":
            raise UserAdminError(
                403,
                "Chỉ quản trị hệ thống mới tạo được quản trị hệ thống.",
                "Only a system administrator may create a system administrator.",
            )
        return None
    wanted = "commune" if role in COMMUNE_ROLES else "province"
    unit = db.session.get(AdminUnit, area_code) if area_code else None
    if unit is None or unit.level != wanted:
        if wanted == "commune":
            raise UserAdminError(
                400,
                "Vai trò này cần một mã xã có thật (ví dụ 01936).",
                "This role needs the code of an existing commune (e.g. 01936).",
            )
        raise UserAdminError(
            400,
            "Vai trò này cần một mã tỉnh có thật (ví dụ 19).",
            "This role needs the code of an existing province (e.g. 19).",
        )
    inside = (
        can_access_commune(admin, unit.code)
        if wanted == "commune"
        else (admin.role == "sysadmin" or unit.code == admin.area_code)
    )
    if not inside:
        raise UserAdminError(
            403,
            "Bạn chỉ tạo được người dùng trong tỉnh của mình.",
            "You may only create users in your own province.",
        )
    return unit.code


def create(
    admin: User, username: str, display_name: str, role: str, area_code: str
) -> tuple[User, str]:
    """Create a user; returns it and its one-time password (shown once, stored hashed)."""
    username = username.strip().lower()
    display_name = " ".join(display_name.split())[:120]
    if not USERNAME.match(username):
        raise UserAdminError(
            400,
            "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu . _ -",
            "A username has 3-64 characters: lower-case letters, digits, . _ -",
        )
    if role not in ROLES:
        raise UserAdminError(400, "Hãy chọn một vai trò.", "Choose a role.")
    area = _check_area(admin, role, area_code.strip())
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserAdminError(
            409, "Tên đăng nhập này đã có người dùng.", "This username is already taken."
        )
    password = new_password()
    user = User(username=username, display_name=display_name or username, role=role)
    user.area_code = area
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.log(
        "user.create",
        actor=admin.username,
        area_code=area,
        target=username,
        details={"role": role, "display_name": user.display_name},
    )
    db.session.commit()
    return user, password


def get_managed(admin: User, user_id: int) -> User:
    """The user `admin` may manage, or a 404 (another province's users do not exist here)."""
    user = db.session.get(User, user_id)
    if user is None or not may_manage(admin, user):
        raise UserAdminError(404, "Không tìm thấy người dùng.", "No such user.")
    return user


def set_active(admin: User, user: User, active: bool) -> User:
    if user.id == admin.id:
        raise UserAdminError(
            400,
            "Bạn không tự khoá tài khoản của mình được.",
            "You cannot deactivate your own account.",
        )
    if user.active == active:
        return user
    user.active = active
    audit.log(
        "user.reactivate" if active else "user.deactivate",
        actor=admin.username,
        area_code=user.area_code,
        target=user.username,
        details={"role": user.role},
    )
    db.session.commit()
    return user


def reset_password(admin: User, user: User) -> str:
    """A new one-time password; the user's open sessions stop working."""
    password = new_password()
    user.set_password(password)
    user.session_version = (user.session_version or 0) + 1
    audit.log(
        "user.password_reset",
        actor=admin.username,
        area_code=user.area_code,
        target=user.username,
        details={"role": user.role},
    )
    db.session.commit()
    return password


LOCKOUT_LOOKBACK = dt.timedelta(hours=24)


def _lockouts(usernames: Iterable[str]) -> list[AuditEvent]:
    """Refused logins (429) of these usernames in the last day, from the audit log."""
    names = {normalise_username(n) for n in usernames}
    if not names:
        return []
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "login.locked",
                AuditEvent.actor.in_(sorted(names)),
                AuditEvent.at >= utcnow() - LOCKOUT_LOOKBACK,
            )
        )
    )


def recently_locked(users: Iterable[User]) -> dict[str, dt.datetime]:
    """username -> when a login was last refused for too many failures (last day, and
    after the last time an administrator unblocked it)."""
    by_name = {normalise_username(u.username): u.username for u in users}
    unblocked = dict(
        db.session.execute(
            select(AuditEvent.target, func.max(AuditEvent.at))
            .where(AuditEvent.action == "user.unlock", AuditEvent.target.in_(sorted(by_name)))
            .group_by(AuditEvent.target)
        ).all()
    )
    last: dict[str, dt.datetime] = {}
    for event in _lockouts(by_name):
        name = by_name.get(event.actor)
        if name is None or (name in unblocked and event.at <= unblocked[name]):
            continue
        if name not in last or event.at > last[name]:
            last[name] = event.at
    return last


KNOWN_ADDRESS_LOOKBACK = dt.timedelta(days=90)


def _known_addresses(user: User) -> set[str]:
    """Addresses this user has logged in from successfully (last 90 days)."""
    return {
        ip
        for (ip,) in db.session.execute(
            select(AuditEvent.ip)
            .where(
                AuditEvent.action == "login.success",
                AuditEvent.actor == user.username,
                AuditEvent.at >= utcnow() - KNOWN_ADDRESS_LOOKBACK,
            )
            .distinct()
        )
        if ip
    }


def unlock_login(admin: User, user: User) -> list[str]:
    """Let the user try again now: the name's count across addresses is cleared, and the
    per-address count only at addresses where they were refused AND have logged in
    successfully before (their own office or phone, not a stranger's guessing machine,
    which stays limited). Returns those addresses. Audit-logged."""
    refused = {str((e.details or {}).get("ip") or e.ip) for e in _lockouts([user.username])}
    addresses = sorted((refused & _known_addresses(user)) - {""})
    security_limits.unlock_login(user.username, addresses)
    audit.log(
        "user.unlock",
        actor=admin.username,
        area_code=user.area_code,
        target=user.username,
        details={"addresses": addresses},
    )
    db.session.commit()
    return addresses


def managed_devices(admin: User) -> list[Device]:
    """Tablets in service (not stopped) that `admin` may assign villages to."""
    stmt = select(Device).where(or_(Device.revoke_mode.is_(None), Device.revoke_mode != "now"))
    if admin.role != "sysadmin":
        communes = select(AdminUnit.code).where(
            AdminUnit.parent_code == admin.area_code, AdminUnit.level == "commune"
        )
        stmt = stmt.where(Device.commune_code.in_(communes))
    return list(db.session.scalars(stmt.order_by(Device.commune_code, Device.name).limit(1000)))


def villages_of(commune_codes: set[str]) -> dict[str, list[AdminUnit]]:
    """Villages by commune, for the assignment checkboxes."""
    out: dict[str, list[AdminUnit]] = {code: [] for code in commune_codes}
    if not commune_codes:
        return out
    rows = db.session.scalars(
        select(AdminUnit)
        .where(AdminUnit.parent_code.in_(sorted(commune_codes)), AdminUnit.level == "village")
        .order_by(AdminUnit.name)
    )
    for village in rows:
        out[village.parent_code].append(village)
    return out


def assignments(device_ids: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {d: set() for d in device_ids}
    if device_ids:
        rows = db.session.execute(
            select(DeviceVillage.device_id, DeviceVillage.village_code).where(
                DeviceVillage.device_id.in_(device_ids)
            )
        )
        for device_id, village in rows:
            out[device_id].add(village)
    return out


def get_device(admin: User, device_id: str) -> Device:
    device = db.session.get(Device, device_id)
    if device is None or not can_access_commune(admin, device.commune_code):
        raise UserAdminError(404, "Không tìm thấy máy.", "No such device.")
    return device


def assign_villages(admin: User, device: Device, village_codes: list[str]) -> set[str]:
    """Replace the tablet's villages (none = the whole commune); every code must be a village
    of the tablet's commune, or nothing changes."""
    wanted = {c.strip() for c in village_codes if c.strip()}
    known = {v.code for v in villages_of({device.commune_code})[device.commune_code]}
    if wanted - known:
        raise UserAdminError(
            400,
            "Chỉ giao được các thôn của xã mà máy được đăng ký.",
            "Only villages of the tablet's own commune can be assigned.",
        )
    before = assignments([device.id])[device.id]
    if wanted == before:
        return before
    for row in db.session.scalars(
        select(DeviceVillage).where(DeviceVillage.device_id == device.id)
    ):
        if row.village_code not in wanted:
            db.session.delete(row)
    for code in sorted(wanted - before):
        db.session.add(
            DeviceVillage(device_id=device.id, village_code=code, assigned_by=admin.username)
        )
    audit.log(
        "device.villages",
        actor=admin.username,
        area_code=device.commune_code,
        target=device.id,
        details={"before": sorted(before), "after": sorted(wanted), "name": device.name},
    )
    db.session.commit()
    return wanted


def creatable_roles(admin: User) -> tuple[str, ...]:
    """Roles `admin` may give (a sync administrator: all but the system administrator)."""
    return ROLES if admin.role == "sysadmin" else tuple(r for r in ROLES if r != "sysadmin")
