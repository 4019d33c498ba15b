"""Demo data: a real commune (Xã Nà Phặc, Thái Nguyên) with three villages on hand-drawn
polygons, about 60 households with Vietnamese names, a few contributions and checks.

Everything is written through the same push service the tablets use, so the demo records
have revisions, versions and a change feed like real ones. Running it twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import uuid
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from server.extensions import db
from server.models import AdminUnit, Record, SyncScope, User
from server.services import photos
from server.services.push import Author, push
from server.services.units import import_units

PROVINCE = "19"  # Tỉnh Thái Nguyên (Bắc Kạn merged into it on 01/07/2025)
COMMUNE = "01936"  # Xã Nà Phặc
DEMO_PASSWORD = "chungsuc-demo"
DEMO_USERS = (
    ("bql_naphac", "Ban quản lý xã Nà Phặc (demo)", "board", COMMUNE),
    ("qt_thainguyen", "Quản trị đồng bộ Thái Nguyên (demo)", "sync_admin", PROVINCE),
)
GEOMETRY_NOTE = "DEMO: hand-drawn polygon, not an official boundary"
_NS = uuid.UUID("6f1d2f8e-2c1a-4f55-9d1e-0b7a4f3c9a10")  # stable demo ids across runs


def _square(lon: float, lat: float, w: float, h: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


VILLAGES = (
    (f"{COMMUNE}-T01", "Thôn Nà Phặc", _square(105.960, 22.420, 0.020, 0.015)),
    (f"{COMMUNE}-T02", "Thôn Bản Mạ", _square(105.980, 22.420, 0.020, 0.015)),
    (f"{COMMUNE}-T03", "Thôn Khuổi Tích", _square(105.960, 22.435, 0.040, 0.015)),
)
# Hand-drawn too: a box around the three villages with a margin, so "outside the commune"
# can be shown on the demo; import the official boundary with `chungsuc import-boundaries`.
COMMUNE_GEOMETRY = _square(105.955, 22.415, 0.050, 0.040)
SURNAMES = ("Nguyễn", "Hoàng", "Nông", "Triệu", "Lường", "Ma", "Đinh", "Lý", "Hà", "Lục")
MIDDLE_MALE = ("Văn", "Đức", "Quang", "Văn", "Minh")
MIDDLE_FEMALE = ("Thị", "Thị", "Ngọc", "Thu")
GIVEN_MALE = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hùng",
    "Khánh",
    "Long",
    "Phúc",
    "Sơn",
    "Thắng",
    "Tuấn",
)
GIVEN_FEMALE = ("Hoa", "Lan", "Mai", "Nga", "Hương", "Thảo", "Yến", "Đào", "Liên", "Xuân")


def _id(*parts: Any) -> str:
    return str(uuid.uuid5(_NS, "/".join(map(str, parts))))


def _name(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


def _envelope(
    uid: str,
    form_id: str,
    village: str,
    household: str | None,
    data: dict,
    photos_: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "uuid": uid,
        "mutation_id": _id("mutation", uid),
        "form_id": form_id,
        "form_version": 1,
        "commune_code": COMMUNE,
        "village_code": village,
        "household_id": household,
        "data": data,
        "photos": photos_ or [],
        "device_id": "",
        "captured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _minutes_photo(title: str) -> bytes:
    """A small picture standing in for the photo of a village meeting's minutes."""
    image = Image.new("RGB", (640, 480), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 620, 460], outline="black", width=3)
    draw.text((40, 40), "BIEN BAN HOP THON (DEMO)", fill="black")
    draw.text((40, 80), title, fill="black")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _units() -> None:
    if db.session.get(AdminUnit, COMMUNE) is None:
        import_units()
    for code, name, geometry in VILLAGES:
        if db.session.get(AdminUnit, code) is None:
            db.session.add(
                AdminUnit(
                    code=code,
                    level="village",
                    name=name,
                    parent_code=COMMUNE,
                    geometry=geometry,
                    geometry_source=GEOMETRY_NOTE,
                )
            )
    commune = db.session.get(AdminUnit, COMMUNE)
    if commune.geometry is None:
        commune.geometry, commune.geometry_source = COMMUNE_GEOMETRY, GEOMETRY_NOTE
    if db.session.get(SyncScope, COMMUNE) is None:
        db.session.add(SyncScope(commune_code=COMMUNE, last_version=0))
    db.session.commit()


def _users() -> None:
    for username, display, role, area in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            user = User(username=username, display_name=display, role=role, area_code=area)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
    db.session.commit()


def _households(rng: random.Random) -> list[tuple[str, str, str]]:
    out = []
    for i in range(60):
        village = VILLAGES[i % 3][0]
        name = "Nguyễn Văn An" if i == 0 else _name(rng)
        out.append((_id("household", i), village, name))
    return out


def load(seed: int = 2026) -> dict[str, int]:
    """Load the demo commune; returns how many records it added."""
    _units()
    _users()
    if db.session.scalar(select(Record.uuid).where(Record.commune_code == COMMUNE).limit(1)):
        return {"records": 0}
    rng = random.Random(seed)
    author = Author(username="demo-data")
    households = _households(rng)
    batch = []
    for n, (hid, village, name) in enumerate(households):
        data = {"head_name": name, "house_number": str(n + 1), "members": rng.randint(2, 7)}
        batch.append(_envelope(hid, "household", village, None, data))
    push(COMMUNE, batch, author)
    today = dt.date.today()
    records = []
    for n, (hid, village, _head) in enumerate(households[:12]):
        day = (today - dt.timedelta(days=30 + n)).isoformat()
        kind = (n + n // 3) % 3  # spread each kind over the three villages
        if kind == 0:
            photo, _ = photos.store(*_photo(f"Ho {n + 1}: hien dat lam duong thon"), None)
            data = {
                "kind": "land",
                "quantity": float(20 + 5 * n),
                "works": "village_road",
                "works_name": "Đường trục thôn",
                "date": day,
                "consent_photo": photo.sha256,
                "verified_by": "Trưởng thôn",
            }
            records.append(
                _envelope(
                    _id("contribution", n), "contribution", village, hid, data, [photo.sha256]
                )
            )
        elif kind == 1:
            data = {
                "kind": "labour",
                "quantity": float(2 + n % 4),
                "works": "village_road",
                "date": day,
                "verified_by": "Trưởng thôn",
            }
            records.append(_envelope(_id("contribution", n), "contribution", village, hid, data))
        else:
            data = {
                "kind": "cash",
                "quantity": float(500_000 * (1 + n % 3)),
                "works": "lighting",
                "date": day,
            }
            records.append(_envelope(_id("contribution", n), "contribution", village, hid, data))
    for n, (hid, village, _head) in enumerate(households[12:24]):
        livestock = n % 2 == 0
        data = {
            "date": (today - dt.timedelta(days=10 + n)).isoformat(),
            "clean_water": True,
            "water_source": "drilled_well",
            "hygienic_latrine": n % 4 != 0,
            "bathroom": True,
            "covered_water_container": True,
            "clean_house": True,
            "clean_kitchen": True,
            "clean_lane": n % 3 != 0,
            "sorts_waste": n % 2 == 0,
            "keeps_livestock": livestock,
        }
        if livestock:
            data.update(
                livestock_kinds=["pigs", "poultry"],
                pen_hygienic=n % 4 == 0,
                pen_away_from_house=True,
            )
        records.append(_envelope(_id("env", n), "environment_check", village, hid, data))
    push(COMMUNE, records, author)
    return {"records": len(batch) + len(records)}


def _photo(title: str) -> tuple[str, bytes]:

    content = _minutes_photo(title)
    return hashlib.sha256(content).hexdigest(), content
