"""FaultyProxy against a tiny HTTP server in a thread: clean pass-through, cuts both ways,
refuse, blackhole, seeded reproducibility and a clean stop."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.faults.tcp_proxy import FaultyProxy

# Every way urllib reports a connection that died under it.
BROKEN = (ConnectionError, http.client.HTTPException, urllib.error.URLError)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.count_request()  # the whole request arrived: the server "did the work"
        self._reply(json.dumps({"received": len(body)}).encode())

    def do_GET(self):
        self.server.count_request()
        self._reply(b"x" * int(self.path.rsplit("/", 1)[-1]))

    def _reply(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() then joins every handler thread

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests, self.errors, self._lock = 0, [], threading.Lock()

    def count_request(self):
        with self._lock:
            self.requests += 1

    def handle_error(self, request, client_address):
        self.errors.append(client_address)  # resets are the point here; keep stderr quiet


@pytest.fixture
def server():
    httpd = Server()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def post(proxy: FaultyProxy, size: int, timeout: float = 10) -> dict:
    request = urllib.request.Request(f"{proxy.url}/push", data=b"d" * size, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def proxy_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("faulty-proxy")]


def test_a_1mb_post_passes_through_untouched(server):
    with FaultyProxy(server.server_port) as proxy:
        assert proxy.url == f"http://127.0.0.1:{proxy.port}"
        assert post(proxy, 1024 * 1024) == {"received": 1024 * 1024}
        assert (proxy.connections, proxy.cuts) == (1, 0)
        assert proxy.bytes_up > 1024 * 1024 and proxy.bytes_down > 0
    assert server.requests == 1 and not proxy_threads()


def test_upstream_cut_after_1000_bytes(server):
    with FaultyProxy(server.server_port, cut_after_bytes=1000) as proxy:
        with pytest.raises(BROKEN):
            post(proxy, 100_000)
        assert (proxy.cuts, proxy.bytes_up, proxy.cut_log) == (1, 1000, [("up", 1000)])
    assert server.requests == 0  # the body never arrived whole


def test_downstream_cut_server_did_the_work_client_saw_nothing(server):
    with FaultyProxy(server.server_port) as proxy:
        proxy.cut_downstream_after = 0
        with pytest.raises(BROKEN):
            post(proxy, 5000)
        assert server.requests == 1
        assert (proxy.cuts, proxy.bytes_down, proxy.bytes_up) == (1, 0, proxy.bytes_up)
        proxy.cut_downstream_after = 50_000  # mid-body of a 200 kB answer
        with pytest.raises(BROKEN):
            urllib.request.urlopen(f"{proxy.url}/bytes/200000", timeout=10).read()
        assert server.requests == 2 and proxy.cut_log[-1] == ("down", 50_000)


def test_refuse_resets_at_once(server):
    with FaultyProxy(server.server_port) as proxy:
        proxy.refuse = True
        with pytest.raises(BROKEN):
            post(proxy, 10)
        proxy.refuse = False
        assert post(proxy, 10) == {"received": 10}
        assert proxy.connections == 2
    assert server.requests == 1


def test_blackhole_makes_the_client_time_out(server):
    with FaultyProxy(server.server_port) as proxy:
        proxy.blackhole = True
        with pytest.raises((TimeoutError, urllib.error.URLError)) as caught:
            post(proxy, 10, timeout=1)
        if isinstance(caught.value, urllib.error.URLError):
            assert isinstance(caught.value.reason, TimeoutError)
        assert server.requests == 0 and proxy.bytes_up == 0


def test_stop_ends_open_connections_and_threads(server):
    proxy = FaultyProxy(server.server_port).start()
    proxy.blackhole = True
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as held:
        held.sendall(b"GET / HTTP/1.1\r\n\r\n")
        while proxy.connections == 0 or not proxy_threads()[1:]:
            threading.Event().wait(0.01)
        proxy.stop()
        assert not proxy_threads()
        try:
            assert held.recv(10) == b""
        except ConnectionResetError:
            pass
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", proxy.port), timeout=1),
    ):
        pass


def test_a_callable_picks_which_connections_die(server):
    with FaultyProxy(server.server_port, cut_after_bytes=lambda n: 300 if n % 2 else None) as p:
        outcomes = []
        for _ in range(4):
            try:
                outcomes.append(post(p, 2000)["received"])
            except BROKEN:
                outcomes.append("cut")
    assert outcomes == [2000, "cut", 2000, "cut"] and p.cuts == 2


def random_cuts(port: int, seed: int) -> tuple[list, list, int]:
    with FaultyProxy(port, seed=seed) as proxy:
        post(proxy, 30_000)
        whole = proxy.bytes_up  # one uncut request, headers included
        proxy.configure(cut_upstream_between=(200, 20_000), cut_probability=0.6)
        outcomes = []
        for _ in range(12):
            try:
                outcomes.append(post(proxy, 30_000)["received"])
            except BROKEN:
                outcomes.append("cut")
        assert proxy.cuts == outcomes.count("cut")
        cut_bytes = sum(offset for _, offset in proxy.cut_log)
        # Each cut connection carried exactly its drawn offset upstream, not a byte more.
        assert proxy.bytes_up == whole * (1 + outcomes.count(30_000)) + cut_bytes
        return outcomes, proxy.cut_log, proxy.bytes_up


def test_random_cut_offsets_are_reproducible_with_the_same_seed(server):
    first, second = random_cuts(server.server_port, 7), random_cuts(server.server_port, 7)
    assert first == second
    outcomes, log, _ = first
    assert "cut" in outcomes and 30_000 in outcomes
    assert all(direction == "up" and 200 <= offset <= 20_000 for direction, offset in log)
    assert random_cuts(server.server_port, 8)[1] != log


def test_configure_rejects_unknown_settings(server):
    with FaultyProxy(server.server_port) as proxy, pytest.raises(AttributeError):
        proxy.configure(cut_after=10)
