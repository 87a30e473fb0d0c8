"""The one MySQL type table: AppFlow type, fix-up, write codec, filter, order, key, incremental; no codec imports it.

Every MySQL/MariaDB type name lives here and only here (``tests/test_layout.py`` checks it): the codecs
(``connector.read_codecs``, ``connector.write_codecs``) learn what they need of a column's type from which
fix-up or codec the table gives it. Unknown types read as String, with a warning.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from custom_connector_sdk.connector.fields import FieldDataType as T

from connector.read_codecs import Fixup, read_base64, read_binary_label, read_json_checked
from connector.write_codecs import (
    BINARY_CODEC,
    BINARY_ENUM_CODEC,
    BINARY_SET_CODEC,
    BIT_CODEC,
    BOOLEAN_CODEC,
    CHAR_CODEC,
    DATE_CODEC,
    DATETIME_CODEC,
    DECIMAL_CODEC,
    DOUBLE_CODEC,
    ENUM_CODEC,
    FLOAT_CODEC,
    GEOMETRY_CODEC,
    JSON_CODEC,
    PADDED_BINARY_CODEC,
    SET_CODEC,
    TEXT_CODEC,
    TIME_CODEC,
    TIMESTAMP_CODEC,
    YEAR_CODEC,
    WriteCodec,
    WriteForm,
    integer_codec,
)

__all__ = [
    "ARROW_BY_FIELD_TYPE", "JSON_CARRIER", "TYPES", "ColumnType", "FilterKind",
    "KeyKind", "column_type", "filter_kind", "integer_range",
]

logger = logging.getLogger(__name__)


# --- the table ------------------------------------------------------------------

class KeyKind(StrEnum):
    """How a key column carries a keyset position in a nextToken (and how RetrieveData binds its ids)."""

    INT = "int"  # exact integers (BIT and booleans as plain numbers)
    DECIMAL = "decimal"  # exact digits
    HEX = "hex"  # binary strings, as hex
    CHARS = "chars"  # character strings, as the hex of their bytes in the column's own character set
    TEXT = "text"  # temporal and ASCII-only values, as the server's text


class FilterKind(StrEnum):
    """How a filter treats a column: which operators it offers and how it reads a literal."""

    BOOLEAN = "boolean"
    INTEGER = "integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    DATE = "date"
    DATETIME = "datetime"
    TIMESTAMP = "timestamp"
    TIME = "time"
    TEXT = "text"
    OPAQUE = "opaque"  # a type the connector does not know: = and != only
    NONE = "none"  # cannot be filtered on


# Parquet/Arrow column types by AppFlow type (names the local flow command turns into pyarrow types).
ARROW_BY_FIELD_TYPE: dict[T, str] = {
    T.Boolean: "bool", T.Short: "int64", T.Integer: "int64", T.Long: "int64", T.BigInteger: "decimal128(20,0)",
    T.BigDecimal: "decimal128(p,s)", T.Float: "float64", T.Double: "float64", T.Date: "date32",
    T.DateTime: "timestamp[us,UTC]", T.ByteArray: "bytes", T.Struct: "json-text", T.List: "json-text",
    T.Map: "json-text", T.String: "string",
}
# When information_schema reports a type the table does not know, the AppFlow type it is read as decides.
FILTER_KIND_BY_FIELD_TYPE: dict[T, FilterKind] = {
    T.String: FilterKind.OPAQUE, T.Integer: FilterKind.INTEGER, T.Short: FilterKind.INTEGER,
    T.Long: FilterKind.INTEGER, T.BigInteger: FilterKind.INTEGER, T.BigDecimal: FilterKind.DECIMAL,
    T.Float: FilterKind.FLOAT, T.Double: FilterKind.FLOAT, T.Date: FilterKind.DATE, T.DateTime: FilterKind.DATETIME,
}


@dataclass(frozen=True)
class ColumnType:
    """How one MySQL type is declared to AppFlow, read, ordered and used as a key.

    ``select`` wraps the quoted column in the SELECT list; ``fixup`` turns what
    the decoder produced into the JSON value when the wire type alone cannot;
    ``key`` says how a key column is carried in a nextToken (a ``KeyKind``) or is
    None when the type cannot order a keyset. ``write`` is the inverse codec
    (JSON value -> bound parameter, and the key as the row stores it).

    ``order`` are the ORDER BY terms that sort OFFSET pages (keyless tables, views)
    by the stored bytes, not by the collation: under ``_ci`` and PAD SPACE
    collations 'k01', 'K01' and 'k01 ' tie, and tied rows may swap between pages.
    ``order_hash`` builds a digest term from the quoted column, added when values
    may be longer than ``max_sort_length`` (1024 bytes by default), past which
    the server sorts nothing. An empty ``order`` means the type cannot order rows
    at all.
    """

    field_type: T
    select: str = "{0}"
    fixup: Fixup | None = None
    key: KeyKind | None = KeyKind.TEXT
    write: WriteCodec = TEXT_CODEC  # decodes AppFlow's JSON value for this column, and spells its key
    write_sql: str = "%s"  # the placeholder(s) in INSERT/UPDATE (geometry: ST_GeomFromText(%s, %s))
    order: tuple[str, ...] = ("{0}",)
    order_hash: Callable[[str], str] | None = None  # the quoted column -> a digest of its whole value
    filter: FilterKind = FilterKind.TEXT  # which operators a filter may use, and how its literals are read
    incremental: bool = False  # AppFlow may pick it as the timestamp field of incremental pulls
    unsigned_field_type: T | None = None  # integers: the wider AppFlow type of the UNSIGNED variant
    padded: bool = False  # CHAR: stored padded, so under a NO PAD collation ORDER BY and > disagree
    spatial: bool = False  # values the server parses from WKT (and MariaDB answers NULL for bad WKT)

    @property
    def arrow(self) -> str:
        """The Parquet/Arrow column type of this AppFlow type (for the local flow command)."""
        return ARROW_BY_FIELD_TYPE.get(self.field_type, "string")

    @property
    def write_form(self) -> WriteForm:
        """The writer's shortcut for this type's values; only for values bound into one placeholder."""
        return self.write.form if self.write_sql == "%s" else WriteForm.CHECKED


# Sorting a string column by its bytes (CAST ... AS BINARY compares byte by byte, trailing spaces included).
_BY_BYTES = ("CAST({0} AS BINARY)",)
_K = FilterKind


def _md5(quoted: str) -> str:
    """The digest that orders values past ``max_sort_length``: MD5 of the whole value."""
    return f"MD5({quoted})"


def _md5_of_wkb(quoted: str) -> str:
    """The same for spatial values: MD5 of their WKB."""
    return f"MD5(ST_AsBinary({quoted}))"


_BINARY = ColumnType(T.ByteArray, fixup=read_base64, key=KeyKind.HEX, write=BINARY_CODEC, order_hash=_md5,
                     filter=_K.NONE)
_BLOB = ColumnType(T.ByteArray, fixup=read_base64, key=None, write=BINARY_CODEC, order_hash=_md5, filter=_K.NONE)
_TEXT = ColumnType(T.String, key=KeyKind.CHARS, order=_BY_BYTES, order_hash=_md5)
_LONG_TEXT = ColumnType(T.String, key=None, order=_BY_BYTES, order_hash=_md5)
# ENUM and SET sort by their index, one per label
_ENUM = ColumnType(T.String, key=None, write=ENUM_CODEC)
_SET = ColumnType(T.String, key=None, write=SET_CODEC)
_FLOAT = ColumnType(T.Float, key=None, write=FLOAT_CODEC, order=("{0}", "CAST({0} AS BINARY)"),  # -0 and 0 tie
                    filter=_K.FLOAT)
_GEOMETRY = ColumnType(
    T.String, select="IF(ST_SRID({0}) = 0, ST_AsText({0}), CONCAT('SRID=', ST_SRID({0}), ';', ST_AsText({0})))",
    key=None, write=GEOMETRY_CODEC, write_sql="ST_GeomFromText(%s, %s)",
    order=("ST_SRID({0})", "ST_AsBinary({0})"), order_hash=_md5_of_wkb, filter=_K.NONE, spatial=True)


def _integer(signed: T, unsigned: T, bits: int) -> ColumnType:
    return ColumnType(signed, key=KeyKind.INT, write=integer_codec(bits), filter=_K.INTEGER,
                      unsigned_field_type=unsigned)


# The one table: every MySQL/MariaDB type by information_schema's DATA_TYPE.
TYPES: dict[str, ColumnType] = {
    "tinyint": _integer(T.Short, T.Short, 8),
    "smallint": _integer(T.Short, T.Integer, 16),
    "mediumint": _integer(T.Integer, T.Integer, 24),
    "int": _integer(T.Integer, T.Long, 32),
    "integer": _integer(T.Integer, T.Long, 32),
    "bigint": _integer(T.Long, T.BigInteger, 64),
    "decimal": ColumnType(T.BigDecimal, key=KeyKind.DECIMAL, write=DECIMAL_CODEC, filter=_K.DECIMAL),
    "float": _FLOAT,
    "double": ColumnType(T.Double, key=None, write=DOUBLE_CODEC, order=_FLOAT.order, filter=_K.FLOAT),
    "bit": ColumnType(T.Long, key=KeyKind.INT, write=BIT_CODEC, filter=_K.INTEGER),
    "date": ColumnType(T.Date, write=DATE_CODEC, filter=_K.DATE, incremental=True),
    "datetime": ColumnType(T.DateTime, write=DATETIME_CODEC, filter=_K.DATETIME, incremental=True),
    "timestamp": ColumnType(T.DateTime, write=TIMESTAMP_CODEC, filter=_K.TIMESTAMP, incremental=True),
    "time": ColumnType(T.String, write=TIME_CODEC, filter=_K.TIME),
    "year": ColumnType(T.Integer, key=KeyKind.INT, write=YEAR_CODEC, filter=_K.INTEGER),
    "char": dataclasses.replace(_TEXT, write=CHAR_CODEC, padded=True),
    "varchar": _TEXT,
    "tinytext": _LONG_TEXT,
    "text": _LONG_TEXT,
    "mediumtext": _LONG_TEXT,
    "longtext": _LONG_TEXT,
    "enum": _ENUM,
    "set": _SET,
    # MySQL's JSON compares 1 and 1.0 as equal: sort by its text
    "json": ColumnType(T.Struct, key=None, write=JSON_CODEC, order=("CAST(CAST({0} AS CHAR) AS BINARY)",),
                       order_hash=_md5, filter=_K.NONE),
    "binary": dataclasses.replace(_BINARY, write=PADDED_BINARY_CODEC),
    "varbinary": _BINARY,
    "tinyblob": _BLOB,
    "blob": _BLOB,
    "mediumblob": _BLOB,
    "longblob": _BLOB,
    # MariaDB's own types: exact values, compared and sorted natively
    "uuid": ColumnType(T.String, filter=_K.OPAQUE),
    "inet4": ColumnType(T.String, filter=_K.OPAQUE),
    "inet6": ColumnType(T.String, filter=_K.OPAQUE),
    # MySQL 9's VECTOR: binary floats, read as base64, not filtered or sorted on
    "vector": ColumnType(T.ByteArray, fixup=read_base64, key=None, write=BINARY_CODEC, order=(), filter=_K.NONE),
    **dict.fromkeys(("geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
                     "geometrycollection", "geomcollection"), _GEOMETRY),
}
_UNKNOWN = ColumnType(T.String, key=None, order=(), filter=_K.OPAQUE)
_BOOLEAN = ColumnType(T.Boolean, fixup=bool, key=KeyKind.INT, write=BOOLEAN_CODEC, filter=_K.BOOLEAN)
_STRUCT_TEXT = ColumnType(T.Struct, fixup=read_json_checked, key=None, write=JSON_CODEC, order=_BY_BYTES,
                          order_hash=_md5, filter=_K.NONE)
# ENUM/SET ... CHARACTER SET binary
_BINARY_LABELS = {
    "enum": ColumnType(T.String, fixup=read_binary_label, key=None, write=BINARY_ENUM_CODEC),
    "set": ColumnType(T.String, fixup=read_binary_label, key=None, write=BINARY_SET_CODEC),
}
_BIT64 = ColumnType(T.BigInteger, key=KeyKind.INT, write=BIT_CODEC, filter=_K.INTEGER)  # BIT(64): up to 2**64 - 1
# MariaDB's JSON is LONGTEXT with a JSON_VALID check constraint: only such columns need the check looked up.
JSON_CARRIER = "longtext"


def column_type(data_type: str, column_type_text: str, *, tinyint1_as_boolean: bool = True,
                json_checked: bool = False, charset: str | None = None) -> ColumnType:
    """The ColumnType of one column, from information_schema's DATA_TYPE and COLUMN_TYPE.

    >>> column_type("bigint", "bigint(20) unsigned").field_type.name
    'BigInteger'
    >>> [column_type("tinyint", t).field_type.name for t in ("tinyint(1)", "tinyint(1) unsigned")]
    ['Boolean', 'Short']
    >>> column_type("longtext", "longtext", json_checked=True).field_type.name
    'Struct'
    """
    data_type = data_type.lower()
    column_text = column_type_text.lower()
    # a signed TINYINT(1) only: MySQL 8.0.19+ writes an unsigned (or zerofill) one without its width, so taking
    # those as Boolean on MariaDB and Aurora 2 would give the same table another type on Aurora 3
    if data_type == "tinyint" and column_text == "tinyint(1)" and tinyint1_as_boolean:
        return _BOOLEAN
    if data_type == "bit" and column_text == "bit(1)":
        return _BOOLEAN
    if data_type == "bit" and column_text == "bit(64)":
        return _BIT64
    if data_type in _BINARY_LABELS and charset == "binary":
        return _BINARY_LABELS[data_type]
    if json_checked and data_type == JSON_CARRIER:
        return _STRUCT_TEXT  # MariaDB's JSON: LONGTEXT with a JSON_VALID check
    found = TYPES.get(data_type)
    if found is None:
        logger.warning("unknown MySQL type %s: read as String", column_type_text)
        return _UNKNOWN
    if found.unsigned_field_type is not None and "unsigned" in column_text:
        return dataclasses.replace(found, field_type=found.unsigned_field_type)
    return found


def filter_kind(data_type: str, field_type: T) -> FilterKind:
    """How a filter treats a column of this DATA_TYPE read as ``field_type`` (the row's kind, else the AppFlow
    type's; booleans and the types a filter cannot compare decide by the AppFlow type).

    >>> filter_kind("tinyint", T.Boolean).value, filter_kind("varchar", T.String).value
    ('boolean', 'text')
    """
    if field_type in (T.Struct, T.ByteArray, T.Map, T.List):
        return FilterKind.NONE
    if field_type is T.Boolean:
        return FilterKind.BOOLEAN
    found = TYPES.get(data_type.lower())
    if found is not None:
        return found.filter
    return FILTER_KIND_BY_FIELD_TYPE.get(field_type, FilterKind.NONE)


# --- value limits (shared by the filter translator and the writer) --------------

# An integer column of a type the table does not know: the AppFlow type's width decides.
_FIELD_TYPE_BITS = {T.Short: 16, T.Integer: 32, T.Long: 64}


def integer_range(data_type: str, column_type_text: str,
                  field_type: T | None = None) -> tuple[int | None, int | None]:
    """The values an integer-like column holds (of an unknown type: those of its AppFlow type).

    >>> integer_range("tinyint", "tinyint(3) unsigned"), integer_range("bit", "bit(12)")
    ((0, 255), (0, 4095))
    """
    found = TYPES.get(data_type.lower())
    if found is not None and found.write.whole_range is not None:
        return found.write.whole_range(column_type_text)  # integers, BIT and YEAR: their write codec's range
    if field_type in _FIELD_TYPE_BITS:
        half = 2 ** (_FIELD_TYPE_BITS[field_type] - 1)
        return -half, half - 1
    return None, None

