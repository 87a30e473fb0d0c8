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
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import orjson
from custom_connector_sdk.connector.fields import FieldDataType as T
from pymysql.constants import FIELD_TYPE
from pymysql.converters import conversions

__all__ = ["TYPES", "ColumnType", "Fixup", "column_type", "decoders"]

logger = logging.getLogger(__name__)

Fixup = Callable[[Any], Any]


# --- codecs: wire text -> JSON-ready value ------------------------------------

def read_date(text: str) -> str | None:
    """DATE as 'YYYY-MM-DD'; zero or invalid dates (MySQL lets them in) are null.

    >>> read_date("2024-02-29"), read_date("0000-00-00"), read_date("2022-11-00")
    ('2024-02-29', None, None)
    """
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


def read_datetime_utc(text: str) -> str | None:
    """DATETIME/TIMESTAMP stored in UTC, as ISO-8601 with offset.

    >>> read_datetime_utc("2024-01-02 03:04:05.250"), read_datetime_utc("0000-00-00 00:00:00")
    ('2024-01-02T03:04:05.250Z', None)
    """
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    return f"{text[:10]}T{text[11:]}Z"


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
        try:
            return datetime.fromisoformat(text).replace(tzinfo=zone).isoformat()
        except ValueError:
            return None

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


def read_json_text(text: str) -> orjson.Fragment:
    """JSON text the server validated, embedded as-is (MySQL's JSON, MariaDB's JSON_VALID LONGTEXT)."""
    return orjson.Fragment(text)


def decoders(source_time_zone: str) -> dict[Any, Any]:
    """PyMySQL decoders for a connection that reads rows for AppFlow."""
    conv = dict(conversions)
    conv.update({
        FIELD_TYPE.DECIMAL: orjson.Fragment,
        FIELD_TYPE.NEWDECIMAL: orjson.Fragment,
        FIELD_TYPE.DATE: read_date,
        FIELD_TYPE.NEWDATE: read_date,
        FIELD_TYPE.DATETIME: datetime_reader(source_time_zone),
        FIELD_TYPE.TIMESTAMP: read_datetime_utc,  # the session's time_zone is +00:00
        FIELD_TYPE.TIME: str,
        FIELD_TYPE.BIT: read_bits,
        FIELD_TYPE.JSON: read_json_text,
    })
    return conv


# --- the table ------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnType:
    """How one MySQL type is declared to AppFlow, read and used as a key.

    ``select`` wraps the quoted column in the SELECT list; ``fixup`` turns what
    the decoder produced into the JSON value when the wire type alone cannot;
    ``key`` says how a key column is carried in a nextToken ('int', 'decimal',
    'text', 'hex') or None when the type cannot order a keyset.
    """

    field_type: T
    select: str = "{}"
    fixup: Fixup | None = None
    key: str | None = "text"


_INT = ColumnType(T.Integer, key="int")
TYPES: dict[str, ColumnType] = {
    "tinyint": ColumnType(T.Short, key="int"),
    "smallint": ColumnType(T.Short, key="int"),
    "mediumint": _INT,
    "int": _INT,
    "integer": _INT,
    "bigint": ColumnType(T.Long, key="int"),
    "decimal": ColumnType(T.BigDecimal, key="decimal"),
    "float": ColumnType(T.Float, key=None),
    "double": ColumnType(T.Double, key=None),
    "bit": ColumnType(T.Long, key="int", select="{}"),
    "date": ColumnType(T.Date),
    "datetime": ColumnType(T.DateTime),
    "timestamp": ColumnType(T.DateTime),
    "time": ColumnType(T.String),
    "year": ColumnType(T.Integer, key="int"),
    "char": ColumnType(T.String),
    "varchar": ColumnType(T.String),
    "tinytext": ColumnType(T.String, key=None),
    "text": ColumnType(T.String, key=None),
    "mediumtext": ColumnType(T.String, key=None),
    "longtext": ColumnType(T.String, key=None),
    "enum": ColumnType(T.String, key=None),
    "set": ColumnType(T.String, key=None),
    "json": ColumnType(T.Struct, key=None),
    "binary": ColumnType(T.ByteArray, fixup=read_base64, key="hex"),
    "varbinary": ColumnType(T.ByteArray, fixup=read_base64, key="hex"),
    "tinyblob": ColumnType(T.ByteArray, fixup=read_base64, key=None),
    "blob": ColumnType(T.ByteArray, fixup=read_base64, key=None),
    "mediumblob": ColumnType(T.ByteArray, fixup=read_base64, key=None),
    "longblob": ColumnType(T.ByteArray, fixup=read_base64, key=None),
    **{geo: ColumnType(T.String, select="ST_AsText({})", key=None) for geo in (
        "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
        "geometrycollection", "geomcollection")},
}
_UNKNOWN = ColumnType(T.String, key=None)
_BOOLEAN_INT = ColumnType(T.Boolean, fixup=bool, key="int")
_BOOLEAN_BIT = ColumnType(T.Boolean, fixup=bool, key="int")
_STRUCT_TEXT = ColumnType(T.Struct, fixup=read_json_text, key=None)
_WIDENED = {"tinyint": T.Short, "smallint": T.Integer, "mediumint": T.Integer, "int": T.Long, "bigint": T.BigInteger}
_SIGNED = {"tinyint": T.Short, "smallint": T.Short, "mediumint": T.Integer, "int": T.Integer, "bigint": T.Long}


def column_type(data_type: str, column_type_text: str, *, tinyint1_as_boolean: bool = True,
                json_checked: bool = False) -> ColumnType:
    """The ColumnType of one column, from information_schema's DATA_TYPE and COLUMN_TYPE.

    >>> column_type("bigint", "bigint(20) unsigned").field_type.name
    'BigInteger'
    >>> column_type("tinyint", "tinyint(1)").field_type.name
    'Boolean'
    >>> column_type("longtext", "longtext", json_checked=True).field_type.name
    'Struct'
    """
    data_type = data_type.lower()
    column_text = column_type_text.lower()
    if data_type == "tinyint" and column_text.startswith("tinyint(1)") and tinyint1_as_boolean:
        return _BOOLEAN_INT
    if data_type == "bit" and column_text == "bit(1)":
        return _BOOLEAN_BIT
    if json_checked and data_type == "longtext":
        return _STRUCT_TEXT  # MariaDB's JSON: LONGTEXT with a JSON_VALID check
    if data_type in _SIGNED:
        widened = _WIDENED if "unsigned" in column_text else _SIGNED
        return ColumnType(widened[data_type], key="int")
    found = TYPES.get(data_type)
    if found is None:
        logger.warning("unknown MySQL type %s: read as String", column_type_text)
        return _UNKNOWN
    return found
