"""The one table of MySQL types: AppFlow data type, read codec, key handling.

Reads go from the wire straight to the JSON form, once: PyMySQL's decoders
(keyed by wire type) are replaced so that DECIMAL arrives as an
``orjson.Fragment`` of the exact stored digits and DATETIME/TIMESTAMP as
ISO-8601 text with an offset, never as Decimal/datetime objects that would be
re-encoded. What depends on the column rather than the wire type (TINYINT(1)
and BIT(1) as booleans, binary as base64, MariaDB's JSON-in-LONGTEXT) is a
per-column fix-up. Unknown types read as String, with a warning.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import logging
import re
import struct
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import IntEnum, StrEnum
from functools import cache, lru_cache
from typing import Any

import orjson
from custom_connector_sdk.connector.fields import FieldDataType as T
from pymysql.constants import FIELD_TYPE
from pymysql.converters import conversions

__all__ = [
    "ARROW_BY_FIELD_TYPE", "ID_CODECS", "JSON_CARRIER", "KEY_FORMS", "NUMBER_CODECS", "NUMBER_TEXT_FORM",
    "TIME_CODECS", "TYPES", "WRITE_CODECS", "ColumnType", "FilterKind", "Fixup", "KeyKind", "WireForm", "WriteForm",
    "column_type", "decimal_problem", "decimal_shape", "decoders", "exact_decimal", "filter_kind", "float_scale_shape",
    "fraction_precision", "fraction_problem", "integer_range", "key_value_class", "label_choices",
    "label_problem", "labels", "number_text",
    "read_json_checked", "wall_clock", "whole_number_text", "wire_form",
]

logger = logging.getLogger(__name__)

Fixup = Callable[[Any], Any]


# --- codecs: wire text -> JSON-ready value ------------------------------------

def _plainly_valid(text: str) -> bool:
    """A date part every calendar has (year > 0, month set, day 1..28): no parse needed.

    MySQL's own text always has a month of 00..12 and a day of 00..31; only a zero part
    or a day past the 28th can make it invalid (zero dates, ALLOW_INVALID_DATES).
    """
    return text[:4] != "0000" and text[5:7] != "00" and "01" <= text[8:10] <= "28"


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def calendar_date(text: str) -> bool:
    """Whether 'YYYY-MM-DD...' names a real day in MySQL's calendar (year 0 included, not leap).

    Only a zero part (``0000-00-00``, ``2022-11-00``) or a day the month lacks
    (``2023-02-30`` under ALLOW_INVALID_DATES) is not a date; ``0000-11-30`` is.

    >>> [calendar_date(d) for d in ("0000-11-30", "0000-02-29", "2024-02-29", "2022-11-00")]
    [True, False, True, False]
    """
    try:
        year, month, day = int(text[:4]), int(text[5:7]), int(text[8:10])
    except ValueError:
        return False
    if not 1 <= month <= 12 or day < 1:
        return False
    # MySQL's calc_days_in_year: year 0 is not a leap year
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or (year % 400 == 0 and year != 0))
    return day <= _DAYS_IN_MONTH[month - 1] + leap


def read_date(text: str) -> str | None:
    """DATE as 'YYYY-MM-DD'; dates with a zero part or a day the month lacks are null.

    >>> read_date("2024-02-29"), read_date("0000-00-00"), read_date("2022-11-00"), read_date("2023-02-30")
    ('2024-02-29', None, None, None)
    >>> read_date("0000-11-30")
    '0000-11-30'
    """
    return text if _plainly_valid(text) or calendar_date(text) else None


def read_datetime_utc(text: str) -> str | None:
    """DATETIME/TIMESTAMP stored in UTC, as ISO-8601 with offset.

    >>> read_datetime_utc("2024-01-02 03:04:05.250"), read_datetime_utc("0000-00-00 00:00:00")
    ('2024-01-02T03:04:05.250Z', None)
    >>> read_datetime_utc("2023-02-30 00:00:00"), read_datetime_utc("2024-02-29 23:59:59")
    (None, '2024-02-29T23:59:59Z')
    >>> read_datetime_utc("0000-11-30 10:00:00")
    '0000-11-30T10:00:00Z'
    """
    if not (_plainly_valid(text) or calendar_date(text)):
        return None
    return f"{text[:10]}T{text[11:]}Z"


# Python has no year 0. MySQL's year 0 (not leap) is computed as year 401 (not leap either, and as
# far before any zone rule, so the same local mean time offset), then written back as 0000.
_YEAR0_STAND_IN = 401


def parse_wall_clock(text: str) -> tuple[datetime, bool]:
    """MySQL's 'YYYY-MM-DD[ T]hh:mm:ss[.f][offset]' as a datetime, and whether year 0 became the stand-in year."""
    if text[:4] == "0000":
        return datetime.fromisoformat(f"{_YEAR0_STAND_IN:04d}{text[4:]}"), True
    return datetime.fromisoformat(text), False


def format_wall_clock(moment: datetime, shifted: bool, separator: str = "T") -> str:
    """The inverse of ``parse_wall_clock`` (an aware moment keeps its offset).

    >>> format_wall_clock(*parse_wall_clock("0000-11-30 10:00:00"))
    '0000-11-30T10:00:00'
    """
    text = moment.isoformat(separator)
    if not shifted:
        return text
    year = moment.year - _YEAR0_STAND_IN
    if year < 0:
        msg = "a date-time within years 0000-9999"
        raise ValueError(msg)
    return f"{year:04d}{text[4:]}"


def wall_clock(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The wall-clock reading in ``zone`` that an ISO value with offset stands for: the read codec's inverse.

    Reads attach the offset ``zone`` has at the reading (fold 0), also for a reading inside a
    spring-forward gap, which no instant has. A value carrying exactly that offset therefore
    means that reading, and finds its row again; any other offset is a real instant and is
    converted. A naive value already is a reading.

    >>> ny = zoneinfo.ZoneInfo("America/New_York")
    >>> wall_clock(datetime.fromisoformat("2024-03-10T02:30:00-05:00"), ny)  # in the gap, as read
    datetime.datetime(2024, 3, 10, 2, 30)
    >>> wall_clock(datetime.fromisoformat("2024-03-10T07:30:00+00:00"), ny)  # the same instant from elsewhere
    datetime.datetime(2024, 3, 10, 3, 30)
    >>> wall_clock(datetime.fromisoformat("2024-11-03T01:30:00-05:00"), ny)  # the repeated hour, second time
    datetime.datetime(2024, 11, 3, 1, 30)
    """
    if moment.tzinfo is None:
        return moment
    reading = moment.replace(tzinfo=None)
    if moment.utcoffset() == reading.replace(tzinfo=zone).utcoffset():
        return reading
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def _iso_offset(offset: timedelta | None) -> str:
    """'+09:00', or '+09:18:59' for a local mean time offset, as isoformat writes them."""
    seconds = int(offset.total_seconds()) if offset is not None else 0
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


@lru_cache(maxsize=32)
def datetime_reader(zone_name: str) -> Callable[[str], str | None]:
    """DATETIME wall-clock text in ``zone_name`` -> ISO-8601 with that zone's offset.

    >>> datetime_reader("Asia/Tokyo")("2024-01-02 03:04:05")
    '2024-01-02T03:04:05+09:00'
    """
    if zone_name == "UTC":
        return read_datetime_utc
    zone = zoneinfo.ZoneInfo(zone_name)

    def read(text: str) -> str | None:
        if not (_plainly_valid(text) or calendar_date(text)):
            return None
        moment, _ = parse_wall_clock(text)
        offset = moment.replace(tzinfo=zone).utcoffset()  # fold 0: also inside a spring-forward gap
        # the server's own digits (as many fraction digits as the column has), then the zone's offset
        return f"{text[:10]}T{text[11:]}{_iso_offset(offset)}"

    return read


def read_bits(raw: bytes) -> int:
    """BIT(n) as its unsigned integer value.

    >>> read_bits(b"\\x0f\\xff")
    4095
    """
    return int.from_bytes(raw, "big")


def read_base64(raw: bytes | str) -> str:
    """Binary values as base64 text."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    return base64.b64encode(raw).decode("ascii")


def read_decimal(text: str) -> orjson.Fragment:
    """DECIMAL as the exact stored digits; ZEROFILL columns pad them with zeros, which JSON does not allow.

    >>> [bytes(orjson.dumps(read_decimal(t))) for t in ("-12.50", "000001.50", "0000.00", "0.5")]
    [b'-12.50', b'1.50', b'0.00', b'0.5']
    """
    if len(text) > 1 and text[0] == "0" and text[1] != ".":
        text = text.lstrip("0")
        text = "0" + text if not text or text[0] == "." else text
    return orjson.Fragment(text)


def read_json_text(text: str) -> orjson.Fragment:
    """MySQL's JSON column text: the server normalised it, so it is embedded as-is."""
    return orjson.Fragment(text)


# MariaDB's JSON_VALID admits a number with a dot and no fraction digits ("1.", "1.e5"): JSON wants "1.0";
# and escapes JSON does not have ("\q", "\x41"), which MariaDB reads as the character itself.
_LENIENT_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|(-?\d+)\.(?=[eE\s,\]}]|$)')
_UNKNOWN_ESCAPE = re.compile(r'\\([^"\\/bfnrtu])')


def _strict(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1) + ".0"
    return _UNKNOWN_ESCAPE.sub(r"\1", match.group(0))


def read_json_checked(text: str) -> orjson.Fragment:
    """MariaDB's JSON (LONGTEXT with JSON_VALID), embedded as a parsed JSON value in every row.

    MariaDB's JSON_VALID admits ``1.``, which JSON parsers refuse, and orjson does not
    check fragments, so the text is checked here and such numbers get their zero back.
    Text that is not JSON at all (the check constraint disabled) fails the page, naming
    the field, rather than arriving as a string in a Struct field.

    >>> bytes(orjson.dumps(read_json_checked('{"a": [1., "x.", 2.e3]}')))
    b'{"a": [1.0, "x.", 2.0e3]}'
    >>> bytes(orjson.dumps(read_json_checked('"\\\\q \\\\" \\\\n"')))
    b'"q \\\\" \\\\n"'
    """
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        fixed = _LENIENT_NUMBER.sub(_strict, text)
        try:
            json.loads(fixed)  # also admits lone surrogate escapes ("\ud800"), which are valid JSON text
        except (ValueError, RecursionError):
            msg = f"holds text that is not JSON ({text[:40]!r}), in a column declared Struct"
            raise UnreadableValueError(msg) from None
        return orjson.Fragment(fixed)
    return orjson.Fragment(text)


class UnreadableValueError(ValueError):
    """A stored value the declared AppFlow type cannot carry; the reader names the field and row."""


def read_binary_label(raw: bytes | str) -> str:
    """ENUM/SET labels of a binary character set arrive as bytes: their UTF-8 text.

    Labels that are not UTF-8 keep each undecodable byte as ``\\xNN`` (documented).

    >>> read_binary_label(b"a"), read_binary_label(b"\\xff")
    ('a', '\\\\xff')
    """
    if isinstance(raw, str):
        return raw
    return raw.decode("utf-8", "backslashreplace")


@cache  # never evicted: a connection's pool key holds the dict's id
def decoders(source_time_zone: str) -> dict[Any, Any]:
    """PyMySQL decoders for a connection that reads rows for AppFlow (one dict per zone: do not mutate)."""
    conv = dict(conversions)
    conv.update({
        FIELD_TYPE.DECIMAL: read_decimal,
        FIELD_TYPE.NEWDECIMAL: read_decimal,
        FIELD_TYPE.DATE: read_date,
        FIELD_TYPE.NEWDATE: read_date,
        FIELD_TYPE.DATETIME: datetime_reader(source_time_zone),
        FIELD_TYPE.TIMESTAMP: read_datetime_utc,  # the session's time_zone is +00:00
        FIELD_TYPE.TIME: str,
        FIELD_TYPE.BIT: read_bits,
        FIELD_TYPE.JSON: read_json_text,
    })
    return conv


class WireForm(IntEnum):
    """How the row reader (``connector.rows``) turns one field's wire text into its part of a record.

    Each fast form gives the bytes ``orjson.dumps`` would give for the decoder's (and fix-up's)
    value; a value outside the form's sure case (a zero date, a day past the 28th) takes VALUE.
    FLOAT and DOUBLE have none: the server writes 0 where orjson writes 0.0.
    """

    VALUE = 0  # the decoder, the column's fix-up, then orjson: every type, and the reference for the rest
    AS_IS = 1  # integers, DECIMAL, MySQL's JSON: the wire text already is the JSON text
    TEXT = 2  # character strings and TIME: quoted; escaped (by orjson) only when a character needs it
    DATE = 3  # 'YYYY-MM-DD' quoted, when the date is plainly valid
    DATETIME_UTC = 4  # DATETIME read in UTC and TIMESTAMP: 'YYYY-MM-DDThh:mm:ss[.f]Z'
    BOOLEAN = 5  # TINYINT(1) read as Boolean: '0' is false


_TEXT_WIRE_TYPES = (FIELD_TYPE.VARCHAR, FIELD_TYPE.VAR_STRING, FIELD_TYPE.STRING, FIELD_TYPE.ENUM, FIELD_TYPE.SET,
                    FIELD_TYPE.TINY_BLOB, FIELD_TYPE.MEDIUM_BLOB, FIELD_TYPE.LONG_BLOB, FIELD_TYPE.BLOB)
# By wire type, for fields without a fix-up (TINYINT(1) as Boolean is the one fix-up with a fast form).
_WIRE_FORMS: dict[int, WireForm] = {
    **dict.fromkeys((FIELD_TYPE.TINY, FIELD_TYPE.SHORT, FIELD_TYPE.INT24, FIELD_TYPE.LONG, FIELD_TYPE.LONGLONG,
                     FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL, FIELD_TYPE.JSON), WireForm.AS_IS),
    FIELD_TYPE.DATE: WireForm.DATE,
    FIELD_TYPE.NEWDATE: WireForm.DATE,
    FIELD_TYPE.TIMESTAMP: WireForm.DATETIME_UTC,  # the session's time_zone is +00:00
    FIELD_TYPE.TIME: WireForm.TEXT,
    **dict.fromkeys(_TEXT_WIRE_TYPES, WireForm.TEXT),
}
_ZEROFILL_FLAG = 64  # digits padded with zeros ('00042'), which JSON does not allow
_BINARY_CHARSET = 63


def wire_form(field_type: int, flags: int, charset_number: int, fixup: Fixup | None,
              source_time_zone: str) -> WireForm:
    """The form of one result field, from its wire type, flags and character set, and its column's fix-up.

    >>> [wire_form(FIELD_TYPE.LONGLONG, 0, 63, None, "UTC").name, wire_form(FIELD_TYPE.LONG, 64, 63, None, "UTC").name]
    ['AS_IS', 'VALUE']
    >>> [wire_form(FIELD_TYPE.DATETIME, 0, 63, None, "Asia/Tokyo").name, wire_form(FIELD_TYPE.TINY, 0, 63, bool, "X")]
    ['VALUE', <WireForm.BOOLEAN: 5>]
    """
    if field_type == FIELD_TYPE.DATETIME:
        form = WireForm.DATETIME_UTC if source_time_zone == "UTC" else WireForm.VALUE
    else:
        form = _WIRE_FORMS.get(field_type, WireForm.VALUE)
    if flags & _ZEROFILL_FLAG and form is WireForm.AS_IS:
        return WireForm.VALUE
    if form is WireForm.TEXT and charset_number == _BINARY_CHARSET and field_type in _TEXT_WIRE_TYPES:
        return WireForm.VALUE  # bytes: the column's fix-up (base64, a binary label) or the decoder decides
    if fixup is not None:
        return WireForm.BOOLEAN if fixup is bool and field_type == FIELD_TYPE.TINY and form is WireForm.AS_IS \
            else WireForm.VALUE
    return form


class WriteForm(IntEnum):
    """Which shortcut (``connector.write_cells``) a column's usual JSON values take to their SQL literal.

    A shortcut writes only the values whose literal it is sure of, the same text the codec's value
    would bind as; every other value, and every type without one, goes through the codec (CHECKED).
    """

    CHECKED = 0  # the codec: every type, and the reference for the rest
    TEXT = 1  # a string for a character column, written as it is
    DATETIME = 2  # DATETIME and TIMESTAMP: an ASCII ISO date-time without offset is already the reading
    DECIMAL = 3  # a number that fits DECIMAL(p,s) as written
    BOOLEAN = 4  # true and false
    INTEGER = 5  # a whole number within the column's range
    LABEL = 6  # an ENUM or SET string that cannot be read as a number


# By write codec (``ColumnType.write``).
_WRITE_FORMS: dict[str, WriteForm] = {
    "text": WriteForm.TEXT, "datetime": WriteForm.DATETIME, "timestamp": WriteForm.DATETIME,
    "decimal": WriteForm.DECIMAL, "boolean": WriteForm.BOOLEAN, "int": WriteForm.INTEGER,
    "label": WriteForm.LABEL, "binary_label": WriteForm.LABEL,
}


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
    ``key`` says how a key column is carried in a nextToken ('int', 'decimal',
    'text', 'hex') or None when the type cannot order a keyset. ``write`` names
    the inverse codec (JSON value -> bound parameter) in WRITE_CODECS.

    ``order`` are the ORDER BY terms that sort OFFSET pages (keyless tables, views)
    by the stored bytes, not by the collation: under ``_ci`` and PAD SPACE
    collations 'k01', 'K01' and 'k01 ' tie, and tied rows may swap between pages.
    ``order_hash`` is added when values may be longer than ``max_sort_length``
    (1024 bytes by default), past which the server sorts nothing. An empty
    ``order`` means the type cannot order rows at all.
    """

    field_type: T
    select: str = "{0}"
    fixup: Fixup | None = None
    key: KeyKind | None = KeyKind.TEXT
    write: str = "text"  # the WRITE_CODECS entry that decodes AppFlow's JSON value for this column
    write_sql: str = "%s"  # the placeholder(s) in INSERT/UPDATE (geometry: ST_GeomFromText(%s, %s))
    order: tuple[str, ...] = ("{0}",)
    order_hash: str | None = None
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
        return _WRITE_FORMS.get(self.write, WriteForm.CHECKED) if self.write_sql == "%s" else WriteForm.CHECKED


# Sorting a string column by its bytes (CAST ... AS BINARY compares byte by byte, trailing spaces included).
_BY_BYTES = ("CAST({0} AS BINARY)",)
_K = FilterKind
_BINARY = ColumnType(T.ByteArray, fixup=read_base64, key=KeyKind.HEX, write="binary", order_hash="MD5({0})",
                     filter=_K.NONE)
_BLOB = ColumnType(T.ByteArray, fixup=read_base64, key=None, write="binary", order_hash="MD5({0})", filter=_K.NONE)
_TEXT = ColumnType(T.String, key=KeyKind.CHARS, order=_BY_BYTES, order_hash="MD5({0})")
_LONG_TEXT = ColumnType(T.String, key=None, order=_BY_BYTES, order_hash="MD5({0})")
_LABEL = ColumnType(T.String, key=None, write="label")  # ENUM and SET sort by their index, one per label
_FLOAT = ColumnType(T.Float, key=None, write="float", order=("{0}", "CAST({0} AS BINARY)"),  # -0 and 0 tie
                    filter=_K.FLOAT)
_GEOMETRY = ColumnType(
    T.String, select="IF(ST_SRID({0}) = 0, ST_AsText({0}), CONCAT('SRID=', ST_SRID({0}), ';', ST_AsText({0})))",
    key=None, write="geometry", write_sql="ST_GeomFromText(%s, %s)",
    order=("ST_SRID({0})", "ST_AsBinary({0})"), order_hash="MD5(ST_AsBinary({0}))", filter=_K.NONE, spatial=True)


def _integer(signed: T, unsigned: T) -> ColumnType:
    return ColumnType(signed, key=KeyKind.INT, write="int", filter=_K.INTEGER, unsigned_field_type=unsigned)


# The one table: every MySQL/MariaDB type by information_schema's DATA_TYPE.
TYPES: dict[str, ColumnType] = {
    "tinyint": _integer(T.Short, T.Short),
    "smallint": _integer(T.Short, T.Integer),
    "mediumint": _integer(T.Integer, T.Integer),
    "int": _integer(T.Integer, T.Long),
    "integer": _integer(T.Integer, T.Long),
    "bigint": _integer(T.Long, T.BigInteger),
    "decimal": ColumnType(T.BigDecimal, key=KeyKind.DECIMAL, write="decimal", filter=_K.DECIMAL),
    "float": _FLOAT,
    "double": ColumnType(T.Double, key=None, write="float", order=_FLOAT.order, filter=_K.FLOAT),
    "bit": ColumnType(T.Long, key=KeyKind.INT, write="int", filter=_K.INTEGER),
    "date": ColumnType(T.Date, write="date", filter=_K.DATE, incremental=True),
    "datetime": ColumnType(T.DateTime, write="datetime", filter=_K.DATETIME, incremental=True),
    "timestamp": ColumnType(T.DateTime, write="timestamp", filter=_K.TIMESTAMP, incremental=True),
    "time": ColumnType(T.String, write="time", filter=_K.TIME),
    "year": ColumnType(T.Integer, key=KeyKind.INT, write="year", filter=_K.INTEGER),
    "char": dataclasses.replace(_TEXT, padded=True),
    "varchar": _TEXT,
    "tinytext": _LONG_TEXT,
    "text": _LONG_TEXT,
    "mediumtext": _LONG_TEXT,
    "longtext": _LONG_TEXT,
    "enum": _LABEL,
    "set": _LABEL,
    # MySQL's JSON compares 1 and 1.0 as equal: sort by its text
    "json": ColumnType(T.Struct, key=None, write="json", order=("CAST(CAST({0} AS CHAR) AS BINARY)",),
                       order_hash="MD5({0})", filter=_K.NONE),
    "binary": _BINARY,
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
    "vector": ColumnType(T.ByteArray, fixup=read_base64, key=None, write="binary", order=(), filter=_K.NONE),
    **dict.fromkeys(("geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
                     "geometrycollection", "geomcollection"), _GEOMETRY),
}
_UNKNOWN = ColumnType(T.String, key=None, order=(), filter=_K.OPAQUE)
_BOOLEAN = ColumnType(T.Boolean, fixup=bool, key=KeyKind.INT, write="boolean", filter=_K.BOOLEAN)
_STRUCT_TEXT = ColumnType(T.Struct, fixup=read_json_checked, key=None, write="json", order=_BY_BYTES,
                          order_hash="MD5({0})", filter=_K.NONE)
# ENUM/SET ... CHARACTER SET binary
_BINARY_LABEL = ColumnType(T.String, fixup=read_binary_label, key=None, write="binary_label")
_BIT64 = ColumnType(T.BigInteger, key=KeyKind.INT, write="int", filter=_K.INTEGER)  # BIT(64): up to 2**64 - 1
# MariaDB's JSON is LONGTEXT with a JSON_VALID check constraint: only such columns need the check looked up.
JSON_CARRIER = "longtext"
# Write codecs that also read RetrieveData's ids (the JSON forms QueryData emits).
ID_CODECS = frozenset({"binary", "date", "datetime", "timestamp"})
# Ids of these codecs are checked for their form before they are bound (a number, a time of day).
NUMBER_CODECS = frozenset({"float"})
TIME_CODECS = frozenset({"time"})


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
    if data_type in ("enum", "set") and charset == "binary":
        return _BINARY_LABEL
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

_INTEGER_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32, "bigint": 64}
# An integer column of a type the table does not know: the AppFlow type's width decides.
_FIELD_TYPE_BITS = {T.Short: 16, T.Integer: 32, T.Long: 64}


def integer_range(data_type: str, column_type_text: str,
                  field_type: T | None = None) -> tuple[int | None, int | None]:
    """The values an integer-like column holds (of an unknown type: those of its AppFlow type).

    >>> integer_range("tinyint", "tinyint(3) unsigned"), integer_range("bit", "bit(12)")
    ((0, 255), (0, 4095))
    """
    data_type, text = data_type.lower(), column_type_text.lower()
    if data_type == "year":
        return 0, 2155
    if data_type == "bit":
        match = re.search(r"\((\d+)\)", text)
        return 0, 2 ** (int(match.group(1)) if match else 1) - 1
    bits = _INTEGER_BITS.get(data_type)
    if bits is None:
        if field_type in _FIELD_TYPE_BITS:
            half = 2 ** (_FIELD_TYPE_BITS[field_type] - 1)
            return -half, half - 1
        return None, None
    return (0, 2**bits - 1) if "unsigned" in text else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


@lru_cache(maxsize=512)
def decimal_shape(column_type_text: str) -> tuple[int, int, bool]:
    """DECIMAL(p,s) [UNSIGNED] -> (p, s, unsigned); MySQL's own default is DECIMAL(10,0).

    >>> decimal_shape("decimal(12,2) unsigned"), decimal_shape("decimal")
    ((12, 2, True), (10, 0, False))
    """
    match = re.search(r"\((\d+)(?:\s*,\s*(\d+))?\)", column_type_text)
    precision, scale = (int(match.group(1)), int(match.group(2) or 0)) if match else (10, 0)
    return precision, scale, "unsigned" in column_type_text.lower()


def exact_decimal(value: Decimal) -> Decimal:
    """The same number without trailing zeros in its exponent form, safe to bind.

    PyMySQL writes a Decimal out in full: ``0E-200000000`` would become 200 million digits.

    >>> exact_decimal(Decimal("0E-200000000")), exact_decimal(Decimal("1.500")), exact_decimal(Decimal("12E+3"))
    (Decimal('0'), Decimal('1.5'), Decimal('1.2E+4'))
    """
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    significant = len(digits)
    while significant and digits[significant - 1] == 0 and exponent + len(digits) - significant < 0:
        significant -= 1
    if not any(digits):
        return Decimal(0)
    return Decimal((sign, digits[:significant], exponent + len(digits) - significant))


def decimal_problem(value: Decimal, column_type_text: str) -> str | None:
    """Why ``value`` does not fit a DECIMAL(p,s) column, or None when it does.

    >>> decimal_problem(Decimal("123.45"), "decimal(5,2)") is None, decimal_problem(Decimal("1.234"), "decimal(5,2)")
    (True, 'at most 3 digits before and 2 after the decimal point')
    >>> decimal_problem(Decimal("1.500"), "decimal(3,1)") is None, decimal_problem(Decimal("0E-99999999"), "decimal")
    (True, None)
    >>> decimal_problem(Decimal("1E+200000000"), "decimal(10,2)") is not None
    True
    """
    precision, scale, unsigned = decimal_shape(column_type_text)
    if not value.is_finite():
        return "a finite number"
    if value < 0 and unsigned:
        return "a number >= 0 (the column is unsigned)"
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if -exponent <= scale and len(digits) + exponent <= precision - scale:
        return None  # the common case: fits as written, no normalising needed
    # without Decimal arithmetic, which overflows on exponents like 1E+200000000: drop trailing zeros by hand
    significant = len(digits)
    while significant and digits[significant - 1] == 0:
        significant -= 1
    if significant == 0:
        return None  # zero, whatever its exponent
    exponent += len(digits) - significant
    digits_after = max(0, -exponent)
    digits_before = max(0, significant + exponent)
    if digits_after > scale or digits_before > precision - scale:
        return f"at most {precision - scale} digits before and {scale} after the decimal point"
    return None


# --- numbers written as text (one rule for every numeric column, RetrieveData's ids and filter literals) ---------

# ASCII digits with an optional sign, fraction and exponent: JSON's number, plus a leading '+' and leading zeros,
# which MySQL reads the same way. Python's own parsers take more (int/Decimal/float accept '1_000', Arabic-Indic and
# full-width digits, Unicode spaces around, float also 'Infinity' and 'NaN'), all of which MySQL refuses or reads
# otherwise; the server itself takes ASCII spaces around, '1.' and '.5', which JSON has no number for.
_NUMBER_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
NUMBER_TEXT_FORM = "as text: ASCII digits with an optional sign, fraction and exponent, as JSON writes numbers"


def number_text(text: str) -> Decimal | None:
    """The number a string spells when it is written as one (``_NUMBER_TEXT``), else None.

    The same text as a JSON number gives the same Decimal, so a string in a numeric field is
    judged exactly as the JSON number it spells.

    >>> [number_text(t) for t in ("12", "-0.50", "+1e3", "007")]
    [Decimal('12'), Decimal('-0.50'), Decimal('1E+3'), Decimal('7')]
    >>> [number_text(t) for t in ("1_000", "\u0661\u0662", "\uff11\uff12", " 12", "0x10", "NaN", "1.", ".5", "")]
    [None, None, None, None, None, None, None, None, None]
    """
    if _NUMBER_TEXT.fullmatch(text) is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal holds (over 18 digits)
        return None


def whole_number_text(text: str) -> int | None:
    """A string that spells a whole number (``number_text``; '1e3' and '2.0' are whole) as an int, else None.

    Exponents are looked at before the number is expanded: '1e999999999' is not built digit by digit.

    >>> [whole_number_text(t) for t in ("12", "1e3", "2.0", "2.5", "1e99999999", "\u0661")]
    [12, 1000, 2, None, None, None]
    """
    number = number_text(text)
    if number is None or number.adjusted() > _WHOLE_DIGITS_LIMIT or number != number.to_integral_value():
        return None
    return int(number)


# No integer column holds more than 20 digits (BIGINT UNSIGNED, BIT(64)): past this, a number is out of range
# and is not expanded (int() of 1e10000000 would take seconds).
_WHOLE_DIGITS_LIMIT = 40


# --- fractions beyond a column's precision (one rule: DECIMAL, FLOAT(M,D), TIME, DATETIME, TIMESTAMP) ------------
# MySQL keeps what fits and drops (TIME, DATETIME, TIMESTAMP) or rounds (DECIMAL from text, FLOAT(M,D)) the rest
# without an error, even in strict mode. A digit past the precision that is not 0 fails the record instead;
# trailing zeros lose nothing and are accepted.

@lru_cache(maxsize=512)
def fraction_precision(column_type_text: str) -> int:
    """The fraction digits of a second that TIME(n), DATETIME(n) or TIMESTAMP(n) keeps (0 without n).

    >>> fraction_precision("datetime(3)"), fraction_precision("time"), fraction_precision("timestamp(6)")
    (3, 0, 6)
    """
    match = re.search(r"\(([0-9]+)\)", column_type_text)
    return int(match.group(1)) if match else 0


def fraction_problem(digits: str, precision: int) -> str | None:
    """Why a second's fraction (its digits after the point) does not fit ``precision`` digits, or None.

    >>> fraction_problem("500", 1) is None, fraction_problem("000", 0) is None, fraction_problem("5", 0)
    (True, True, 'no fraction of a second (the column keeps whole seconds; MySQL would drop the fraction)')
    >>> fraction_problem("1234", 3)
    'at most 3 digits of a second (the column keeps 3; MySQL would drop the rest)'
    """
    if not digits[precision:].strip("0"):
        return None
    if precision == 0:
        return "no fraction of a second (the column keeps whole seconds; MySQL would drop the fraction)"
    return f"at most {precision} digits of a second (the column keeps {precision}; MySQL would drop the rest)"


# The fraction of a second in an ISO-8601 date-time or a TIME ('.', or ',' which fromisoformat also reads).
_SECOND_FRACTION = re.compile(r"[0-9]:[0-9]{2}[.,]([0-9]+)")


def _second_fraction(text: str) -> str:
    """The digits after the seconds' point in a time or date-time text ('' when there are none)."""
    match = _SECOND_FRACTION.search(text)
    return match.group(1) if match else ""


@lru_cache(maxsize=512)
def float_scale_shape(column_type_text: str) -> str | None:
    """FLOAT(M,D)/DOUBLE(M,D) round to D digits after the point like DECIMAL(M,D) from text: that DECIMAL's
    type text, for ``decimal_problem``; None for a FLOAT or DOUBLE without D.

    >>> float_scale_shape("float(10,2) unsigned"), float_scale_shape("double")
    ('decimal(10,2) unsigned', None)
    """
    match = re.search(r"\(([0-9]+),([0-9]+)\)", column_type_text)
    if match is None:
        return None
    return f"decimal({match.group(1)},{match.group(2)})" + (" unsigned" if "unsigned" in column_type_text.lower()
                                                             else "")


# --- ENUM and SET labels -------------------------------------------------------------------------------------
# A string that is no label is read by MySQL as a number when it has the shape of one: the label at that position
# (ENUM: '2' is the second label) or a bitmask of labels (SET: '6' is the second and third), even in strict mode.
# Digits that are not one of the labels fail the record instead; every other non-label is the server's to refuse
# (its collation decides whether 'A' is the label 'a').

# What the server reads as a number: digits after optional spaces and a sign (ENUM drops trailing spaces first).
_INDEX_SHAPED = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+ *")
# One quoted label in information_schema's COLUMN_TYPE: quotes doubled, backslashes (and \n, \r, \0, \Z) escaped.
_QUOTED_LABEL = re.compile(r"'((?:[^'\\]|''|\\.)*)'", re.DOTALL)
_LABEL_ESCAPES = {"n": "\n", "r": "\r", "0": "\0", "Z": "\x1a", "t": "\t", "b": "\b"}
_LABELS_SHOWN = 20


@lru_cache(maxsize=512)
def labels(column_type_text: str) -> tuple[str, ...]:
    """An ENUM's or SET's labels, in order, from information_schema's COLUMN_TYPE.

    >>> labels("enum('a','c''d','x\\\\\\\\y','1','')")
    ('a', "c'd", 'x\\\\y', '1', '')
    """
    body = column_type_text[column_type_text.find("(") + 1:column_type_text.rfind(")")]
    return tuple(re.sub(r"\\(.)", lambda m: _LABEL_ESCAPES.get(m.group(1), m.group(1)), raw.replace("''", "'"),
                        flags=re.DOTALL)
                 for raw in _QUOTED_LABEL.findall(body))


def label_problem(text: str, data_type: str, column_type_text: str, binary: bool) -> str | None:
    """Why MySQL would not store ``text`` as the label(s) it spells, when the reason is a number; else None.

    A label that is itself digits is a label ('2' of ENUM('1','2') stores '2'). Trailing spaces do not count
    (MySQL drops them from labels and values) except in a binary character set, which compares bytes.

    >>> label_problem("2", "enum", "enum('a','b')", False)
    'one of the labels "a", "b" (MySQL would read a number that is no label as the position of a label)'
    >>> label_problem("2 ", "enum", "enum('1','2')", False), label_problem("A", "enum", "enum('a')", False)
    (None, None)
    """
    if _INDEX_SHAPED.fullmatch(text) is None:
        return None
    if (text if binary else text.rstrip(" ")) in labels(column_type_text):
        return None
    if data_type.lower() == "set":
        return f"{label_choices(data_type, column_type_text)} (MySQL would read a number that is no label as a " \
               "bitmask of labels)"
    return f"{label_choices(data_type, column_type_text)} (MySQL would read a number that is no label as the " \
           "position of a label)"


def label_choices(data_type: str, column_type_text: str) -> str:
    """What an ENUM or SET column takes, for a message: its labels (the first 20 of many).

    >>> label_choices("set", "set('x','y')"), label_choices("enum", "enum('a')")
    ('labels from "x", "y", joined by commas', 'one of the labels "a"')
    """
    known = labels(column_type_text)
    shown = ", ".join(json.dumps(label, ensure_ascii=False) for label in known[:_LABELS_SHOWN])
    if len(known) > _LABELS_SHOWN:
        shown += f", ... ({len(known)} in all)"
    return f"labels from {shown}, joined by commas" if data_type.lower() == "set" else f"one of the labels {shown}"


# --- write codecs: AppFlow's JSON value -> bound parameter ----------------------
# Each raises ValueError(what the value should be); the writer names the field.

def _expected(what: str) -> ValueError:
    return ValueError(what)


def _whole(value: Any, data_type: str, column_type_text: str) -> int:
    """A whole number in the column's range: an int (true/false are 1/0), or a JSON number or string
    (``number_text``) that is whole ('1e3', '2.0'); 2.5 would be rounded by MySQL, so it fails."""
    if isinstance(value, str):
        number: Any = number_text(value)
        if number is None:
            msg = f"a whole number ({NUMBER_TEXT_FORM})"
            raise ValueError(msg)
    else:
        number = value
    if isinstance(number, Decimal) and number.is_zero():
        number = 0  # 0e1000000000 is 0, whatever its exponent says about size
    # size first: int() of 1e10000000 would take seconds
    if isinstance(number, Decimal) and number.is_finite() and number.adjusted() > _WHOLE_DIGITS_LIMIT:
        low, high = integer_range(data_type, column_type_text)
        msg = f"a whole number from {low} to {high}"
        raise ValueError(msg)
    whole = isinstance(number, int) or (
        isinstance(number, Decimal) and number.is_finite() and number == number.to_integral_value())
    if not whole:
        raise _expected("a whole number")
    result = int(number)  # bool is an int: true/false write 1/0 (BIT and TINYINT(1) as Integer)
    low, high = integer_range(data_type, column_type_text)
    if (low is not None and result < low) or (high is not None and result > high):
        msg = f"a whole number from {low} to {high}"
        raise ValueError(msg)
    return result


def _write_int(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> int:
    """Integers and BIT(n): written as the number (a string '5' is 5 in BIT too, not the byte '5' a bound
    string would store)."""
    return _whole(value, data_type, column_type_text)


_FIRST_FULL_YEAR = 1901  # YEAR's range is 1901-2155, and 0


def _write_year(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> int:
    """YEAR holds 0 and 1901-2155: MySQL would store 1-99 as another year (5 as 2005) and refuse 100-1900.

    Written as a number, also from text: '0' is the year 0 (MySQL's reading of the string '0' as 2000 never
    applies).
    """
    number = _whole(value, data_type, column_type_text)
    if 0 < number < _FIRST_FULL_YEAR:
        msg = "a year from 1901 to 2155, or 0 (MySQL would store 1-69 as 2001-2069 and 70-99 as 1970-1999)"
        raise ValueError(msg)
    return number


def _write_boolean(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> int:
    if isinstance(value, bool) or (value in (0, 1) and not isinstance(value, str)):
        return int(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return int(value.lower() == "true")
    raise _expected("true or false")


def _write_decimal(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> Decimal:
    if value.__class__ is Decimal and _fits_as_written(value, column_type_text):
        return value  # the common case, one look at its digits: exact_decimal would return it unchanged
    number = _exact_number(value, "a decimal number")
    problem = decimal_problem(number, column_type_text)
    if problem:
        raise ValueError(problem)
    return exact_decimal(number)


def _exact_number(value: Any, expected: str) -> Decimal:
    """A JSON number or a ``number_text`` string as the exact Decimal it spells (a float by its shortest repr)."""
    if isinstance(value, str):
        number = number_text(value)
        if number is None:
            msg = f"{expected} ({NUMBER_TEXT_FORM})"
            raise ValueError(msg)
        return number
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    raise _expected(expected)


def _fits_as_written(value: Decimal, column_type_text: str) -> bool:
    """A finite number that fits DECIMAL(p,s) as written and ends in a non-zero digit (nothing to strip).

    >>> _fits_as_written(Decimal("12.5"), "decimal(4,2)"), _fits_as_written(Decimal("12.50"), "decimal(4,2)")
    (True, False)
    """
    sign, digits, exponent = value.as_tuple()
    precision, scale, unsigned = decimal_shape(column_type_text)
    return (isinstance(exponent, int) and digits[-1] != 0 and not (sign and unsigned)
            and -exponent <= scale and len(digits) + exponent <= precision - scale)


def _write_float(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> float:
    """FLOAT and DOUBLE; FLOAT(M,D) and DOUBLE(M,D) also refuse digits past D, which MySQL would round away."""
    exact = _exact_number(value, "a number")
    if not exact.is_finite():
        raise _expected("a finite number")
    try:
        number = float(exact)
    except OverflowError:
        number = float("inf")
    if number in (float("inf"), float("-inf")):
        raise _expected("a finite number")
    scaled = float_scale_shape(column_type_text)
    problem = decimal_problem(exact, scaled) if scaled is not None else None
    if problem:
        raise ValueError(problem)
    if not exact.is_zero() and (number == 0 or (data_type == "float" and _single_precision(number) == 0)):
        msg = f"a number {data_type.upper()} can hold: {exact} is too close to 0 and would be stored as 0"
        raise ValueError(msg)
    return number


def _single_precision(number: float) -> float:
    """The value as MySQL's 4-byte FLOAT keeps it (0.0 for what underflows)."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", number))[0])
    except OverflowError:
        return number  # too large for FLOAT: the server refuses it as out of range


def _write_date(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> date | str:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) and calendar_date(value):
        return value if value[:4] == "0000" else date.fromisoformat(value)  # Python has no year 0
    raise _expected("a date like 2024-01-31")


def _write_datetime(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> datetime | str:
    """ISO-8601; with an offset it means the reading in the column's zone (``wall_clock``; UTC for TIMESTAMP).

    A fraction of a second past the column's precision fails (``fraction_problem``): in the text (Python
    reads only 6 digits) and in the reading (an offset with a fraction of a second moves it).
    """
    if isinstance(value, str) and calendar_date(text := value.strip()):
        try:
            moment, shifted = parse_wall_clock(text)
        except ValueError:
            moment, shifted = None, False
        if moment is not None:
            precision = fraction_precision(column_type_text)
            problem = fraction_problem(_second_fraction(text), precision)
            target = zoneinfo.ZoneInfo("UTC") if data_type == "timestamp" else zone
            try:
                reading = wall_clock(moment, target)
            except OverflowError:
                msg = f"an ISO-8601 date-time that is within years 0000-9999 in {target.key}"
                raise ValueError(msg) from None
            problem = problem or fraction_problem(f"{reading.microsecond:06d}", precision)
            if problem:
                raise ValueError(problem)
            return format_wall_clock(reading, shifted, " ") if shifted else reading
    raise _expected("an ISO-8601 date-time like 2024-01-31T23:59:59Z")


# Any number of fraction digits: past the column's precision only zeros (``fraction_problem``)
_TIME_TEXT = re.compile(r"(-?)([0-9]{1,3}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?")


def _write_time(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """A time of day or a duration as MySQL reads it; a fraction past TIME(n)'s precision fails."""
    if isinstance(value, str) and (match := _TIME_TEXT.fullmatch(value.strip())):
        problem = fraction_problem(match.group(5) or "", fraction_precision(column_type_text))
        if problem:
            raise ValueError(problem)
        return value.strip()
    raise _expected("a time like 13:45:00 (negative or over 24 h allowed)")


def _write_text(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    raise _expected("a string")


def _label_text(value: Any) -> str:
    """An ENUM or SET value: a string, or a JSON number as its text (a number names a label, never a position)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    raise _expected("a string")


def _checked_label(value: Any, data_type: str, column_type_text: str, *, binary: bool) -> str:
    text = _label_text(value)
    problem = label_problem(text, data_type, column_type_text, binary=binary)
    if problem:
        raise ValueError(problem)
    return text


def _write_label(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """ENUM and SET: digits that are no label fail (``label_problem``); the server judges every other string."""
    return _checked_label(value, data_type, column_type_text, binary=False)


def _write_binary_label(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """ENUM and SET of a binary character set: the same, comparing bytes (trailing spaces count)."""
    return _checked_label(value, data_type, column_type_text, binary=True)


def _decimal_as_number(value: Any) -> orjson.Fragment:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError(type(value).__name__)


def _exact_numbers(value: Any) -> Any:
    """Integers beyond 64 bits as fragments of their digits (orjson refuses them otherwise)."""
    if isinstance(value, dict):
        return {key: _exact_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact_numbers(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return orjson.Fragment(str(value))
    return value


def _write_json(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    try:
        return orjson.dumps(value, default=_decimal_as_number).decode()
    except orjson.JSONEncodeError:  # an integer beyond 64 bits somewhere inside
        return orjson.dumps(_exact_numbers(value), default=_decimal_as_number).decode()


def _write_binary(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> bytes:
    if isinstance(value, str):
        try:
            return base64.b64decode("".join(value.split()), validate=True)  # line breaks are allowed
        except (binascii.Error, ValueError):
            pass
    raise _expected("base64 text")


_EWKT = re.compile(r"\s*SRID=(\d{1,10});(.*)", re.DOTALL | re.IGNORECASE)
# The outline of WKT: a type name, then EMPTY or one parenthesised body, and nothing after it.
_WKT = re.compile(r"\s*[A-Za-z]+\s*(?:EMPTY|\([-+.eE0-9\s,()A-Za-z]*\))\s*", re.DOTALL)
_WKT_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _write_geometry(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> tuple[str, int]:
    """WKT, or 'SRID=4326;WKT' as reads return it, -> (WKT, SRID) for ST_GeomFromText(%s, %s).

    >>> _write_geometry("SRID=4326;POINT(19 43)", "point", "point", zoneinfo.ZoneInfo("UTC"))
    ('POINT(19 43)', 4326)
    """
    if isinstance(value, str):
        match = _EWKT.fullmatch(value)
        wkt, srid = (match.group(2), int(match.group(1))) if match else (value, 0)
        finite = all(abs(float(n)) < float("inf") for n in _WKT_NUMBER.findall(wkt))
        if srid < 2**32 and _WKT.fullmatch(wkt) and finite:
            return wkt, srid  # MariaDB still answers NULL for WKT it cannot read: the writer asks it first
    raise _expected("WKT text like POINT(1 2), or SRID=4326;POINT(1 2)")


WriteCodec = Callable[[Any, str, str, zoneinfo.ZoneInfo], Any]
WRITE_CODECS: dict[str, WriteCodec] = {
    "int": _write_int, "year": _write_year, "boolean": _write_boolean, "decimal": _write_decimal, "float": _write_float,
    "date": _write_date, "datetime": _write_datetime, "timestamp": _write_datetime, "time": _write_time,
    "text": _write_text, "label": _write_label, "binary_label": _write_binary_label, "json": _write_json,
    "binary": _write_binary, "geometry": _write_geometry,
}


# --- key values as the column stores them: a write result's recordId --------------------------------------------
# From the codec's bound value, the JSON value QueryData would read back from the row: a boolean written into
# TINYINT is 1, 2.0 into INT is 2, a DECIMAL has its scale's digits, a DATETIME its precision's.

def _stored_int(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> int:
    return int(bound)


def _stored_decimal(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> orjson.Fragment:
    """The digits DECIMAL(p,s) stores: exactly s after the point (the codec's value already fits)."""
    scale = decimal_shape(column_type_text)[1]
    whole, _, fraction = format(bound, "f").partition(".")
    return orjson.Fragment(whole + ("." + fraction.ljust(scale, "0") if scale else ""))


def _stored_float(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> float:
    return float(bound)


def _stored_date(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    return bound if isinstance(bound, str) else bound.isoformat()


def _stored_datetime(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str | None:
    """The read codec's text of the stored value: the wall clock with the precision's fraction digits."""
    text = bound if isinstance(bound, str) else bound.isoformat(" ")
    precision = fraction_precision(column_type_text)
    stored = text[:19] + ("." + text[20:26].ljust(6, "0")[:precision] if precision else "")
    if data_type == "timestamp":
        return read_datetime_utc(stored)
    return datetime_reader(zone.key)(stored)


def _stored_time(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """'-1:30' as MySQL writes it back: '-01:30:00', with the precision's fraction digits."""
    match = _TIME_TEXT.fullmatch(bound)
    if match is None:
        return str(bound)
    sign, hours, minutes, seconds, fraction = match.groups()
    precision = fraction_precision(column_type_text)
    text = f"{sign}{int(hours):02d}:{minutes}:{seconds or '00'}"
    return text + ("." + (fraction or "").ljust(precision, "0")[:precision] if precision else "")


def _stored_text(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """Text as given; CHAR drops trailing spaces (it reads back without its padding)."""
    return bound.rstrip(" ") if data_type == "char" else bound


def _stored_label(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """The label(s) as defined: ENUM without trailing spaces; SET in the definition's order, each once."""
    known = labels(column_type_text)
    if data_type != "set":
        value = bound.rstrip(" ")
        return value if value in known else bound
    parts = set(bound.split(",")) if bound else set()
    return ",".join(label for label in known if label in parts) if parts <= set(known) else bound


def _stored_binary_label(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    return str(bound)


def _stored_binary(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """Base64 of the stored bytes: BINARY(n) pads them with zero bytes to n."""
    match = re.fullmatch(r"binary\(([0-9]+)\)", column_type_text.strip().lower())
    return read_base64(bound.ljust(int(match.group(1)), b"\0") if match else bound)


def _stored_json(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> orjson.Fragment:
    return orjson.Fragment(bound)


def _stored_geometry(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    wkt, srid = bound
    return f"SRID={srid};{wkt}" if srid else str(wkt)


def key_value_class(write: str, data_type: str) -> type | None:
    """The class of JSON values that already are their own key form in such a column, or None: strings in text
    columns (CHAR drops trailing spaces), whole numbers in integer columns. The writer then spells nothing.

    >>> key_value_class("text", "varchar"), key_value_class("text", "char"), key_value_class("int", "bigint")
    (<class 'str'>, None, <class 'int'>)
    """
    if write == "text" and data_type != "char":
        return str
    return int if write == "int" else None


# By write codec: the codec's bound value -> the key's JSON value as the row holds it.
KEY_FORMS: dict[str, WriteCodec] = {
    "int": _stored_int, "year": _stored_int, "boolean": _stored_int, "decimal": _stored_decimal,
    "float": _stored_float, "date": _stored_date, "datetime": _stored_datetime, "timestamp": _stored_datetime,
    "time": _stored_time, "text": _stored_text, "label": _stored_label, "binary_label": _stored_binary_label,
    "json": _stored_json, "binary": _stored_binary, "geometry": _stored_geometry,
}
