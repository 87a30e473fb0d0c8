"""A record's JSON text -> its Record (cells, required and id fields, record id); imports no statements or outcomes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import orjson
import pymysql

from connector.catalog import Column, Entity
from connector.errors import InvalidArgumentError
from connector.server_limits import server_limits
from connector.types import KeyKind
from connector.write_cells import Cell, CellWriter, Operation, RecordFailed

__all__ = ["Record", "RecordDecoder"]


def _no_constants(name: str) -> Any:
    msg = f"{name} is not JSON (use null or a number)"
    raise ValueError(msg)


# exact decimals, and no NaN/Infinity (Python's json accepts them); built once, not per record
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constants)


@dataclass(slots=True)
class Record:
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
    cells: tuple[Cell, ...] | None  # each name's cell; None: a name is unknown, or a DELETE leaves some out
    lacks_required: str | None  # the required fields these leave out, as a record's message (INSERT, UPSERT)
    missing_generated: Column | None  # the auto-increment key MySQL generates for such records (INSERT)
    has_identity: bool  # every identity field is named (INSERT reports the key as the record's id)
    generated_at: int | None = None  # where the auto-increment key is among the names, when named (INSERT)


# The key_parts of a record whose key is the auto-increment column alone: its recordId is the assigned id.
_ASSIGNED_ALONE: tuple[Any, ...] = (None,)


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
    """The record's JSON object, or RecordFailed saying why it is none."""
    try:
        raw = _DECODER.decode(text)
    except (TypeError, ValueError) as exc:
        msg = f"record is not JSON ({exc})"
        raise RecordFailed(msg) from None
    except ArithmeticError:  # Decimal's InvalidOperation: an exponent past what any column holds
        msg = "record holds a number whose exponent no MySQL column can hold"
        raise RecordFailed(msg) from None
    except RecursionError:
        msg = "record is JSON nested too deeply to read"
        raise RecordFailed(msg) from None
    if not isinstance(raw, dict):
        msg = f"record must be a JSON object of field values, got {type(raw).__name__}"
        raise RecordFailed(msg)
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


class RecordDecoder(CellWriter):
    """A record's text -> its Record (cells, id, key parts), or RecordFailed saying why it cannot be written."""

    def __init__(self, conn: pymysql.connections.Connection, entity: Entity, operation: Operation,
                 id_fields: Sequence[str], source_time_zone: str) -> None:
        super().__init__(conn, entity, operation, id_fields, source_time_zone)
        identity = entity.unique_keys[0] if entity.unique_keys else ()
        self.identity = self.id_columns if operation != "INSERT" else identity
        self.identity_names = tuple(c.name for c in self.identity)
        self.generated_key = next((c for c in identity if c.auto_increment), None) if operation == "INSERT" else None
        # integer auto-increment ids, else a FLOAT/DOUBLE one's (the only other kind MySQL numbers itself)
        self.integer_key = self.generated_key is None or self.generated_key.type.key is KeyKind.INT
        # an UPSERT's auto-increment id of 0 would make MySQL assign a new row instead of the one named
        self.upsert_auto_ids = tuple(c.name for c in self.id_columns if c.auto_increment) \
            if operation == "UPSERT" else ()
        self.required = tuple(c.name for c in entity.columns if c.required_on_insert)
        self.required_set = frozenset(self.required)
        id_names = {c.name for c in self.id_columns}
        # a DELETE needs only the id fields: the others are checked to exist, and then left out
        self.skipped = frozenset(self.by_name) - id_names if operation == "DELETE" else frozenset()
        self.spatial = frozenset(c.name for c in entity.columns if c.type.spatial)
        self._fields: dict[tuple[str, ...], _Fields] = {}  # by the names in a record, in its order

    # --- decoding --------------------------------------------------------------

    def decode(self, index: int, text: str) -> Record:
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
        record = Record(index, fields.names, literals, row, size, missing_generated=fields.missing_generated)
        if self.operation == "INSERT":
            if fields.lacks_required is not None:
                raise RecordFailed(fields.lacks_required)
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
                raise RecordFailed(msg)
            for name in self.upsert_auto_ids:
                if self._assigns(literals[fields.names.index(name)]):
                    msg = (f"id field {name!r} is 0, which MySQL reads in an auto-increment column as 'assign the "
                           "next id' (sql_mode has no NO_AUTO_VALUE_ON_ZERO): UPSERT would add a new row instead "
                           "of the one named. Leave such records to INSERT, which reports the id MySQL assigns.")
                    raise RecordFailed(msg)
            record.keys = key_values
            record.record_id = self._record_id(key_values)
            if self.operation == "UPSERT" and fields.lacks_required is not None:
                raise RecordFailed(fields.lacks_required)
            if self.operation == "UPDATE" and len(fields.names) == len(self.id_columns):
                msg = "record has no field to update besides the id fields"
                raise RecordFailed(msg)
        if self.spatial:
            record.shapes = {name: self.bound(self.by_name[name], raw[name]) for name in fields.names
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

    def assigned_id(self, record: Record, assigned: int) -> str | None:
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
                raise RecordFailed(self._unknown(name))
            if name not in self.skipped:
                values[name] = cell(value)
        return values

    def _unknown(self, name: str) -> str:
        try:
            self.entity.column(name)
        except InvalidArgumentError as exc:  # names the field and the known ones
            return exc.message
        return f"unknown field {name!r}"
