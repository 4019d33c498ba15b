"""QR scanner facade: `scan(callback)` calls back with the QR's text, a QrError, or None.

- DesktopScanner: choose a picture of the QR (or, in tests, a scripted picture path) and
  decode it with zxing-cpp (mobile_app.enrol_qr.decode_image).
- AndroidScanner: the Google code scanner (ML Kit, `play-services-code-scanner`) through
  pyjnius. It runs in Google Play services, shows its own camera screen and needs no CAMERA
  permission of ours; the tablet must have Play services (most do; without it the officer
  types the code, which always stays possible). NOT yet run on a device: see
  docs/building-android.md.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from kivy.clock import Clock
from kivy.utils import platform

from mobile_app.enrol_qr import QrError, decode_image

ScanResult = str | QrError | None
ScanCallback = Callable[[ScanResult], None]
PICTURE_FILTERS = ["*.png", "*.PNG", "*.jpg", "*.jpeg", "*.JPG", "*.JPEG"]


class Scanner:
    def scan(self, callback: ScanCallback) -> None:
        """Start scanning; callback(text | QrError | None) runs on the UI thread (None:
        the officer cancelled)."""
        raise NotImplementedError


class DesktopScanner(Scanner):
    def __init__(self, queue: Iterable[str | Path] = ()):
        self._queue = deque(str(p) for p in queue)

    def scan(self, callback: ScanCallback) -> None:
        if self._queue:
            path = self._queue.popleft()
            Clock.schedule_once(lambda _dt: callback(self._decode(path)), 0)
            return
        from mobile_app.devices.file_picker import FilePicker

        def chosen(path: str | None) -> None:
            callback(self._decode(path) if path else None)

        FilePicker(filters=PICTURE_FILTERS, on_choice=chosen).open()

    @staticmethod
    def _decode(path: str) -> ScanResult:
        try:
            return decode_image(path)
        except QrError as exc:
            return exc


class AndroidScanner(Scanner):
    """ML Kit's GmsBarcodeScanner: startScan() gives a Task; listeners get the Barcode."""

    def __init__(self) -> None:
        if platform != "android":
            raise NotImplementedError("AndroidScanner only runs on Android")
        self._listeners: list = []  # pyjnius proxies must stay referenced until called

    def scan(self, callback: ScanCallback) -> None:
        from android.runnable import run_on_ui_thread  # python-for-android's module

        run_on_ui_thread(lambda: self._start(callback))()

    def _start(self, callback: ScanCallback) -> None:
        from jnius import autoclass

        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        scanning = autoclass("com.google.mlkit.vision.codescanner.GmsBarcodeScanning")
        deliver = _on_kivy_thread(callback)
        success, failure, cancel = _task_listeners(deliver)
        self._listeners = [success, failure, cancel]
        task = scanning.getClient(activity).startScan()
        task.addOnSuccessListener(success)
        task.addOnFailureListener(failure)
        task.addOnCanceledListener(cancel)


def _on_kivy_thread(callback: ScanCallback) -> ScanCallback:
    """Task listeners run on Android's main thread; Kivy widgets belong to the SDL thread."""

    def deliver(result: ScanResult) -> None:
        Clock.schedule_once(lambda _dt: callback(result), 0)

    return deliver


def barcode_text(barcode) -> ScanResult:
    """A scanned ML Kit Barcode as the facade's result (pure: tested with a stand-in)."""
    raw = barcode.getRawValue() if barcode is not None else None
    if not raw:
        return QrError(
            "Không đọc được mã QR. Hãy quét lại hoặc gõ mã đăng ký.",
            "Could not read the QR code. Scan again or type the enrolment code.",
        )
    return str(raw)


def _task_listeners(deliver: ScanCallback):
    from jnius import PythonJavaClass, cast, java_method

    class Success(PythonJavaClass):
        __javainterfaces__ = ["com/google/android/gms/tasks/OnSuccessListener"]
        __javacontext__ = "app"

        @java_method("(Ljava/lang/Object;)V")
        def onSuccess(self, result):
            deliver(barcode_text(cast("com.google.mlkit.vision.barcode.common.Barcode", result)))

    class Failure(PythonJavaClass):
        __javainterfaces__ = ["com/google/android/gms/tasks/OnFailureListener"]
        __javacontext__ = "app"

        @java_method("(Ljava/lang/Exception;)V")
        def onFailure(self, error):
            deliver(
                QrError(
                    "Máy không mở được trình quét mã QR. Hãy gõ mã đăng ký.",
                    f"The tablet could not start the QR scanner ({error.toString()}). "
                    "Type the enrolment code.",
                )
            )

    class Cancelled(PythonJavaClass):
        __javainterfaces__ = ["com/google/android/gms/tasks/OnCanceledListener"]
        __javacontext__ = "app"

        @java_method("()V")
        def onCanceled(self):
            deliver(None)

    return Success(), Failure(), Cancelled()


def scanner_for_platform() -> Scanner:
    return AndroidScanner() if platform == "android" else DesktopScanner()
