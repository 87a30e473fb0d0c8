"""Read codecs: wire text -> JSON (decoders, fix-ups, wire forms); must not import connector.types or the write side.

Reads go from the wire straight to the JSON form, once: PyMySQL's decoders
(keyed by wire type) are replaced so that DECIMAL arrives as an
``orjson.Fragment`` of the exact stored digits and DATETIME/TIMESTAMP as
ISO-8601 text with an offset, never as Decimal/datetime objects that would be
re-encoded. What depends on the column rather than the wire type (TINYINT(1)
and BIT(1) as booleans, binary as base64, MariaDB's JSON-in-LONGTEXT) is a
per-column fix-up, which the type table names. No connection code here
(connector.database, pymysql.connections): the decoders are handed to it.
"""

from __future__ import annotations

import base64
import json
import re
import zoneinfo
from collections.abc import Callable
from datetime import timedelta
from enum import IntEnum
from functools import cache, lru_cache
from typing import Any

import orjson
from pymysql.constants import FIELD_TYPE
from pymysql.converters import conversions

from connector.dates import calendar_date, parse_wall_clock, plainly_valid

__all__ = [
    "Fixup", "UnreadableValueError", "WireForm", "datetime_reader", "decoders", "read_base64", "read_binary_label",
    "read_bits", "read_date", "read_datetime_utc", "read_decimal", "read_json_checked", "read_json_text",
    "wire_form",
]

Fixup = Callable[[Any], Any]


def read_date(text: str) -> str | None:
    """DATE as 'YYYY-MM-DD'; dates with a zero part or a day the month lacks are null.

    >>> read_date("2024-02-29"), read_date("0000-00-00"), read_date("2022-11-00"), read_date("2023-02-30")
    ('2024-02-29', None, None, None)
    >>> read_date("0000-11-30")
    '0000-11-30'
    """
    return text if plainly_valid(text) or calendar_date(text) else None


def read_datetime_utc(text: str) -> str | None:
    """DATETIME/TIMESTAMP stored in UTC, as ISO-8601 with offset.

    >>> read_datetime_utc("2024-01-02 03:04:05.250"), read_datetime_utc("0000-00-00 00:00:00")
    ('2024-01-02T03:04:05.250Z', None)
    >>> read_datetime_utc("2023-02-30 00:00:00"), read_datetime_utc("2024-02-29 23:59:59")
    (None, '2024-02-29T23:59:59Z')
    >>> read_datetime_utc("0000-11-30 10:00:00")
    '0000-11-30T10:00:00Z'
    """
    if not (plainly_valid(text) or calendar_date(text)):
        return None
    return f"{text[:10]}T{text[11:]}Z"


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
        if not (plainly_valid(text) or calendar_date(text)):
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
