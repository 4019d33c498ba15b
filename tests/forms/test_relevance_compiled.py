"""The compiled conditions (forms.relevance.compiled, what validation runs per record) answer
exactly as walking the condition's tree does, for any condition of the language and any
answers, including missing, None, mistyped and list answers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from forms import default_registry, validate
from forms.relevance import _eval, compiled, evaluate, parse_condition

NAMES = ("a", "b", "kinds")
ANSWER = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["x", "y", ""]),
    st.lists(st.sampled_from(["x", "y", 1]), max_size=3),
)
LITERAL = st.one_of(
    st.sampled_from(["true", "false", "null", "None", "0", "2", "1.5", "'x'", "'y'"]),
    st.lists(st.sampled_from(["'x'", "'y'", "1", "null"]), max_size=3).map(
        lambda items: "[" + ", ".join(items) + "]"
    ),
)
OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"])


def _condition(depth: int):
    operand = st.one_of(st.sampled_from(NAMES), LITERAL)
    compare = st.builds(lambda a, op, b: f"{a} {op} {b}", operand, OPS, operand)
    chained = st.builds(
        lambda a, op, b, op2, c: f"{a} {op} {b} {op2} {c}", operand, OPS, operand, OPS, operand
    )
    leaf = st.one_of(compare, chained, st.sampled_from(NAMES))
    if depth == 0:
        return leaf
    inner = _condition(depth - 1)
    return st.one_of(
        leaf,
        st.builds(lambda x: f"not ({x})", inner),
        st.builds(lambda x, y: f"({x}) and ({y})", inner, inner),
        st.builds(lambda x, y, z: f"({x}) or ({y}) or ({z})", inner, inner, inner),
    )


@settings(max_examples=400, deadline=None)
@given(_condition(2), st.dictionaries(st.sampled_from(NAMES), ANSWER))
def test_compiled_condition_answers_as_the_tree_walk(source, values):
    tree = parse_condition(source)
    assert compiled(tree)(values) is bool(_eval(tree.body, values))
    assert evaluate(tree, values) is bool(_eval(tree.body, values))


def test_a_condition_is_compiled_once_per_tree():
    tree = parse_condition("a == 1")
    assert compiled(tree) is compiled(tree)
    other = parse_condition("a == 1")  # same text, another tree: its own entry
    assert compiled(other)({"a": 1}) is True and compiled(other)({"a": 2}) is False


def test_validation_keeps_shown_answers_and_drops_hidden_ones():
    form = default_registry().get("environment_check")
    kinds = [c.value for c in form.field("livestock_kinds").choices]
    pens = {"livestock_kinds": kinds[:1], "pen_hygienic": True, "pen_away_from_house": False}
    base = {"date": "2026-11-20", "clean_water": True, "water_source": "drilled_well"}
    base |= dict.fromkeys(("hygienic_latrine", "bathroom", "covered_water_container"), True)
    base |= dict.fromkeys(("clean_house", "clean_kitchen", "clean_lane", "sorts_waste"), True)
    shown, errors = validate(form, base | {"keeps_livestock": True} | pens)
    assert not errors
    assert {k: shown[k] for k in pens} == pens
    hidden, errors = validate(form, base | {"keeps_livestock": False} | pens)
    assert not errors
    assert not set(pens) & set(hidden)
