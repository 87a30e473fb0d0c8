"""QueryData and RetrieveData: pages of records as AppFlow wants them.

A page is ``SELECT <fields>, <key copies> FROM t WHERE (<filter>) AND (<after
last key>) ORDER BY <key> LIMIT n``: its cost does not grow with depth. Tables
without a usable key, and views, are ordered by every column's stored bytes
(not its collation, under which 'k01', 'K01' and 'k01 ' tie) and paged with
OFFSET: exact for a table not written during the flow; cost grows with depth.
Every continuation page checks the live catalog (``catalog.load_entity``) and its token
checks that the key and the columns used still mean what they meant on the first page.
Rows stream through an unbuffered cursor, read into records by ``rows.RowReader``,
and a page ends early, with a token, at ``maxResults`` rows, ~5.5 MB of response, or
the time budget.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import InvalidOperation
from typing import Any

import pymysql.cursors

from connector.catalog import Column, Entity
from connector.database import bounded
from connector.deadline import Deadline
from connector.errors import (
    InvalidArgumentError,
    RequestTimeoutError,
    out_of_time,
    server_stopped,
    waited_for_lock,
)
from connector.limits import LONG_BUDGET_SECONDS, RESPONSE_BUDGET_BYTES, RESPONSE_LIMIT_BYTES, RETRY_AFTER_SECONDS
from connector.paging import PageState, TableBinding, decode_token, encode_token, fingerprint, table_changed
from connector.rows import RowReader
from connector.sql import quote, quote_table
from connector.types import FilterKind, KeyKind, integer_range
from connector.value_rules import decimal_problem, exact_decimal, number_text, whole_number_text
from connector.wire import SlowRowError, abandon_result

__all__ = [
    "Page", "page_binding", "query_fingerprint", "query_page", "retrieve_records",
]

# json.dumps writes one character of a record as at most 12 bytes (a surrogate pair as two \\uXXXX).
_MAX_ESCAPED_CHAR = 12
# A key value from outside (a token, RetrieveData's ids) longer than this is no value of its column.
_MAX_NUMBER_CHARS = 100
_LIMIT_MB = f"{RESPONSE_LIMIT_BYTES / 1e6:g}"
_TIME = re.compile(r"-?[0-9]{1,3}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?")


@dataclass(frozen=True)
class Page:
    records: list[str]
    next_token: str | None


@contextmanager
def _streaming(conn: pymysql.connections.Connection, sql: str, params: Sequence[Any]) -> Iterator[Any]:
    """An unbuffered cursor; leaving before the last row closes the connection.

    Closing an unbuffered cursor would read (and discard) the rest of the result, which for
    a page stopped at the size or time budget can be far more than the page itself.
    """
    cur = conn.cursor(pymysql.cursors.SSCursor)
    cur.execute(sql, params)
    try:
        yield cur
    except BaseException:
        _abandon(conn)
        raise
    if cur.fetchone() is None:  # nothing left unread
        cur.close()
    else:
        _abandon(conn)


def _abandon(conn: pymysql.connections.Connection) -> None:
    """Close the connection under an unread result, and tell PyMySQL not to drain it later."""
    abandon_result(conn)  # PyMySQL would read the rest of it when collected
    if conn.open:
        conn.close()


def _select_fields(entity: Entity, names: Sequence[str] | None) -> list[Column]:
    if not names:
        return list(entity.columns)
    unique = list(dict.fromkeys(names))
    return [entity.column(name) for name in unique]


def _key_copy(column: Column) -> str:
    """The SELECT expression that carries a key column into the token as text.

    Strings travel as the hex of their bytes in the column's own character set: converted
    to utf8mb4, a byte the charset cannot map would come back as '?' and the next page would
    start in the wrong place.
    """
    quoted = quote(column.name)
    kind = column.keyset_kind
    if kind in (KeyKind.HEX, KeyKind.CHARS):
        return f"HEX({quoted})"
    if kind is KeyKind.INT:
        return f"{quoted} + 0"  # BIT and TINYINT(1) too, as plain integers
    return f"CAST({quoted} AS CHAR)"


def _key_positions(key: Sequence[Column], selected: Sequence[Column]) -> list[int] | None:
    """Where the key already stands in the selected fields, when it decodes as plain integers there.

    Then the last row's key is read from the record's own columns, and no key copy is selected.
    """
    positions = {c.name: i for i, c in enumerate(selected)}
    if key and all(c.name in positions and c.keyset_kind is KeyKind.INT and c.type.fixup is None for c in key):
        return [positions[c.name] for c in key]
    return None


def _too_wide(entity: Entity, selected: Sequence[Column], row: Sequence[Any], key_at: list[int] | None,
              size: int, position: int | None) -> InvalidArgumentError:
    """A row that alone is more than a response carries, named so that a person can find it."""
    if entity.key and key_at:
        where = "The row " + ", ".join(f"{c.name}={_shown_key(c, row[i])}"
                                       for c, i in zip(entity.key, key_at, strict=False))
    else:
        small = [f"{c.name}={value!r}" for c, value in zip(selected, row, strict=False)
                 if isinstance(value, int | str) and not isinstance(value, bool) and len(str(value)) <= 40][:3]
        where = f"Row {position} (in the order of all its columns)" + (f", where {', '.join(small)}," if small else "")
    msg = (f"{where} of {entity.identifier} is {size / 1e6:.1f} MB as JSON, more than one Lambda response can "
           f"carry ({_LIMIT_MB} MB): leave its widest fields out with selectedFieldNames.")
    return InvalidArgumentError(msg)


def _locked(entity: Entity) -> RequestTimeoutError:
    """A read waits only for a table's metadata lock (a plain SELECT takes no row locks)."""
    msg = (f"Reading {entity.identifier} waited for its metadata lock until the call's time ran out: DDL "
           "(ALTER, TRUNCATE, DROP), LOCK TABLES, or a long transaction that touched the table holds it. Retry "
           "later; SHOW PROCESSLIST shows the holder ('Waiting for table metadata lock' marks the waiters).")
    return RequestTimeoutError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)


def _reader(conn: pymysql.connections.Connection, entity: Entity, selected: Sequence[Column],
            source_time_zone: str) -> RowReader:
    """The page's rows as records of the selected fields (key copies after them stay out)."""
    return RowReader(conn, entity.identifier, [c.name for c in selected], [c.type.fixup for c in selected],
                     source_time_zone)


def _silent(entity: Entity) -> RequestTimeoutError:
    """The socket heard nothing until the deadline: not even the server's own statement timeout came."""
    msg = (f"MySQL stopped answering while reading {entity.identifier}: no data came until the call's time ran "
           "out, not even the server's own statement timeout. The server may be hung or overloaded, or the network "
           "path drops packets; retry, and check the server's health.")
    return RequestTimeoutError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)


def _shown_key(column: Column, value: Any) -> str:
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


# A statement that starts with less time left than the shortest lock wait (1 s) and some room is stopped by the
# statement time before a lock wait could name itself: the answer cannot tell a lock from a slow query.
_NO_ROOM_FOR_A_LOCK_SECONDS = 1.5


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


def key_param(column: Column, text: str) -> Any:
    """Bind a key value carried as text (a token, or RetrieveData's ids) in the column's own type.

    The value is checked to fit the column first: ``1E+200000000`` for a DECIMAL would
    otherwise be expanded to 200 million digits by the driver.
    """
    kind = column.keyset_kind or column.type.key
    problem = None
    try:
        if kind is KeyKind.INT:
            if text in ("true", "false") and column.type.filter is FilterKind.BOOLEAN:
                return int(text == "true")
            # the writer's rule for numbers as text (int() would take '1_0' and '١')
            number = whole_number_text(text) if len(text) <= _MAX_NUMBER_CHARS else None
            if number is None:
                raise ValueError
            low, high = integer_range(column.data_type, column.column_type)
            if (low is not None and number < low) or (high is not None and number > high):
                problem = f"a whole number from {low} to {high}"
            else:
                return number
        elif kind is KeyKind.DECIMAL:
            exact = number_text(text) if len(text) <= _MAX_NUMBER_CHARS else None  # Decimal() takes '1_0'
            if exact is None:
                raise ValueError
            value = exact
            problem = decimal_problem(value, column.column_type)
            if problem is None:
                return exact_decimal(value)
        elif kind in (KeyKind.HEX, KeyKind.CHARS):
            if column.octet_length is not None and len(text) > 2 * column.octet_length:
                problem = f"at most {column.octet_length} bytes"
            else:
                return bytes.fromhex(text)
        elif column.octet_length is not None and len(text) > column.octet_length:
            problem = f"at most {column.octet_length} bytes"
        else:
            return text
    except (ValueError, InvalidOperation):
        pass
    msg = f"{text[:40]!r} is not a value of field {column.name!r} ({column.column_type})"
    raise InvalidArgumentError(msg + (f": it must be {problem}" if problem else ""))


def query_fingerprint(entity: Entity, filter_expression: str | None, fields: Sequence[str] | None,
                      source_time_zone: str = "UTC") -> str:
    """What a token's query is: the entity, the filter text, the fields as requested, and the zone that
    DATETIME values and filter literals are read in."""
    return fingerprint(entity.identifier, filter_expression or "", list(dict.fromkeys(fields)) if fields else None,
                       source_time_zone)


def page_binding(entity: Entity, selected: Sequence[Column], filtered: Collection[str], query: str) -> TableBinding:
    """The table as a token sees it: the page key, and every column read, filtered on or (OFFSET) ordered by."""
    key = entity.key
    used = [*key, *selected, *(c for c in entity.columns if c.name in filtered)] if key else list(entity.columns)
    return TableBinding.of(query, [c.signature for c in key] if key else None, [c.meaning for c in used])


def _compile(entity: Entity, filter_expression: str | None, source_time_zone: str) -> Any:
    from connector.filters import FilterColumn, compile_filter

    wanted = bool(filter_expression and filter_expression.strip())  # None or blank compiles to no condition
    columns = {c.name: FilterColumn.of(c) for c in entity.columns} if wanted else {}
    return compile_filter(filter_expression, columns, source_time_zone)


def _after_clause(key: Sequence[Column], values: Sequence[str]) -> tuple[str, list[Any]]:
    """``(k1, k2) > (v1, v2)`` spelled out, which both MySQL and MariaDB turn into index ranges."""
    if len(values) != len(key):
        msg = "nextToken is malformed (its key has the wrong number of values); start again without one."
        raise InvalidArgumentError(msg)
    ors: list[str] = []
    params: list[Any] = []
    for i, column in enumerate(key):
        ands = [f"{quote(c.name)} = {c.key_placeholder()}" for c in key[:i]] + [
            f"{quote(column.name)} > {column.key_placeholder()}"]
        ors.append("(" + " AND ".join(ands) + ")")
        params.extend(key_param(c, v) for c, v in zip(key[: i + 1], values[: i + 1], strict=True))
    return "(" + " OR ".join(ors) + ")", params


def _response_size(record: str) -> int:
    """Bytes the record adds to the JSON response (quotes and backslashes escaped, non-ASCII as \\uXXXX)."""
    if record.isascii():
        return len(record) + record.count('"') + record.count("\\") + 3
    return len(json.dumps(record)) + 1


def query_page(
    conn: pymysql.connections.Connection,
    entity: Entity,
    *,
    fields: Sequence[str] | None,
    filter_expression: str | None,
    next_token: str | None,
    max_results: int,
    source_time_zone: str,
    deadline: Deadline | None = None,
) -> Page:
    """One page of records and the token for the next (None at the end).

    The page ends early, with a token, when ``deadline`` comes; a statement the server has
    not answered by then is stopped, and answered with the rows so far or RequestTimeout.
    """
    deadline = deadline or Deadline.for_call("QueryDataRequest")
    query = query_fingerprint(entity, filter_expression, fields, source_time_zone)
    issued = decode_token(next_token, query)
    try:
        selected = _select_fields(entity, fields)
        compiled = _compile(entity, filter_expression, source_time_zone)
    except InvalidArgumentError:
        if issued is None:
            raise
        # the first page read the same fields and filter: a field it used is gone
        raise table_changed(entity.identifier, "no longer has a field the flow reads or filters on") from None
    key = entity.key
    binding = page_binding(entity, selected, compiled.columns, query)
    state = issued.check_table(binding, entity.identifier) if issued else PageState()
    where: list[str] = [compiled.sql] if compiled.sql else ["TRUE"]
    params: list[Any] = list(compiled.params)
    left = state.left if issued else compiled.limit  # a filter may be only "LIMIT n"
    if left == 0:
        return Page([], None)
    size = max_results if left is None else min(max_results, left)

    select = [c.type.select.format(quote(c.name)) for c in selected]
    key_at = _key_positions(key, selected)
    if key:
        if key_at is None:
            select += [_key_copy(c) for c in key]
            key_at = list(range(len(selected), len(selected) + len(key)))
        order = [quote(c.name) for c in key]
        if state.after is not None:
            clause, after_params = _after_clause(key, state.after)
            where.append(clause)
            params += after_params
        tail = f"LIMIT {size:d}"
    else:
        order = [term for c in entity.columns for term in c.order_terms()]
        tail = f"LIMIT {size:d} OFFSET {state.offset:d}"
    sql = (f"SELECT {', '.join(select)} FROM {quote_table(entity.schema, entity.table)} "
           f"WHERE {' AND '.join(where)} ORDER BY {', '.join(order) or 'NULL'} {tail}")

    records: list[str] = []
    size_bound = 0  # cheap upper bound of the response bytes; exact counting starts only near the budget
    exact: int | None = None
    last_packet: bytes | None = None
    stopped_early = False
    started_with = deadline.left()
    try:
        with _streaming(conn, bounded(conn, sql, deadline), params):
            reader = _reader(conn, entity, selected, source_time_zone)
            for batch, packets in reader.batches(deadline):
                if exact is None:
                    bound = _MAX_ESCAPED_CHAR * sum(map(len, batch)) + 3 * len(batch)
                    if size_bound + bound <= RESPONSE_BUDGET_BYTES:
                        size_bound += bound
                        records += batch
                        last_packet = packets[-1]
                    else:
                        exact = sum(_response_size(r) for r in records)
                if exact is not None:
                    for record, packet in zip(batch, packets, strict=True):
                        exact += _response_size(record)
                        if exact > RESPONSE_BUDGET_BYTES:
                            if not records:
                                position = state.offset + 1 if not key else None
                                raise _too_wide(entity, selected, reader.values(packet), key_at,
                                                _response_size(record), position)
                            stopped_early = True
                            break
                        records.append(record)
                        last_packet = packet
                if stopped_early or deadline.passed():
                    stopped_early = True
                    break
    except SlowRowError:
        if not records:
            raise
        stopped_early = True  # the rows before the long one, and a token to go on from the last of them
    except pymysql.err.MySQLError as exc:
        if waited_for_lock(exc):
            raise _locked(entity) from exc
        if not out_of_time(exc):
            raise
        if not records and started_with < _NO_ROOM_FOR_A_LOCK_SECONDS:
            raise _out_of_time_at_the_start(entity, started_with) from exc
        if not records:
            raise (_too_slow(entity, compiled.sql) if server_stopped(exc) else _silent(entity)) from exc
        stopped_early = True  # the rows so far, and a token to go on from the last of them
    if last_packet is None or (len(records) < size and not stopped_early):
        return Page(records, None)
    remaining = None if left is None else left - len(records)
    if remaining == 0:
        return Page(records, None)
    if key:
        last_row = reader.values(last_packet)
        after = tuple(str(last_row[i]) for i in key_at or ())
        following = PageState(after=after, left=remaining)
    else:
        following = PageState(offset=state.offset + len(records), left=remaining)
    return Page(records, encode_token(following, binding))


def retrieve_records(
    conn: pymysql.connections.Connection,
    entity: Entity,
    *,
    fields: Sequence[str] | None,
    id_field: str,
    ids: Sequence[str],
    source_time_zone: str = "UTC",
    deadline: Deadline | None = None,
) -> list[str]:
    """The rows whose ``id_field`` is one of ``ids`` (bound, converted to the field's type)."""
    selected = _select_fields(entity, fields)
    id_column = entity.column(id_field)
    if not ids:
        return []
    values = [_id_param(id_column, text, source_time_zone) for text in dict.fromkeys(ids)]
    columns = [c.type.select.format(quote(c.name)) for c in selected] + [_key_copy(id_column)]
    sql = (f"SELECT {', '.join(columns)} FROM {quote_table(entity.schema, entity.table)} "
           f"WHERE {quote(id_column.name)} IN ({', '.join(['%s'] * len(values))})")
    records: list[str] = []
    budget = RESPONSE_BUDGET_BYTES
    deadline = deadline or Deadline.for_call("RetrieveDataRequest")
    try:
        with _streaming(conn, bounded(conn, sql, deadline), values):
            reader = _reader(conn, entity, selected, source_time_zone)
            for batch, packets in reader.batches(deadline):
                if deadline.passed():
                    msg = (f"RetrieveData of {len(ids)} ids from {entity.identifier} ran out of the call's time after "
                           f"{len(records)} rows; ask for fewer ids per call.")
                    raise RequestTimeoutError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)
                for record, packet in zip(batch, packets, strict=True):
                    size = _response_size(record)
                    budget -= size
                    if size > RESPONSE_BUDGET_BYTES:
                        shown = _shown_key(id_column, reader.values(packet)[-1])
                        msg = (f"The row of {entity.identifier} with {id_column.name}={shown} is "
                               f"{size / 1e6:.1f} MB as JSON, more than one Lambda response can carry "
                               f"({_LIMIT_MB} MB): leave its widest fields out with selectedFieldNames.")
                        raise InvalidArgumentError(msg)
                    if budget < 0:
                        msg = (f"The {len(ids)} ids match rows of more than the {_LIMIT_MB} MB a Lambda response can "
                               f"carry (the first {len(records)} fit); ask for fewer ids per call.")
                        raise InvalidArgumentError(msg)
                    records.append(record)
    except pymysql.err.MySQLError as exc:
        if waited_for_lock(exc):
            raise _locked(entity) from exc
        if out_of_time(exc) and not server_stopped(exc):
            raise _silent(entity) from exc
        if out_of_time(exc):
            msg = (f"MySQL did not find the {len(ids)} ids in {entity.identifier} before the call's time ran out; "
                   f"the statement was stopped. Index {id_column.name}, or ask for fewer ids per call.")
            raise RequestTimeoutError(msg) from exc
        raise
    return records


def _id_param(column: Column, text: str, source_time_zone: str) -> Any:
    """An id as RetrieveData sends it (the JSON form QueryData emits) -> the column's bound type."""
    if column.type.write.decodes_ids:
        try:
            return column.type.write.decode(text, column.data_type, column.column_type,
                                            zoneinfo.ZoneInfo(source_time_zone))
        except (ValueError, OverflowError) as exc:
            reason = exc if isinstance(exc, ValueError) else "a date-time within years 0000-9999 in the field's zone"
            msg = f"id {text[:40]!r} of field {column.name!r} ({column.column_type}) must be {reason}"
            raise InvalidArgumentError(msg) from None
    if column.type.key in (KeyKind.INT, KeyKind.DECIMAL):
        return key_param(column, text)
    if column.type.write.number_ids:
        exact = number_text(text) if len(text) <= _MAX_NUMBER_CHARS else None
        number = float(exact) if exact is not None else float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            msg = f"id {text[:40]!r} of field {column.name!r} ({column.column_type}) must be a finite number"
            raise InvalidArgumentError(msg)
        return number
    if column.type.write.time_ids and not _TIME.fullmatch(text.strip()):
        msg = f"id {text[:40]!r} of field {column.name!r} ({column.column_type}) must be a time like 13:45:00"
        raise InvalidArgumentError(msg)
    return text
