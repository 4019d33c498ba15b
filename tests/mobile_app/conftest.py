"""Fixtures for the tablet app's tests: a private X display and a driven Kivy window.

Kivy reads its environment when first imported, so the variables are set here, before any
test module is collected. Logic tests never open a window; screen tests (marked `kivy`)
share ONE app per module, since Kivy can create only one window per process.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile

import pytest

_KIVY_HOME = tempfile.mkdtemp(prefix="chungsuc-kivy-home-")
atexit.register(shutil.rmtree, _KIVY_HOME, ignore_errors=True)
os.environ["KIVY_HOME"] = _KIVY_HOME  # no user config or logs leak in or out
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_NO_CONSOLELOG"] = "1"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

XVFB = shutil.which("Xvfb") or "/usr/bin/Xvfb"


@pytest.fixture(scope="session")
def display():
    """A DISPLAY to open the window on: the existing one, or an Xvfb we start and stop."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if not os.path.exists(XVFB):
        pytest.skip("Kivy screen tests need an X display: set DISPLAY or install Xvfb")
    read_fd, write_fd = os.pipe()
    # -displayfd: Xvfb picks a free display number and writes it to us when it is ready,
    # so parallel runs never collide and we never sleep-and-hope.
    process = subprocess.Popen(
        [XVFB, "-displayfd", str(write_fd), "-screen", "0", "1280x1280x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.kill()
        process.wait()
        pytest.skip("Xvfb did not start")
    os.environ["DISPLAY"] = f":{number}"
    yield os.environ["DISPLAY"]
    os.environ.pop("DISPLAY", None)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def kivy_window(display):
    """The Kivy window at tablet size (created on first use, shared by the process)."""
    from mobile_app.desktop import configure_window

    configure_window()
    from kivy.base import EventLoop
    from kivy.core.window import Window

    EventLoop.ensure_window()
    Window.size = (1280, 800)
    return Window


@pytest.fixture(scope="module")
def drive(kivy_window):
    """Start an app without its blocking main loop; yields a Driver to step and tap it."""
    from tests.mobile_app.driver import Driver

    drivers = []

    def start(app):
        driver = Driver(app)
        driver.start()
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.stop()
