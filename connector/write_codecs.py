"""Write codecs: JSON value -> bound parameter -> key as stored; must not import connector.types or the writer.

Each codec is a ``WriteCodec`` object the type table points to (``ColumnType.write``): its functions, and the
facts the writer and RetrieveData's ids act on. What a codec needs to know about its column's type is in which
codec the table gives the column, never in the type's name. No connection code here: the writer binds the values.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum
from functools import cache
from typing import Any

import orjson

from connector.dates import calendar_date, format_wall_clock, parse_wall_clock, wall_clock
from connector.read_codecs import datetime_reader, read_base64, read_datetime_utc
from connector.value_rules import (
    NUMBER_TEXT_FORM,
    WHOLE_DIGITS_LIMIT,
    decimal_problem,
    decimal_shape,
    exact_decimal,
    float_scale_shape,
    fraction_precision,
    fraction_problem,
    label_problem,
    labels,
    number_text,
)

__all__ = [
    "BINARY_CODEC", "BINARY_ENUM_CODEC", "BINARY_SET_CODEC", "BIT_CODEC", "BOOLEAN_CODEC", "CHAR_CODEC",
    "DATETIME_CODEC", "DATE_CODEC", "DECIMAL_CODEC", "DOUBLE_CODEC", "ENUM_CODEC", "FLOAT_CODEC", "GEOMETRY_CODEC",
    "JSON_CODEC", "PADDED_BINARY_CODEC", "SET_CODEC", "TEXT_CODEC", "TIMESTAMP_CODEC", "TIME_CODEC", "YEAR_CODEC",
    "WriteCodec", "WriteForm", "integer_codec",
]


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


# (a JSON value, or a codec's bound value; DATA_TYPE; COLUMN_TYPE; the source's zone) -> the bound value, or the key
Convert = Callable[[Any, str, str, zoneinfo.ZoneInfo], Any]
# COLUMN_TYPE -> the lowest and highest value an integer column holds
WholeRange = Callable[[str], tuple[int, int]]


@dataclass(frozen=True)
class WriteCodec:
    """How the values of one kind of column are written (``ColumnType.write``).

    ``decode`` turns AppFlow's JSON value into the bound parameter; it raises ValueError(what the value should
    be), and the writer names the field. ``stored`` turns that bound value into the JSON value QueryData would
    read back from the row (a write result's recordId). The other fields say what the writer's shortcuts and
    RetrieveData's ids may do with a value without ``decode``.
    """

    decode: Convert
    stored: Convert
    form: WriteForm = WriteForm.CHECKED  # the writer's shortcut for the usual values (one placeholder only)
    key_class: type | None = None  # JSON values of this class already are their key form: the writer spells none
    whole_range: WholeRange | None = None  # integer columns: the values one holds, from its COLUMN_TYPE
    of_set: bool = False  # ENUM and SET: labels joined by commas (SET), or one label (ENUM)
    decodes_ids: bool = False  # RetrieveData's ids (the JSON forms QueryData emits) go through ``decode``
    number_ids: bool = False  # ids are checked to be finite numbers before they are bound
    time_ids: bool = False  # ids are checked to be times before they are bound


# --- write codecs: AppFlow's JSON value -> bound parameter ----------------------
# Each raises ValueError(what the value should be); the writer names the field.

def _expected(what: str) -> ValueError:
    return ValueError(what)


def _whole(value: Any, column_type_text: str, whole_range: WholeRange) -> int:
    """A whole number in the column's range: an int (true/false are 1/0), or a JSON number or string
    (``number_text``) that is whole ('1e3', '2.0'); 2.5 would be rounded by MySQL, so it fails.

    ``whole_range`` gives the column's range from its COLUMN_TYPE (``WriteCodec.whole_range``).
    """
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
    if isinstance(number, Decimal) and number.is_finite() and number.adjusted() > WHOLE_DIGITS_LIMIT:
        low, high = whole_range(column_type_text)
        msg = f"a whole number from {low} to {high}"
        raise ValueError(msg)
    whole = isinstance(number, int) or (
        isinstance(number, Decimal) and number.is_finite() and number == number.to_integral_value())
    if not whole:
        raise _expected("a whole number")
    result = int(number)  # bool is an int: true/false write 1/0 (BIT and TINYINT(1) as Integer)
    low, high = whole_range(column_type_text)
    if not low <= result <= high:
        msg = f"a whole number from {low} to {high}"
        raise ValueError(msg)
    return result


def _integers(whole_range: WholeRange) -> WriteCodec:
    def write_int(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> int:
        """Integers and BIT(n): written as the number (a string '5' is 5 in BIT too, not the byte '5' a bound
        string would store)."""
        return _whole(value, column_type_text, whole_range)
    return WriteCodec(write_int, _stored_int, WriteForm.INTEGER, key_class=int, whole_range=whole_range)


@cache
def integer_codec(bits: int) -> WriteCodec:
    """The codec of an integer column of ``bits`` bits (TINYINT: 8): signed, or UNSIGNED from 0.

    >>> integer_codec(8).whole_range("tinyint(3) unsigned"), integer_codec(16).whole_range("smallint")
    ((0, 255), (-32768, 32767))
    """
    def whole_range(column_type_text: str) -> tuple[int, int]:
        if "unsigned" in column_type_text.lower():
            return 0, 2**bits - 1
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return _integers(whole_range)


def _bit_range(column_type_text: str) -> tuple[int, int]:
    """BIT(n) holds 0 to 2**n - 1 (BIT alone is BIT(1)).

    >>> _bit_range("bit(12)"), _bit_range("bit")
    ((0, 4095), (0, 1))
    """
    match = re.search(r"\((\d+)\)", column_type_text.lower())
    return 0, 2 ** (int(match.group(1)) if match else 1) - 1


_FIRST_FULL_YEAR = 1901  # YEAR's range is 1901-2155, and 0


def _year_range(column_type_text: str) -> tuple[int, int]:
    return 0, 2155


def _write_year(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> int:
    """YEAR holds 0 and 1901-2155: MySQL would store 1-99 as another year (5 as 2005) and refuse 100-1900.

    Written as a number, also from text: '0' is the year 0 (MySQL's reading of the string '0' as 2000 never
    applies).
    """
    number = _whole(value, column_type_text, _year_range)
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
    """FLOAT: as DOUBLE, and a number its 4 bytes would keep as 0 fails too."""
    return _finite(value, data_type, column_type_text, single=True)


def _write_double(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> float:
    return _finite(value, data_type, column_type_text, single=False)


def _finite(value: Any, data_type: str, column_type_text: str, *, single: bool) -> float:
    """FLOAT and DOUBLE; FLOAT(M,D) and DOUBLE(M,D) also refuse digits past D, which MySQL would round away.

    ``single``: FLOAT's 4 bytes, where a number too close to 0 becomes 0.
    """
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
    if not exact.is_zero() and (number == 0 or (single and _single_precision(number) == 0)):
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
    return _reading(value, column_type_text, zone)


def _write_timestamp(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> datetime | str:
    return _reading(value, column_type_text, zoneinfo.ZoneInfo("UTC"))  # the session's time_zone is +00:00


def _reading(value: Any, column_type_text: str, target: zoneinfo.ZoneInfo) -> datetime | str:
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
# The fraction of a second in an ISO-8601 date-time or a TIME ('.', or ',' which fromisoformat also reads).
_SECOND_FRACTION = re.compile(r"[0-9]:[0-9]{2}[.,]([0-9]+)")


def _second_fraction(text: str) -> str:
    """The digits after the seconds' point in a time or date-time text ('' when there are none)."""
    match = _SECOND_FRACTION.search(text)
    return match.group(1) if match else ""


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


def _label_codec(*, of_set: bool, binary: bool) -> WriteCodec:
    """ENUM and (``of_set``) SET: digits that are no label fail (``label_problem``); the server judges every other
    string. Of a binary character set (``binary``), labels compare as bytes (trailing spaces count)."""
    def write_label(value: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
        text = _label_text(value)
        problem = label_problem(text, column_type_text, of_set=of_set, binary=binary)
        if problem:
            raise ValueError(problem)
        return text
    stored = _stored_binary_label if binary else _stored_set if of_set else _stored_enum
    return WriteCodec(write_label, stored, WriteForm.LABEL, of_set=of_set)


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
    return datetime_reader(zone.key)(_stored_reading(bound, column_type_text))


def _stored_timestamp(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str | None:
    return read_datetime_utc(_stored_reading(bound, column_type_text))


def _stored_reading(bound: Any, column_type_text: str) -> str:
    """The wall clock as DATETIME(n) or TIMESTAMP(n) keeps it: the precision's fraction digits."""
    text = bound if isinstance(bound, str) else bound.isoformat(" ")
    precision = fraction_precision(column_type_text)
    return text[:19] + ("." + text[20:26].ljust(6, "0")[:precision] if precision else "")


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
    """Text as given."""
    return bound


def _stored_char(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """CHAR drops trailing spaces (it reads back without its padding)."""
    return bound.rstrip(" ")


def _stored_enum(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """The label as defined: without trailing spaces."""
    value = bound.rstrip(" ")
    return value if value in labels(column_type_text) else bound


def _stored_set(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """The labels as defined: in the definition's order, each once."""
    known = labels(column_type_text)
    parts = set(bound.split(",")) if bound else set()
    return ",".join(label for label in known if label in parts) if parts <= set(known) else bound


def _stored_binary_label(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    return str(bound)


def _stored_binary(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """Base64 of the stored bytes."""
    return read_base64(bound)


def _stored_padded_binary(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    """Base64 of the stored bytes: BINARY(n) pads them with zero bytes to n."""
    match = re.fullmatch(r"[a-z]+\(([0-9]+)\)", column_type_text.strip().lower())
    return read_base64(bound.ljust(int(match.group(1)), b"\0") if match else bound)


def _stored_json(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> orjson.Fragment:
    return orjson.Fragment(bound)


def _stored_geometry(bound: Any, data_type: str, column_type_text: str, zone: zoneinfo.ZoneInfo) -> str:
    wkt, srid = bound
    return f"SRID={srid};{wkt}" if srid else str(wkt)


# --- the codecs the type table points to ------------------------------------------------------------------------

BIT_CODEC = _integers(_bit_range)
YEAR_CODEC = WriteCodec(_write_year, _stored_int, whole_range=_year_range)
BOOLEAN_CODEC = WriteCodec(_write_boolean, _stored_int, WriteForm.BOOLEAN)
DECIMAL_CODEC = WriteCodec(_write_decimal, _stored_decimal, WriteForm.DECIMAL)
FLOAT_CODEC = WriteCodec(_write_float, _stored_float, number_ids=True)
DOUBLE_CODEC = WriteCodec(_write_double, _stored_float, number_ids=True)
DATE_CODEC = WriteCodec(_write_date, _stored_date, decodes_ids=True)
DATETIME_CODEC = WriteCodec(_write_datetime, _stored_datetime, WriteForm.DATETIME, decodes_ids=True)
TIMESTAMP_CODEC = WriteCodec(_write_timestamp, _stored_timestamp, WriteForm.DATETIME, decodes_ids=True)
TIME_CODEC = WriteCodec(_write_time, _stored_time, time_ids=True)
TEXT_CODEC = WriteCodec(_write_text, _stored_text, WriteForm.TEXT, key_class=str)
CHAR_CODEC = WriteCodec(_write_text, _stored_char, WriteForm.TEXT)  # no key class: CHAR drops trailing spaces
ENUM_CODEC = _label_codec(of_set=False, binary=False)
SET_CODEC = _label_codec(of_set=True, binary=False)
BINARY_ENUM_CODEC = _label_codec(of_set=False, binary=True)
BINARY_SET_CODEC = _label_codec(of_set=True, binary=True)
JSON_CODEC = WriteCodec(_write_json, _stored_json)
BINARY_CODEC = WriteCodec(_write_binary, _stored_binary, decodes_ids=True)
PADDED_BINARY_CODEC = WriteCodec(_write_binary, _stored_padded_binary, decodes_ids=True)
GEOMETRY_CODEC = WriteCodec(_write_geometry, _stored_geometry)
