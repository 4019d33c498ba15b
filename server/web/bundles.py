"""Import a sync bundle through the web page (the commune office's path for no-signal areas)."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from server.services.access import can_access_commune
from server.services.bundles import BundleForbidden, import_bundle
from server.services.push import BatchInvalid
from server.web.auth import check_csrf, login_required
from sync.bundle import BundleError

bp = Blueprint("bundles", __name__)
IMPORTERS = ("board", "sync_admin", "sysadmin")


@bp.route("/bundles", methods=["GET", "POST"])
@login_required
def upload():
    if g.user.role not in IMPORTERS:
        abort(403)
    if request.method == "GET":
        return render_template("bundle.html")
    check_csrf()
    file = request.files.get("bundle")
    if file is None or not file.filename:
        return render_template("bundle.html", error=("Hãy chọn một tệp.", "Choose a file.")), 400
    try:
        report = import_bundle(
            file.read(), g.user.username, lambda code: can_access_commune(g.user, code)
        )
    except BundleForbidden:
        # asked after the signature, before any write: a user learns nothing about other
        # areas' devices and writes nothing outside their own
        abort(403)
    except BundleError as exc:
        return render_template("bundle.html", error=(exc.message, exc.message_en)), 422
    except BatchInvalid as exc:
        return render_template("bundle.html", invalid=exc.errors[:50]), 422
    return render_template("bundle.html", report=report)
