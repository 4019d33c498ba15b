"""Builders for test data shared across test packages."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

from PIL import Image

COMMUNE = "01936"
VILLAGE = "01936-T01"


def envelope(form_id: str = "household", data: dict[str, Any] | None = None, **overrides) -> dict:
    uid = overrides.pop("uuid", str(uuid.uuid4()))
    if data is None:
        data = {"head_name": "Hoàng Văn Thắng", "members": 4}
    base = {
        "uuid": uid,
        "mutation_id": str(uuid.uuid4()),
        "form_id": form_id,
        "form_version": 1,
        "commune_code": COMMUNE,
        "village_code": VILLAGE,
        "household_id": uid if form_id == "household" else None,
        "data": data,
        "photos": [],
        "device_id": "",
        "captured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "base_version": None,
    }
    base.update(overrides)
    return base


def contribution(household_id: str, quantity: float = 50.0, kind: str = "cash", **overrides):
    data = {
        "kind": kind,
        "quantity": quantity,
        "works": "village_road",
        "date": dt.date.today().isoformat(),
    }
    data.update(overrides.pop("data_extra", {}))
    return envelope("contribution", data, household_id=household_id, **overrides)


def jpeg_bytes(color=(200, 30, 30), size=(320, 240), text: str | None = None) -> bytes:
    image = Image.new("RGB", size, color)
    if text:
        from PIL import ImageDraw

        ImageDraw.Draw(image).text((10, 10), text, fill="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
