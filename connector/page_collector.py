"""A page's records within the response's size budget; imports only the limits, never the database or the wire.

A response carries at most ~5.5 MB of JSON (``limits.RESPONSE_BUDGET_BYTES``). Counting
each record's escaped size costs a pass over its text, so a page is counted by a cheap
upper bound (every character at its widest escape) a batch at a time, and exactly, record
by record, only once that bound nears the budget.
"""

from __future__ import annotations

import json

from connector.limits import RESPONSE_BUDGET_BYTES

__all__ = ["PageCollector", "response_size"]

# json.dumps writes one character of a record as at most 12 bytes (a surrogate pair as two \\uXXXX).
_MAX_ESCAPED_CHAR = 12


def response_size(record: str) -> int:
    """Bytes the record adds to the JSON response (quotes and backslashes escaped, non-ASCII as \\uXXXX)."""
    if record.isascii():
        return len(record) + record.count('"') + record.count("\\") + 3
    return len(json.dumps(record)) + 1


class PageCollector:
    """The records of one page, taken a batch at a time while the response has room."""

    def __init__(self) -> None:
        self.records: list[str] = []
        self.last_packet: bytes | None = None  # the row packet of the last record taken
        # the page's first row when it alone is more than a response carries: its packet and its size
        self.too_wide: tuple[bytes, int] | None = None
        # the page stopped before its rows ran out (full, out of time, a read cut short): a token follows
        self.stopped_early = False
        self._size_bound = 0  # cheap upper bound of the response bytes, until exact counting starts
        self._exact: int | None = None

    def take(self, batch: list[str], packets: list[bytes]) -> bool:
        """Add the batch's records while the response has room; True when one did not fit (the page is full).

        A first record that alone does not fit is left in ``too_wide``.
        """
        exact = self._exact
        if exact is None:
            bound = _MAX_ESCAPED_CHAR * sum(map(len, batch)) + 3 * len(batch)
            if self._size_bound + bound <= RESPONSE_BUDGET_BYTES:
                self._size_bound += bound
                self.records += batch
                self.last_packet = packets[-1]
                return False
            exact = sum(response_size(r) for r in self.records)
        records = self.records
        for record, packet in zip(batch, packets, strict=True):
            exact += response_size(record)
            if exact > RESPONSE_BUDGET_BYTES:
                if not records:
                    self.too_wide = (packet, response_size(record))
                self._exact = exact
                return True
            records.append(record)
            self.last_packet = packet
        self._exact = exact
        return False

    def ended(self, size: int) -> bool:
        """The rows ran out before the page's ``size``: no page follows this one."""
        return self.last_packet is None or (len(self.records) < size and not self.stopped_early)
