"""The Android device code, without a device: the pure parts of the camera and GPS, their
wiring against a stand-in jnius (the only fake: the Android edge cannot run here), the
mock-location flag reaching a valid answer, and buildozer.spec agreeing with the code."""

from __future__ import annotations

import ast
import configparser
import datetime as dt
import re
import sys
import types
from pathlib import Path

import pytest
from kivy.clock import Clock

from forms import default_registry, validate
from mobile_app.devices import camera as camera_module
from mobile_app.devices import location as location_module
from mobile_app.devices.camera import FILE_PROVIDER_AUTHORITY, RESULT_OK, photo_result
from mobile_app.devices.location import Fix, fix_from_android

ROOT = Path(__file__).resolve().parents[2]
WHEN_MS = 1_741_053_600_000  # 2025-03-04T02:00:00Z


class AndroidLocation:
    """What pyjnius shows of android.location.Location: Java getters."""

    def __init__(self, lat, lon, accuracy=None, mock=False):
        self.lat, self.lon, self.accuracy, self.mock = lat, lon, accuracy, mock

    def getLatitude(self):  # noqa: N802 (Java names)
        return self.lat

    def getLongitude(self):  # noqa: N802
        return self.lon

    def hasAccuracy(self):  # noqa: N802
        return self.accuracy is not None

    def getAccuracy(self):  # noqa: N802
        return self.accuracy

    def getTime(self):  # noqa: N802
        return WHEN_MS

    def isMock(self):  # noqa: N802 (API 31+)
        return self.mock

    def isFromMockProvider(self):  # noqa: N802 (API 18-30)
        return self.mock


def test_an_android_location_becomes_a_fix_with_its_mock_flag():
    fix = fix_from_android(AndroidLocation(22.4275, 105.97, 7.5, mock=True), sdk_int=34)
    assert fix == Fix(22.4275, 105.97, 7.5, "2025-03-04T02:00:00Z", mock=True)
    older = fix_from_android(AndroidLocation(22.4, 105.9), sdk_int=29)
    assert older.accuracy is None and not older.mock


def test_a_mock_fix_is_saved_with_mock_true_and_forms_accept_it():
    household = default_registry().get("household")
    answers = {"head_name": "Ma Thị Hoa", "members": 3}
    mock = Fix(22.4, 105.9, 8.0, "2025-03-04T02:00:00Z", mock=True).answer()
    real = Fix(22.4, 105.9, 8.0, "2025-03-04T02:00:00Z").answer()
    assert mock == {"lat": 22.4, "lon": 105.9, "accuracy": 8.0, "mock": True}
    assert "mock" not in real  # only said when Android said it
    for value in (mock, real):
        cleaned, errors = validate(household, {**answers, "location": value})
        assert errors == [] and cleaned["location"] == value
    _, errors = validate(household, {**answers, "location": {**real, "mock": "yes"}})
    assert [e.field for e in errors] == ["location"]


def test_the_camera_keeps_a_taken_photo_and_removes_a_cancelled_ones_file(tmp_path):
    taken = tmp_path / "a.jpg"
    taken.write_bytes(b"\xff\xd8 photo")
    assert photo_result(RESULT_OK, str(taken)) == str(taken)
    cancelled = tmp_path / "b.jpg"
    cancelled.write_bytes(b"")
    assert photo_result(0, str(cancelled)) is None and not cancelled.exists()
    empty = tmp_path / "c.jpg"
    empty.write_bytes(b"")
    assert photo_result(RESULT_OK, str(empty)) is None and not empty.exists()
    assert photo_result(RESULT_OK, str(tmp_path / "never-written.jpg")) is None


def spec() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "buildozer.spec")
    return parser


def test_the_file_provider_authority_agrees_everywhere():
    app = spec()["app"]
    provider = (ROOT / "mobile_app/android/provider.xml").read_text()
    assert f'android:authorities="{FILE_PROVIDER_AUTHORITY}"' in provider
    assert f"{app['package.domain']}.{app['package.name']}.fileprovider" == FILE_PROVIDER_AUTHORITY


# What the APK's code imports -> its python-for-android requirement. zxingcpp is the
# desktop's QR reader only (Android scans with ML Kit), imported inside a function.
REQUIREMENT_OF = {"kivy": "kivy", "PIL": "pillow", "yaml": "pyyaml", "jnius": "pyjnius"}
REQUIREMENT_OF.update({"android": "android", "sqlite3": "sqlite3", "ssl": "openssl"})
DESKTOP_ONLY = {"zxingcpp"}


def imported_modules() -> set[str]:
    names: set[str] = set()
    for package in ("mobile_app", "sync", "forms"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def test_buildozer_requirements_are_what_the_app_imports():
    listed = {re.split(r"[=<>]", r.strip())[0] for r in spec()["app"]["requirements"].split(",")}
    imported = imported_modules()
    third_party = imported - set(sys.stdlib_module_names) - {"mobile_app", "sync", "forms"}
    assert third_party - DESKTOP_ONLY <= set(REQUIREMENT_OF), third_party
    needed = {REQUIREMENT_OF[m] for m in imported if m in REQUIREMENT_OF}
    assert needed <= listed, needed - listed
    # nothing extra: the interpreter, and openssl for urllib's https (imported by urllib)
    assert listed - needed <= {"python3", "hostpython3", "openssl"}, listed - needed


class FakeJava:
    """The few Android classes AndroidLocation touches, recording the calls made."""

    def __init__(self):
        self.calls = []
        self.enabled = {"gps": True, "network": False}
        self.last_known = None
        self.permission = True
        fake = self

        class Manager:
            def isProviderEnabled(self, provider):  # noqa: N802
                return fake.enabled[provider]

            def requestLocationUpdates(self, *args):  # noqa: N802
                fake.calls.append(("request", *args))

            def removeUpdates(self, listener):  # noqa: N802
                fake.calls.append(("remove", listener))

            def getLastKnownLocation(self, provider):  # noqa: N802
                return fake.last_known

        class Activity:
            def getSystemService(self, name):  # noqa: N802
                assert name == "location"
                return Manager()

        self.classes = {
            "android.content.Context": types.SimpleNamespace(LOCATION_SERVICE="location"),
            "org.kivy.android.PythonActivity": types.SimpleNamespace(mActivity=Activity()),
            "android.os.Looper": types.SimpleNamespace(getMainLooper=lambda: "main-looper"),
            "android.os.Build$VERSION": types.SimpleNamespace(SDK_INT=34),
        }

    def modules(self) -> dict[str, types.ModuleType]:
        jnius = types.ModuleType("jnius")
        jnius.autoclass = self.classes.__getitem__
        jnius.PythonJavaClass = object
        jnius.java_method = lambda signature, name=None: lambda method: method
        android = types.ModuleType("android")
        permissions = types.ModuleType("android.permissions")
        permissions.Permission = types.SimpleNamespace(
            ACCESS_FINE_LOCATION="fine", ACCESS_COARSE_LOCATION="coarse", CAMERA="camera"
        )
        permissions.check_permission = lambda name: self.permission
        permissions.request_permissions = lambda names, answer: self.calls.append(
            ("ask", tuple(names), answer)
        )
        android.permissions = permissions
        return {"jnius": jnius, "android": android, "android.permissions": permissions}


@pytest.fixture
def java(monkeypatch):
    fake = FakeJava()
    for name, module in fake.modules().items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(location_module, "platform", "android")
    monkeypatch.setattr(camera_module, "platform", "android")
    return fake


def test_android_gps_listens_while_a_screen_wants_fixes_and_reports_mock_ones(java):
    gps = location_module.AndroidLocation()
    got = []
    gps.start(got.append)
    request = next(c for c in java.calls if c[0] == "request")
    assert request[1:3] == ("gps", 1000) and request[4] is not None and request[5] == "main-looper"
    assert not any(c[0] == "request" and c[1] == "network" for c in java.calls)  # disabled
    listener = request[4]
    listener.onLocationChanged(AndroidLocation(22.4275, 105.97, 6.0, mock=True))
    Clock.tick()  # the fix reaches the UI thread on the next frame
    assert got == [Fix(22.4275, 105.97, 6.0, "2025-03-04T02:00:00Z", mock=True)]
    assert gps.last == got[0]
    gps.stop(got.append)
    assert ("remove", listener) in java.calls


def test_android_gps_asks_for_permission_first(java):
    java.permission = False
    gps = location_module.AndroidLocation()
    gps.start(lambda fix: None)
    asked = [c for c in java.calls if c[0] == "ask"]
    assert asked and asked[0][1] == ("fine", "coarse")
    assert not any(c[0] == "request" for c in java.calls)  # nothing before the answer
    asked[0][2](["fine", "coarse"], [True, True])  # the officer allows it
    Clock.tick()
    assert any(c[0] == "request" for c in java.calls)


def test_the_android_classes_refuse_to_start_off_android():
    with pytest.raises(NotImplementedError):
        camera_module.AndroidCamera()
    with pytest.raises(NotImplementedError):
        location_module.AndroidLocation()


def test_fix_times_are_utc():
    fix = fix_from_android(AndroidLocation(1.0, 2.0, 3.0), 30)
    assert dt.datetime.fromisoformat(fix.time.replace("Z", "+00:00")).tzinfo is not None
