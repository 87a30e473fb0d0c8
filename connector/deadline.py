"""When a call must have answered, and how each statement is held to it.

AppFlow gives QueryData, RetrieveData and WriteData 30 s and every other call 10 s; the
Lambda function may have less left. A call that outlives its budget is a Lambda timeout,
which AppFlow shows as a failed flow with no reason, so every statement is bounded by the
time the call has left: server-side through session variables both servers share
(``lock_wait_timeout``, ``innodb_lock_wait_timeout``; statement time as MariaDB's
``max_statement_time`` or MySQL's ``max_execution_time``, see ``database.bounded``) and by the
socket's read timeout. The answer leaves at least ``SPARE_SECONDS`` unused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from connector.limits import BUDGET_SECONDS, SHORT_BUDGET_SECONDS, SPARE_SECONDS

__all__ = ["Deadline"]

# The server is asked to stop a statement this long before the socket gives up on it, so its own
# error (naming the cause) arrives first.
_SOCKET_GRACE_SECONDS = 0.5
# lock_wait_timeout and innodb_lock_wait_timeout take whole seconds, at least 1
_SHORTEST_LOCK_WAIT_SECONDS = 1.0


@dataclass(frozen=True)
class Deadline:
    """A point on ``time.monotonic()`` by which a call's work must be done."""

    at: float

    @classmethod
    def for_call(cls, request_type: str | None, remaining_ms: int | None = None) -> Deadline:
        """The earlier of AppFlow's budget for the request type and the Lambda's remaining time, less the spare.

        >>> 25.9 < Deadline.for_call("QueryDataRequest").left() <= 26.0
        True
        >>> 3.9 < Deadline.for_call("ListEntitiesRequest", remaining_ms=8000).left() <= 4.0
        True
        """
        budget = BUDGET_SECONDS.get(request_type or "", SHORT_BUDGET_SECONDS)
        if remaining_ms is not None:
            budget = min(budget, remaining_ms / 1000)
        return cls(time.monotonic() + budget - SPARE_SECONDS)

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def left(self) -> float:
        """Seconds until the deadline (negative once it has passed)."""
        return self.at - time.monotonic()

    def passed(self) -> bool:
        return time.monotonic() >= self.at

    def socket_timeout(self) -> float:
        """The read timeout for the next exchange with the server: just past the deadline, and past the
        shortest lock wait the server takes (1 s), so that a lock is answered as a lock (the call's spare
        covers the difference)."""
        return max(_SHORTEST_LOCK_WAIT_SECONDS + _SOCKET_GRACE_SECONDS / 2, self.left() + _SOCKET_GRACE_SECONDS)

    def statement_seconds(self) -> float:
        """What the server may spend on the next statement (at least 0.1 s, so it still gets an answer)."""
        return max(0.1, self.left())
