"""The record envelope's shape checks."""

from __future__ import annotations

import pytest

from sync.envelope import Envelope, EnvelopeError
from tests.helpers import envelope


def test_round_trip_keeps_every_field():
    raw = envelope(photos=["c" * 64], base_version=3)
    parsed = Envelope.from_dict(raw)
    again = Envelope.from_dict(parsed.as_dict())
    assert again == parsed and parsed.base_version == 3 and parsed.photos == ["c" * 64]


def test_captured_at_is_normalised_to_utc():
    parsed = Envelope.from_dict(envelope(captured_at="2026-11-22T09:30:00+07:00"))
    assert parsed.captured_at == "2026-11-22T02:30:00Z"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"uuid": "123"}, "uuid"),
        ({"mutation_id": None}, "mutation_id"),
        ({"commune_code": "1936"}, "commune_code"),
        ({"village_code": "01849-T01"}, "village_code"),
        ({"village_code": "01936/../x"}, "village_code"),
        ({"form_version": "1"}, "form_version"),
        ({"form_version": True}, "form_version"),
        ({"data": []}, "data"),
        ({"photos": ["XYZ"]}, "photos"),
        ({"base_version": 0}, "base_version"),
        ({"captured_at": "2026-11-22T09:30:00"}, "captured_at"),
        ({"household_id": "abc"}, "household_id"),
    ],
)
def test_malformed_envelopes_name_the_field(change, field):
    with pytest.raises(EnvelopeError) as info:
        Envelope.from_dict(envelope(**change))
    assert info.value.field == field
    assert info.value.message and info.value.message_en


def test_non_mapping_is_refused():
    with pytest.raises(EnvelopeError):
        Envelope.from_dict(["x"])
