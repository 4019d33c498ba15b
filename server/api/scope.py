"""What an enrolled device may see: its commune, the commune's villages, the current forms."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint
from sqlalchemy import select

from forms import default_registry
from server.api.auth import device_required
from server.api.schemas import ScopeSchema
from server.extensions import db
from server.models import AdminUnit
from sync.envelope import utc_now

blp = Blueprint("scope", __name__, url_prefix="/api/v1/sync", description="Device scope")


def commune_info(code: str) -> dict:
    commune = db.session.get(AdminUnit, code)
    province_code = commune.province_code() if commune else None
    province = db.session.get(AdminUnit, province_code) if province_code else None
    return {
        "code": code,
        "name": commune.name if commune else code,
        "province_code": province_code,
        "province_name": province.name if province else None,
    }


@blp.get("/scope")
@device_required
@blp.response(200, ScopeSchema)
def scope():
    """The device's commune, its villages with their boundaries, and the forms in force."""
    code = g.device.commune_code
    villages = db.session.scalars(
        select(AdminUnit)
        .where(AdminUnit.parent_code == code, AdminUnit.level == "village")
        .order_by(AdminUnit.name)
    )
    return {
        "commune": commune_info(code),
        "villages": [
            {
                "code": v.code,
                "name": v.name,
                "geometry": v.geometry,
                "geometry_source": v.geometry_source,
            }
            for v in villages
        ],
        "forms": [{"id": f.id, "version": f.version} for f in default_registry().current()],
        "server_time": utc_now(),
    }
