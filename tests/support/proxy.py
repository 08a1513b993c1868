"""A TCP proxy in front of a real server, for fault tests: it passes bytes through, cuts every
open connection (and refuses new ones), stalls (accepts and never answers: a timeout), or
answers every HTTP request with ``500``. The real server never knows; the app only sees the
network misbehave, exactly as it would in production."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from typing import Literal

from tests.support.servers import free_port

Mode = Literal["pass", "down", "stall", "http500"]


class FaultyProxy:
    """Listens on a free loopback port and forwards to ``target_port``."""

    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.target = (host, target_port)
        self.port = free_port()
        self.mode: Mode = "pass"
        self.bytes_seen = 0  # server-to-client bytes passed (to cut a transfer mid-way)
        self.cut_after: int | None = None  # cut when this many bytes passed (then 'down')
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="faulty-proxy")

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self.cut()
        self._listener.close()
        self._thread.join(5)

    def set(self, mode: Mode) -> None:
        """Switch mode; 'down' also cuts every open connection at once."""
        self.mode = mode
        if mode == "down":
            self.cut()

    def cut(self) -> None:
        """Close every open connection (both ends) without a goodbye."""
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    # -- internals ------------------------------------------------------------------------
    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            if self.mode == "down":
                client.close()
                continue
            with self._lock:
                self._open.append(client)
            if self.mode == "stall":
                continue  # accepted, never answered: the client's timeout must fire
            if self.mode == "http500":
                threading.Thread(target=self._answer_500, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _answer_500(self, client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            client.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return
                data += chunk
            body = b"server error (injected)"
            client.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                           b"Connection: close\r\nContent-Length: " + str(len(body)).encode()
                           + b"\r\n\r\n" + body)
            client.close()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        pair = {client: upstream, upstream: client}
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select(list(pair), [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is upstream:
                        self.bytes_seen += len(data)
                    pair[sock].sendall(data)
                    if self.cut_after is not None and self.bytes_seen >= self.cut_after:
                        self.cut_after = None
                        self.set("down")
                        return
        except (OSError, ValueError):
            return
        finally:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()
