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


class AndroidCamera(Camera):
    """Not written yet; this is the plan, so the next person does not repeat plyer's bug.

    plyer's camera hands the camera app a file:// URI, which Android 7+ refuses
    (FileUriExposedException). The working approach, with pyjnius:

    1. Create the target file in the app's own storage
       (`context.getExternalFilesDir(Environment.DIRECTORY_PICTURES)`), named by a UUID.
    2. Turn it into a content:// URI with `androidx.core.content.FileProvider.getUriForFile(
       context, "<package>.fileprovider", file)`; declare that provider in the manifest
       (buildozer `android.extra_manifest_application_arguments`) with a
       `res/xml/file_paths.xml` naming the pictures folder.
    3. Start `Intent(MediaStore.ACTION_IMAGE_CAPTURE)` with `EXTRA_OUTPUT` = the URI and
       `FLAG_GRANT_WRITE_URI_PERMISSION`, via `PythonActivity.mActivity.startActivityForResult`.
    4. `android.activity.bind(on_activity_result=...)`: on RESULT_OK, schedule
       `callback(path)` with Clock.schedule_once (results arrive on the Java thread);
       on cancel, `callback(None)` and delete the empty file.
    """

    def __init__(self) -> None:
        # Off Android there is no pyjnius and no camera intent: fail loudly at start-up
        # instead of when the officer first taps "Chọn ảnh".
        if platform != "android":
            raise NotImplementedError("AndroidCamera only runs on Android")

    def take(self, callback: PhotoCallback) -> None:
        raise NotImplementedError("AndroidCamera is not implemented yet; see the class docs")


def camera_for_platform() -> Camera:
    return AndroidCamera() if platform == "android" else DesktopCamera()
