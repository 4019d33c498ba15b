"""The criteria catalogues load, map to real form fields and refuse malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.catalogue import CatalogueError, catalogues, parse_catalogue

BASE = {
    "id": "t",
    "title": {"vi": "t", "en": "t"},
    "partition": "region",
    "partitions": ["TDMNPB", "DBSH"],
    "levels": ["standard"],
}


def one(**indicator):
    item = {
        "id": "x",
        "status": "UNVERIFIED",
        "name": {"vi": "x", "en": "x"},
        "levels": ["standard"],
        "form": "environment_check",
        "numerator": "clean_water == true",
        "thresholds": {"standard": {"default": 0.9, "legal_ref": "ref", "demo": True}},
    }
    item.update(indicator)
    return parse_catalogue(Path("t.yaml"), dict(BASE, indicators=[item]))


def test_shipped_sets_load_with_status_tags_and_a_structural_2026_set():
    sets = catalogues()
    current = sets["ntm-2021-2025"]
    assert current.partition == "region" and len(current.partitions) == 7
    assert {i.status for i in current.indicators} <= {"VERIFIED", "SECONDARY", "UNVERIFIED"}
    assert all(t.demo for i in current.indicators for t in i.thresholds.values())
    future = sets["ntm-2026-2030"]
    assert future.structural_only and future.partition == "group" and future.indicators == ()


def test_livestock_indicator_counts_only_livestock_households():
    pens = catalogues()["ntm-2021-2025"].indicator("livestock_hygiene")
    assert not pens.in_population({"keeps_livestock": False})
    assert pens.counts({"keeps_livestock": True, "pen_hygienic": True, "pen_away_from_house": True})
    assert not pens.counts({"keeps_livestock": True, "pen_hygienic": True})


def test_threshold_per_region_and_per_level():
    sanitation = catalogues()["ntm-2021-2025"].indicator("household_sanitation_3_cong_trinh_3_sach")
    standard = sanitation.thresholds["standard"]
    assert standard.value_for("TDMNPB") == 0.6
    assert standard.value_for("DBSH") == standard.default == 0.7
    assert sanitation.thresholds["advanced"].value_for("TDMNPB") == 0.85


@pytest.mark.parametrize(
    "change, message",
    [
        ({"numerator": "clean_watr == true"}, "unknown field"),
        ({"form": "nope"}, "unknown form"),
        ({"status": "MAYBE"}, "status"),
        ({"thresholds": {"standard": {"default": 90, "legal_ref": "r"}}}, "between 0 and 1"),
        ({"thresholds": {"standard": {"default": 0.9}}}, "legal_ref"),
        ({"thresholds": {}}, "no threshold"),
        ({"thresholds": {"standard": {"by_partition": {"XX": 0.5}, "legal_ref": "r"}}}, "XX"),
        ({"numerator": "__import__('os')"}, "x.numerator"),
    ],
)
def test_malformed_catalogue_is_refused_naming_the_spot(change, message):
    with pytest.raises(CatalogueError, match=message):
        one(**change)
