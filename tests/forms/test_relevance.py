"""The condition language behind `relevant:`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.relevance import ConditionError, condition_names, evaluate, parse_condition


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("keeps_livestock == true", {"keeps_livestock": True}, True),
        ("keeps_livestock == true", {}, False),
        ("kind in ['materials', 'cleared']", {"kind": "cleared"}, True),
        ("kind not in ['materials']", {"kind": "land"}, True),
        ("members >= 3 and not poor", {"members": 4, "poor": False}, True),
        ("members > 3", {"members": None}, False),
        ("members > 3", {"members": "many"}, False),
        ("a == 1 or b == 2", {"b": 2}, True),
        ("1 < n < 5", {"n": 3}, True),
        ("'pigs' in kinds", {"kinds": ["pigs"]}, True),
        ("kinds in ['pigs']", {"kinds": ["goats", "pigs"]}, True),
    ],
)
def test_conditions_evaluate(source, values, expected):
    assert evaluate(parse_condition(source), values) is expected


@pytest.mark.parametrize(
    "source", ["open('x')", "a.b", "x[0]", "lambda: 1", "a + 1", "[x for x in y]", "a if b else c"]
)
def test_anything_beyond_the_language_is_refused(source):
    with pytest.raises(ConditionError):
        parse_condition(source)


def test_names_excludes_constants():
    assert condition_names(parse_condition("a == true and b != null")) == {"a", "b"}


@given(
    st.dictionaries(
        st.sampled_from(["a", "b"]), st.one_of(st.none(), st.integers(), st.booleans(), st.text())
    )
)
def test_evaluation_never_raises_on_any_answers(values):
    for source in ("a == 1", "a > 2 and b < 3", "a in [1, 'x']", "not a"):
        assert evaluate(parse_condition(source), values) in (True, False)
