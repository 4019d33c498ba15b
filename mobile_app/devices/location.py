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
    """GPS through android.location.LocationManager with pyjnius. NOT yet run on a device
    (no Android build here): the Java calls follow the SDK documentation, the pure parts
    (`fix_from_android`) and the wiring (against a stand-in jnius) are tested.

    - Asks for ACCESS_FINE_LOCATION at run time the first time a form wants a position.
    - Listens to the GPS provider, and to the network provider when enabled (a quick rough
      first fix indoors; the form keeps the most accurate fix it has seen).
    - Each android.location.Location becomes a Fix with its accuracy, the receiver's time
      and the mock flag (isMock() from API 31, isFromMockProvider() before), handed to the
      UI thread with Clock.schedule_once: listeners run on Android's main thread.
    - `stop()` removes the listener when the last screen leaves: the receiver only runs
      while a form with a location question is open.
    """

    PROVIDERS = ("gps", "network")  # LocationManager.GPS_PROVIDER, NETWORK_PROVIDER
    MIN_TIME_MS, MIN_DISTANCE_M = 1000, 0.0

    def __init__(self) -> None:
        super().__init__()
        # Off Android there is no pyjnius and no LocationManager: fail at start-up, loudly.
        if platform != "android":
            raise NotImplementedError("AndroidLocation only runs on Android")
        self._manager = None
        self._java_listener = None  # kept referenced while Android may call it
        self._asked = False

    def start(self, on_fix: FixCallback) -> None:
        super().start(on_fix)
        if self._java_listener is None:
            self._ensure_permission()

    def stop(self, on_fix: FixCallback | None = None) -> None:
        super().stop(on_fix)
        if not self._listeners and self._java_listener is not None:
            self._manager.removeUpdates(self._java_listener)
            self._java_listener = None

    def _ensure_permission(self) -> None:
        from android.permissions import Permission, check_permission, request_permissions

        if check_permission(Permission.ACCESS_FINE_LOCATION):
            self._subscribe()
        elif not self._asked:
            self._asked = True
            request_permissions(
                [Permission.ACCESS_FINE_LOCATION, Permission.ACCESS_COARSE_LOCATION],
                lambda _perms, grants: any(grants) and self._subscribe_later(),
            )

    def _subscribe_later(self) -> None:
        Clock.schedule_once(lambda _dt: self._listeners and self._subscribe(), 0)

    def _subscribe(self) -> None:
        from jnius import autoclass

        context = autoclass("android.content.Context")
        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        looper = autoclass("android.os.Looper").getMainLooper()
        sdk = autoclass("android.os.Build$VERSION").SDK_INT
        self._manager = activity.getSystemService(context.LOCATION_SERVICE)
        self._java_listener = _java_listener(lambda location: self._from_java(location, sdk))
        for provider in self.PROVIDERS:
            if self._manager.isProviderEnabled(provider):
                self._manager.requestLocationUpdates(
                    provider, self.MIN_TIME_MS, self.MIN_DISTANCE_M, self._java_listener, looper
                )
        last = self._manager.getLastKnownLocation("gps")
        if last is not None and self.last is None:
            self._from_java(last, sdk)

    def _from_java(self, location, sdk: int) -> None:
        fix = fix_from_android(location, sdk)
        Clock.schedule_once(lambda _dt: self._report(fix), 0)


def fix_from_android(location, sdk_int: int) -> Fix:
    """An android.location.Location (through pyjnius) as a Fix."""
    accuracy = float(location.getAccuracy()) if location.hasAccuracy() else None
    moment = dt.datetime.fromtimestamp(location.getTime() / 1000, dt.UTC)
    mock = location.isMock() if sdk_int >= 31 else location.isFromMockProvider()
    return Fix(
        lat=float(location.getLatitude()),
        lon=float(location.getLongitude()),
        accuracy=accuracy,
        time=moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        mock=bool(mock),
    )


def _java_listener(on_location: Callable):
    """A LocationListener implemented in Python (pyjnius proxy)."""
    from jnius import PythonJavaClass, java_method

    class Listener(PythonJavaClass):
        __javainterfaces__ = ["android/location/LocationListener"]
        __javacontext__ = "app"

        @java_method("(Landroid/location/Location;)V")
        def onLocationChanged(self, location):  # noqa: N802 (Java's names)
            on_location(location)

        # The API 31 batch form: an overload, so pyjnius is told its Java name.
        @java_method("(Ljava/util/List;)V", name="onLocationChanged")
        def on_location_batch(self, locations):
            if locations.size():
                on_location(locations.get(locations.size() - 1))

        @java_method("(Ljava/lang/String;)V")
        def onProviderEnabled(self, provider):  # noqa: N802
            pass

        @java_method("(Ljava/lang/String;)V")
        def onProviderDisabled(self, provider):  # noqa: N802
            pass

        @java_method("(Ljava/lang/String;ILandroid/os/Bundle;)V")
        def onStatusChanged(self, provider, status, extras):  # noqa: N802 (before API 29)
            pass

    return Listener()


def location_for_platform() -> Location:
    return AndroidLocation() if platform == "android" else DesktopLocation()
