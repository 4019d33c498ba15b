"""Commune indicator dashboard: criteria set and level, each household indicator with its
threshold, status and coverage, and the drill-down to households, their checks and photos."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from forms.catalogue import LEVELS, catalogues
from forms.loader import default_registry
from server.extensions import db
from server.models import AdminUnit, Household
from server.services import commune_indicators, criteria_config, indicators, indicators_facts
from server.services.access import can_access_commune
from server.web.auth import login_required

bp = Blueprint("dashboard", __name__)
indicators_facts.listen_to_review()  # keep the facts current when the board decides
CHECK_FORMS = ("environment_check", "house_tidying_check")
LEVEL_NAMES = {
    "standard": ("Đạt chuẩn", "Standard"),
    "advanced": ("Nâng cao", "Advanced"),
    "model": ("Kiểu mẫu", "Model"),
}
GROUP_NAMES = {
    "counted": ("Đạt, được tính", "Counted, meets"),
    "not_counted": ("Chưa đạt", "Counted, does not meet"),
    "outside_population": ("Không thuộc đối tượng", "Not in the denominator"),
    "pending": ("Chờ duyệt, chưa tính", "Pending review, not counted"),
    "no_check": ("Chưa có kiểm tra được duyệt", "No approved check yet"),
}


def _commune(code: str) -> AdminUnit:
    commune = db.session.get(AdminUnit, code)
    if commune is None or commune.level != "commune":
        abort(404)
    if not can_access_commune(g.user, code):
        abort(403)
    return commune


def _choices() -> tuple[str, str, str | None]:
    """Criteria set, level and region from the query string; unknown values fall back."""
    sets = catalogues()
    set_id = request.args.get("set", indicators.DEFAULT_SET)
    if set_id not in sets:
        set_id = indicators.DEFAULT_SET
    level = request.args.get("level", "standard")
    if level not in LEVELS:
        level = "standard"
    region = request.args.get("region") or None
    if region not in sets[set_id].partitions:
        region = None
    return set_id, level, region


@bp.get("/communes/<code>/indicators")
@login_required
def page(code: str):
    commune = _commune(code)
    set_id, level, region = _choices()
    assigned = criteria_config.commune_partition(code, set_id)
    region = region or (assigned.partition if assigned is not None else None)
    rollup = indicators.rollup(code, set_id, level, region)
    commune_results = commune_indicators.results(code, set_id, level, region)
    return render_template(
        "dashboard.html",
        commune=commune,
        rollup=rollup,
        commune_results=commune_results,
        met=rollup.met + sum(r.status == "met" for r in commune_results),
        total=rollup.total + len(commune_results),
        trend=indicators.trend(code, set_id, level, region),
        sets=catalogues(),
        levels=LEVEL_NAMES,
        region=region,
        assigned=assigned,
    )


@bp.get("/communes/<code>/indicators/<indicator_id>")
@login_required
def indicator(code: str, indicator_id: str):
    commune = _commune(code)
    set_id, level, region = _choices()
    item = catalogues()[set_id].indicator(indicator_id)
    if item is None:
        abort(404)
    result = next(
        (r for r in indicators.rollup(code, set_id, level, region).results if r.indicator is item),
        None,
    )
    lines = indicators.drill_down(code, item)
    return render_template(
        "dashboard_indicator.html",
        commune=commune,
        item=item,
        result=result,
        lines=lines,
        groups=GROUP_NAMES,
        geojson=indicators.drill_down_geojson(code, lines),
    )


@bp.get("/communes/<code>/households/<household_id>/checks")
@login_required
def household(code: str, household_id: str):
    commune = _commune(code)
    registry = default_registry()
    house = db.session.get(Household, household_id)
    if house is None or house.commune_code != code:
        abort(404)
    return render_template(
        "dashboard_household.html",
        commune=commune,
        house=house,
        checks=indicators.household_checks(code, household_id),
        labels={f: {x.name: x.label for x in registry.get(f).fields} for f in CHECK_FORMS},
        titles={f: registry.get(f).title.vi for f in CHECK_FORMS},
    )
