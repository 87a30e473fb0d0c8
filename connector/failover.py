"""One more try on a new connection when the first reached a server that could not serve the call.

After an Aurora failover the cluster endpoint moves to the new writer within seconds; a warm
connection may be cut under a read, or a new one may still reach the old writer (now a
reader) and have its writes refused. Neither wrote anything (``ConnectionMovedError``), so the
call starts again once, on a new connection that resolves the endpoint again, if the call
has time left for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from connector.deadline import Deadline
from connector.errors import ConnectionMovedError

__all__ = ["MIN_RETRY_SECONDS", "once_more_if_moved"]

# Less than this left: the first failure is the answer (AppFlow retries the flow).
MIN_RETRY_SECONDS = 2.0
T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
logger = logging.getLogger(__name__)


def once_more_if_moved(use: Callable[[A, B], T], deadline: Deadline | None) -> Callable[[A, B], T]:
    """``use`` called again, once, after a ConnectionMovedError when ``deadline`` leaves time for it."""

    def run(first: A, second: B) -> T:
        try:
            return use(first, second)
        except ConnectionMovedError as exc:
            if deadline is not None and deadline.left() < MIN_RETRY_SECONDS:
                raise
            logger.warning("connection moved; trying once more on a new connection", extra={"reason": exc.message})
            return use(first, second)

    return run
