"""HTTP client for the sync API, used by the tablet app and by the simulator.

Standard library only (urllib), so it runs unchanged on Android. Failures come back as two
kinds of exception: `Offline` (no answer: the network or server is down, retry later) and
`ApiError` (the server answered no, with a message a person can read; `temporary` when it
is worth trying again later, e.g. 507 when the server's disk is full).

JSON bodies of 1 kB or more go gzip-compressed (`Content-Encoding: gzip`) and every request
says `Accept-Encoding: gzip`. A server that refuses the coding answers 415 and the client
sends plain JSON from then on. Answers are recognised as gzip by their magic bytes, so any
transport (urllib, the tests' in-process one) works unchanged.
"""

from __future__ import annotations

import gzip
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sync.envelope import Envelope, utc_now

API_PREFIX = "/api/v1"
GZIP_MIN_BYTES = 1024  # smaller bodies are sent as they are
GZIP_MAGIC = b"\x1f\x8b"


class Offline(ConnectionError):
    """The server could not be reached; nothing is lost, try again later."""


class ApiError(RuntimeError):
    def __init__(self, status: int, body: Mapping[str, Any]):
        self.status = status
        self.code = str(body.get("code", "error"))
        self.message = str(body.get("message", "Máy chủ từ chối yêu cầu."))
        self.message_en = str(body.get("message_en", "The server refused the request."))
        self.body = dict(body)
        super().__init__(f"{status} {self.code}: {self.message_en}")

    @property
    def temporary(self) -> bool:
        """The server could not do it now (full disk, overload, restart): try again later."""
        return self.status >= 500 or self.status == 429


Transport = Callable[[str, str, dict[str, str], bytes | None, float], tuple[int, bytes]]


def urllib_transport(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
) -> tuple[int, bytes]:
    """HTTP over the network. Any failure to get a whole answer raises OSError."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()
    except http.client.HTTPException as exc:  # e.g. the answer was cut half-way
        raise ConnectionError(str(exc)) from None


class SyncClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 30.0,
        transport: Transport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.transport = transport or urllib_transport
        self.compress = True  # gzip JSON bodies; off once a server refuses the coding
        self.bytes_sent = 0  # request bodies handed to the transport, for the sync report
        self.bytes_received = 0  # answer bodies as they came (compressed or not)
        self.json_bytes_sent = 0  # the same request bodies before compression

    # -- transport -------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> tuple[int, Any]:
        url = f"{self.base_url}{API_PREFIX}{path}"
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        # The server notes how far the device clock is off; order never depends on it.
        headers = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "X-Device-Time": utc_now(),
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        plain = None
        if json_body is not None:
            data = plain = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            content_type = "application/json"
            if self.compress and len(plain) >= GZIP_MIN_BYTES:
                data = gzip.compress(plain, compresslevel=6, mtime=0)
                headers["Content-Encoding"] = "gzip"
        if content_type:
            headers["Content-Type"] = content_type
        self.bytes_sent += len(data or b"")
        self.json_bytes_sent += len(plain) if plain is not None else len(data or b"")
        try:
            status, raw = self.transport(method, url, headers, data, self.timeout)
        except OSError as exc:  # URLError, timeouts, resets and refusals are all OSErrors
            raise Offline(f"cannot reach {self.base_url}: {exc}") from None
        self.bytes_received += len(raw)
        body = _decode(raw)
        if status == 415 and "Content-Encoding" in headers:
            self.compress = False  # this server takes plain JSON only: send it so, once more
            return self._request(method, path, json_body=json_body, query=query)
        if status >= 400:
            raise ApiError(status, body if isinstance(body, Mapping) else {})
        if status >= 300 or not isinstance(body, dict | list):
            # A captive portal or proxy answered instead of our server: treat as offline.
            raise Offline(f"unexpected answer {status} from {self.base_url}")
        return status, body

    # -- calls -----------------------------------------------------------------------------
    def enroll(
        self, code: str, device_name: str, app_version: str, install_id: str | None = None
    ) -> dict[str, Any]:
        """Exchange a one-time enrolment code for a device token; keeps the token."""
        payload = {"code": code, "device_name": device_name, "app_version": app_version}
        if install_id:
            payload["install_id"] = install_id
        _, body = self._request("POST", "/devices/enroll", json_body=payload)
        self.token = body["token"]
        return body

    def scope(self) -> dict[str, Any]:
        """The device's commune, its villages (with boundaries) and the current forms."""
        return self._request("GET", "/sync/scope")[1]

    def push(self, envelopes: Sequence[Envelope]) -> dict[str, Any]:
        payload = {"records": [e.as_dict() for e in envelopes]}
        return self._request("POST", "/sync/push", json_body=payload)[1]

    def changes(self, since: int = 0, limit: int = 500) -> dict[str, Any]:
        return self._request("GET", "/sync/changes", query={"since": since, "limit": limit})[1]

    def iter_changes(self, since: int = 0, limit: int = 500) -> Iterator[dict[str, Any]]:
        """Yield pages of the change feed until the server says there is no more."""
        while True:
            page = self.changes(since, limit)
            yield page
            since = page["next"]
            if not page.get("more"):
                return

    def has_photo(self, sha256: str) -> bool:
        try:
            self._request("GET", f"/photos/{sha256}/status")
        except ApiError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def upload_photo(self, sha256: str, content: bytes) -> dict[str, Any]:
        """Send a photo whole in one request (fine for small photos on a good link)."""
        return self._request("PUT", f"/photos/{sha256}", data=content, content_type="image/jpeg")[1]

    def upload_resumable(
        self,
        sha256: str,
        content: bytes,
        chunk_size: int = 256 * 1024,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Send a photo in chunks, continuing from wherever the server says it is.

        Returns the bytes actually sent. A cut connection raises Offline; calling again
        later resumes from the server's offset, so nothing already received is resent.
        """
        _, state = self._request(
            "POST", "/uploads", json_body={"sha256": sha256, "size": len(content)}
        )
        if state.get("complete"):
            return 0
        upload_id, offset, sent = state["upload_id"], state["offset"], 0
        while offset < len(content):
            chunk = content[offset : offset + chunk_size]
            try:
                _, state = self._request(
                    "PUT",
                    f"/uploads/{upload_id}",
                    data=chunk,
                    content_type="application/octet-stream",
                    query={"offset": offset},
                )
            except ApiError as exc:
                if exc.code != "wrong_offset":
                    raise
                offset = int(exc.body["offset"])  # another attempt got further: go on from there
                continue
            sent += len(chunk)
            offset = state["offset"]
            if progress:
                progress(offset, len(content))
        self._request("POST", f"/uploads/{upload_id}/finish")
        return sent

    def checksum(self) -> dict[str, Any]:
        """Count and digest of the commune's records, to detect a replica out of step."""
        return self._request("GET", "/sync/checksum")[1]


def _decode(raw: bytes) -> Any:
    if not raw:
        return {}
    try:
        if raw[:2] == GZIP_MAGIC:  # JSON never starts with these bytes
            raw = gzip.decompress(raw)
        return json.loads(raw.decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # damaged or cut: for a 2xx answer the caller treats it as offline
