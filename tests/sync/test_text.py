"""Diacritic-insensitive search."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sync.text import fold, matches


def test_fold_strips_vietnamese_marks_and_d_bar():
    assert fold("Nguyễn Văn An") == "nguyen van an"
    assert fold("ĐINH THỊ ĐÀO") == "dinh thi dao"
    assert fold("  Lường   Quang  ") == "luong quang"
    assert fold(None) == ""


def test_matches_any_word_order_with_or_without_diacritics():
    assert matches("nguyen van an", "Nguyễn Văn An")
    assert matches("an nguyen", "Nguyễn Văn An")
    assert matches("Nguyễn An", "Nguyen Van An")
    assert not matches("nguyen van anh", "Nguyễn Văn An")
    assert matches("12", "Nguyễn Văn An", "12")


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)
