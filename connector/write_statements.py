"""The SQL sent for decoded records: statements, batches by rows and bytes, running them; never imports writer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pymysql

from connector.catalog import Entity
from connector.database import bounded
from connector.deadline import Deadline
from connector.errors import (
    CLIENT_SIDE,
    MySQLTarget,
    RequestTimeoutError,
    belongs_to_one_record,
    error_number,
    kills_connection,
    out_of_time,
)
from connector.limits import RETRY_AFTER_SECONDS
from connector.record_decoding import Record, RecordDecoder
from connector.server_limits import ServerLimits
from connector.sql import quote, quote_table
from connector.write_cells import Operation
from connector.write_outcomes import RecordResult, db_failure

__all__ = ["BATCH_ROWS", "StatementWriter", "too_large", "with_readable_geometry"]

BATCH_ROWS = 500
# Room in a packet for what surrounds the values beyond the column names (the statement's bound prefix, slack).
_PACKET_MARGIN_BYTES = 4_096


def _name(identifier: str) -> str:
    """An identifier in the writer's statements, which are sent as finished text (no ``%`` formatting)."""
    return quote(identifier, bound=False)


def _batches(records: Sequence[Record], max_bytes: int, max_rows: int = BATCH_ROWS) -> Iterator[list[Record]]:
    """Consecutive records with the same fields, at most ``max_rows`` and ``max_bytes`` of values at a time.

    Records whose auto-increment key MySQL assigns and records that set it are never in one statement: a
    "mixed-mode insert" may leave gaps between the assigned ids, which then are not first id + n * increment.
    """
    batch: list[Record] = []
    size = 0
    for record in records:
        if batch and (record.columns != batch[0].columns or len(batch) >= max_rows
                      or record.missing_generated is not batch[0].missing_generated
                      or size + record.sql_bytes > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += record.sql_bytes
    if batch:
        yield batch


def too_large(record: Record, limits: ServerLimits, overhead: int) -> str | None:
    """Why a record cannot be sent in one packet, or None."""
    room = limits.max_packet - overhead
    if record.sql_bytes <= room:
        return None
    return (f"record is {record.sql_bytes / 1_048_576:.2f} MiB as SQL; one statement may carry at most "
            f"{room / 1_048_576:.2f} MiB of values under the server's max_allowed_packet "
            f"({limits.max_packet / 1_048_576:.2f} MiB): raise max_allowed_packet (the DB parameter group on RDS "
            "and Aurora) or send smaller values")


class StatementWriter(RecordDecoder):
    """The call's records as statements, run in order in the open transaction, each result in its place."""

    def __init__(self, conn: pymysql.connections.Connection, entity: Entity, operation: Operation,
                 id_fields: Sequence[str], source_time_zone: str, target: MySQLTarget) -> None:
        super().__init__(conn, entity, operation, id_fields, source_time_zone)
        self.target = target
        self.table = quote_table(entity.schema, entity.table, bound=False)  # sent as finished text
        # ON DUPLICATE KEY UPDATE fires on a clash with ANY unique key. It is safe only when every other
        # unique key holds an auto-increment column, which UPSERT records cannot set; otherwise each
        # record is UPDATE by its ids, then INSERT when nothing matched (a clash elsewhere then fails it).
        # Unique indexes on a prefix or an expression count too: a clash there is with a row of other values.
        others = [key for key in entity.unique_keys if set(key) != set(self.id_columns)]
        others += [partial.columns for partial in entity.partial_keys]
        # a key is safe only through an auto-increment column the records cannot set: one among the ids they can
        self.on_duplicate = all(any(c.auto_increment and c not in self.id_columns for c in key) for key in others)
        self._overheads: dict[tuple[str, ...], int] = {}  # by column set: records of one call share a few

    def _insert_sql(self, batch: Sequence[Record], on_duplicate: bool = True) -> str:
        columns = ", ".join(_name(name) for name in batch[0].columns)
        sql = f"INSERT INTO {self.table} ({columns}) VALUES {', '.join(record.row for record in batch)}"
        if self.operation == "UPSERT" and on_duplicate:
            keys = {c.name for c in self.id_columns}
            updates = [f"{_name(n)} = VALUES({_name(n)})" for n in batch[0].columns if n not in keys]
            first_key = _name(self.id_columns[0].name)
            sql += " ON DUPLICATE KEY UPDATE " + (", ".join(updates) or f"{first_key} = {first_key}")
        return sql

    def _where_ids(self, record: Record) -> str:
        values = record.values
        return " AND ".join(f"{_name(c.name)} = {values[c.name]}" for c in self.id_columns)

    def execute(self, records: Sequence[Record], results: list[RecordResult], limits: ServerLimits,
                deadline: Deadline) -> None:
        self.limits, self.deadline = limits, deadline
        if self.operation == "UPSERT" and not self.on_duplicate:
            for record in records:
                self._in_time(results)
                self._update_then_insert(record, results)
        elif self.operation in ("INSERT", "UPSERT"):
            # an engine that cannot roll back keeps what a failed multi-row statement wrote: one row at a time
            rows = BATCH_ROWS if self.entity.transactional else 1
            room = limits.max_packet - max(map(self.overhead, {r.columns for r in records}), default=0)
            for batch in _batches(records, room, rows):
                self._in_time(results)
                needs_ids = batch[0].missing_generated is not None  # one kind of record per batch
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
            names = [len(_name(name).encode()) for name in columns]  # bytes, as sent: names may be CJK
            header = len(self.table.encode()) + sum(n + 2 for n in names) + 64
            updates = sum(2 * n + 16 for n in names) if self.operation == "UPSERT" else 0
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

    def _execute(self, cur: Any, sql: str) -> int:
        """One statement, bounded by the call's deadline (socket, lock waits, MariaDB's statement time).

        Its values are literals already: no parameters, so PyMySQL reads no ``%`` in them.
        """
        return int(cur.execute(bounded(self.conn, sql, self.deadline)))

    def _update_then_insert(self, record: Record, results: list[RecordResult]) -> None:
        sql = self._change_sql(record, update=True)
        try:
            with self.conn.cursor() as cur:
                matched = self._execute(cur, sql)
        except pymysql.err.MySQLError as exc:
            self._raise_if_fatal(exc)
            results[record.index] = db_failure(record, exc, self.entity)
            return
        if matched:
            results[record.index] = RecordResult(True, record.record_id)
            return
        self._run_one(record, results, lambda r: self._insert_sql([r], on_duplicate=False))

    def _change_sql(self, record: Record, update: bool = False) -> str:
        where = self._where_ids(record)
        if self.operation == "DELETE" and not update:
            return f"DELETE FROM {self.table} WHERE {where}"
        keys = {c.name for c in self.id_columns}
        values = record.values
        sets = [f"{_name(name)} = {values[name]}" for name in record.columns if name not in keys]
        first_key = _name(self.id_columns[0].name)
        assignments = ", ".join(sets) or f"{first_key} = {first_key}"  # matched rows count all the same
        return f"UPDATE {self.table} SET {assignments} WHERE {where}"

    def _run_batch(self, batch: Sequence[Record], results: list[RecordResult]) -> None:
        sql = self._insert_sql(batch)
        with self.conn.cursor() as cur:
            self._execute(cur, sql)
            first_id = cur.lastrowid
        # a "simple insert" of rows that all leave the key to MySQL: consecutive ids from the first (lock modes
        # 0 and 1; the caller sends such batches row by row under mode 2)
        if batch[0].missing_generated is None or self.operation != "INSERT":
            for record in batch:
                results[record.index] = RecordResult(True, record.record_id)
            return
        increment, assigned_id = self.limits.increment, self.assigned_id
        for generated, record in enumerate(batch):
            results[record.index] = RecordResult(True, assigned_id(record, first_id + generated * increment))

    def _run_one(self, record: Record, results: list[RecordResult], build: Any, must_match: bool = False) -> None:
        sql = build(record)
        try:
            with self.conn.cursor() as cur:
                affected = self._execute(cur, sql)
                last_id = cur.lastrowid
        except pymysql.err.MySQLError as exc:
            self._raise_if_fatal(exc)
            results[record.index] = db_failure(record, exc, self.entity)
            return
        if must_match and affected == 0:
            keys = ", ".join(f"{c.name}={self.bound(c, k)!s}" for c, k in zip(self.id_columns, record.keys,
                                                                                 strict=True))
            results[record.index] = RecordResult(False, record.record_id,
                                                 f"no row of {self.entity.identifier} has {keys}")
            return
        record_id = record.record_id
        if record.missing_generated is not None and self.operation == "INSERT":
            record_id = self.assigned_id(record, last_id)
        results[record.index] = RecordResult(True, record_id)

    def _raise_if_fatal(self, exc: pymysql.err.MySQLError) -> None:
        """Errors that end the call (a lost session, a lock wait, a missing grant) leave; a record's own stay.

        They leave as they are: the session that holds the connection classifies them after the rollback.
        """
        if not belongs_to_one_record(exc):
            raise exc


# --- before the statements: every spatial value is one the server reads ------------------------------------

_GEOMETRY_CHECKS_PER_STATEMENT = 200


def with_readable_geometry(conn: pymysql.connections.Connection, entity: Entity, records: list[Record],
                            results: list[RecordResult], deadline: Deadline) -> list[Record]:
    """The records whose spatial values the server reads; the others fail alone.

    ST_GeomFromText answers NULL for WKT it cannot read (MariaDB, measured; MySQL 8.0 manual, "Functions
    That Create Geometry Values from WKT Values"), which a nullable column would store as a silent NULL;
    so every server is asked first. A server that raises instead (an error for one value fails the whole
    check) is asked value by value, and a value it raises for fails its record.
    """
    checks = [(record, name, shape) for record in records if record.shapes for name, shape in record.shapes.items()]
    if not checks:
        return records
    unreadable: dict[int, RecordResult] = {}
    for start in range(0, len(checks), _GEOMETRY_CHECKS_PER_STATEMENT):
        chunk = checks[start:start + _GEOMETRY_CHECKS_PER_STATEMENT]
        try:
            flags = _unreadable_shapes(conn, [value for _, _, value in chunk], deadline)
        except pymysql.err.MySQLError as exc:
            if not _refused_a_value(exc):
                raise
            flags = [_unreadable_alone(conn, value, deadline) for _, _, value in chunk]
        for (record, name, value), bad in zip(chunk, flags, strict=True):
            if bad and record.index not in unreadable:
                shown = value[0] if len(value[0]) <= 60 else value[0][:57] + "..."
                unreadable[record.index] = RecordResult(
                    False, record.record_id, f"field {name!r} ({entity.column(name).column_type}) needs WKT the "
                                             f"server can read, got {shown!r} (SRID {value[1]})")
    for index, result in unreadable.items():
        results[index] = result
    return [record for record in records if record.index not in unreadable]


def _unreadable_shapes(conn: pymysql.connections.Connection, shapes: list[tuple[str, int]],
                       deadline: Deadline) -> list[bool]:
    with conn.cursor() as cur:
        cur.execute(bounded(conn, "SELECT " + ", ".join(["ST_GeomFromText(%s, %s) IS NULL"] * len(shapes)),
                            deadline), [part for shape in shapes for part in shape])
        return [bool(flag) for flag in cur.fetchone() or ()]


def _unreadable_alone(conn: pymysql.connections.Connection, shape: tuple[str, int], deadline: Deadline) -> bool:
    try:
        return _unreadable_shapes(conn, [shape], deadline)[0]
    except pymysql.err.MySQLError as exc:
        if not _refused_a_value(exc):
            raise
        return True


def _refused_a_value(exc: BaseException) -> bool:
    """The server refused a value (MySQL's invalid GIS data, an unknown SRID), not the session or the time."""
    return error_number(exc) != CLIENT_SIDE and not kills_connection(exc) and not out_of_time(exc)
