"""Loopback stand-ins for broken network paths (tests and the doctor's demos)."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

__all__ = ["LoopbackProxy", "blackholed_port", "talking_port"]


@contextmanager
def blackholed_port() -> Iterator[int]:
    """A 127.0.0.1 port that never answers: a listener whose accept queue is full.

    Linux drops further SYNs once the queue of a ``listen(0)`` socket is full,
    which is what a security group that drops packets looks like to a client.
    """
    with ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        for _ in range(16):
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            _, writable, _ = select.select([], [filler], [], 0.5)
            if not writable:  # this handshake was dropped: the queue is full
                break
        else:
            msg = "could not fill the accept queue of a loopback listener"
            raise RuntimeError(msg)
        yield port


@contextmanager
def talking_port(greeting: bytes) -> Iterator[int]:
    """A 127.0.0.1 port whose server sends ``greeting`` (maybe nothing) and then only listens.

    What a client meets when the profile names the port of SSH (a banner), HTTP (silence
    until a request) or something else that is not MySQL.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)
            if greeting:
                conn.sendall(greeting)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()


class LoopbackProxy:
    """A TCP proxy on 127.0.0.1 in front of a server, with faults to inject (tests only).

    ``cut_after(marker)``: when a client packet contains ``marker`` (e.g. COM_QUERY "COMMIT"),
    it is passed on to the server, but the server's answer is not: both sides are closed as
    soon as it arrives. The client then cannot know whether the statement took effect.
    ``greeting_delay``: seconds to hold the server's first bytes (a server resuming from pause).
    ``stall_after_bytes``: pass on this many bytes from the server, then nothing more (a hung server).
    ``trickle_bytes_per_second``: pass on the server's bytes at about this rate, in pieces of 4 KiB (a slow
    network path: each receive gets something soon, the whole takes long).
    ``fail_over_to(host, port)``: the next connection still goes to the first server, every later one to
    this one (an endpoint whose DNS moved to a new writer).
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.marker: bytes | None = None
        self.greeting_delay = 0.0
        self.stall_after_bytes: int | None = None
        self.trickle_bytes_per_second: float | None = None
        self.cuts = 0
        self.connections = 0
        self._next_target: tuple[str, int] | None = None
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> LoopbackProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()
        self._listener.close()

    def cut_after(self, marker: bytes | None) -> None:
        self.marker = marker

    def fail_over_to(self, host: str, port: int) -> None:
        self._next_target = (host, port)

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                continue
            server = socket.create_connection(self.target, timeout=5)
            self.connections += 1
            if self._next_target is not None:
                self.target, self._next_target = self._next_target, None
            server.settimeout(None)  # the 5 s bound only the connect: a slow statement is not the proxy's to cut
            self._sockets += [client, server]
            state: dict[str, Any] = {"cut": False, "first": True, "sent": 0}
            threading.Thread(target=self._pump, args=(client, server, state, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, state, False), daemon=True).start()

    def _trickle(self, sink: socket.socket, data: bytes, rate: float) -> None:
        for at in range(0, len(data), 4096):
            if self._stop.is_set():
                return
            piece = data[at:at + 4096]
            sink.sendall(piece)
            self._stop.wait(len(piece) / rate)

    def _pump(self, source: socket.socket, sink: socket.socket, state: dict[str, Any], upstream: bool) -> None:
        try:
            while not self._stop.is_set():
                data = source.recv(65536)
                if not data:
                    break
                if upstream and self.marker is not None and self.marker in data:
                    state["cut"] = True
                if not upstream:
                    if state["cut"]:  # the answer to the marked statement: nobody gets it
                        self.cuts += 1
                        break
                    if state["first"] and self.greeting_delay:
                        self._stop.wait(self.greeting_delay)
                    state["first"] = False
                    if self.stall_after_bytes is not None:
                        room = self.stall_after_bytes - state["sent"]
                        if room <= 0:  # hung: hold the connection open, say nothing
                            self._stop.wait()
                            break
                        data = data[:room]
                        state["sent"] += len(data)
                    if self.trickle_bytes_per_second:
                        self._trickle(sink, data, self.trickle_bytes_per_second)
                        continue
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
