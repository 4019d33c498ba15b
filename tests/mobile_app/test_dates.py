"""The date picker's calendar arithmetic, without a window."""

from __future__ import annotations

import datetime as dt

from mobile_app.dates import month_grid, month_title, parse_day, shift_month


def test_a_month_is_laid_out_monday_first_with_its_days_only():
    weeks = month_grid(2025, 3)  # 1 March 2025 is a Saturday
    assert weeks[0][:5] == [None] * 5 and weeks[0][5] == dt.date(2025, 3, 1)
    days = [d for week in weeks for d in week if d]
    assert len(days) == 31 and days[-1] == dt.date(2025, 3, 31)
    assert all(len(week) == 7 for week in weeks)
    assert len([d for week in month_grid(2024, 2) for d in week if d]) == 29  # leap year


def test_turning_months_crosses_years():
    assert shift_month(2025, 1, -1) == (2024, 12)
    assert shift_month(2024, 12, 1) == (2025, 1)
    assert shift_month(2025, 3, -15) == (2023, 12)


def test_titles_and_typed_dates():
    assert month_title(2025, 3, "vi") == "Tháng 3, 2025"
    assert month_title(2025, 3, "en") == "March 2025"
    assert parse_day(" 2025-03-04 ") == dt.date(2025, 3, 4)
    assert parse_day("04/03/2025") is None and parse_day(None) is None
