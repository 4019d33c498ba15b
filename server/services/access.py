"""Who may see and change what: roles and areas, shared by the web pages and the API."""

from __future__ import annotations

from server.extensions import db
from server.models import AdminUnit, User

COMMUNE_ROLES = ("board", "officer")
PROVINCE_ROLES = ("sync_admin", "province_officer")


def can_access_commune(user: User, commune_code: str) -> bool:
    if user.role == "sysadmin":
        return True
    if user.role in COMMUNE_ROLES:
        return user.area_code == commune_code
    commune = db.session.get(AdminUnit, commune_code)
    return commune is not None and commune.province_code() == user.area_code


def communes_in_area(user: User) -> list[str] | None:
    """The commune codes a user may see, or None for all (system administrator)."""
    if user.role == "sysadmin":
        return None
    if user.role in COMMUNE_ROLES:
        return [user.area_code] if user.area_code else []
    return list(
        db.session.scalars(
            db.select(AdminUnit.code).where(
                AdminUnit.parent_code == user.area_code, AdminUnit.level == "commune"
            )
        )
    )
