"""WriteData: INSERT, UPDATE, UPSERT and DELETE with one result per record, in input order.

Every record is decoded with the inverse of the read codecs (the type table's
write codecs) before anything reaches MySQL; a record that is not a JSON
object, names an unknown field, holds a value of the wrong type or misses a
required field fails alone with a message. The rest is written in one
transaction: INSERT and UPSERT as multi-row statements (a failing batch is
replayed row by row so that the failure lands on the right record), UPDATE
and DELETE one statement per record so that "matches no row" is a failure
and not a silent success. UPSERT is ``INSERT ... ON DUPLICATE KEY UPDATE``,
never ``REPLACE`` (which deletes and re-inserts, fires cascades and changes
ids). With ``allOrNone`` any failure rolls everything back.

Each value is written out once, while its record is decoded, as the SQL literal
PyMySQL's own escaping makes of it (the text ``cursor.execute(sql, params)`` would
send), and statements are joined from those literals: no second pass binds
parameters, and a record's size in a statement is known exactly. Multi-row
statements are sized by bytes against the session's ``max_allowed_packet`` as well
as by rows; a record too large for one packet fails alone, naming its size and the
setting. Every statement is bounded by the call's deadline. A session lost while
committing is reported as its own case: the outcome is unknown.

This module is the call (check, decode, size, execute, commit); its pieces import one way, each only those
before it: ``server_limits`` (what the session allows), ``write_cells`` (each field's SQL literal),
``record_decoding`` (a record's text -> its Record), ``write_outcomes`` (results and their messages),
``write_statements`` (the SQL, batches and their run).
"""

from __future__ import annotations

from collections.abc import Sequence

import pymysql

from connector.catalog import Entity
from connector.deadline import Deadline
from connector.errors import (
    ConnectorError,
    InvalidArgumentError,
    MySQLTarget,
    classify_mysql_error,
    kills_connection,
)
from connector.record_decoding import Record
from connector.server_limits import ServerLimits, server_limits
from connector.write_cells import Operation, RecordFailed
from connector.write_outcomes import (
    NOT_YET,
    RecordResult,
    WriteOutcome,
    commit_outcome_unknown,
    nothing_written,
    stopped_after_some,
)
from connector.write_statements import StatementWriter, too_large, with_readable_geometry

__all__ = ["Operation", "WriteOutcome", "write_records"]


def _check_request(entity: Entity, operation: Operation, id_fields: Sequence[str], all_or_none: bool) -> None:
    if entity.is_view:
        msg = f"{entity.identifier} is a view; AppFlow can write only to base tables."
        raise InvalidArgumentError(msg)
    if all_or_none and not entity.transactional:
        msg = (f"{entity.identifier} uses a storage engine that cannot roll back (MyISAM, Aria, MEMORY...), so "
               "allOrNone cannot be honoured: nothing was written. Convert the table to InnoDB, or write with "
               "allOrNone off (each record then stands alone).")
        raise InvalidArgumentError(msg)
    if operation == "INSERT":
        return
    if not id_fields:
        msg = f"{operation} needs idFieldNames: the primary or unique key that identifies each row."
        raise InvalidArgumentError(msg)
    wanted = set(id_fields)
    for name in wanted:
        entity.column(name)  # names the field when it does not exist
    key = next((key for key in entity.unique_keys if {c.name for c in key} == wanted), None)
    if key is None:
        keys = "; ".join(", ".join(c.name for c in other) for other in entity.unique_keys) or "none"
        msg = (f"idFieldNames {sorted(wanted)} are not a primary or unique key of {entity.identifier} "
               f"(its keys: {keys}); {operation} must identify exactly one row per record.")
        if entity.partial_keys:
            msg += (" A unique index on a prefix of a column or on an expression is no key: it makes only that "
                    "part unique, and rows with different values can share it (here: "
                    f"{'; '.join(partial.parts for partial in entity.partial_keys)}).")
        raise InvalidArgumentError(msg)
    generated = [c.name for c in key if c.generated]
    if operation == "UPSERT" and generated:
        msg = (f"UPSERT cannot match rows of {entity.identifier} by the generated field(s) {', '.join(generated)}: "
               "a row it inserts gets them from its other fields, not from the record. UPDATE and DELETE can.")
        raise InvalidArgumentError(msg)


def write_records(
    conn: pymysql.connections.Connection,
    entity: Entity,
    *,
    operation: Operation,
    id_fields: Sequence[str] | None,
    records: Sequence[str],
    all_or_none: bool,
    source_time_zone: str,
    target: MySQLTarget,
    deadline: Deadline | None = None,
) -> WriteOutcome:
    """Write ``records``; one RecordResult per record, in input order.

    Raises:
        InvalidArgumentError: the request as a whole cannot be carried out (a view, bad idFieldNames).
        ConnectorError: the transaction died (deadlock, lost connection, out of time): nothing was
            written; or the session was lost during COMMIT: the outcome is unknown (the message says
            whether a retry is safe).
    """
    _check_request(entity, operation, id_fields or [], all_or_none)
    writer = StatementWriter(conn, entity, operation, id_fields or [], source_time_zone, target)
    results: list[RecordResult] = [NOT_YET] * len(records)  # each replaced, never changed in place
    decoded = _decoded(writer, records, results)
    if all_or_none and len(decoded) < len(records):
        return nothing_written(results)
    limits = server_limits(conn)
    sendable = _fitting(writer, decoded, limits, results)
    deadline = deadline or Deadline.for_call("WriteDataRequest")
    sendable = with_readable_geometry(conn, entity, sendable, results, deadline)
    if all_or_none and len(sendable) < len(decoded):
        return nothing_written(results)
    conn.begin()
    try:
        writer.execute(sendable, results, limits, deadline)
    except (pymysql.err.MySQLError, ConnectorError) as exc:
        _rollback_quietly(conn)  # the error that ended the call is the answer, not the rollback's
        if entity.transactional or not any(r.ok for r in results):
            raise  # nothing stayed: the session classifies it (and may send it all again on a new connection)
        return stopped_after_some(results, exc, target)
    except BaseException:
        _rollback_quietly(conn)
        raise
    if all_or_none and not all(r.ok for r in results):
        _rollback_quietly(conn)
        return nothing_written(results)
    _commit(conn, operation, entity, results, target)
    failed = next((i for i, r in enumerate(results) if not r.ok), None)
    first = None if failed is None else f"record {failed}: {results[failed].error}"
    return WriteOutcome(results, first)


def _decoded(writer: StatementWriter, records: Sequence[str], results: list[RecordResult]) -> list[Record]:
    """The records that decode; each other one's result says why it does not."""
    decoded: list[Record] = []
    for index, text in enumerate(records):
        try:
            decoded.append(writer.decode(index, text))
        except RecordFailed as exc:
            results[index] = RecordResult(False, None, str(exc))
    return decoded


def _fitting(writer: StatementWriter, decoded: list[Record], limits: ServerLimits,
             results: list[RecordResult]) -> list[Record]:
    """The records that fit in one packet; each other one's result names its size and max_allowed_packet."""
    sendable = []
    fits = limits.max_packet - writer.overhead(tuple(writer.by_name))  # every column's: the largest overhead
    for record in decoded:
        problem = None if record.sql_bytes <= fits else too_large(record, limits, writer.overhead(record.columns))
        if problem is None:
            sendable.append(record)
        else:
            results[record.index] = RecordResult(False, record.record_id, problem)
    return sendable


def _commit(conn: pymysql.connections.Connection, operation: Operation, entity: Entity,
            results: list[RecordResult], target: MySQLTarget) -> None:
    """COMMIT; a session lost during it leaves the outcome unknown, which the error says."""
    try:
        conn.commit()
    except pymysql.err.MySQLError as exc:
        if kills_connection(exc):
            raise commit_outcome_unknown(operation, entity, sum(r.ok for r in results), target) from exc
        raise classify_mysql_error(exc, target) from exc


def _rollback_quietly(conn: pymysql.connections.Connection) -> None:
    """Undo the transaction; on a session the server already closed, there is nothing to undo."""
    try:
        conn.rollback()
    except pymysql.err.MySQLError:
        conn.close()
