"""HTTP client for the sync API, used by the tablet app and by the simulator.

Standard library only (urllib), so it runs unchanged on Android. Failures come back as two
kinds of exception: `Offline` (no answer: the network or server is down, retry later) and
`ApiError` (the server answered no, with a message a person can read).
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sync.envelope import Envelope, utc_now

API_PREFIX = "/api/v1"


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
        self.bytes_sent = 0  # request bodies handed to the transport, for the sync report

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
        headers = {"Accept": "application/json", "X-Device-Time": utc_now()}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        self.bytes_sent += len(data or b"")
        try:
            status, raw = self.transport(method, url, headers, data, self.timeout)
        except OSError as exc:  # URLError, timeouts, resets and refusals are all OSErrors
            raise Offline(f"cannot reach {self.base_url}: {exc}") from None
        body = _decode(raw)
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
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
