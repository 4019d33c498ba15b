"""The enrolment QR code: what it carries, and reading it from a picture on the desktop.

The sync administrator's Tablets page (server.services.devices_admin.qr_svg) draws a QR code
holding one URI:

    chungsuc://enrol?server=<server URL, percent-encoded>&code=<one-time code>

e.g. `chungsuc://enrol?server=http%3A%2F%2F192.168.1.10%3A5000&code=K7MPX2QA`. The code is
the same short code the page prints for typing (8 characters, letters and digits without
0/O/1/I). `parse_payload` is the one reader of that format on the tablet;
tests/mobile_app/test_enrol_qr.py renders the server's own payload and reads it back, so
both sides stay in agreement.

On Android the scan itself is done by the Google code scanner (mobile_app.devices.scanner);
on the desktop a photo or screenshot of the QR is decoded with zxing-cpp when it is
installed (the `app` extra). Pure Python apart from that optional import; no Kivy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SCHEME, ACTION = "chungsuc", "enrol"
CODE_CHARS = set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
MAX_PAYLOAD = 600  # a server URL and a code; anything longer is not ours


class QrError(ValueError):
    """A QR code (or picture) that cannot enrol this tablet; messages say why."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en

    def text(self, lang: str) -> str:
        return self.message if lang == "vi" else self.message_en


@dataclass(frozen=True)
class EnrolPayload:
    server: str
    code: str


NOT_OURS = QrError(
    "Mã QR này không phải mã đăng ký Chung Sức. Hãy quét mã trên trang «Máy tính bảng» "
    "hoặc gõ mã đăng ký.",
    "This QR code is not a Chung Sức enrolment code. Scan the one on the Tablets page, "
    "or type the enrolment code.",
)


def parse_payload(text: str) -> EnrolPayload:
    """The server and code a scanned QR carries; QrError if it is not an enrolment QR."""
    text = (text or "").strip()
    if len(text) > MAX_PAYLOAD:
        raise NOT_OURS
    parts = urlsplit(text)
    if parts.scheme.lower() != SCHEME or parts.netloc.lower() != ACTION:
        raise NOT_OURS
    query = parse_qs(parts.query)
    server = (query.get("server") or [""])[0].strip()
    code = "".join(ch for ch in (query.get("code") or [""])[0].upper() if ch.isalnum())
    server_parts = urlsplit(server)
    if server_parts.scheme not in ("http", "https") or not server_parts.netloc:
        raise QrError(
            "Mã QR thiếu địa chỉ máy chủ hợp lệ. Hãy gõ địa chỉ và mã đăng ký.",
            "The QR code lacks a valid server address. Type the address and the code.",
        )
    if not code or not set(code) <= CODE_CHARS:
        raise QrError(
            "Mã QR thiếu mã đăng ký hợp lệ. Hãy xin mã mới từ quản trị viên.",
            "The QR code lacks a valid enrolment code. Ask the administrator for a new one.",
        )
    return EnrolPayload(server=server.rstrip("/"), code=code)


def decode_image(path: str | Path) -> str:
    """The text of the first QR code in a picture file (desktop only: needs zxing-cpp)."""
    try:
        import zxingcpp
    except ImportError:
        raise QrError(
            "Máy này chưa cài bộ đọc mã QR (zxing-cpp). Hãy gõ mã đăng ký.",
            "This computer has no QR reader installed (zxing-cpp). Type the enrolment code.",
        ) from None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            results = zxingcpp.read_barcodes(image.convert("L"))
    except (OSError, UnidentifiedImageError, ValueError):
        raise QrError(
            "Không mở được ảnh này. Hãy chọn ảnh chụp mã QR (JPEG hoặc PNG).",
            "Cannot open this picture. Choose a photo of the QR code (JPEG or PNG).",
        ) from None
    for result in results:
        if result.format == zxingcpp.BarcodeFormat.QRCode and result.text:
            return result.text
    raise QrError(
        "Không thấy mã QR trong ảnh. Hãy chụp rõ, đủ sáng và thẳng mã QR.",
        "No QR code found in the picture. Take it sharp, well lit and straight on.",
    )
