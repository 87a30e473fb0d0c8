"""The errors a read answers with when it cannot give its rows, in words; imports no database or wire directly.

Each names the table, what happened and what to do: a row wider than a response, a metadata
lock, a statement too slow for the call's time, a server that stopped answering.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connector.catalog import Column, Entity
from connector.errors import InvalidArgumentError, RequestTimeoutError
from connector.limits import LONG_BUDGET_SECONDS, RESPONSE_LIMIT_BYTES, RETRY_AFTER_SECONDS
from connector.types import KeyKind

__all__ = [
    "ids_not_found_in_time", "ids_out_of_time", "ids_over_budget", "ids_row_too_wide", "locked", "no_first_row",
    "shown_key", "silent", "too_wide",
]

_LIMIT_MB = f"{RESPONSE_LIMIT_BYTES / 1e6:g}"
# A statement that starts with less time left than the shortest lock wait (1 s) and some room is stopped by the
# statement time before a lock wait could name itself: the answer cannot tell a lock from a slow query.
_NO_ROOM_FOR_A_LOCK_SECONDS = 1.5


def too_wide(entity: Entity, selected: Sequence[Column], row: Sequence[Any], key_at: list[int] | None,
             size: int, position: int | None) -> InvalidArgumentError:
    """A row that alone is more than a response carries, named so that a person can find it."""
    if entity.key and key_at:
        where = "The row " + ", ".join(f"{c.name}={shown_key(c, row[i])}"
                                       for c, i in zip(entity.key, key_at, strict=False))
    else:
        small = [f"{c.name}={value!r}" for c, value in zip(selected, row, strict=False)
                 if isinstance(value, int | str) and not isinstance(value, bool) and len(str(value)) <= 40][:3]
        where = f"Row {position} (in the order of all its columns)" + (f", where {', '.join(small)}," if small else "")
    msg = (f"{where} of {entity.identifier} is {size / 1e6:.1f} MB as JSON, more than one Lambda response can "
           f"carry ({_LIMIT_MB} MB): leave its widest fields out with selectedFieldNames.")
    return InvalidArgumentError(msg)


def locked(entity: Entity) -> RequestTimeoutError:
    """A read waits only for a table's metadata lock (a plain SELECT takes no row locks)."""
    msg = (f"Reading {entity.identifier} waited for its metadata lock until the call's time ran out: DDL "
           "(ALTER, TRUNCATE, DROP), LOCK TABLES, or a long transaction that touched the table holds it. Retry "
           "later; SHOW PROCESSLIST shows the holder ('Waiting for table metadata lock' marks the waiters).")
    return RequestTimeoutError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)


def silent(entity: Entity) -> RequestTimeoutError:
    """The socket heard nothing until the deadline: not even the server's own statement timeout came."""
    msg = (f"MySQL stopped answering while reading {entity.identifier}: no data came until the call's time ran "
           "out, not even the server's own statement timeout. The server may be hung or overloaded, or the network "
           "path drops packets; retry, and check the server's health.")
    return RequestTimeoutError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)


def shown_key(column: Column, value: Any) -> str:
    """A key value as the user knows it (string keys travel as the hex of their bytes)."""
    if column.keyset_kind is KeyKind.CHARS and isinstance(value, str):
        try:
            return repr(bytes.fromhex(value).decode(_python_codec(column.charset), "replace"))
        except ValueError:
            return value
    return str(value)


def _python_codec(charset: str | None) -> str:
    from pymysql.charset import charset_by_name

    try:
        return str(charset_by_name(charset or "utf8mb4").encoding)
    except KeyError:
        return "utf-8"


def no_first_row(entity: Entity, filtered: str, started_with: float, server_stopped: bool) -> RequestTimeoutError:
    """The call's time ran out before the page's first row: too little time to start with, a statement the
    server stopped (too slow), or a server that went silent."""
    if started_with < _NO_ROOM_FOR_A_LOCK_SECONDS:
        return _out_of_time_at_the_start(entity, started_with)
    return _too_slow(entity, filtered) if server_stopped else silent(entity)


def _out_of_time_at_the_start(entity: Entity, started_with: float) -> RequestTimeoutError:
    msg = (f"MySQL did not return the first row of {entity.identifier} in the {max(0.0, started_with):.1f} s the "
           "call had left when the statement started; it was stopped. With so little time a lock held by another "
           "session (LOCK TABLES, an ALTER, a long transaction) cannot be told from a slow query: retry, and if "
           "it repeats, look for the lock (SHOW PROCESSLIST) or give the function more time.")
    return RequestTimeoutError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)


def _too_slow(entity: Entity, filtered: str) -> RequestTimeoutError:
    hint = ("an index on the filtered columns, or a narrower filter" if filtered else
            "a primary key (pages then cost the same at any depth)" if not entity.key else "a filter")
    msg = (f"MySQL did not return the first row of {entity.identifier} before the call's time ran out; the "
           f"statement was stopped. The query is too slow for AppFlow's {LONG_BUDGET_SECONDS:g} s: try {hint}, or "
           "read a view that computes less.")
    return RequestTimeoutError(msg)


# --- RetrieveData -------------------------------------------------------------------------------------

def ids_out_of_time(entity: Entity, ids: int, records: int) -> RequestTimeoutError:
    """The call's time ran out while the rows of the ids streamed."""
    msg = (f"RetrieveData of {ids} ids from {entity.identifier} ran out of the call's time after "
           f"{records} rows; ask for fewer ids per call.")
    return RequestTimeoutError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)


def ids_row_too_wide(entity: Entity, id_column: Column, id_value: Any, size: int) -> InvalidArgumentError:
    """One row of the ids alone is more than a response carries."""
    msg = (f"The row of {entity.identifier} with {id_column.name}={shown_key(id_column, id_value)} is "
           f"{size / 1e6:.1f} MB as JSON, more than one Lambda response can carry "
           f"({_LIMIT_MB} MB): leave its widest fields out with selectedFieldNames.")
    return InvalidArgumentError(msg)


def ids_over_budget(ids: int, records: int) -> InvalidArgumentError:
    """The rows of the ids together are more than a response carries."""
    msg = (f"The {ids} ids match rows of more than the {_LIMIT_MB} MB a Lambda response can "
           f"carry (the first {records} fit); ask for fewer ids per call.")
    return InvalidArgumentError(msg)


def ids_not_found_in_time(entity: Entity, id_column: Column, ids: int) -> RequestTimeoutError:
    """The server stopped the statement of the ids at the call's time."""
    msg = (f"MySQL did not find the {ids} ids in {entity.identifier} before the call's time ran out; "
           f"the statement was stopped. Index {id_column.name}, or ask for fewer ids per call.")
    return RequestTimeoutError(msg)
