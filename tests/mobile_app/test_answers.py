"""From what the officer types to typed answers, and from answers to readable lines."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms import default_registry, validate
from mobile_app.answers import (
    initial_answers,
    parse_decimal,
    parse_input,
    quantity_unit,
    record_summary,
    submission,
)

CONTRIBUTION = default_registry().get("contribution")
HOUSEHOLD = default_registry().get("household")
QUANTITY = CONTRIBUTION.field("quantity")
MEMBERS = HOUSEHOLD.field("members")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12,5", 12.5),
        ("12.5", 12.5),
        (" 42 ", 42.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("", None),
        ("   ", None),
        (None, None),
        ("12,5,1", "12,5,1"),  # not a number: kept, so validation can say so
    ],
)
def test_decimal_input(text, expected):
    assert parse_input(QUANTITY, text) == expected


def test_integer_and_text_input():
    assert parse_input(MEMBERS, "5") == 5
    assert parse_input(MEMBERS, "5.5") == "5.5"
    assert parse_input(HOUSEHOLD.field("head_name"), "  Nguyễn Văn An ") == "Nguyễn Văn An"
    assert parse_input(HOUSEHOLD.field("head_name"), "") is None


def test_an_unparsable_number_reaches_validation_as_a_readable_error():
    answers = {
        "kind": "cash",
        "quantity": parse_input(QUANTITY, "abc"),
        "works": "canal",
        "date": "2025-03-01",
    }
    _, errors = validate(CONTRIBUTION, answers)
    assert [e.field for e in errors] == ["quantity"]
    assert "phải là một số" in errors[0].message.vi


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_decimal_comma_and_dot_read_the_same(number):
    dotted = f"{number:f}"
    assert parse_decimal(dotted) == parse_decimal(dotted.replace(".", ",")) == float(number)


def test_dates_start_at_today():
    assert initial_answers(CONTRIBUTION, dt.date(2025, 3, 1)) == {"date": "2025-03-01"}


def test_submission_drops_hidden_and_empty_answers():
    answers = {
        "kind": "cash",
        "quantity": 5.0,
        "unit": "kg",
        "item": "xi măng",
        "notes": "",
        "consent_photo": None,
        "date": "2025-03-01",
    }
    assert submission(CONTRIBUTION, answers) == {
        "kind": "cash",
        "quantity": 5.0,
        "date": "2025-03-01",
    }


@pytest.mark.parametrize(
    "answers, vi, en",
    [
        ({"kind": "land"}, "m²", "m²"),
        ({"kind": "labour"}, "ngày công", "labour days"),
        ({"kind": "materials", "unit": "bag"}, "bao", "bags"),
        ({"kind": "materials"}, "", ""),
        ({}, "", ""),
    ],
)
def test_quantity_unit_follows_the_kind_or_the_unit_answer(answers, vi, en):
    assert quantity_unit(CONTRIBUTION, QUANTITY, answers, "vi") == vi
    assert quantity_unit(CONTRIBUTION, QUANTITY, answers, "en") == en
    assert quantity_unit(CONTRIBUTION, CONTRIBUTION.field("works"), answers) == ""


def test_record_summary_reads_like_a_ledger_line():
    data = {"kind": "land", "quantity": 42.5, "works": "village_road", "date": "2025-03-01"}
    assert record_summary(CONTRIBUTION, data) == "Hiến đất · 42.5 m² · Đường thôn, xóm · 2025-03-01"
    assert record_summary(CONTRIBUTION, data, "en").startswith("Land donation · 42.5 m²")
