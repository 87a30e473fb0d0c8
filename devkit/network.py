"""Loopback stand-ins for broken network paths (tests and the doctor's demos)."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

__all__ = ["blackholed_port"]


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
