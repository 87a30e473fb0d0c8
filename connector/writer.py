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

Multi-row statements are sized by bytes against the session's ``max_allowed_packet``
as well as by rows; a record too large for one packet fails alone, naming its size
and the setting. Every statement is bounded by the call's deadline. A session lost
while committing is reported as its own case: the outcome is unknown.
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import pymysql

from connector.catalog import Column, Entity
from connector.database import bounded, is_mariadb
from connector.deadline import Deadline
from connector.errors import (
    ConnectorError,
    InvalidArgumentError,
    MySQLTarget,
    RequestTimeoutError,
    ServerError,
    ServiceUnavailableError,
    belongs_to_one_record,
    classify_mysql_error,
    error_number,
    kills_connection,
    server_message,
)
from connector.limits import RETRY_AFTER_SECONDS
from connector.sql import quote, quote_table
from connector.types import WRITE_CODECS

__all__ = ["BATCH_ROWS", "Operation", "RecordResult", "WriteOutcome", "write_records"]

Operation = Literal["INSERT", "UPDATE", "UPSERT", "DELETE"]
BATCH_ROWS = 500
# Room in a packet for the statement around the values (INSERT INTO ... VALUES, ON DUPLICATE KEY UPDATE ...).
# Room in a packet for what surrounds the values beyond the column names (the statement's bound prefix, slack).
_PACKET_MARGIN_BYTES = 4_096
# An escaped value is at most twice its bytes (escapes, and bytes >= 0x80 sent as two UTF-8 bytes), plus quotes.
_PER_VALUE_BYTES = 16
def _no_constants(name: str) -> Any:
    msg = f"{name} is not JSON (use null or a number)"
    raise ValueError(msg)


# exact decimals, and no NaN/Infinity (Python's json accepts them); built once, not per record
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constants)


class _Default:
    """The column's DEFAULT, for an explicit null in a NOT NULL column that has one."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default()


@dataclass
class RecordResult:
    ok: bool
    record_id: str | None = None
    error: str | None = None


@dataclass
class WriteOutcome:
    results: list[RecordResult]
    first_failure: str | None = None  # "record N: reason", when any record failed
    rolled_back: bool = False


@dataclass
class _Record:
    index: int
    values: dict[str, Any]  # column name -> bound value (or DEFAULT)
    keys: tuple[Any, ...] = ()  # the id fields' bound values (UPDATE, UPSERT, DELETE)
    record_id: str | None = None
    missing_generated: Column | None = None  # auto-increment key MySQL will generate
    columns: tuple[str, ...] = field(default=())
    sql_bytes: int = 0  # an upper bound of the bytes its values take in a statement


def _sql_bytes(value: Any) -> int:
    """An upper bound of a bound value's size in the statement text."""
    if isinstance(value, str):  # UTF-8 takes at most 4 bytes a character: no need to encode to bound it
        return 2 * (len(value) if value.isascii() else 4 * len(value)) + _PER_VALUE_BYTES
    if isinstance(value, bytes | bytearray):
        return 2 * len(value) + _PER_VALUE_BYTES
    if isinstance(value, tuple):  # geometry: (WKT, SRID)
        return sum(_sql_bytes(v) for v in value) + 20
    return len(str(value)) + _PER_VALUE_BYTES


@dataclass(frozen=True)
class ServerLimits:
    """What the session allows, read once per call."""

    consecutive_ids: bool  # one multi-row INSERT gets consecutive auto-increment ids (lock modes 0 and 1)
    increment: int  # auto_increment_increment
    max_packet: int  # max_allowed_packet in bytes


def server_limits(conn: pymysql.connections.Connection) -> ServerLimits:
    with conn.cursor() as cur:
        cur.execute("SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment, @@max_allowed_packet", ())
        row = cur.fetchone()
    mode, increment, packet = row if row else (1, 1, 4 * 1024 * 1024)
    return ServerLimits(int(mode) < 2, int(increment), int(packet))


class _RecordFailed(Exception):
    """One record cannot be written; the message says why."""


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _record_id(values: Sequence[Any]) -> str | None:
    if not values:
        return None
    if len(values) == 1:
        return str(values[0])
    return json.dumps([v if isinstance(v, int | str | float | None) else str(v) for v in values])


class _Writer:
    def __init__(self, conn: pymysql.connections.Connection, entity: Entity, operation: Operation,
                 id_fields: Sequence[str], source_time_zone: str, target: MySQLTarget) -> None:
        self.conn, self.entity, self.operation, self.target = conn, entity, operation, target
        self.zone = zoneinfo.ZoneInfo(source_time_zone)
        self.table = quote_table(entity.schema, entity.table)
        self.id_columns = tuple(entity.column(name) for name in dict.fromkeys(id_fields))
        identity = entity.unique_keys[0] if entity.unique_keys else ()
        self.identity = self.id_columns if operation != "INSERT" else identity
        self.generated_key = next((c for c in identity if c.auto_increment), None) if operation == "INSERT" else None
        # per-call lookups, so that decoding a record is dictionary work only
        self.by_name = {c.name: c for c in entity.columns}
        self.required = tuple(c.name for c in entity.columns if c.required_on_insert)
        self.codecs = {c.name: WRITE_CODECS[c.type.write] for c in entity.columns}
        # ON DUPLICATE KEY UPDATE fires on a clash with ANY unique key. It is safe only when every other
        # unique key holds an auto-increment column, which UPSERT records cannot set; otherwise each
        # record is UPDATE by its ids, then INSERT when nothing matched (a clash elsewhere then fails it).
        others = [key for key in entity.unique_keys if set(key) != set(self.id_columns)]
        self.on_duplicate = all(any(c.auto_increment for c in key) for key in others)
        self._overheads: dict[tuple[str, ...], int] = {}  # by column set: records of one call share a few

    # --- decoding --------------------------------------------------------------

    def decode(self, index: int, text: str) -> _Record:
        try:
            raw = _DECODER.decode(text)
        except (TypeError, ValueError) as exc:
            msg = f"record is not JSON ({exc})"
            raise _RecordFailed(msg) from None
        except RecursionError:
            msg = "record is JSON nested too deeply to read"
            raise _RecordFailed(msg) from None
        if not isinstance(raw, dict):
            msg = f"record must be a JSON object of field values, got {type(raw).__name__}"
            raise _RecordFailed(msg)
        values: dict[str, Any] = {}
        for name, value in raw.items():
            column = self.by_name.get(name)
            if column is None:
                raise _RecordFailed(self._unknown(name))
            if self.operation == "DELETE" and column not in self.id_columns:
                continue  # a DELETE needs only the id fields
            values[name] = self._encode(column, value)
        key_values = tuple(raw.get(c.name) for c in self.identity)
        record = _Record(index, values)
        if self.operation == "INSERT":
            self._check_insert(record)
            record.record_id = _record_id(key_values) if None not in key_values else None
        else:
            missing = [c.name for c in self.id_columns if raw.get(c.name) is None]
            if missing:
                msg = f"record lacks the id field(s) {', '.join(missing)} that {self.operation} matches rows by"
                raise _RecordFailed(msg)
            record.keys = tuple(values[c.name] for c in self.id_columns)
            record.record_id = _record_id(key_values)
            if self.operation == "UPSERT":
                self._check_insert(record)
            elif self.operation == "UPDATE" and len(values) == len(self.id_columns):
                msg = "record has no field to update besides the id fields"
                raise _RecordFailed(msg)
        record.columns = tuple(values)
        # the values, and per value its place in "(…, …)" and its placeholder (ST_GeomFromText(…) for spatial)
        record.sql_bytes = sum(_sql_bytes(v) + len(self.by_name[name].type.write_sql) for name, v in values.items())
        return record

    def _unknown(self, name: str) -> str:
        try:
            self.entity.column(name)
        except InvalidArgumentError as exc:  # names the field and the known ones
            return exc.message
        return f"unknown field {name!r}"

    def _encode(self, column: Column, value: Any) -> Any:
        if column.generated:
            msg = f"field {column.name!r} is generated by MySQL and cannot be written"
            raise _RecordFailed(msg)
        if column.auto_increment and self.operation in ("INSERT", "UPSERT", "UPDATE") \
                and column not in self.id_columns:
            msg = f"field {column.name!r} is auto-increment: MySQL assigns it; leave it out"
            raise _RecordFailed(msg)
        if isinstance(value, str) and not value.isascii() and _lone_surrogate(value):
            msg = (f"field {column.name!r} holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its "
                   "pair), which is not text MySQL can store")
            raise _RecordFailed(msg)
        if value is None:
            if column.nullable:
                return None
            if column.default is not None and self.operation in ("INSERT", "UPSERT"):
                return DEFAULT
            msg = f"field {column.name!r} is NOT NULL ({column.column_type}) and got null"
            raise _RecordFailed(msg)
        try:
            return self.codecs[column.name](value, column.data_type, column.column_type, self.zone)
        except (ValueError, TypeError, ArithmeticError) as exc:
            shown = json.dumps(value, default=str, ensure_ascii=False)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            msg = f"field {column.name!r} ({column.column_type}) needs {exc}, got {shown}"
            raise _RecordFailed(msg) from None

    def _check_insert(self, record: _Record) -> None:
        missing = [name for name in self.required if name not in record.values]
        if missing:
            msg = f"record lacks the required field(s) {', '.join(missing)} (NOT NULL without a default)"
            raise _RecordFailed(msg)
        if self.generated_key is not None and self.generated_key.name not in record.values:
            record.missing_generated = self.generated_key

    # --- statements ------------------------------------------------------------

    def _value_sql(self, name: str, value: Any, params: list[Any]) -> str:
        """The SQL for one bound value (its parameters appended to ``params``): DEFAULT, NULL or its placeholder."""
        if value is DEFAULT:
            return "DEFAULT"
        if value is None:
            return "NULL"
        if isinstance(value, tuple):  # geometry: (WKT, SRID)
            params.extend(value)
        else:
            params.append(value)
        return self.by_name[name].type.write_sql

    def _cells(self, record: _Record) -> tuple[str, list[Any]]:
        params: list[Any] = []
        cells = [self._value_sql(name, record.values[name], params) for name in record.columns]
        return "(" + ", ".join(cells) + ")", params

    def _insert_sql(self, batch: Sequence[_Record], on_duplicate: bool = True) -> tuple[str, list[Any]]:
        rows, params = [], []
        for record in batch:
            cells, values = self._cells(record)
            rows.append(cells)
            params.extend(values)
        columns = ", ".join(quote(name) for name in batch[0].columns)
        sql = f"INSERT INTO {self.table} ({columns}) VALUES {', '.join(rows)}"
        if self.operation == "UPSERT" and on_duplicate:
            keys = {c.name for c in self.id_columns}
            updates = [f"{quote(n)} = VALUES({quote(n)})" for n in batch[0].columns if n not in keys]
            first_key = quote(self.id_columns[0].name)
            sql += " ON DUPLICATE KEY UPDATE " + (", ".join(updates) or f"{first_key} = {first_key}")
        return sql, params

    def _where_ids(self, record: _Record) -> tuple[str, list[Any]]:
        return " AND ".join(f"{quote(c.name)} = %s" for c in self.id_columns), list(record.keys)

    def execute(self, records: Sequence[_Record], results: list[RecordResult], limits: ServerLimits,
                deadline: Deadline) -> None:
        self.limits, self.deadline = limits, deadline
        if self.operation == "UPSERT" and not self.on_duplicate:
            for record in records:
                self._in_time(results)
                self._update_then_insert(record, results)
        elif self.operation in ("INSERT", "UPSERT"):
            # an engine that cannot roll back keeps what a failed multi-row statement wrote: one row at a time
            rows = BATCH_ROWS if self.entity.transactional else 1
            room = limits.max_packet - max((self.overhead(r.columns) for r in records), default=0)
            for batch in _batches(records, room, rows):
                self._in_time(results)
                needs_ids = any(r.missing_generated for r in batch)
                if len(batch) > 1 and (limits.consecutive_ids or not needs_ids):
                    try:
                        self._run_batch(batch, results)
                        continue
                    except pymysql.err.MySQLError as exc:
                        self._raise_if_fatal(exc)  # otherwise InnoDB undid just that statement
                for record in batch:
                    self._in_time(results)
                    self._run_one(record, results, lambda r: self._insert_sql([r]))
        else:
            for record in records:
                self._in_time(results)
                self._run_one(record, results, self._change_sql, must_match=True)

    def overhead(self, columns: tuple[str, ...]) -> int:
        """Bytes of a statement besides its values: the column list and ON DUPLICATE KEY UPDATE, written out."""
        known = self._overheads.get(columns)
        if known is None:
            names = [quote(name) for name in columns]
            header = len(self.table) + sum(len(n) + 2 for n in names) + 64
            updates = sum(2 * len(n) + 16 for n in names) if self.operation == "UPSERT" else 0
            known = self._overheads[columns] = header + updates + _PACKET_MARGIN_BYTES
        return known

    def _in_time(self, results: list[RecordResult]) -> None:
        if self.deadline.passed():
            done = sum(r.ok for r in results)
            kept = ("nothing was written (one transaction)" if self.entity.transactional else
                    "those stay (the engine cannot roll back)")
            msg = (f"WriteData to {self.entity.identifier} ran out of the call's time after {done} of "
                   f"{len(results)} records; {kept}. Retry; if it repeats, the table is slow to write (locks, "
                   "triggers, indexes) for batches this large.")
            raise RequestTimeoutError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)

    def _execute(self, cur: Any, sql: str, params: Sequence[Any]) -> int:
        """One statement, bounded by the call's deadline (socket, lock waits, MariaDB's statement time)."""
        return int(cur.execute(bounded(self.conn, sql, self.deadline), params))

    def _update_then_insert(self, record: _Record, results: list[RecordResult]) -> None:
        sql, params = self._change_sql(record, update=True)
        try:
            with self.conn.cursor() as cur:
                matched = self._execute(cur, sql, params)
        except pymysql.err.MySQLError as exc:
            self._raise_if_fatal(exc)
            results[record.index] = _db_failure(record, exc)
            return
        if matched:
            results[record.index] = RecordResult(True, record.record_id)
            return
        self._run_one(record, results, lambda r: self._insert_sql([r], on_duplicate=False))

    def _change_sql(self, record: _Record, update: bool = False) -> tuple[str, list[Any]]:
        where, key_params = self._where_ids(record)
        if self.operation == "DELETE" and not update:
            return f"DELETE FROM {self.table} WHERE {where}", key_params
        keys = {c.name for c in self.id_columns}
        params: list[Any] = []
        sets = [f"{quote(name)} = {self._value_sql(name, record.values[name], params)}"
                for name in record.columns if name not in keys]
        first_key = quote(self.id_columns[0].name)
        assignments = ", ".join(sets) or f"{first_key} = {first_key}"  # matched rows count all the same
        return f"UPDATE {self.table} SET {assignments} WHERE {where}", params + key_params

    def _run_batch(self, batch: Sequence[_Record], results: list[RecordResult]) -> None:
        sql, params = self._insert_sql(batch)
        with self.conn.cursor() as cur:
            self._execute(cur, sql, params)
            first_id = cur.lastrowid
        increment = self.limits.increment
        generated = 0
        for record in batch:
            record_id = record.record_id
            if record.missing_generated is not None and self.operation == "INSERT":
                record_id = str(first_id + generated * increment)
                generated += 1
            results[record.index] = RecordResult(True, record_id)

    def _run_one(self, record: _Record, results: list[RecordResult], build: Any, must_match: bool = False) -> None:
        sql, params = build(record)
        try:
            with self.conn.cursor() as cur:
                affected = self._execute(cur, sql, params)
                last_id = cur.lastrowid
        except pymysql.err.MySQLError as exc:
            self._raise_if_fatal(exc)
            results[record.index] = _db_failure(record, exc)
            return
        if must_match and affected == 0:
            keys = ", ".join(f"{c.name}={k!s}" for c, k in zip(self.id_columns, record.keys, strict=True))
            results[record.index] = RecordResult(False, record.record_id,
                                                 f"no row of {self.entity.identifier} has {keys}")
            return
        record_id = record.record_id
        if record.missing_generated is not None and self.operation == "INSERT":
            record_id = str(last_id)
        results[record.index] = RecordResult(True, record_id)

    def _raise_if_fatal(self, exc: pymysql.err.MySQLError) -> None:
        """Errors that end the call (a lost session, a lock wait, a missing grant) leave; a record's own stay.

        They leave as they are: the session that holds the connection classifies them after the rollback.
        """
        if not belongs_to_one_record(exc):
            raise exc


def _db_failure(record: _Record, exc: pymysql.err.MySQLError) -> RecordResult:
    return RecordResult(False, record.record_id, f"{server_message(exc)} (MySQL error {error_number(exc)})")


def _batches(records: Sequence[_Record], max_bytes: int, max_rows: int = BATCH_ROWS) -> Iterator[list[_Record]]:
    """Consecutive records with the same fields, at most ``max_rows`` and ``max_bytes`` of values at a time."""
    batch: list[_Record] = []
    size = 0
    for record in records:
        if batch and (record.columns != batch[0].columns or len(batch) >= max_rows
                      or size + record.sql_bytes > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += record.sql_bytes
    if batch:
        yield batch


def _too_large(record: _Record, conn: pymysql.connections.Connection, limits: ServerLimits,
               overhead: int) -> str | None:
    """Why a record cannot be sent in one packet, or None (measured exactly only when the bound says it may not)."""
    room = limits.max_packet - overhead
    if record.sql_bytes <= room:
        return None
    exact = sum(len(str(conn.escape(v)).encode("utf-8", "surrogatepass")) for value in record.values.values()
                for v in (value if isinstance(value, tuple) else (value,)) if v is not DEFAULT)
    if exact <= room:
        return None
    return (f"record is {exact / 1_048_576:.2f} MiB as SQL; one statement may carry at most "
            f"{room / 1_048_576:.2f} MiB of values under the server's max_allowed_packet "
            f"({limits.max_packet / 1_048_576:.2f} MiB): raise max_allowed_packet (the DB parameter group on RDS "
            "and Aurora) or send smaller values")


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
    if not any({c.name for c in key} == wanted for key in entity.unique_keys):
        keys = "; ".join(", ".join(c.name for c in key) for key in entity.unique_keys) or "none"
        msg = (f"idFieldNames {sorted(wanted)} are not a primary or unique key of {entity.identifier} "
               f"(its keys: {keys}); {operation} must identify exactly one row per record.")
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
    writer = _Writer(conn, entity, operation, id_fields or [], source_time_zone, target)
    results: list[RecordResult] = [RecordResult(False) for _ in records]
    decoded: list[_Record] = []
    for index, text in enumerate(records):
        try:
            decoded.append(writer.decode(index, text))
        except _RecordFailed as exc:
            results[index] = RecordResult(False, None, str(exc))
    if all_or_none and len(decoded) < len(records):
        return _nothing_written(results)
    limits = server_limits(conn)
    sendable = []
    for record in decoded:
        problem = _too_large(record, conn, limits, writer.overhead(record.columns))
        if problem is None:
            sendable.append(record)
        else:
            results[record.index] = RecordResult(False, record.record_id, problem)
    deadline = deadline or Deadline.for_call("WriteDataRequest")
    sendable = _with_readable_geometry(conn, entity, sendable, results, deadline)
    if all_or_none and len(sendable) < len(decoded):
        return _nothing_written(results)
    conn.begin()
    try:
        writer.execute(sendable, results, limits, deadline)
    except (pymysql.err.MySQLError, ConnectorError) as exc:
        _rollback_quietly(conn)  # the error that ended the call is the answer, not the rollback's
        if entity.transactional or not any(r.ok for r in results):
            raise  # nothing stayed: the session classifies it (and may send it all again on a new connection)
        return _stopped_after_some(results, exc, target)
    except BaseException:
        _rollback_quietly(conn)
        raise
    if all_or_none and not all(r.ok for r in results):
        _rollback_quietly(conn)
        return _nothing_written(results)
    try:
        conn.commit()
    except pymysql.err.MySQLError as exc:
        if kills_connection(exc):
            raise commit_outcome_unknown(operation, entity, sum(r.ok for r in results), target) from exc
        raise classify_mysql_error(exc, target) from exc
    failed = next((i for i, r in enumerate(results) if not r.ok), None)
    first = None if failed is None else f"record {failed}: {results[failed].error}"
    return WriteOutcome(results, first)


_GEOMETRY_CHECKS_PER_STATEMENT = 200


def _with_readable_geometry(conn: pymysql.connections.Connection, entity: Entity, records: list[_Record],
                            results: list[RecordResult], deadline: Deadline) -> list[_Record]:
    """The records whose spatial values the server reads; the others fail alone.

    MariaDB's ST_GeomFromText answers NULL for WKT it cannot read, which a nullable column
    would store as a silent NULL (MySQL raises an error, which fails the record by itself).
    """
    spatial = {c.name for c in entity.columns if c.type.spatial}
    checks = [(record, name, record.values[name]) for record in records for name in record.columns
              if name in spatial and isinstance(record.values[name], tuple)]
    if not checks or not is_mariadb(conn):
        return records
    unreadable: dict[int, RecordResult] = {}
    for start in range(0, len(checks), _GEOMETRY_CHECKS_PER_STATEMENT):
        chunk = checks[start:start + _GEOMETRY_CHECKS_PER_STATEMENT]
        with conn.cursor() as cur:
            cur.execute(bounded(conn, "SELECT " + ", ".join(["ST_GeomFromText(%s, %s) IS NULL"] * len(chunk)),
                                deadline), [part for _, _, value in chunk for part in value])
            flags = cur.fetchone() or ()
        for (record, name, value), bad in zip(chunk, flags, strict=False):
            if bad and record.index not in unreadable:
                shown = value[0] if len(value[0]) <= 60 else value[0][:57] + "..."
                unreadable[record.index] = RecordResult(
                    False, record.record_id, f"field {name!r} ({entity.column(name).column_type}) needs WKT the "
                                             f"server can read, got {shown!r} (SRID {value[1]})")
    for index, result in unreadable.items():
        results[index] = result
    return [record for record in records if record.index not in unreadable]


def _stopped_after_some(results: list[RecordResult], exc: Exception, target: MySQLTarget) -> WriteOutcome:
    """An engine that cannot roll back kept the records written before the call stopped: say which."""
    reason = exc.message if isinstance(exc, ConnectorError) else classify_mysql_error(exc, target).message
    written = sum(r.ok for r in results)
    for index, result in enumerate(results):
        if not result.ok and result.error is None:
            results[index] = RecordResult(False, result.record_id, f"not written: the call stopped: {reason}")
    first = next(i for i, r in enumerate(results) if not r.ok)
    summary = (f"the call stopped after {written} records were written, which stay (the table's engine cannot "
               f"roll back); record {first}: {results[first].error}")
    return WriteOutcome(results, summary)


def _rollback_quietly(conn: pymysql.connections.Connection) -> None:
    """Undo the transaction; on a session the server already closed, there is nothing to undo."""
    try:
        conn.rollback()
    except pymysql.err.MySQLError:
        conn.close()


# Operations that a second run leaves as one run leaves them: by key, with the same values.
IDEMPOTENT: frozenset[str] = frozenset({"UPSERT", "UPDATE", "DELETE"})


def commit_outcome_unknown(operation: str, entity: Entity, sent: int, target: MySQLTarget) -> ConnectorError:
    """The session was lost while MySQL committed: the records may or may not be written."""
    if operation in IDEMPOTENT:
        msg = (f"Outcome unknown: the connection to MySQL at {target.where} was lost during COMMIT of {sent} "
               f"{operation} records to {entity.identifier}, so they may or may not have been written. A retry "
               f"is safe: {operation} by key leaves the same rows however often it runs.")
        return ServiceUnavailableError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)
    msg = (f"Outcome unknown: the connection to MySQL at {target.where} was lost during COMMIT of {sent} "
           f"INSERT records to {entity.identifier}, so they may or may not have been written. Do not simply "
           "retry: an INSERT that did commit would be duplicated. Check the table for these records first "
           "(or write with UPSERT on a key, which is safe to retry).")
    return ServerError(msg)


def _nothing_written(results: list[RecordResult]) -> WriteOutcome:
    failed = next(i for i, r in enumerate(results) if not r.ok and r.error)
    reason = f"record {failed}: {results[failed].error}"
    for result in results:
        if result.ok or not result.error:
            result.ok, result.error = False, f"not written: allOrNone is set and {reason}"
    return WriteOutcome(results, reason, rolled_back=True)
