"""Run the sync client against the real Flask app in-process (no sockets): the same
requests and answers as over HTTP, fast enough for property tests with many examples."""

from __future__ import annotations

from urllib.parse import urlsplit


def flask_transport(app):
    client = app.test_client()

    def transport(method, url, headers, body, timeout):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.open(path, method=method, headers=headers, data=body)
        try:
            return response.status_code, response.get_data()
        finally:
            response.close()

    return transport
