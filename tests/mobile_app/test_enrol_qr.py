"""The enrolment QR, without a window: the tablet reads exactly what the server's Tablets
page encodes, from a clean render and from a photo-like copy; anything else is explained."""

from __future__ import annotations

import io

import pytest
import segno
from PIL import Image, ImageFilter

from mobile_app.devices.scanner import barcode_text
from mobile_app.enrol_qr import EnrolPayload, QrError, decode_image, parse_payload
from server.services import devices_admin


def server_payload(monkeypatch, server_url: str, code: str) -> str:
    """The text the server's page puts in its QR (segno.make's first argument)."""
    seen = []
    real_make = segno.make

    def spy(content, *args, **kwargs):
        seen.append(content)
        return real_make(content, *args, **kwargs)

    monkeypatch.setattr(devices_admin.segno, "make", spy)
    devices_admin.qr_svg(server_url, code)
    return seen[0]


def png(text: str, scale: int = 6) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


@pytest.mark.parametrize(
    "server_url", ["http://192.168.1.10:5000", "https://nongthonmoi.tinh.gov.vn/chungsuc/"]
)
def test_the_tablet_reads_what_the_server_page_encodes(monkeypatch, server_url):
    text = server_payload(monkeypatch, server_url, "K7MPX2QA")
    assert parse_payload(text) == EnrolPayload(server_url.rstrip("/"), "K7MPX2QA")


def test_a_photographed_qr_decodes_to_the_same_payload(monkeypatch, tmp_path):
    text = server_payload(monkeypatch, "http://10.0.0.5:5000", "ABCD2345")
    picture = png(text).rotate(8, expand=True, fillcolor="white").resize((900, 900))
    picture = picture.filter(ImageFilter.GaussianBlur(1.2))
    path = tmp_path / "chup-ma-qr.jpg"
    picture.save(path, quality=60)  # a blurred, tilted, re-compressed phone photo
    assert parse_payload(decode_image(path)) == EnrolPayload("http://10.0.0.5:5000", "ABCD2345")


def test_codes_are_normalised_as_the_server_does():
    payload = parse_payload("chungsuc://enrol?server=http%3A%2F%2Fh%3A5000&code=abcd-2345")
    assert payload.code == "ABCD2345"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("https://example.com/khuyen-mai", "không phải mã đăng ký"),
        ("chungsuc://other?server=http://h&code=ABCD2345", "không phải mã đăng ký"),
        ("chungsuc://enrol?code=ABCD2345", "địa chỉ máy chủ"),
        ("chungsuc://enrol?server=ftp://h&code=ABCD2345", "địa chỉ máy chủ"),
        ("chungsuc://enrol?server=http://h:5000&code=ABCD0O1I", "mã đăng ký hợp lệ"),
        ("chungsuc://enrol?server=http://h:5000", "mã đăng ký hợp lệ"),
        ("chungsuc://enrol?server=http://h&code=" + "A" * 700, "không phải mã đăng ký"),
    ],
)
def test_other_codes_are_refused_with_a_reason(text, words):
    with pytest.raises(QrError) as refused:
        parse_payload(text)
    assert words in refused.value.message and refused.value.message_en


def test_pictures_without_a_readable_qr_are_explained(tmp_path):
    blank = tmp_path / "trang.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(QrError) as none_found:
        decode_image(blank)
    assert "Không thấy mã QR" in none_found.value.message
    with pytest.raises(QrError) as unreadable:
        decode_image(broken)
    assert "Không mở được ảnh" in unreadable.value.message


def test_an_android_barcode_becomes_the_scanned_text():
    class Barcode:  # the two answers ML Kit's Barcode.getRawValue() can give
        def __init__(self, raw):
            self.raw = raw

        def getRawValue(self):  # noqa: N802 (Java's name)
            return self.raw

    assert barcode_text(Barcode("chungsuc://enrol?x")) == "chungsuc://enrol?x"
    assert isinstance(barcode_text(Barcode(None)), QrError)
    assert isinstance(barcode_text(None), QrError)
