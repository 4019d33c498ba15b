"""A fault-injecting TCP proxy on loopback, for sync tests under bad networks.

`FaultyProxy(server_port)` listens on 127.0.0.1 and forwards each connection to the server.
Faults, set as attributes (or together with `configure`) while it runs:

- `cut_upstream_after`: reset the connection once N bytes went client -> server (an int, or a
  callable taking the connection's index from 0 and returning an int or None);
- `cut_upstream_between = (lo, hi)`: the same at an offset drawn per connection from the
  proxy's seeded RNG, so a failing run can be replayed with the same seed;
- `cut_downstream_after` / `cut_downstream_between`: the same for server -> client: the server
  handled the request but the client never reads the whole answer (idempotency tests);
- `cut_probability`: the chance that a connection gets its cuts at all;
- `blackhole`: accept and never forward (the client times out); `refuse`: reset at once.

Settings are read once per connection, when it is accepted. A cut closes both sockets with
SO_LINGER 0, so each side sees a reset rather than a clean end of stream. Counters:
`connections`, `cuts`, `bytes_up`, `bytes_down`, and `cut_log` ((direction, offset) per cut).
"""

from __future__ import annotations

import random
import select
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass

Limit = int | Callable[[int], int | None] | None
CHUNK = 64 * 1024
POLL = 0.05  # seconds; how quickly threads notice stop()


@dataclass
class _Plan:
    up: int | None = None
    down: int | None = None
    blackhole: bool = False
    refuse: bool = False


class _Cut(Exception):
    pass


class FaultyProxy:
    def __init__(
        self,
        target_port: int,
        *,
        cut_after_bytes: Limit = None,
        seed: int = 0,
        target_host: str = "127.0.0.1",
    ):
        self.target = (target_host, target_port)
        self.cut_upstream_after: Limit = cut_after_bytes
        self.cut_upstream_between: tuple[int, int] | None = None
        self.cut_downstream_after: Limit = None
        self.cut_downstream_between: tuple[int, int] | None = None
        self.cut_probability = 1.0
        self.blackhole = False
        self.refuse = False
        self.connections = self.cuts = self.bytes_up = self.bytes_down = 0
        self.cut_log: list[tuple[str, int]] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def configure(self, **settings) -> None:
        """Change several settings at once, so no connection sees half of them."""
        with self._lock:
            for name, value in settings.items():
                if not hasattr(self, name) or name.startswith("_"):
                    raise AttributeError(name)
                setattr(self, name, value)

    def start(self) -> FaultyProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(POLL)
        self._listener, self.port = listener, listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name="faulty-proxy-accept")
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            for sock in self._sockets:  # wakes threads blocked in sendall to a stalled peer
                _shutdown(sock)
            threads = list(self._threads)
        for thread in threads:
            thread.join()

    def __enter__(self) -> FaultyProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            with self._lock:
                plan = self._plan()
                self._sockets.add(client)
                # Finished threads leave here, not from their own finally (then stop() could
                # miss one that has not quite ended).
                self._threads = {t for t in self._threads if t.is_alive()}
                thread = threading.Thread(
                    target=self._serve, args=(client, plan), name=f"faulty-proxy-{self.connections}"
                )
                self._threads.add(thread)
            thread.start()

    def _plan(self) -> _Plan:
        """Called under the lock: one connection's faults, drawn in a fixed order."""
        index = self.connections
        self.connections += 1
        plan = _Plan(blackhole=self.blackhole, refuse=self.refuse)
        roll = self._rng.random()
        up = self._limit(self.cut_upstream_after, self.cut_upstream_between, index)
        down = self._limit(self.cut_downstream_after, self.cut_downstream_between, index)
        if roll < self.cut_probability:
            plan.up, plan.down = up, down
        return plan

    def _limit(self, fixed: Limit, between: tuple[int, int] | None, index: int) -> int | None:
        if callable(fixed):
            return fixed(index)
        if fixed is not None:
            return fixed
        return self._rng.randint(*between) if between else None

    def _serve(self, client: socket.socket, plan: _Plan) -> None:
        upstream, reset = None, True
        try:
            if plan.refuse:
                return
            if plan.blackhole:
                reset = self._swallow(client)
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                return  # the server is down: the client sees a reset, as it would
            upstream.settimeout(None)
            with self._lock:
                self._sockets.add(upstream)
            self._pump(client, upstream, plan)
            reset = False
        except _Cut:
            pass
        except OSError:
            pass  # a peer reset or stop() shut the sockets: end this connection
        finally:
            with self._lock:
                self._sockets.difference_update((client, upstream))
            for sock in (client, upstream):
                if sock is not None:
                    _close(sock, reset)

    def _swallow(self, client: socket.socket) -> bool:
        while not self._stopping.is_set():
            readable, _, _ = select.select([client], [], [], POLL)
            if readable and not client.recv(CHUNK):
                return False
        return True

    def _pump(self, client: socket.socket, upstream: socket.socket, plan: _Plan) -> None:
        peers = {client: upstream, upstream: client}
        sent = dict.fromkeys(peers, 0)
        limits = {client: plan.up, upstream: plan.down}
        while peers and not self._stopping.is_set():
            readable, _, _ = select.select(list(peers), [], [], POLL)
            for source in readable:
                target = peers[source]
                data = source.recv(CHUNK)
                if not data:  # half close: pass the end of stream on, keep the other way open
                    del peers[source]
                    _shutdown(target, socket.SHUT_WR)
                    continue
                limit = limits[source]
                if limit is not None:
                    data = data[: max(0, limit - sent[source])]
                sent[source] += len(data)
                with self._lock:  # counted first, so a peer that got the bytes sees them counted
                    if source is client:
                        self.bytes_up += len(data)
                    else:
                        self.bytes_down += len(data)
                target.sendall(data)
                if limit is not None and sent[source] >= limit:
                    with self._lock:
                        self.cuts += 1
                        self.cut_log.append(("up" if source is client else "down", limit))
                    raise _Cut


def _shutdown(sock: socket.socket, how: int = socket.SHUT_RDWR) -> None:
    try:
        sock.shutdown(how)
    except OSError:
        pass  # already closed or reset by the peer


def _close(sock: socket.socket, reset: bool) -> None:
    if reset:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    sock.close()
