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
"""

from __future__ import annotations

import json
import weakref
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

import orjson
import pymysql
from pymysql import converters
from pymysql.constants import SERVER_STATUS
from pymysql.converters import escape_string

from connector.catalog import Column, Entity
from connector.database import bounded
from connector.deadline import Deadline
from connector.errors import (
    CLIENT_SIDE,
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
    out_of_time,
    server_message,
    truncated_column,
)
from connector.limits import RETRY_AFTER_SECONDS
from connector.sql import quote, quote_table
from connector.types import KeyKind, integer_range
from connector.value_rules import decimal_shape, fraction_precision, label_choices
from connector.write_codecs import WriteForm

__all__ = ["BATCH_ROWS", "Operation", "RecordResult", "WriteOutcome", "write_records"]

Operation = Literal["INSERT", "UPDATE", "UPSERT", "DELETE"]
BATCH_ROWS = 500
# Room in a packet for what surrounds the values beyond the column names (the statement's bound prefix, slack).
_PACKET_MARGIN_BYTES = 4_096


def _no_constants(name: str) -> Any:
    msg = f"{name} is not JSON (use null or a number)"
    raise ValueError(msg)


# exact decimals, and no NaN/Infinity (Python's json accepts them); built once, not per record
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constants)


# A JSON value -> its SQL in a statement (a literal, NULL or DEFAULT); raises _RecordFailed.
_Cell = Callable[[Any], str]


@dataclass(slots=True)
class RecordResult:
    ok: bool
    record_id: str | None = None
    error: str | None = None


# A record's result until the write decides it: one object for all (results are replaced, never changed).
_NOT_YET = RecordResult(False)


@dataclass
class WriteOutcome:
    results: list[RecordResult]
    first_failure: str | None = None  # "record N: reason", when any record failed
    rolled_back: bool = False


@dataclass(slots=True)
class _Record:
    index: int
    columns: tuple[str, ...]  # the names, in the record's order
    literals: list[str]  # each one's SQL: the escaped literal, NULL or DEFAULT
    row: str  # "(value, value, ...)" for a multi-row INSERT
    sql_bytes: int  # the bytes the row takes in a statement, its separator included
    keys: tuple[Any, ...] = ()  # the id fields' JSON values (UPDATE, UPSERT, DELETE), for messages
    record_id: str | None = None
    missing_generated: Column | None = None  # the auto-increment key MySQL assigns (omitted, null, or 0)
    key_parts: tuple[Any, ...] | None = None  # the record id's values, the assigned key's still None
    shapes: dict[str, tuple[str, int]] | None = None  # spatial column -> (WKT, SRID), on tables that have any

    @property
    def values(self) -> dict[str, str]:
        """Column name -> its SQL, for statements of one record (UPDATE, DELETE)."""
        return dict(zip(self.columns, self.literals, strict=True))


@dataclass(frozen=True, slots=True)
class _Fields:
    """What every record that names the same fields in the same order shares: worked out once per call."""

    names: tuple[str, ...]  # one tuple for all such records (batches compare them)
    cells: tuple[_Cell, ...] | None  # each name's cell; None: a name is unknown, or a DELETE leaves some out
    lacks_required: str | None  # the required fields these leave out, as a record's message (INSERT, UPSERT)
    missing_generated: Column | None  # the auto-increment key MySQL generates for such records (INSERT)
    has_identity: bool  # every identity field is named (INSERT reports the key as the record's id)
    generated_at: int | None = None  # where the auto-increment key is among the names, when named (INSERT)


@dataclass(frozen=True)
class ServerLimits:
    """What the session allows, read once per connection."""

    consecutive_ids: bool  # one multi-row INSERT gets consecutive auto-increment ids (lock modes 0 and 1)
    increment: int  # auto_increment_increment
    max_packet: int  # max_allowed_packet in bytes
    zero_assigns: bool = True  # 0 in an auto-increment column asks for the next id (no NO_AUTO_VALUE_ON_ZERO)


# By connection: a session's max_allowed_packet is the global's at connect and cannot change after, the
# lock mode is fixed at server start, and nothing the connector sends sets auto_increment_increment or
# sql_mode after the session's start.
_LIMITS: weakref.WeakKeyDictionary[pymysql.connections.Connection, ServerLimits] = weakref.WeakKeyDictionary()


def server_limits(conn: pymysql.connections.Connection) -> ServerLimits:
    """The session's limits, read once per connection (a warm one answers without a round trip)."""
    known = _LIMITS.get(conn)
    if known is not None:
        return known
    with conn.cursor() as cur:
        cur.execute("SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment, @@max_allowed_packet, "
                    "@@SESSION.sql_mode", ())
        row = cur.fetchone()
    mode, increment, packet, sql_mode = row if row else (1, 1, 4 * 1024 * 1024, "")
    zero_assigns = "NO_AUTO_VALUE_ON_ZERO" not in str(sql_mode).upper().split(",")
    limits = _LIMITS[conn] = ServerLimits(int(mode) < 2, int(increment), int(packet), zero_assigns)
    return limits


def _name(identifier: str) -> str:
    """An identifier in the writer's statements, which are sent as finished text (no ``%`` formatting)."""
    return quote(identifier, bound=False)


# The key_parts of a record whose key is the auto-increment column alone: its recordId is the assigned id.
_ASSIGNED_ALONE: tuple[Any, ...] = (None,)


class _RecordFailed(Exception):
    """One record cannot be written; the message says why."""


# A string -> its SQL literal, quoted and escaped as ``conn.escape`` writes it for the session.
_Quoted = Callable[[str], str]


def _backslash_quoted(text: str) -> str:
    """``escape_string``'s text; most strings hold none of its seven characters and are only quoted."""
    if ("'" in text or "\\" in text or '"' in text or "\n" in text or "\r" in text or "\x00" in text
            or "\x1a" in text):
        return "'" + text.translate(_BACKSLASH_ESCAPES) + "'"
    return "'" + text + "'"


def _doubled_quoted(text: str) -> str:
    """Under NO_BACKSLASH_ESCAPES PyMySQL only doubles the quotes."""
    return "'" + text.replace("'", "''") + "'"


def _text_quoting(conn: pymysql.connections.Connection) -> _Quoted:
    """The session's string literal: its sql_mode (NO_BACKSLASH_ESCAPES) is set when it connects, and a
    WriteData call changes it not."""
    if conn.server_status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES:
        return _doubled_quoted
    return _backslash_quoted


# escape_string's table, built from escape_string itself: the same text, one call a value fewer
_BACKSLASH_ESCAPES = [escape_string(chr(code)) for code in range(128)]


def _direct_encoders(conn: pymysql.connections.Connection) -> dict[type, Callable[[Any, Any], str]]:
    """The connection's encoder of each scalar type, called as ``conn.escape`` calls it, minus two calls a value.

    ``conn.escape`` treats text, bytes and sequences itself; every other type goes to
    ``escape_item``, which calls ``encoders[type(value)](value, encoders)``.
    """
    special = (str, bytes, bytearray, tuple, list, set, frozenset)
    return {kind: _SAME_TEXT_FASTER.get(encoder, encoder) for kind, encoder in conn.encoders.items()
              if kind not in special and encoder is not converters.escape_sequence}


def _iso_datetime(value: datetime, mapping: Any = None) -> str:
    """``escape_datetime``'s text from ``isoformat`` (C) rather than ``str.format`` (three times slower).

    Both write 'YYYY-MM-DD hh:mm:ss' and '.ffffff' when there are microseconds; only a naive value,
    whose isoformat has no offset (the write codecs make none other).
    """
    if value.tzinfo is not None:
        return str(converters.escape_datetime(value, mapping))
    return "'" + value.isoformat(" ") + "'"


def _iso_date(value: date, mapping: Any = None) -> str:
    """``escape_date``'s 'YYYY-MM-DD' from ``isoformat``."""
    return "'" + value.isoformat() + "'"


# PyMySQL's stock encoders -> functions that write the same text faster (tests compare them over many values)
_SAME_TEXT_FASTER: dict[Any, Callable[[Any, Any], str]] = {
    converters.escape_datetime: _iso_datetime, converters.escape_date: _iso_date}


def _object_of(text: str) -> dict[str, Any] | None:
    """The record's JSON object when its text is one object and nothing else, else None (``_parsed`` says why).

    ``JSONDecoder.raw_decode`` (documented): ``decode`` also skips whitespace around the value with two regex
    matches, a fifth of the parse for a short record. (The undocumented ``json.scanner.make_scanner`` that
    ``raw_decode`` wraps was measured only ~5% faster on ~240-byte records, 0.2 us of the ~45 us a record
    costs end to end: not worth leaning on a standard-library internal.)
    """
    if text[:1] != "{":
        return None
    try:
        value, end = _DECODER.raw_decode(text)
    except (ValueError, RecursionError, ArithmeticError):  # JSONDecodeError is a ValueError
        return None
    return value if end == len(text) else None


def _parsed(text: str) -> dict[str, Any]:
    """The record's JSON object, or _RecordFailed saying why it is none."""
    try:
        raw = _DECODER.decode(text)
    except (TypeError, ValueError) as exc:
        msg = f"record is not JSON ({exc})"
        raise _RecordFailed(msg) from None
    except ArithmeticError:  # Decimal's InvalidOperation: an exponent past what any column holds
        msg = "record holds a number whose exponent no MySQL column can hold"
        raise _RecordFailed(msg) from None
    except RecursionError:
        msg = "record is JSON nested too deeply to read"
        raise _RecordFailed(msg) from None
    if not isinstance(raw, dict):
        msg = f"record must be a JSON object of field values, got {type(raw).__name__}"
        raise _RecordFailed(msg)
    return raw


def _zero_literal(literal: str) -> bool:
    """A number literal that MySQL reads as 0 (``0``, a FLOAT/DOUBLE key's ``0.0e0``, ``-0.0e0``): in an
    auto-increment column it asks for the next id."""
    if literal == "0":
        return True
    if not literal[:1].isdigit() and literal[:1] not in "-+":
        return False  # quoted text, NULL, DEFAULT
    try:
        return float(literal) == 0
    except ValueError:
        return False


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _record_id(values: Sequence[Any]) -> str | None:
    """A write result's recordId from the key's values as the row holds them (``WriteCodec.stored``): one value as its
    text (a string as it is, a number as JSON writes it), a composite key as a JSON array of them."""
    if not values:
        return None
    if len(values) == 1:
        value = values[0]
        if value.__class__ is int:
            return str(value)
        return value if isinstance(value, str) else orjson.dumps(value).decode()
    return "[" + ", ".join(orjson.dumps(value).decode() for value in values) + "]"  # as json.dumps spaces it


class _Writer:
    def __init__(self, conn: pymysql.connections.Connection, entity: Entity, operation: Operation,
                 id_fields: Sequence[str], source_time_zone: str, target: MySQLTarget) -> None:
        self.conn, self.entity, self.operation, self.target = conn, entity, operation, target
        self.zone = zoneinfo.ZoneInfo(source_time_zone)
        self.table = quote_table(entity.schema, entity.table, bound=False)  # sent as finished text
        self.id_columns = tuple(entity.column(name) for name in dict.fromkeys(id_fields))
        identity = entity.unique_keys[0] if entity.unique_keys else ()
        self.identity = self.id_columns if operation != "INSERT" else identity
        self.identity_names = tuple(c.name for c in self.identity)
        self.generated_key = next((c for c in identity if c.auto_increment), None) if operation == "INSERT" else None
        # integer auto-increment ids, else a FLOAT/DOUBLE one's (the only other kind MySQL numbers itself)
        self.integer_key = self.generated_key is None or self.generated_key.type.key is KeyKind.INT
        # an UPSERT's auto-increment id of 0 would make MySQL assign a new row instead of the one named
        self.upsert_auto_ids = tuple(c.name for c in self.id_columns if c.auto_increment) \
            if operation == "UPSERT" else ()
        # per-call lookups, so that decoding a record is dictionary work and one call per field
        self.by_name = {c.name: c for c in entity.columns}
        self.required = tuple(c.name for c in entity.columns if c.required_on_insert)
        self.required_set = frozenset(self.required)
        self.codecs = {c.name: c.type.write.decode for c in entity.columns}
        self.quoted = _text_quoting(conn)
        self.direct_encoders = _direct_encoders(conn)
        self.cells = {c.name: self._cell(c) for c in entity.columns}
        id_names = {c.name for c in self.id_columns}
        # a DELETE needs only the id fields: the others are checked to exist, and then left out
        self.skipped = frozenset(self.by_name) - id_names if operation == "DELETE" else frozenset()
        self.spatial = frozenset(c.name for c in entity.columns if c.type.spatial)
        # ON DUPLICATE KEY UPDATE fires on a clash with ANY unique key. It is safe only when every other
        # unique key holds an auto-increment column, which UPSERT records cannot set; otherwise each
        # record is UPDATE by its ids, then INSERT when nothing matched (a clash elsewhere then fails it).
        # Unique indexes on a prefix or an expression count too: a clash there is with a row of other values.
        others = [key for key in entity.unique_keys if set(key) != set(self.id_columns)]
        others += [partial.columns for partial in entity.partial_keys]
        # a key is safe only through an auto-increment column the records cannot set: one among the ids they can
        self.on_duplicate = all(any(c.auto_increment and c not in self.id_columns for c in key) for key in others)
        self._overheads: dict[tuple[str, ...], int] = {}  # by column set: records of one call share a few
        self._fields: dict[tuple[str, ...], _Fields] = {}  # by the names in a record, in its order

    # --- decoding --------------------------------------------------------------

    def decode(self, index: int, text: str) -> _Record:
        raw = _object_of(text)
        if raw is None:
            raw = _parsed(text)
        fields = self._fields.get(names := tuple(raw)) or self._fields_of(names)
        if fields.cells is not None:  # the common case: every field known, all written
            literals = [cell(value) for cell, value in zip(fields.cells, raw.values(), strict=True)]
        else:
            values = self._known_values(raw)
            literals = list(values.values())
            fields = self._fields.get(names := tuple(values)) or self._fields_of(names)
        row = "(" + ", ".join(literals) + ")"
        # exact: the row as PyMySQL sends it (UTF-8), and the ", " that joins it to the next
        size = (len(row) if row.isascii() else len(row.encode("utf-8", "surrogatepass"))) + 2
        record = _Record(index, fields.names, literals, row, size, missing_generated=fields.missing_generated)
        if self.operation == "INSERT":
            if fields.lacks_required is not None:
                raise _RecordFailed(fields.lacks_required)
            if fields.generated_at is not None and self._assigns(literals[fields.generated_at]):
                record.missing_generated = self.generated_key
            if record.missing_generated is not None:
                record.key_parts = _ASSIGNED_ALONE if len(self.identity_names) == 1 else self._key_parts(raw)
            elif fields.has_identity:
                key_values = tuple(map(raw.get, self.identity_names))
                record.record_id = self._record_id(key_values) if None not in key_values else None
        else:
            key_values = tuple(map(raw.get, self.identity_names))
            if None in key_values:
                missing = [c.name for c in self.id_columns if raw.get(c.name) is None]
                msg = f"record lacks the id field(s) {', '.join(missing)} that {self.operation} matches rows by"
                raise _RecordFailed(msg)
            for name in self.upsert_auto_ids:
                if self._assigns(literals[fields.names.index(name)]):
                    msg = (f"id field {name!r} is 0, which MySQL reads in an auto-increment column as 'assign the "
                           "next id' (sql_mode has no NO_AUTO_VALUE_ON_ZERO): UPSERT would add a new row instead "
                           "of the one named. Leave such records to INSERT, which reports the id MySQL assigns.")
                    raise _RecordFailed(msg)
            record.keys = key_values
            record.record_id = self._record_id(key_values)
            if self.operation == "UPSERT" and fields.lacks_required is not None:
                raise _RecordFailed(fields.lacks_required)
            if self.operation == "UPDATE" and len(fields.names) == len(self.id_columns):
                msg = "record has no field to update besides the id fields"
                raise _RecordFailed(msg)
        if self.spatial:
            record.shapes = {name: self._bound(self.by_name[name], raw[name]) for name in fields.names
                             if name in self.spatial and raw[name] is not None}
        return record

    def _fields_of(self, names: tuple[str, ...]) -> _Fields:
        """What records naming these fields in this order share, worked out for the first of them."""
        present = frozenset(names)
        known = present <= self.cells.keys() and not self.skipped
        lacks_required = None
        if not self.required_set <= present:
            missing = [name for name in self.required if name not in present]
            lacks_required = f"record lacks the required field(s) {', '.join(missing)} (NOT NULL without a default)"
        generated = self.generated_key
        fields = self._fields[names] = _Fields(
            names, tuple(self.cells[name] for name in names) if known else None, lacks_required,
            generated if generated is not None and generated.name not in present else None,
            all(name in present for name in self.identity_names),
            names.index(generated.name) if generated is not None and generated.name in present else None)
        return fields

    # --- record ids: the key as the row holds it ---------------------------------

    @cached_property
    def _spellers(self) -> dict[str, Callable[[Any], Any]]:
        """Each identity field's JSON value -> its value as the row holds it (``WriteCodec.stored``)."""
        return {column.name: self._speller(column) for column in self.identity}

    def _speller(self, column: Column) -> Callable[[Any], Any]:
        """The key form of one field's value: the codec's bound value as the column stores it.

        Strings for text columns and whole numbers for integer columns are already that form.
        """
        codec, form, zone = self.codecs[column.name], column.type.write.stored, self.zone
        data_type, column_type = column.data_type, column.column_type
        as_is = column.type.write.key_class

        def spell(value: Any) -> Any:
            if value.__class__ is as_is:
                return value
            return form(codec(value, data_type, column_type, zone), data_type, column_type, zone)
        return spell

    def _record_id(self, values: Sequence[Any]) -> str | None:
        """The recordId of a record whose identity fields hold ``values`` (none null; the cells accepted them)."""
        spellers = self._spellers
        return _record_id([spellers[name](value) for name, value in zip(self.identity_names, values, strict=True)])

    def _key_parts(self, raw: dict[str, Any]) -> tuple[Any, ...] | None:
        """The record id's values of a record whose auto-increment key MySQL assigns: that one still None.

        None when another identity field is missing or null: the id cannot name the row then.
        """
        generated = self.generated_key
        assert generated is not None
        parts: list[Any] = []
        for name in self.identity_names:
            value = raw.get(name)
            if name == generated.name:
                parts.append(None)
            elif value is None:
                return None
            else:
                parts.append(self._spellers[name](value))
        return tuple(parts)

    def _assigns(self, literal: str) -> bool:
        """Whether the auto-increment key's literal asks MySQL for the next id: NULL, or 0 unless the session's
        sql_mode has NO_AUTO_VALUE_ON_ZERO (then 0 is stored as 0)."""
        return literal == "NULL" or (_zero_literal(literal) and server_limits(self.conn).zero_assigns)

    def _assigned_id(self, record: _Record, assigned: int) -> str | None:
        """The recordId of a record once MySQL assigned its auto-increment key."""
        parts = record.key_parts
        if parts is _ASSIGNED_ALONE:  # the usual key: the assigned id alone (no tuple per record)
            return str(assigned) if self.integer_key else repr(float(assigned))  # a FLOAT/DOUBLE key reads 9.0
        if parts is None:
            return None
        return _record_id(tuple(assigned if part is None else part for part in parts))

    def _known_values(self, raw: dict[str, Any]) -> dict[str, str]:
        """The cells of a record with an unknown field (its message if it comes first) or a DELETE's extra fields."""
        values: dict[str, str] = {}
        for name, value in raw.items():
            cell = self.cells.get(name)
            if cell is None:
                raise _RecordFailed(self._unknown(name))
            if name not in self.skipped:
                values[name] = cell(value)
        return values

    def _unknown(self, name: str) -> str:
        try:
            self.entity.column(name)
        except InvalidArgumentError as exc:  # names the field and the known ones
            return exc.message
        return f"unknown field {name!r}"

    def _bound(self, column: Column, value: Any) -> Any:
        """The codec's value for a field its cell already accepted (an id in a message, a shape to check)."""
        return self.codecs[column.name](value, column.data_type, column.column_type, self.zone)

    def _cell(self, column: Column) -> _Cell:
        """The field's cell: the checked cell behind a shortcut for the values most records carry.

        A shortcut answers only values whose literal it can write without the codec (an ASCII ISO
        date-time without offset, a decimal that fits as written, true/false, a whole number in range,
        a string for a text column) and passes every other value to the checked cell, so it writes
        the same text and fails the same records (tests compare the two over many values).
        """
        checked = self._checked_cell(column)
        if self._refusal(column) is not None:
            return checked
        shortcut = _SHORTCUTS.get(column.type.write_form)
        return checked if shortcut is None else shortcut(column, checked, self.quoted)

    def _checked_cell(self, column: Column) -> _Cell:
        """The field's checks and codec compiled for this call: only the checks its column needs.

        In the order a field is judged: written by MySQL (generated, auto-increment), text that is not
        UTF-8, null, then the type's codec; the value comes out as the SQL literal PyMySQL would bind.
        """
        refusal = self._refusal(column)
        if refusal is not None:
            assigned = self._assigned_literal(column)

            def refuse(value: Any) -> str:
                literal = assigned(value) if assigned is not None else None
                if literal is None:
                    raise _RecordFailed(refusal)
                return literal
            return refuse
        null = self._null_sql(column)
        codec, data_type, column_type, zone = self.codecs[column.name], column.data_type, column.column_type, self.zone
        literal = self._literal(column)

        def cell(value: Any) -> str:
            if value is None:
                if null is None:
                    msg = f"field {column.name!r} is NOT NULL ({column.column_type}) and got null"
                    raise _RecordFailed(msg)
                return null
            if isinstance(value, str) and not value.isascii() and _lone_surrogate(value):
                raise _RecordFailed(_surrogate_message(column))
            try:
                bound = codec(value, data_type, column_type, zone)
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise _RecordFailed(_needs_message(column, value, exc)) from None
            return literal(bound)

        return cell

    def _refusal(self, column: Column) -> str | None:
        """Why no record may set this column, or None."""
        if column.generated and not (column in self.id_columns and self.operation in ("UPDATE", "DELETE")):
            return f"field {column.name!r} is generated by MySQL and cannot be written"  # an id is only read
        if column.auto_increment and self.operation in ("INSERT", "UPSERT", "UPDATE") \
                and column not in self.id_columns:
            also = " or send null" if self.operation == "INSERT" else ""
            return f"field {column.name!r} is auto-increment: MySQL assigns it; leave it out{also}"
        return None

    def _assigned_literal(self, column: Column) -> Callable[[Any], str | None] | None:
        """For an INSERT's auto-increment column that records may not set: the values that leave it to MySQL
        (null, and 0 unless NO_AUTO_VALUE_ON_ZERO), as their literal; None for any other value."""
        if self.operation != "INSERT" or not column.auto_increment or column.generated:
            return None
        codec, data_type, column_type, zone = self.codecs[column.name], column.data_type, column.column_type, self.zone

        def assigned(value: Any) -> str | None:
            if value is None:
                return "NULL"
            try:
                zero = codec(value, data_type, column_type, zone) == 0
            except (ValueError, TypeError, ArithmeticError):
                return None
            return "0" if zero and server_limits(self.conn).zero_assigns else None
        return assigned

    def _null_sql(self, column: Column) -> str | None:
        """What an explicit null writes: NULL, the column's DEFAULT, or None when null fails the record."""
        if column.nullable or (column.auto_increment and self.operation == "INSERT"):
            return "NULL"  # an INSERT's NULL in an auto-increment column asks MySQL for the next id
        if column.default is not None and self.operation in ("INSERT", "UPSERT"):
            return "DEFAULT"
        return None

    def _literal(self, column: Column) -> Callable[[Any], str]:
        """A codec's value -> its SQL, as PyMySQL's mogrify writes it into the column's placeholder(s)."""
        quoted, escape, template = self.quoted, self.conn.escape, column.type.write_sql
        encoders, direct = self.conn.encoders, self.direct_encoders

        def literal(bound: Any) -> str:
            if bound.__class__ is str:
                return quoted(bound)
            encoder = direct.get(bound.__class__)
            return encoder(bound, encoders) if encoder is not None else escape(bound)

        if template == "%s":
            return literal
        return lambda parts: template % tuple(literal(part) for part in parts)  # geometry: (WKT, SRID)

    # --- statements ------------------------------------------------------------

    def _insert_sql(self, batch: Sequence[_Record], on_duplicate: bool = True) -> str:
        columns = ", ".join(_name(name) for name in batch[0].columns)
        sql = f"INSERT INTO {self.table} ({columns}) VALUES {', '.join(record.row for record in batch)}"
        if self.operation == "UPSERT" and on_duplicate:
            keys = {c.name for c in self.id_columns}
            updates = [f"{_name(n)} = VALUES({_name(n)})" for n in batch[0].columns if n not in keys]
            first_key = _name(self.id_columns[0].name)
            sql += " ON DUPLICATE KEY UPDATE " + (", ".join(updates) or f"{first_key} = {first_key}")
        return sql

    def _where_ids(self, record: _Record) -> str:
        values = record.values
        return " AND ".join(f"{_name(c.name)} = {values[c.name]}" for c in self.id_columns)

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

    def _update_then_insert(self, record: _Record, results: list[RecordResult]) -> None:
        sql = self._change_sql(record, update=True)
        try:
            with self.conn.cursor() as cur:
                matched = self._execute(cur, sql)
        except pymysql.err.MySQLError as exc:
            self._raise_if_fatal(exc)
            results[record.index] = _db_failure(record, exc, self.entity)
            return
        if matched:
            results[record.index] = RecordResult(True, record.record_id)
            return
        self._run_one(record, results, lambda r: self._insert_sql([r], on_duplicate=False))

    def _change_sql(self, record: _Record, update: bool = False) -> str:
        where = self._where_ids(record)
        if self.operation == "DELETE" and not update:
            return f"DELETE FROM {self.table} WHERE {where}"
        keys = {c.name for c in self.id_columns}
        values = record.values
        sets = [f"{_name(name)} = {values[name]}" for name in record.columns if name not in keys]
        first_key = _name(self.id_columns[0].name)
        assignments = ", ".join(sets) or f"{first_key} = {first_key}"  # matched rows count all the same
        return f"UPDATE {self.table} SET {assignments} WHERE {where}"

    def _run_batch(self, batch: Sequence[_Record], results: list[RecordResult]) -> None:
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
        increment, assigned_id = self.limits.increment, self._assigned_id
        for generated, record in enumerate(batch):
            results[record.index] = RecordResult(True, assigned_id(record, first_id + generated * increment))

    def _run_one(self, record: _Record, results: list[RecordResult], build: Any, must_match: bool = False) -> None:
        sql = build(record)
        try:
            with self.conn.cursor() as cur:
                affected = self._execute(cur, sql)
                last_id = cur.lastrowid
        except pymysql.err.MySQLError as exc:
            self._raise_if_fatal(exc)
            results[record.index] = _db_failure(record, exc, self.entity)
            return
        if must_match and affected == 0:
            keys = ", ".join(f"{c.name}={self._bound(c, k)!s}" for c, k in zip(self.id_columns, record.keys,
                                                                                 strict=True))
            results[record.index] = RecordResult(False, record.record_id,
                                                 f"no row of {self.entity.identifier} has {keys}")
            return
        record_id = record.record_id
        if record.missing_generated is not None and self.operation == "INSERT":
            record_id = self._assigned_id(record, last_id)
        results[record.index] = RecordResult(True, record_id)

    def _raise_if_fatal(self, exc: pymysql.err.MySQLError) -> None:
        """Errors that end the call (a lost session, a lock wait, a missing grant) leave; a record's own stay.

        They leave as they are: the session that holds the connection classifies them after the rollback.
        """
        if not belongs_to_one_record(exc):
            raise exc


def _surrogate_message(column: Column) -> str:
    return (f"field {column.name!r} holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its "
            "pair), which is not text MySQL can store")


def _needs_message(column: Column, value: Any, exc: Exception) -> str:
    """What the column needs and what came, the value cut to 60 characters of JSON."""
    shown = json.dumps(value, default=str, ensure_ascii=False)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"field {column.name!r} ({column.column_type}) needs {exc}, got {shown}"


# --- shortcuts: the literal of the values most records carry, without the codec --------------------------
# Each takes (column, its checked cell, the session's string literal) and passes every value it does not plainly
# accept to the checked cell, which writes the same text or fails the record with its message.

def _text_shortcut(column: Column, checked: _Cell, quoted: _Quoted) -> _Cell:
    """A string for a text column is written as it is (a lone surrogate goes to the checked cell)."""
    def cell(value: Any) -> str:
        if value.__class__ is str and (value.isascii() or not _lone_surrogate(value)):
            return quoted(value)
        return checked(value)
    return cell


def _datetime_shortcut(column: Column, checked: _Cell, quoted: _Quoted) -> _Cell:
    """An ASCII 'YYYY-MM-DD...' without offset is already the column's reading: ``isoformat`` writes it.

    Year 0, offsets, a fraction of a second the column does not keep (or longer than the 6 digits Python
    reads) and anything ``fromisoformat`` refuses go to the codec (the stand-in year, the zone, the message).
    """
    parse = datetime.fromisoformat
    step = 10 ** (6 - min(fraction_precision(column.column_type), 6))  # microseconds the column keeps

    def cell(value: Any) -> str:
        if value.__class__ is str and value[4:5] == "-" and value[7:8] == "-" and value.isascii():
            if len(value) == 19 and value[13] == ":" and value[16] == ":":  # as isoformat writes it
                try:
                    parse(value)
                except ValueError:
                    return checked(value)
                return "'" + value[:10] + " " + value[11:] + "'"
            try:
                moment = parse(value)
            except ValueError:
                return checked(value)
            if moment.tzinfo is None and moment.microsecond % step == 0 and len(value) <= 26:
                return "'" + moment.isoformat(" ") + "'"
        return checked(value)
    return cell


def _decimal_shortcut(column: Column, checked: _Cell, quoted: _Quoted) -> _Cell:
    """A JSON number that fits DECIMAL(p,s) as written is its own literal: its text, read off the Decimal.

    Only plain notation with a last fraction digit that is not 0 (nothing to strip), or a whole number.
    """
    precision, scale, unsigned = decimal_shape(column.column_type)
    room = precision - scale  # digits before the point

    def cell(value: Any) -> str:
        kind = value.__class__
        if kind is Decimal:
            text = str(value)
            whole, point, fraction = text.partition(".")
            digits = whole[1:] if whole[:1] == "-" else whole
            if (point and fraction[-1:] not in ("0", "") and len(fraction) <= scale and "E" not in fraction
                    and (len(digits) <= room or digits == "0") and not (unsigned and whole[:1] == "-")):
                return text
        elif kind is int and (value >= 0 or not unsigned):
            text = str(value)
            if len(text) - (value < 0) <= room:
                return text
        return checked(value)
    return cell


def _label_shortcut(column: Column, checked: _Cell, quoted: _Quoted) -> _Cell:
    """An ENUM or SET string that does not end in a digit or space cannot be read as a number: written as it is
    (the server matches it to a label or refuses it); digits go to the codec, which checks them against the labels.
    """
    def cell(value: Any) -> str:
        if value.__class__ is str and value[-1:] not in _INDEX_ENDINGS and (
                value.isascii() or not _lone_surrogate(value)):
            return quoted(value)
        return checked(value)
    return cell


# The last character of every string MySQL could read as a label's position or a bitmask: a digit, or a space
_INDEX_ENDINGS = frozenset("0123456789 ")


def _boolean_shortcut(column: Column, checked: _Cell, quoted: _Quoted) -> _Cell:
    def cell(value: Any) -> str:
        if value is True:
            return "1"
        if value is False:
            return "0"
        return checked(value)
    return cell


def _int_shortcut(column: Column, checked: _Cell, quoted: _Quoted) -> _Cell:
    """A JSON whole number within the column's range (bool is not one here: its class is not int)."""
    low, high = integer_range(column.data_type, column.column_type)
    if low is None or high is None:
        return checked

    def cell(value: Any) -> str:
        if value.__class__ is int and low <= value <= high:
            return str(value)
        return checked(value)
    return cell


# the type table's write form -> its shortcut (CHECKED has none)
_SHORTCUTS: dict[WriteForm, Callable[[Column, _Cell, _Quoted], _Cell]] = {
    WriteForm.TEXT: _text_shortcut, WriteForm.DATETIME: _datetime_shortcut, WriteForm.DECIMAL: _decimal_shortcut,
    WriteForm.BOOLEAN: _boolean_shortcut, WriteForm.INTEGER: _int_shortcut, WriteForm.LABEL: _label_shortcut,
}


def _db_failure(record: _Record, exc: pymysql.err.MySQLError, entity: Entity) -> RecordResult:
    message = f"{server_message(exc)} (MySQL error {error_number(exc)})"
    return RecordResult(False, record.record_id, message + _labels_hint(entity, exc))


def _labels_hint(entity: Entity, exc: pymysql.err.MySQLError) -> str:
    """What an ENUM or SET column takes, when the server refused a value of it as no label; else ''."""
    name = truncated_column(exc)
    column = next((c for c in entity.columns if c.name == name), None) if name is not None else None
    if column is None or column.type.write_form is not WriteForm.LABEL:
        return ""
    takes = label_choices(column.column_type, of_set=column.type.write.of_set)
    return f": field {column.name!r} ({column.data_type.upper()}) takes {takes}"


def _batches(records: Sequence[_Record], max_bytes: int, max_rows: int = BATCH_ROWS) -> Iterator[list[_Record]]:
    """Consecutive records with the same fields, at most ``max_rows`` and ``max_bytes`` of values at a time.

    Records whose auto-increment key MySQL assigns and records that set it are never in one statement: a
    "mixed-mode insert" may leave gaps between the assigned ids, which then are not first id + n * increment.
    """
    batch: list[_Record] = []
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


def _too_large(record: _Record, limits: ServerLimits, overhead: int) -> str | None:
    """Why a record cannot be sent in one packet, or None."""
    room = limits.max_packet - overhead
    if record.sql_bytes <= room:
        return None
    return (f"record is {record.sql_bytes / 1_048_576:.2f} MiB as SQL; one statement may carry at most "
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
    writer = _Writer(conn, entity, operation, id_fields or [], source_time_zone, target)
    results: list[RecordResult] = [_NOT_YET] * len(records)  # each replaced, never changed in place
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
    fits = limits.max_packet - writer.overhead(tuple(writer.by_name))  # every column's: the largest overhead
    for record in decoded:
        problem = None if record.sql_bytes <= fits else _too_large(record, limits, writer.overhead(record.columns))
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
    for index, result in enumerate(results):
        if result.ok or not result.error:
            results[index] = RecordResult(False, result.record_id, f"not written: allOrNone is set and {reason}")
    return WriteOutcome(results, reason, rolled_back=True)
