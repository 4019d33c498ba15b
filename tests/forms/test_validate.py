"""Validation: the same rule book on the tablet and the server."""

from __future__ import annotations

import datetime as dt

import pytest

from forms import default_registry, photo_hashes, relevant_fields, validate

TODAY = dt.date(2026, 11, 22)
contribution = default_registry().get("contribution")
environment = default_registry().get("environment_check")


def errors_of(form, data):
    return {e.field: e.code for e in validate(form, data, today=TODAY)[1]}


def land(**extra):
    data = {
        "kind": "land",
        "quantity": 35.5,
        "works": "village_road",
        "date": "2026-11-20",
        "consent_photo": "a" * 64,
    }
    data.update(extra)
    return data


def test_a_good_land_donation_passes_and_keeps_its_answers():
    cleaned, errors = validate(contribution, land(works_name="  Đường trục thôn  "), today=TODAY)
    assert errors == []
    assert cleaned["works_name"] == "Đường trục thôn" and cleaned["quantity"] == 35.5


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        (land(quantity=-5), "quantity", "min"),
        (land(quantity=0), "quantity", "min"),
        (land(quantity="12"), "quantity", "type"),
        (land(quantity=True), "quantity", "type"),
        (land(quantity=float("nan")), "quantity", "type"),
        (land(kind="gold"), "kind", "choice"),
        (land(date="2026-13-01"), "date", "date"),
        (land(date="2027-01-01"), "date", "future"),
        (land(consent_photo=None), "consent_photo", "required"),
        (land(consent_photo="../../etc/passwd"), "consent_photo", "photo"),
        (land(colour="red"), "colour", "unknown_field"),
        (land(notes="x" * 501), "notes", "too_long"),
    ],
)
def test_bad_answers_name_the_field(data, field, code):
    assert errors_of(contribution, data) == {field: code}


def test_messages_are_vietnamese_first_with_english():
    error = validate(contribution, land(quantity=-1), today=TODAY)[1][0]
    assert error.message.vi == "«Số lượng» phải lớn hơn 0."
    assert error.message.en == "“Quantity” must be greater than 0."
    assert error.as_dict()["message_en"].startswith("“Quantity”")


def test_unit_is_asked_only_for_kinds_without_a_fixed_unit():
    assert errors_of(contribution, land()) == {}
    materials = land(kind="materials")
    del materials["consent_photo"]
    assert errors_of(contribution, materials) == {"unit": "required"}
    materials["unit"] = "bag"
    assert errors_of(contribution, materials) == {}


def base_check(**extra):
    data = {
        "date": "2026-11-20",
        "clean_water": True,
        "hygienic_latrine": True,
        "bathroom": True,
        "covered_water_container": True,
        "clean_house": True,
        "clean_kitchen": True,
        "clean_lane": True,
        "sorts_waste": False,
        "keeps_livestock": False,
    }
    data.update(extra)
    return data


def test_livestock_questions_only_when_the_household_keeps_livestock():
    shown = [f.name for f in relevant_fields(environment, base_check())]
    assert "pen_hygienic" not in shown
    shown = [f.name for f in relevant_fields(environment, base_check(keeps_livestock=True))]
    assert {"livestock_kinds", "pen_hygienic", "pen_away_from_house"} <= set(shown)
    assert errors_of(environment, base_check(keeps_livestock=True)) == {
        "pen_hygienic": "required",
        "pen_away_from_house": "required",
    }


def test_answers_to_hidden_questions_are_dropped_not_stored():
    cleaned, errors = validate(environment, base_check(pen_hygienic=True), today=TODAY)
    assert errors == [] and "pen_hygienic" not in cleaned


def test_multichoice_and_geopoint():
    household = default_registry().get("household")
    ok = {
        "head_name": "Ma Thị Hoa",
        "members": 3,
        "location": {"lat": 22.4, "lon": 105.9, "accuracy": 8},
    }
    assert errors_of(household, ok) == {}
    assert errors_of(household, dict(ok, location={"lat": 95, "lon": 0})) == {
        "location": "geopoint"
    }
    assert errors_of(household, dict(ok, location="22.4,105.9")) == {"location": "geopoint"}
    check = base_check(keeps_livestock=True, pen_hygienic=True, pen_away_from_house=True)
    assert errors_of(environment, dict(check, livestock_kinds=["pigs", "pigs"])) == {
        "livestock_kinds": "choice"
    }
    assert errors_of(environment, dict(check, livestock_kinds=["pigs", "goats"])) == {}


def test_photo_hashes_collects_every_photo_once():
    data = land(photos=["b" * 64, "a" * 64])
    assert photo_hashes(contribution, data) == ["a" * 64, "b" * 64]


def test_non_object_data_is_an_error_not_a_crash():
    assert validate(contribution, ["not", "a", "dict"])[1][0].code == "not_object"
