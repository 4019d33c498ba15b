"""Enrolment: exchange the district's one-time code for this tablet's token and scope.

The officer scans the QR code on the administrator's Tablets page (server address and code
in one, mobile_app.enrol_qr) or types both; a scanned code enrols at once."""

from __future__ import annotations

import platform

from kivy.properties import BooleanProperty, StringProperty

from mobile_app import APP_VERSION
from mobile_app.background import run_in_background
from mobile_app.enrol_qr import QrError, parse_payload
from mobile_app.screens.base import BaseScreen
from sync.client import ApiError, Offline
from sync.replicator import enroll


class EnrolScreen(BaseScreen):
    busy = BooleanProperty(False)
    message = StringProperty("")
    is_error = BooleanProperty(False)
    server_text = StringProperty("")
    device_text = StringProperty("")

    def refresh(self) -> None:
        self.server_text = self.server_text or self.app.default_server
        self.device_text = self.device_text or f"Tablet {platform.node()}"[:60]

    def enrol(self) -> None:
        url = self.ids.server_url.text.strip()
        code = self.ids.code.text.strip()
        device = self.ids.device_name.text.strip() or platform.node()
        if not url or not code:
            self._say(self.app.tr("enrol_missing"), error=True)
            return
        if "://" not in url:
            url = "http://" + url  # officers type "192.168.1.10:5000"; urllib needs a scheme
        self.busy = True
        self._say(self.app.tr("enrolling"), error=False)
        replica = self.app.replica
        run_in_background(
            lambda: enroll(replica, url, code, device, APP_VERSION),
            self._enrolled,
            self._failed,
            replica=replica,
            name="chungsuc-enrol",
        )

    def scan_qr(self) -> None:
        self._say("", error=False)
        self.app.scanner.scan(self._scanned)

    def _scanned(self, result) -> None:
        if result is None:
            return  # the officer cancelled: nothing changes
        try:
            if isinstance(result, QrError):
                raise result
            payload = parse_payload(result)
        except QrError as exc:
            self._say(exc.text(self.app.lang), error=True)
            return
        self.ids.server_url.text = payload.server
        self.ids.code.text = payload.code
        self.enrol()

    def _enrolled(self, _body) -> None:
        self.busy = False
        self._say("", error=False)
        self.ids.code.text = ""
        self.app.refresh_identity()
        self.app.show("villages")
        self.app.start_sync()  # the first round fills the villages by itself

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, Offline):
            text = self.app.tr("offline")
        elif isinstance(exc, ApiError):
            text = exc.message if self.app.lang == "vi" else exc.message_en
        else:
            text = self.app.tr("unexpected_error", error=exc)
        self._say(text, error=True)

    def _say(self, text: str, error: bool) -> None:
        self.message = text
        self.is_error = error
