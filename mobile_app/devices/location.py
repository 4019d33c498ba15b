"""Location facade: `start(on_fix)` reports GPS fixes on the UI thread until `stop()`.

plyer-shaped: screens see only `Location`; `location_for_platform()` picks the Android
implementation on a tablet and DesktopLocation elsewhere. DesktopLocation is fed by
configuration (`chungsuc-app --gps LAT,LON[,ACCURACY]`) or by tests (`set_fix`), which is
the only fake the screen tests use: a GPS receiver cannot be driven under Xvfb.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kivy.clock import Clock
from kivy.utils import platform


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy: float | None  # metres, 68% radius as Android reports it; None if unknown
    time: str  # ISO 8601 UTC, when the receiver made the fix (not when we read it)
    mock: bool = False  # Android says the fix came from a mock-location app

    def answer(self) -> dict[str, float | bool]:
        """The value of a geopoint question: lat, lon, accuracy, and "mock": true only when
        Android said a mock-location app made the fix (the server flags such evidence)."""
        out: dict[str, float | bool] = {"lat": round(self.lat, 7), "lon": round(self.lon, 7)}
        if self.accuracy is not None:
            out["accuracy"] = round(self.accuracy, 1)
        if self.mock:
            out["mock"] = True
        return out


FixCallback = Callable[[Fix], None]


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Location:
    def __init__(self) -> None:
        self.last: Fix | None = None
        self._listeners: list[FixCallback] = []

    def start(self, on_fix: FixCallback) -> None:
        """Listen for fixes; the latest known fix (if any) is reported on the next frame."""
        if on_fix not in self._listeners:
            self._listeners.append(on_fix)
        if self.last is not None:
            last = self.last
            Clock.schedule_once(lambda _dt: on_fix(last), 0)

    def stop(self, on_fix: FixCallback | None = None) -> None:
        """Stop one listener (or all): the receiver is the biggest battery cost on the tablet."""
        self._listeners = [cb for cb in self._listeners if on_fix is not None and cb != on_fix]

    @property
    def available(self) -> bool:
        return True

    def _report(self, fix: Fix) -> None:
        """Called on the UI thread with a new fix."""
        self.last = fix
        for callback in list(self._listeners):
            callback(fix)


class DesktopLocation(Location):
    """A fixed position from configuration, or positions a test sets; none = no receiver."""

    def __init__(
        self,
        lat: float | None = None,
        lon: float | None = None,
        accuracy: float | None = 5.0,
        mock: bool = False,
    ):
        super().__init__()
        if lat is not None and lon is not None:
            self.last = Fix(lat, lon, accuracy, utc_now(), mock)

    @property
    def available(self) -> bool:
        return self.last is not None

    def set_fix(
        self, lat: float, lon: float, accuracy: float | None = 5.0, mock: bool = False
    ) -> Fix:
        """A new position, delivered on the next frame as a receiver would."""
        fix = Fix(lat, lon, accuracy, utc_now(), mock)
        Clock.schedule_once(lambda _dt: self._report(fix), 0)
        return fix

    @classmethod
    def from_text(cls, text: str) -> DesktopLocation:
        """ "22.4275,105.97" or "22.4275,105.97,8" (lat, lon, accuracy in metres)."""
        parts = [float(p) for p in text.split(",")]
        if len(parts) not in (2, 3):
            raise ValueError("expected LAT,LON or LAT,LON,ACCURACY")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else 5.0)


class AndroidLocation(Location):
    """GPS through android.location.LocationManager with pyjnius. NOT yet run on a device.

    The plan, written out so the first tablet build only has to check it:

    1. Ask for ACCESS_FINE_LOCATION at run time (`android.permissions.request_permissions`);
       buildozer.spec declares it.
    2. `LocationManager = activity.getSystemService(Context.LOCATION_SERVICE)`;
       `requestLocationUpdates(LocationManager.GPS_PROVIDER, 1000, 0, listener, Looper)`
       where `listener` is a `jnius.PythonJavaClass` implementing
       `android/location/LocationListener` (`onLocationChanged(Location)`).
    3. In `onLocationChanged`: read getLatitude(), getLongitude(), getAccuracy() (if
       hasAccuracy()), getTime() (ms since the epoch, the receiver's time) and
       isFromMockProvider() (API 18-30; isMock() from API 31), and hand the Fix to the UI
       thread with Clock.schedule_once: the callback runs on a Java thread.
    4. `stop()` calls removeUpdates(listener) when the last listener leaves, so the receiver
       only runs while a form with a location question is open.
    """

    def __init__(self) -> None:
        super().__init__()
        # Off Android there is no pyjnius and no LocationManager: fail at start-up, loudly.
        if platform != "android":
            raise NotImplementedError("AndroidLocation only runs on Android")

    def start(self, on_fix: FixCallback) -> None:
        raise NotImplementedError("AndroidLocation is not implemented yet; see the class docs")


def location_for_platform() -> Location:
    return AndroidLocation() if platform == "android" else DesktopLocation()
