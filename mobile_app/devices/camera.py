"""Camera facade: `take(callback)` calls back later with a photo's file path, or None.

The screens only see `Camera`; which implementation runs is decided once at start-up.
DesktopCamera is what the desktop build and the tests use: it opens a file picker, or, when
built with a path or a queue of paths, hands those back without a dialog (the only fake the
tests use: the camera is the edge of the device we cannot drive under Xvfb).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from kivy.clock import Clock
from kivy.utils import platform

PhotoCallback = Callable[[str | None], None]
PHOTO_FILTERS = ["*.jpg", "*.jpeg", "*.JPG", "*.JPEG", "*.png", "*.PNG"]


class Camera:
    def take(self, callback: PhotoCallback) -> None:
        """Start taking a photo; `callback(path)` runs on the UI thread when done."""
        raise NotImplementedError


class DesktopCamera(Camera):
    def __init__(self, path: str | Path | None = None, queue: Iterable[str | Path] = ()):
        self._fixed = str(path) if path else None
        self._queue = deque(str(p) for p in queue)

    def take(self, callback: PhotoCallback) -> None:
        if self._fixed or self._queue:
            path = self._queue.popleft() if self._queue else self._fixed
            # Call back on a later frame, as a real camera does: callers must not assume
            # the photo exists when take() returns.
            Clock.schedule_once(lambda _dt: callback(path), 0)
            return
        self._pick_file(callback)

    def _pick_file(self, callback: PhotoCallback) -> None:
        # Imported here: the dialog is only built on a desktop without a scripted path.
        from mobile_app.devices.file_picker import FilePicker

        FilePicker(filters=PHOTO_FILTERS, on_choice=callback).open()


# Must match mobile_app/android/provider.xml and buildozer.spec's package.domain + name
# (tests/mobile_app/test_devices.py checks all three agree).
FILE_PROVIDER_AUTHORITY = "vn.chungsuc.tablet.fileprovider"
REQUEST_CODE = 0x4353  # "CS": our startActivityForResult request
RESULT_OK = -1  # android.app.Activity.RESULT_OK


class AndroidCamera(Camera):
    """The tablet's camera app through an ACTION_IMAGE_CAPTURE intent, with pyjnius. NOT yet
    run on a device (no Android build here); `photo_result` and the authority are tested.

    plyer's camera hands the camera app a file:// URI, which Android 7+ refuses
    (FileUriExposedException). Here:

    1. CAMERA is requested at run time (buildozer.spec declares it; an app that declares it
       must hold it for ACTION_IMAGE_CAPTURE).
    2. The target file is made in the app's own Pictures folder
       (`getExternalFilesDir(DIRECTORY_PICTURES)`), named by a UUID, and turned into a
       content:// URI with androidx FileProvider (provider.xml, res/xml/file_paths.xml).
    3. `Intent(ACTION_IMAGE_CAPTURE)` with EXTRA_OUTPUT = that URI and the write/read grant
       flags goes to `startActivityForResult`.
    4. The result (android.activity's on_activity_result, on Android's main thread) becomes
       `callback(path)` on the Kivy thread; a cancel or an empty file is `callback(None)`
       and the empty file is deleted.
    """

    def __init__(self) -> None:
        # Off Android there is no pyjnius and no camera intent: fail loudly at start-up
        # instead of when the officer first taps "Chọn ảnh".
        if platform != "android":
            raise NotImplementedError("AndroidCamera only runs on Android")
        self._pending: tuple[str, PhotoCallback] | None = None
        self._bound = False

    def take(self, callback: PhotoCallback) -> None:
        from android.permissions import Permission, check_permission, request_permissions

        if check_permission(Permission.CAMERA):
            self._start(callback)
            return

        def answered(_permissions, grants) -> None:
            if all(grants):
                Clock.schedule_once(lambda _dt: self._start(callback), 0)
            else:
                Clock.schedule_once(lambda _dt: callback(None), 0)

        request_permissions([Permission.CAMERA], answered)

    def _start(self, callback: PhotoCallback) -> None:
        import uuid

        from android import activity
        from jnius import autoclass, cast

        intent_class = autoclass("android.content.Intent")
        media_store = autoclass("android.provider.MediaStore")
        environment = autoclass("android.os.Environment")
        file_class = autoclass("java.io.File")
        provider = autoclass("androidx.core.content.FileProvider")
        context = autoclass("org.kivy.android.PythonActivity").mActivity
        folder = context.getExternalFilesDir(environment.DIRECTORY_PICTURES)
        target = file_class(folder, f"{uuid.uuid4()}.jpg")
        uri = provider.getUriForFile(context, FILE_PROVIDER_AUTHORITY, target)
        intent = intent_class(media_store.ACTION_IMAGE_CAPTURE)
        intent.putExtra(media_store.EXTRA_OUTPUT, cast("android.os.Parcelable", uri))
        intent.addFlags(
            intent_class.FLAG_GRANT_WRITE_URI_PERMISSION
            | intent_class.FLAG_GRANT_READ_URI_PERMISSION
        )
        if not self._bound:
            activity.bind(on_activity_result=self._on_activity_result)
            self._bound = True
        self._pending = (target.getAbsolutePath(), callback)
        context.startActivityForResult(intent, REQUEST_CODE)

    def _on_activity_result(self, request_code: int, result_code: int, _data) -> None:
        if request_code != REQUEST_CODE or self._pending is None:
            return  # another activity's answer (e.g. the QR scanner)
        path, callback = self._pending
        self._pending = None
        kept = photo_result(result_code, path)
        Clock.schedule_once(lambda _dt: callback(kept), 0)


def photo_result(result_code: int, path: str) -> str | None:
    """The photo's path if the camera app took one; otherwise remove the empty file."""
    target = Path(path)
    if result_code == RESULT_OK and target.exists() and target.stat().st_size > 0:
        return str(target)
    target.unlink(missing_ok=True)
    return None


def camera_for_platform() -> Camera:
    return AndroidCamera() if platform == "android" else DesktopCamera()
