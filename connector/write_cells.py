"""Each field's SQL literal: quoting, encoders, checked cells, shortcuts; of the writer imports only server_limits."""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import pymysql
from pymysql import converters
from pymysql.constants import SERVER_STATUS
from pymysql.converters import escape_string

from connector.catalog import Column, Entity
from connector.server_limits import server_limits
from connector.types import integer_range
from connector.value_rules import decimal_shape, fraction_precision
from connector.write_codecs import WriteForm

__all__ = ["Cell", "CellWriter", "Operation", "RecordFailed"]

Operation = Literal["INSERT", "UPDATE", "UPSERT", "DELETE"]

# A JSON value -> its SQL in a statement (a literal, NULL or DEFAULT); raises RecordFailed.
Cell = Callable[[Any], str]


class RecordFailed(Exception):
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


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class CellWriter:
    """Each field's cell for one WriteData call: its checks and codec compiled once, a shortcut in front."""

    def __init__(self, conn: pymysql.connections.Connection, entity: Entity, operation: Operation,
                 id_fields: Sequence[str], source_time_zone: str) -> None:
        self.conn, self.entity, self.operation = conn, entity, operation
        self.zone = zoneinfo.ZoneInfo(source_time_zone)
        self.id_columns = tuple(entity.column(name) for name in dict.fromkeys(id_fields))
        # per-call lookups, so that decoding a record is dictionary work and one call per field
        self.by_name = {c.name: c for c in entity.columns}
        self.codecs = {c.name: c.type.write.decode for c in entity.columns}
        self.quoted = _text_quoting(conn)
        self.direct_encoders = _direct_encoders(conn)
        self.cells = {c.name: self._cell(c) for c in entity.columns}

    def bound(self, column: Column, value: Any) -> Any:
        """The codec's value for a field its cell already accepted (an id in a message, a shape to check)."""
        return self.codecs[column.name](value, column.data_type, column.column_type, self.zone)

    def _cell(self, column: Column) -> Cell:
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

    def _checked_cell(self, column: Column) -> Cell:
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
                    raise RecordFailed(refusal)
                return literal
            return refuse
        null = self._null_sql(column)
        codec, data_type, column_type, zone = self.codecs[column.name], column.data_type, column.column_type, self.zone
        literal = self._literal(column)

        def cell(value: Any) -> str:
            if value is None:
                if null is None:
                    msg = f"field {column.name!r} is NOT NULL ({column.column_type}) and got null"
                    raise RecordFailed(msg)
                return null
            if isinstance(value, str) and not value.isascii() and _lone_surrogate(value):
                raise RecordFailed(_surrogate_message(column))
            try:
                bound = codec(value, data_type, column_type, zone)
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise RecordFailed(_needs_message(column, value, exc)) from None
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

def _text_shortcut(column: Column, checked: Cell, quoted: _Quoted) -> Cell:
    """A string for a text column is written as it is (a lone surrogate goes to the checked cell)."""
    def cell(value: Any) -> str:
        if value.__class__ is str and (value.isascii() or not _lone_surrogate(value)):
            return quoted(value)
        return checked(value)
    return cell


def _datetime_shortcut(column: Column, checked: Cell, quoted: _Quoted) -> Cell:
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


def _decimal_shortcut(column: Column, checked: Cell, quoted: _Quoted) -> Cell:
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


def _label_shortcut(column: Column, checked: Cell, quoted: _Quoted) -> Cell:
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


def _boolean_shortcut(column: Column, checked: Cell, quoted: _Quoted) -> Cell:
    def cell(value: Any) -> str:
        if value is True:
            return "1"
        if value is False:
            return "0"
        return checked(value)
    return cell


def _int_shortcut(column: Column, checked: Cell, quoted: _Quoted) -> Cell:
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
_SHORTCUTS: dict[WriteForm, Callable[[Column, Cell, _Quoted], Cell]] = {
    WriteForm.TEXT: _text_shortcut, WriteForm.DATETIME: _datetime_shortcut, WriteForm.DECIMAL: _decimal_shortcut,
    WriteForm.BOOLEAN: _boolean_shortcut, WriteForm.INTEGER: _int_shortcut, WriteForm.LABEL: _label_shortcut,
}
