"""Simulated tablets: the app's own replica and sync code, without Kivy, for demos, load
tests and our tests. Each device enrols, pulls its commune, then works offline in rounds
(new households, contributions with photos, checks, edits) and syncs after each round,
optionally through injected faults: requests lost before they reach the server, and answers
lost after the server has acted (the case that tests exactly-once).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sync.client import SyncClient, Transport, urllib_transport
from sync.replica import Replica
from sync.replicator import SyncReport, enroll, sync_once

GIVEN = ("An", "Bình", "Hoa", "Lan", "Sơn", "Thảo", "Tuấn", "Yến", "Đào", "Cường")
SURNAMES = ("Nguyễn", "Hoàng", "Nông", "Triệu", "Lường", "Ma", "Đinh", "Lý")


@dataclass
class Faults:
    lose_request: float = 0.0  # probability a request never reaches the server
    lose_answer: float = 0.0  # probability the server acts but the answer is lost
    seed: int = 0


@dataclass
class DeviceResult:
    name: str
    created: list[str] = field(default_factory=list)
    photos: int = 0
    syncs: int = 0
    failed_syncs: int = 0
    conflicts: int = 0
    bytes_sent: int = 0
    error: str | None = None


def faulty(transport: Transport, faults: Faults, rng: random.Random) -> Transport:
    lock = threading.Lock()

    def send(method, url, headers, body, timeout):
        with lock:
            lose_request, lose_answer = rng.random(), rng.random()
        if lose_request < faults.lose_request:
            raise ConnectionResetError("simulated: request lost")
        answer = transport(method, url, headers, body, timeout)
        if lose_answer < faults.lose_answer:
            raise ConnectionResetError("simulated: answer lost")
        return answer

    return send


def photo_bytes(rng: random.Random, size_kb: int) -> bytes:
    """A unique JPEG of roughly `size_kb` (noise compresses badly, like a real photo)."""
    from PIL import Image

    side = max(64, int((size_kb * 1024 / 1.2) ** 0.5))
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


class SimulatedDevice:
    def __init__(
        self,
        name: str,
        workdir: Path,
        server: str,
        code: str,
        seed: int,
        faults: Faults | None = None,
        transport: Transport | None = None,
    ):
        self.name = name
        self.rng = random.Random(seed)
        self.replica = Replica(workdir / name / "replica.db")
        base = transport or urllib_transport
        if faults and (faults.lose_request or faults.lose_answer):
            base = faulty(base, faults, random.Random(faults.seed * 1000 + seed))
        self.transport = base
        self.server, self.code = server, code
        self.result = DeviceResult(name)

    def client(self) -> SyncClient:
        return SyncClient(
            self.server, self.replica.get_meta("token"), timeout=30, transport=self.transport
        )

    def enrol(self) -> None:
        for _ in range(20):  # enrolment is also subject to the injected faults
            try:
                enroll(
                    self.replica,
                    self.server,
                    self.code,
                    self.name,
                    "simulator",
                    transport=self.transport,
                )
                return
            except ConnectionError:
                continue
        raise RuntimeError(f"{self.name}: could not enrol")

    def work(self, households: int, contributions: int, checks: int, photo_kb: int) -> None:
        """One offline round of a village officer's work."""
        villages = [v["code"] for v in self.replica.villages()]
        today = dt.date.today().isoformat()
        new = []
        for _ in range(households):
            name = f"{self.rng.choice(SURNAMES)} Văn {self.rng.choice(GIVEN)}"
            record = self.replica.save_record(
                "household",
                {"head_name": name, "members": self.rng.randint(1, 8)},
                self.rng.choice(villages),
            )
            new.append(record)
            self.result.created.append(record.uuid)
        known = self.replica.households(limit=5000)
        for _ in range(contributions if known else 0):
            household = self.rng.choice(known)
            data = {
                "kind": "labour",
                "quantity": float(self.rng.randint(1, 5)),
                "works": "village_road",
                "date": today,
            }
            if photo_kb and self.rng.random() < 0.5:
                sha = self.replica.add_photo(photo_bytes(self.rng, photo_kb))
                data.update(
                    kind="land", quantity=float(self.rng.randint(5, 200)), consent_photo=sha
                )
                self.result.photos += 1
            record = self.replica.save_record(
                "contribution", data, household["village_code"], household["uuid"]
            )
            self.result.created.append(record.uuid)
        for _ in range(checks if known else 0):
            household = self.rng.choice(known)
            check = {
                "date": today,
                "clean_water": True,
                "hygienic_latrine": True,
                "bathroom": True,
                "covered_water_container": True,
                "clean_house": True,
                "clean_kitchen": True,
                "clean_lane": True,
                "sorts_waste": False,
                "keeps_livestock": False,
            }
            record = self.replica.save_record(
                "environment_check", check, household["village_code"], household["uuid"]
            )
            self.result.created.append(record.uuid)

    def sync(self, attempts: int = 50) -> SyncReport:
        report = sync_once(self.replica, self.client())
        for _ in range(attempts):
            self.result.syncs += 1
            self.result.bytes_sent += report.bytes_sent
            self.result.conflicts += report.conflicts
            if report.ok:
                break
            self.result.failed_syncs += 1
            report = sync_once(self.replica, self.client())
        return report


def run(
    server: str,
    codes: list[str],
    workdir: Path,
    rounds: int = 3,
    households: int = 5,
    contributions: int = 10,
    checks: int = 5,
    photo_kb: int = 0,
    faults: Faults | None = None,
    seed: int = 1,
    log: Callable[[str], None] = lambda line: None,
) -> list[DeviceResult]:
    devices = [
        SimulatedDevice(f"sim-{i + 1}", workdir, server, code, seed * 100 + i, faults)
        for i, code in enumerate(codes)
    ]

    def life(device: SimulatedDevice) -> None:
        try:
            device.enrol()
            device.sync()
            for _ in range(rounds):
                device.work(households, contributions, checks, photo_kb)
                device.sync()
            if device.replica.outbox_counts()["pending"]:
                device.result.error = "outbox not empty after syncing"
        except Exception as exc:  # noqa: BLE001 - reported per device, the others go on
            device.result.error = f"{type(exc).__name__}: {exc}"
        finally:
            device.replica.close()
        log(
            f"{device.name}: {len(device.result.created)} records, {device.result.syncs} "
            f"syncs ({device.result.failed_syncs} failed), {device.result.error or 'ok'}"
        )

    started = time.monotonic()
    threads = [threading.Thread(target=life, args=(d,)) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log(f"done in {time.monotonic() - started:.1f} s")
    return [d.result for d in devices]
