"""Vietnamese number formatting for pages: 1.234,5 (dot for thousands, comma for decimals)."""

from __future__ import annotations


def vn_number(value: float | int | None, decimals: int = 1) -> str:
    if value is None:
        return "—"
    number = float(value)
    text = f"{number:,.0f}" if number.is_integer() else f"{number:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
