"""Vietnamese text folding for search: "nguyen van an" must find "Nguyễn Văn An".

Officers type on touch keyboards, often without Telex/VNI, so every search compares
folded text: diacritics removed, đ/Đ as d, lower case, runs of spaces collapsed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

_D = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def matches(query: str, *texts: str | None) -> bool:
    """True when every word of the query appears in the folded texts (in any order)."""
    haystack = " ".join(fold(t) for t in texts if t)
    return all(word in haystack for word in fold(query).split())


def search_text(data: Mapping[str, Any]) -> str:
    """What household search matches: head, house number and members, diacritics folded."""
    return fold(
        " ".join(str(data.get(k) or "") for k in ("head_name", "house_number", "member_names"))
    )
