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

This module streams and puts a page together: ``page_statement`` builds the SELECT,
``page_collector`` counts the records into the response, ``paging`` writes the token and
``read_errors`` words what went wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pymysql.cursors

from connector.catalog import Column, Entity
from connector.database import bounded
from connector.deadline import Deadline
from connector.errors import out_of_time, server_stopped, waited_for_lock
from connector.limits import RESPONSE_BUDGET_BYTES
from connector.page_collector import PageCollector, response_size
from connector.page_statement import (
    PageStatement,
    ids_statement,
    page_binding,
    page_statement,
    query_fingerprint,
    select_fields,
)
from connector.paging import PageState, decode_token, encode_token
from connector.read_errors import (
    ids_not_found_in_time,
    ids_out_of_time,
    ids_over_budget,
    ids_row_too_wide,
    locked,
    no_first_row,
    silent,
    too_wide,
)
from connector.rows import RowReader
from connector.wire import SlowRowError, abandon_result

__all__ = [
    "Page", "page_binding", "query_fingerprint", "query_page", "retrieve_records",
]


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


def _reader(conn: pymysql.connections.Connection, entity: Entity, selected: Sequence[Column],
            source_time_zone: str) -> RowReader:
    """The page's rows as records of the selected fields (key copies after them stay out)."""
    return RowReader(conn, entity.identifier, [c.name for c in selected], [c.type.fixup for c in selected],
                     source_time_zone)


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
    statement = page_statement(entity, fields=fields, filter_expression=filter_expression,
                               source_time_zone=source_time_zone, query=query,
                               issued=decode_token(next_token, query), max_results=max_results)
    if statement is None:
        return Page([], None)
    page, reader = _collect_page(conn, entity, statement, source_time_zone, deadline)
    return Page(page.records, _next_token(statement, page, reader))


def _collect_page(conn: pymysql.connections.Connection, entity: Entity, statement: PageStatement,
                  source_time_zone: str, deadline: Deadline) -> tuple[PageCollector, RowReader | None]:
    """Stream the page's rows into records until they run out, the response is full, or the time is up.

    A read the server or the deadline cuts short keeps the rows so far (a token goes on from
    the last of them); without any row it is RequestTimeout, named for what stopped it.
    """
    page = PageCollector()
    reader: RowReader | None = None
    started_with = deadline.left()
    try:
        with _streaming(conn, bounded(conn, statement.sql, deadline), statement.params):
            reader = _reader(conn, entity, statement.selected, source_time_zone)
            for batch, packets in reader.batches(deadline):
                full = page.take(batch, packets)
                if page.too_wide is not None:
                    packet, size = page.too_wide
                    position = statement.state.offset + 1 if not entity.key else None
                    raise too_wide(entity, statement.selected, reader.values(packet), statement.key_at, size,
                                   position)
                if full or deadline.passed():
                    page.stopped_early = True
                    break
    except SlowRowError:
        if not page.records:
            raise
        page.stopped_early = True  # the rows before the long one, and a token to go on from the last of them
    except pymysql.err.MySQLError as exc:
        if waited_for_lock(exc):
            raise locked(entity) from exc
        if not out_of_time(exc):
            raise
        if not page.records:
            raise no_first_row(entity, statement.filtered, started_with, server_stopped(exc)) from exc
        page.stopped_early = True  # the rows so far, and a token to go on from the last of them
    return page, reader


def _next_token(statement: PageStatement, page: PageCollector, reader: RowReader | None) -> str | None:
    """The token of the page after this one: after its last row's key, or at the next OFFSET (None at the end)."""
    if reader is None or page.last_packet is None or page.ended(statement.size):
        return None
    remaining = None if statement.left is None else statement.left - len(page.records)
    if remaining == 0:
        return None
    if statement.key_at is not None:
        last_row = reader.values(page.last_packet)
        following = PageState(after=tuple(str(last_row[i]) for i in statement.key_at), left=remaining)
    else:
        following = PageState(offset=statement.state.offset + len(page.records), left=remaining)
    return encode_token(following, statement.binding)


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
    selected = select_fields(entity, fields)
    id_column = entity.column(id_field)
    if not ids:
        return []
    sql, values = ids_statement(entity, selected, id_column, ids, source_time_zone)
    deadline = deadline or Deadline.for_call("RetrieveDataRequest")
    try:
        with _streaming(conn, bounded(conn, sql, deadline), values):
            return _collect_ids(_reader(conn, entity, selected, source_time_zone), entity, id_column, len(ids),
                                deadline)
    except pymysql.err.MySQLError as exc:
        if waited_for_lock(exc):
            raise locked(entity) from exc
        if out_of_time(exc):
            raise (ids_not_found_in_time(entity, id_column, len(ids)) if server_stopped(exc)
                   else silent(entity)) from exc
        raise


def _collect_ids(reader: RowReader, entity: Entity, id_column: Column, ids: int, deadline: Deadline) -> list[str]:
    """Every row of the ids as a record: all of them within the response and the call's time, or an error."""
    records: list[str] = []
    budget = RESPONSE_BUDGET_BYTES
    for batch, packets in reader.batches(deadline):
        if deadline.passed():
            raise ids_out_of_time(entity, ids, len(records))
        for record, packet in zip(batch, packets, strict=True):
            size = response_size(record)
            budget -= size
            if size > RESPONSE_BUDGET_BYTES:
                raise ids_row_too_wide(entity, id_column, reader.values(packet)[-1], size)
            if budget < 0:
                raise ids_over_budget(ids, len(records))
            records.append(record)
    return records
