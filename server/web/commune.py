"""The commune page: contributions by household, village and commune totals."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    send_file,
    url_for,
)
from sqlalchemy import select

from forms import default_registry
from server.extensions import db
from server.models import AdminUnit, Device, Photo, Record
from server.services import photo_thumbs, photos, totals
from server.services.access import can_access_commune as can_view_commune
from server.web.auth import login_required

bp = Blueprint("commune", __name__)


@bp.get("/")
@login_required
def home():
    user = g.user
    if user.role in ("board", "officer") and user.area_code:
        return redirect(url_for("commune.page", code=user.area_code))
    query = select(AdminUnit).where(AdminUnit.level == "commune")
    if user.role != "sysadmin":
        query = query.where(AdminUnit.parent_code == user.area_code)
    communes = [
        c
        for c in db.session.scalars(query.order_by(AdminUnit.name).limit(500))
        if db.session.scalar(select(AdminUnit.code).where(AdminUnit.parent_code == c.code).limit(1))
    ]
    return render_template("communes.html", communes=communes)


@bp.get("/communes/<code>")
@login_required
def page(code: str):
    commune = db.session.get(AdminUnit, code)
    if commune is None or commune.level != "commune":
        abort(404)
    if not can_view_commune(g.user, code):
        abort(403)
    province = db.session.get(AdminUnit, commune.province_code() or "")
    return render_template(
        "commune.html",
        commune=commune,
        province=province,
        summary=totals.commune_contributions(code),
        form=default_registry().get("contribution"),
        clock_devices=clock_flagged_devices(code),
    )


def clock_flagged_devices(commune_code: str) -> dict[str, Device]:
    """The commune's tablets whose clock was off by more than the configured limit at their
    last push: their capture times are doubtful (order never depends on them)."""
    limit = current_app.config["CLOCK_SKEW_FLAG_SECONDS"]
    devices = db.session.scalars(
        select(Device).where(
            Device.commune_code == commune_code, Device.clock_skew_seconds.is_not(None)
        )
    )
    return {d.id: d for d in devices if d.clock_flagged(limit)}


@bp.get("/photos/<sha256>")
@login_required
def photo(sha256: str):
    """The photo as the web shows it: the EXIF-stripped upright copy once the pipeline made
    it, the original until then."""
    return _serve_photo(sha256, "web")


@bp.get("/photos/<sha256>/thumb/<int:size>")
@login_required
def photo_thumb(sha256: str, size: int):
    """A 256 or 1024 px thumbnail; the original while the pipeline has not made it yet."""
    if str(size) not in photo_thumbs.KINDS:
        abort(404)
    return _serve_photo(sha256, str(size))


def _serve_photo(sha256: str, kind: str):
    photo = db.session.get(Photo, sha256) if photos.SHA256_HEX.match(sha256) else None
    if photo is None:
        abort(404)
    if not any(can_view_commune(g.user, c) for c in _communes_using(sha256)):
        abort(404)  # 404, not 403: do not confirm a photo exists outside the user's area
    ready = photo_thumbs.ready_path(sha256, kind)
    if ready is not None:  # named by the photo's content: never changes once made
        response = send_file(ready, mimetype="image/jpeg")
        response.headers["Cache-Control"] = "private, max-age=86400"
    else:  # the original, until the copy replaces it
        response = send_file(photos.photo_path(sha256), mimetype=photo.content_type)
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def _communes_using(sha256: str) -> set[str]:
    # JSON containment differs between SQLite and PostgreSQL; a LIKE on the serialised list
    # is portable, and a hash is unambiguous inside it.
    rows = db.session.execute(
        select(Record.commune_code, Record.photos).where(
            db.cast(Record.photos, db.String).like(f"%{sha256}%")
        )
    )
    return {code for code, hashes in rows if sha256 in (hashes or [])}
