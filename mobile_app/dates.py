"""Calendar arithmetic for the date picker: pure, no Kivy (tested without a window)."""

from __future__ import annotations

import calendar
import datetime as dt

from mobile_app.i18n import tr

MONTHS_EN = calendar.month_name  # "", "January", ... (C locale names, not the tablet's)


def month_grid(year: int, month: int) -> list[list[dt.date | None]]:
    """The month's weeks, Monday first; None pads the days of other months."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[day if day.month == month else None for day in week] for week in weeks]


def shift_month(year: int, month: int, step: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + step
    return index // 12, index % 12 + 1


def month_title(year: int, month: int, lang: str) -> str:
    name = str(month) if lang == "vi" else MONTHS_EN[month]
    return tr("month_title", lang, month=name, year=year)


def parse_day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None
