"""The sync screen says how far each stage is, in that stage's unit (no window needed)."""

from __future__ import annotations

from mobile_app.screens.sync import stage_counts


def test_photos_count_megabytes_with_the_languages_decimal_mark():
    assert stage_counts("photos", 1_500_000, 3_020_000, "vi") == "1,5 / 3,0 MB"
    assert stage_counts("photos", 1_500_000, 3_020_000, "en") == "1.5 / 3.0 MB"


def test_records_sent_and_received():
    assert stage_counts("push", 120, 200, "vi") == "120 / 200"
    assert stage_counts("pull", 350, 351, "en") == "350"
