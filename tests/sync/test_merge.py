"""Three-way merge: different fields merge, the same field two ways is a conflict."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.merge import merge_deleted, three_way


def test_edits_to_different_fields_merge():
    result = three_way({"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 1, "b": 3, "c": 4})
    assert result.clean and result.merged == {"a": 2, "b": 3, "c": 4}


def test_same_field_two_ways_is_a_conflict_and_server_value_stays():
    result = three_way({"a": 1}, {"a": 2}, {"a": 3})
    assert result.conflicts == {"a": {"base": 1, "server": 2, "device": 3}}
    assert result.merged == {"a": 2}


def test_deleting_a_field_on_one_side_merges():
    assert three_way({"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 2}).merged == {"a": 1}


def test_same_change_on_both_sides_is_not_a_conflict():
    assert three_way({"a": 1}, {"a": 5}, {"a": 5}).clean


values = st.dictionaries(st.sampled_from("abcde"), st.integers(0, 3), max_size=5)


@given(values, values, values)
def test_merge_is_symmetric_when_clean(base, left, right):
    one, other = three_way(base, left, right), three_way(base, right, left)
    assert set(one.conflicts) == set(other.conflicts)
    if one.clean:
        assert one.merged == other.merged


@given(values, values)
def test_unchanged_side_takes_the_other_sides_edits(base, edited):
    assert three_way(base, base, edited).merged == edited
    assert three_way(base, edited, base).merged == edited


@pytest.mark.parametrize(
    ("base", "server", "device", "server_edited", "device_edited", "expected"),
    [
        (False, False, False, True, True, (False, False)),  # no one deleted
        (False, True, True, True, True, (True, False)),  # both deleted
        (False, True, False, False, False, (True, False)),  # deleted; other side changed nothing
        (False, False, True, False, False, (True, False)),
        (False, True, False, False, True, (True, True)),  # deleted vs edited: clash
        (False, False, True, True, False, (True, True)),
        (False, True, False, True, False, (True, False)),  # the deleting side's own edit
        (True, False, True, False, True, (False, False)),  # restored on one side only
    ],
)
def test_deleted_flag_merges_and_a_delete_against_an_edit_clashes(
    base, server, device, server_edited, device_edited, expected
):
    assert (
        merge_deleted(
            base, server, device, server_edited=server_edited, device_edited=device_edited
        )
        == expected
    )
    # the same with the sides' names swapped
    assert (
        merge_deleted(
            base, device, server, server_edited=device_edited, device_edited=server_edited
        )
        == expected
    )
