"""A TCP relay between a bot and a real server that records every line each way and can cut the link.

Cutting is what a network failure looks like to both ends: the bot's socket
and the server's close while the server keeps running, so the bot reconnects
(through the relay again) to the same network. Each connection through the
relay is one ``Session`` with its lines in order.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Session:
    """One connection through the relay: what the bot wrote and what the server answered."""

    sent: list[tuple[float, str]] = field(default_factory=list)  # bot → server
    received: list[tuple[float, str]] = field(default_factory=list)  # server → bot
    sockets: list[socket.socket] = field(default_factory=list)

    def sent_lines(self) -> list[str]:
        return [line for _, line in self.sent]

    def received_lines(self) -> list[str]:
        return [line for _, line in self.received]


class Wiretap:
    """Listens on a free loopback port (``port``) and relays each connection to ``127.0.0.1:upstream``."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.sessions: list[Session] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            session = Session(sockets=[client, server])
            with self._lock:
                self.sessions.append(session)
            threading.Thread(target=self._relay, args=(client, server, session.sent), daemon=True).start()
            threading.Thread(target=self._relay, args=(server, client, session.received), daemon=True).start()

    def _relay(self, source: socket.socket, sink: socket.socket, record: list[tuple[float, str]]) -> None:
        pending = b""
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            pending += data
            *lines, pending = pending.split(b"\n")
            now = time.monotonic()
            with self._lock:
                record.extend((now, line.rstrip(b"\r").decode("utf-8", "replace")) for line in lines)
            try:
                sink.sendall(data)
            except OSError:
                break
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def wait_for_sessions(self, count: int, timeout: float = 30.0) -> Session:
        """The ``count``-th session, once it has begun."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.sessions) >= count:
                    return self.sessions[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no connection number {count} through the relay within {timeout}s")

    def cut(self) -> None:
        """Break every current connection, as a failing network would."""
        with self._lock:
            sockets = [end for session in self.sessions for end in session.sockets]
        for end in sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self.cut()
