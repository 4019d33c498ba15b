"""gzip on the sync endpoints: compressed push bodies in, compressed push and feed answers out.

A device sends `Content-Encoding: gzip` with a push body it compressed, and
`Accept-Encoding: gzip` to get compressed answers. A body in any other coding is refused
with 415 and `Accept-Encoding: gzip` (RFC 7694), so a client that guessed wrong can send it
plain. The decompressed size is bounded by MAX_CONTENT_LENGTH, like a plain body: a small
bomb cannot fill the server's memory. JSON envelopes compress well (field names, codes and
dates repeat); UUIDs and photo hashes do not.
"""

from __future__ import annotations

import gzip
import zlib

from flask import Request, Response

MIN_BYTES = 1024  # below this the gzip header costs more than it saves
LEVEL = 6


class BodyRefused(ValueError):
    def __init__(self, status: int, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.status, self.code, self.message, self.message_en = status, code, message, message_en


def decode_request(request: Request, limit: int) -> None:
    """Replace a gzip request body by its contents, before the view parses it."""
    coding = request.headers.get("Content-Encoding", "").strip().lower()
    if coding in ("", "identity"):
        return
    if coding != "gzip":
        raise BodyRefused(
            415,
            "unsupported_encoding",
            f"Máy chủ không nhận dữ liệu mã hoá kiểu «{coding[:40]}»; hãy gửi gzip hoặc không nén.",
            f"Content-Encoding {coding[:40]!r} is not accepted; send gzip or no encoding.",
        )
    request._cached_data = inflate(request.get_data(cache=False), limit)


def inflate(raw: bytes, limit: int) -> bytes:
    """gunzip at most `limit` bytes; a damaged or oversized body raises BodyRefused."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip header and trailer
    try:
        out = inflater.decompress(raw, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise BodyRefused(
                413,
                "body_too_large",
                "Dữ liệu sau khi giải nén quá lớn; hãy gửi lô nhỏ hơn.",
                "The body is too large once decompressed; send a smaller batch.",
            )
        if not inflater.eof:
            raise zlib.error("truncated")
    except zlib.error:
        raise BodyRefused(
            400,
            "bad_encoding",
            "Dữ liệu nén gzip bị hỏng hoặc bị cắt; máy sẽ gửi lại.",
            "The gzip body is damaged or cut short; the device will send it again.",
        ) from None
    return out


def encode_response(request: Request, response: Response) -> Response:
    """gzip a JSON answer when the device accepts it and it is worth it."""
    response.headers["Accept-Encoding"] = "gzip"  # what request bodies may use (RFC 7694)
    response.vary.add("Accept-Encoding")
    if (
        response.direct_passthrough
        or response.status_code != 200
        or response.mimetype != "application/json"
        or "Content-Encoding" in response.headers
        or request.accept_encodings.quality("gzip") <= 0
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response
