"""gzip on push and pull: compressed bodies in and out, bad codings refused with nothing
written, and the tablet's client compressing by itself and falling back to plain JSON when a
server refuses the coding. SQLite and PostgreSQL (the app fixture runs both)."""

from __future__ import annotations

import gzip
import json

from server.models import Record
from sync.client import SyncClient
from sync.envelope import Envelope
from tests.flask_transport import flask_transport
from tests.helpers import envelope
from tests.server.conftest import count


def _gzip_push(client, device, records, **headers):
    body = gzip.compress(json.dumps({"records": records}).encode())
    return client.post(
        "/api/v1/sync/push",
        data=body,
        content_type="application/json",
        headers=device.headers | {"Content-Encoding": "gzip"} | headers,
    )


def test_a_gzip_push_applies_and_the_answer_comes_back_gzipped(app, client, device):
    before = count(app, Record)  # the demo commune's
    batch = [envelope() for _ in range(20)]
    response = _gzip_push(client, device, batch, **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Accept-Encoding"] == "gzip"  # what request bodies may use
    answer = json.loads(gzip.decompress(response.get_data()))
    assert [r["status"] for r in answer["results"]] == ["applied"] * 20
    assert count(app, Record) == before + 20

    plain = client.get("/api/v1/sync/changes?since=0", headers=device.headers)
    assert "Content-Encoding" not in plain.headers  # only when the device asks for it
    zipped = client.get(
        "/api/v1/sync/changes?since=0", headers=device.headers | {"Accept-Encoding": "gzip"}
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.get_data())) == plain.json
    assert len(zipped.get_data()) * 3 < len(plain.get_data())


def test_bad_codings_are_refused_and_nothing_is_written(app, client, device):
    before = count(app, Record)
    batch = [envelope()]
    raw = json.dumps({"records": batch}).encode()
    brotli = client.post(
        "/api/v1/sync/push",
        data=raw,
        content_type="application/json",
        headers=device.headers | {"Content-Encoding": "br"},
    )
    assert brotli.status_code == 415
    assert brotli.json["code"] == "unsupported_encoding" and "gzip" in brotli.json["message"]
    assert brotli.headers["Accept-Encoding"] == "gzip"

    cut = gzip.compress(raw)[:-12]  # the connection dropped before the end of the body
    damaged = client.post(
        "/api/v1/sync/push",
        data=cut,
        content_type="application/json",
        headers=device.headers | {"Content-Encoding": "gzip"},
    )
    assert damaged.status_code == 400 and damaged.json["code"] == "bad_encoding"

    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    bomb = gzip.compress(b'{"records": [' + b" " * (2 * 1024 * 1024) + b"]}")
    assert len(bomb) < 64 * 1024  # small on the wire, 2 MB once inflated
    big = client.post(
        "/api/v1/sync/push",
        data=bomb,
        content_type="application/json",
        headers=device.headers | {"Content-Encoding": "gzip"},
    )
    assert big.status_code == 413 and big.json["code"] == "body_too_large"
    assert count(app, Record) == before


def test_the_client_compresses_both_ways_and_counts_the_bytes(app, device):
    client = SyncClient("http://server", device.token, transport=flask_transport(app))
    batch = [envelope(data={"head_name": f"Lò Văn {n}", "members": 3}) for n in range(100)]

    answer = client.push([Envelope.from_dict(e) for e in batch])
    assert [r["status"] for r in answer["results"]] == ["applied"] * 100
    assert client.bytes_sent * 3 < client.json_bytes_sent  # the push went gzipped
    received = client.bytes_received
    page = client.changes(since=0, limit=500)
    assert len(page["changes"]) >= 100
    plain = len(json.dumps(page, ensure_ascii=False).encode())
    assert (client.bytes_received - received) * 3 < plain  # and the page came back gzipped


def test_the_client_sends_plain_json_to_a_server_that_refuses_gzip(app, device):
    before = count(app, Record)
    inner = flask_transport(app)
    seen = []

    def no_gzip_server(method, url, headers, body, timeout):
        seen.append(headers.get("Content-Encoding"))
        if headers.get("Content-Encoding"):
            answer = {"code": "unsupported_media_type", "message": "x", "message_en": "x"}
            return 415, json.dumps(answer).encode()
        return inner(method, url, headers, body, timeout)

    client = SyncClient("http://server", device.token, transport=no_gzip_server)

    batch = [Envelope.from_dict(envelope()) for _ in range(10)]
    assert [r["status"] for r in client.push(batch)["results"]] == ["applied"] * 10
    assert client.push([Envelope.from_dict(envelope()) for _ in range(10)])["results"]
    assert seen == ["gzip", None, None]  # refused once, plain from then on
    assert count(app, Record) == before + 20
