"""WriteData stores what the server stores for a value it reads as written, and refuses what it would reinterpret.

A generated corpus of number-shaped, label-shaped and fraction-shaped values (JSON strings and JSON numbers,
with the peers' values of tests/peer_values.py) is written into every relevant column type twice: through
``handlers.app.lambda_handler`` (WriteData INSERT), and as a parameter-bound PyMySQL INSERT in a strict session
(the connector's sql_mode). For each value the two must agree:

* the server refuses it -> the connector refuses it (the record fails, its message names the field);
* the server stores it as written -> the connector stores the same;
* the server would silently store something else -> the connector refuses it, naming the field and the rule.
  These are the connector's stricter rules (``refusal``), each asserted for every value it covers:

  - NUMBERS: a string in a numeric column must be ASCII digits with an optional sign, fraction and exponent
    (``connector.value_rules.number_text``). MariaDB refuses '1_000', '١٢' and '１２' itself, but Python's int(),
    Decimal() and float() read them as 1000 and 12; MySQL reads ' 12 ' and '1.' as numbers too, which no JSON
    number is. An integer column takes only whole numbers (MySQL rounds '2.5' to 3).
  - FRACTIONS: a digit past the column's precision that is not 0 fails (DECIMAL(p,s), FLOAT(M,D), TIME(n),
    DATETIME(n), TIMESTAMP(n)); MySQL cuts TIME/DATETIME/TIMESTAMP fractions and rounds DECIMAL from text and
    FLOAT(M,D) without an error, even in strict mode.
  - UNDERFLOW: a non-zero number that FLOAT or DOUBLE would hold as 0 ('1e-400', '1e-50' into FLOAT) fails.
  - LABELS: digits that are not one of an ENUM's or SET's labels fail: MySQL reads them as a label's position
    ('2' is the second label) or a bitmask ('6' into SET('5','7','9') stores '7,9'), even in strict mode.

* Where the connector means a value differently from a bound string, it says so here (``connector_reading``):
  a number-shaped string in BIT(n) or YEAR is the number it spells (bound as a string, BIT would store its
  bytes and YEAR read '0' as 2000), and a JSON number in an ENUM or SET is the label of that text, never a
  position. Other forms the connector has long refused (a DATE that is not YYYY-MM-DD, a zero date, a YEAR of
  1-1900, TIME text it does not parse) are listed as ``FORM`` refusals.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pymysql
import pytest
from custom_connector_sdk.connector.fields import FieldDataType as T

from connector.errors import InvalidArgumentError
from connector.filters import FilterColumn, compile_filter
from connector.record_decoding import _DECODER
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, sql
from tests.peer_values import PEER_VALUES

# --- the columns ----------------------------------------------------------------------------------

INTEGERS = {
    "ti": "TINYINT", "tu": "TINYINT UNSIGNED", "si": "SMALLINT", "su": "SMALLINT UNSIGNED", "mi": "MEDIUMINT",
    "mu": "MEDIUMINT UNSIGNED", "i": "INT", "iu": "INT UNSIGNED", "bi": "BIGINT", "bu": "BIGINT UNSIGNED",
    "iz": "INT(11) UNSIGNED ZEROFILL",
}
DECIMALS = {"d52": "DECIMAL(5,2)", "d10": "DECIMAL(10,0)", "d65": "DECIMAL(65,30)", "du": "DECIMAL(6,2) UNSIGNED",
            "d73": "NUMERIC(7,5)", "d193": "DECIMAL(19,2)"}
FLOATS = {"f": "FLOAT", "db": "DOUBLE", "f102": "FLOAT(10,2)", "d102": "DOUBLE(10,2)", "fu": "FLOAT UNSIGNED"}
BITS = {"b8": "BIT(8)", "b64": "BIT(64)", "b7": "BIT(7)"}
YEARS = {"yr": "YEAR"}
LABELS = {
    "en": "ENUM('a','b','c')", "end": "ENUM('1','2','10')", "enr": "ENUM('2','1')",
    "enc": "ENUM('é','B','x,y') COLLATE utf8mb4_unicode_ci", "ensp": "ENUM('a  ','b')",
    "enb": "ENUM('a ','2 ','b') CHARACTER SET binary", "enl": "ENUM('xs','s','m','l','xl') CHARACTER SET latin1",
    "st": "SET('a','b','c')", "sd": "SET('5','7','9')", "stb": "SET('x','y') CHARACTER SET binary",
}
TIMES = {f"t{n}": f"TIME({n})" for n in range(7)}
DATETIMES = {f"dt{n}": f"DATETIME({n})" for n in range(7)}
TIMESTAMPS = {f"ts{n}": f"TIMESTAMP({n}) NULL" for n in range(7)}
DATES = {"dte": "DATE"}
COLUMNS = {**INTEGERS, **DECIMALS, **FLOATS, **BITS, **YEARS, **LABELS, **TIMES, **DATETIMES, **TIMESTAMPS, **DATES}

# --- the values (JSON texts, read as the writer reads them: numbers as int or Decimal) ------------------

NUMBER_TEXTS = [
    # strings: ASCII numbers, and what Python's parsers take besides
    '"12"', '"-12"', '"+5"', '"5"', '"007"', '"0"', '"-0"', '"00"', '"0000"', '"1e3"', '"1E2"', '"1e-2"', '"2.0"',
    '"1.5"', '"2.5"', '"1.50"', '"1.234"', '"1.230"', '"0.001"', '"5.617"', '"5.61"', '"123.4567"', '"99999999.99"',
    '"255"', '"256"', '"-128"', '"-129"', '"65535"', '"4294967295"', '"4294967296"', '"9223372036854775807"',
    '"-9223372036854775809"', '"18446744073709551615"', '"18446744073709551616"', '"1901"', '"2155"', '"2156"',
    '"1900"', '"50"', '"2024.0"', '"1e400"', '"1e-400"',
    '"1_000"', '"1_0"', '"\\u0661\\u0662"', '"\\uff11\\uff12"', '"\\u0663"', '"\\u0968"', '"\\ud835\\udfd9"',
    '" 12"', '"12 "', '" 12 "', '"\\t12"', '"12\\n"', '"\\u00a012"', '"12\\u2003"', '"0x10"', '"0b1"', '"1."',
    '".5"', '"1e"', '"--5"', '"- 5"', '"1,000"', '"12abc"', '"Infinity"', '"-Infinity"', '"NaN"', '"inf"', '""',
    '" "', '"true"',
    # JSON numbers
    "12", "-12", "0", "-0", "2.0", "1.5", "2.5", "1e5", "1E2", "1e-2", "1.50", "1.234", "5.617", "0.1", "255", "256",
    "-129", "65535", "4294967295", "9223372036854775807", "-9223372036854775809", "18446744073709551615",
    "18446744073709551616", "2024", "1901", "2155", "5", "1e400", "true", "false", "null",
]
LABEL_TEXTS = [
    '"a"', '"A"', '"b"', '"b "', '" b"', '"a "', '"a  "', '"2"', '"02"', '"+2"', '" 2"', '"2 "', '"\\t2"', '"00002"',
    '"0"', '"-1"', '"4"', '"10"', '"3"', '"1"', '"1 "', '"2.0"', '"1e0"', '""', '"a,b"', '"b,a"', '"a,a"', '"a, b"',
    '"a,3"', '"3 "', '"5"', '"6"', '"7"', '"5,7"', '"7,9"', '"9,5"', '"x,y"', '"y"', '"é"', '"e"', '"E"',
    '"\\uff11"', '"\\u0662"', '"xl"', '"XL"',
    "2", "1", "10", "3", "0", "6", "2.0", "1e0", "true",
]
TIME_TEXTS = [
    '"12:00:00"', '"12:00:00.5"', '"12:00:00.50"', '"12:00:00.000"', '"12:00:00.12"', '"12:00:00.120"',
    '"12:00:00.123"', '"12:00:00.1234"', '"12:00:00.123456"', '"12:00:00.000000"', '"12:00:00.1234560"',
    '"12:00:00.1234567"', '"-12:00:00.5"', '"-00:00:00.000001"', '"838:59:59.5"', '"838:59:59"', '"12:00"',
    '" 12:00:00"', '"1200"', '"12:60:00"', '"\\u0661\\u0662:00:00"', '"12:00:00.\\u0665"',
]
DATETIME_TEXTS = [
    '"2024-01-31T10:00:00"', '"2024-01-31 10:00:00"', '"2024-01-31T10:00:00.5"', '"2024-01-31T10:00:00.50"',
    '"2024-01-31T10:00:00.000"', '"2024-01-31T10:00:00.12"', '"2024-01-31T10:00:00.120"', '"2024-01-31T10:00:00.123"',
    '"2024-01-31T10:00:00.1234"', '"2024-01-31T10:00:00.123456"', '"2024-01-31T10:00:00.000000"',
    '"2024-01-31T10:00:00.1234560"', '"2024-01-31T10:00:00.1234567"', '"2024-01-31 10:00:00.999999"',
    '"2024-01-31T10:00:00,5"', '"2024-01-31T10:00"', '"2024-01-31"', '"\\u0662\\u0660\\u0662\\u0664-01-31T10:00:00"',
    '"2024-01-31T10:00:00.\\u0665"',
]
DATE_TEXTS = ['"2024-01-31"', '"2024-02-29"', '"2024-02-30"', '"2024-01-31T00:00:00"', '"2024-1-31"',
              '"\\u0662\\u0660\\u0662\\u0664-\\u0660\\u0661-\\u0663\\u0661"', '"2024/01/31"', '"0000-00-00"']
# values in the offsets' form: the connector converts them to the column's zone (UTC here: the same wall clock)
OFFSET_TEXTS = ['"2024-01-31T10:00:00Z"', '"2024-01-31T10:00:00.5Z"', '"2024-01-31T10:00:00.500+00:00"']


def _peer_json(literal: str) -> str | None:
    """A peer's SQL literal as the JSON value AppFlow would send (a quoted string or a bare number), else None."""
    if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", literal):
        return literal
    if re.fullmatch(r"'(?:[^'\\]|'')*'", literal):
        return json.dumps(literal[1:-1].replace("''", "'"))
    return None  # NULL, b'..', X'..', functions: not a JSON value


# peers' column types of the families under test, with their values
_PEER_FAMILIES = ("TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "BIT", "DECIMAL", "NUMERIC", "FLOAT", "DOUBLE",
                  "YEAR", "ENUM", "SET", "TIME", "DATETIME", "TIMESTAMP", "DATE")
PEERS = {f"peer{i}": (ddl if not ddl.startswith("TIMESTAMP") else ddl + " NULL", texts)
         for i, (ddl, literals, _) in enumerate(PEER_VALUES)
         if ddl.split("(")[0].split(" ")[0].upper() in _PEER_FAMILIES and ddl != "BOOLEAN"
         and (texts := [t for t in map(_peer_json, literals) if t is not None])}


def corpus() -> Iterator[tuple[str, str, str]]:
    """(column, its DDL type, a JSON value's text) for every pair the comparison writes."""
    for family, texts in ((INTEGERS, NUMBER_TEXTS), (DECIMALS, NUMBER_TEXTS), (FLOATS, NUMBER_TEXTS),
                          (BITS, NUMBER_TEXTS), (YEARS, NUMBER_TEXTS), (LABELS, LABEL_TEXTS + NUMBER_TEXTS[:20]),
                          (TIMES, TIME_TEXTS + NUMBER_TEXTS[:8]), (DATETIMES, DATETIME_TEXTS + OFFSET_TEXTS),
                          (TIMESTAMPS, DATETIME_TEXTS + OFFSET_TEXTS), (DATES, DATE_TEXTS + DATETIME_TEXTS[:3])):
        for column, ddl in family.items():
            for text in texts:
                yield column, ddl, text
    for column, (ddl, texts) in PEERS.items():
        for text in texts:
            yield column, ddl, text


# --- the connector's rules, written out independently of its code -----------------------------------

_ASCII_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_INDEX_SHAPE = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+ *")
_FRACTION = re.compile(r":[0-9]{2}[.,]([0-9]+)")


def kind_of(ddl: str) -> str:
    head = ddl.split("(")[0].split(" ")[0].upper()
    return {"NUMERIC": "DECIMAL", "INT": "INTEGER", "TINYINT": "INTEGER", "SMALLINT": "INTEGER",
            "MEDIUMINT": "INTEGER", "BIGINT": "INTEGER", "DOUBLE": "FLOAT"}.get(head, head)


def scale_of(ddl: str) -> int | None:
    """Digits after the point that DECIMAL(p,s), FLOAT(M,D), TIME(n), DATETIME(n) and TIMESTAMP(n) keep."""
    kind = kind_of(ddl)
    two = re.search(r"\((\d+),\s*(\d+)\)", ddl)
    one = re.search(r"\((\d+)\)", ddl)
    if kind == "DECIMAL":
        return int(two.group(2)) if two else 0
    if kind == "FLOAT":
        return int(two.group(2)) if two else None
    if kind in ("TIME", "DATETIME", "TIMESTAMP"):
        return int(one.group(1)) if one else 0
    return None


def ddl_labels(ddl: str) -> list[str]:
    labels = [raw.replace("''", "'") for raw in re.findall(r"'((?:[^'\\]|'')*)'", ddl)]
    return labels if "binary" in ddl.lower() else [label.rstrip(" ") for label in labels]


def past_scale(digits: str, scale: int) -> bool:
    return bool(digits[scale:].strip("0"))


def decimal_digits_past(number: Decimal, scale: int) -> bool:
    text = format(number, "f")
    return past_scale(text.partition(".")[2], scale)


@dataclass(frozen=True)
class Expected:
    kind: str  # "refusal" (the connector's own rule), "form" (a form it has long refused), "server", "reading"
    words: tuple[str, ...] = ()  # a refusal's message says one of these
    bound: Any = None  # "server" and "reading": what the reference INSERT binds


def expected(ddl: str, value: Any) -> Expected:
    """What the connector must do with ``value`` in a column of ``ddl``, by the rules the module docstring lists."""
    kind = kind_of(ddl)
    if value is None:
        return Expected("server", bound=None)
    if kind in ("INTEGER", "DECIMAL", "FLOAT", "BIT", "YEAR"):
        return _numeric(ddl, kind, value)
    if kind in ("ENUM", "SET"):
        return _label(ddl, value)
    if kind in ("TIME", "DATETIME", "TIMESTAMP", "DATE"):
        return _temporal(ddl, kind, value)
    raise AssertionError(ddl)


def _numeric(ddl: str, kind: str, value: Any) -> Expected:
    if isinstance(value, bool):
        if kind in ("DECIMAL", "FLOAT"):
            return Expected("form", ("a decimal number", "a number"))
        if kind == "YEAR" and value:
            return Expected("form", ("a year from 1901 to 2155",))  # true is 1, which MySQL would store as 2001
        return Expected("server", bound=int(value))  # true/false are 1/0 in integer columns
    if isinstance(value, str):
        if not _ASCII_NUMBER.fullmatch(value):
            return Expected("refusal", ("ASCII digits",))
        number = Decimal(value)
    else:
        number = Decimal(value)
    if kind in ("INTEGER", "BIT", "YEAR") and number != number.to_integral_value():
        return Expected("refusal", ("a whole number",))
    scale = scale_of(ddl)
    if scale is not None and decimal_digits_past(number, scale):
        return Expected("refusal", ("after the decimal point",))
    if kind == "FLOAT" and abs(number) > Decimal("1.7976931348623157e308"):
        return Expected("refusal", ("a finite number",))
    if kind == "FLOAT" and number != 0 and (float(number) == 0 or (
            ddl.upper().startswith("FLOAT") and struct.unpack("<f", struct.pack("<f", float(number)))[0] == 0)):
        return Expected("refusal", ("too close to 0",))  # MySQL would store it as 0 without a word
    if kind == "YEAR" and 0 < number < 1901:
        return Expected("form", ("a year from 1901 to 2155",))  # MySQL would store 1-99 as another year
    if kind == "BIT" and number < 0:
        return Expected("refusal", ("a whole number from 0",))  # BIT(64) would store -12 as 2**64 - 12
    if kind in ("BIT", "YEAR") and isinstance(value, str):
        # the number the text spells (a bound string would be BIT's bytes, and '0' YEAR 2000)
        return Expected("reading", bound=int(number))
    return Expected("server", bound=value)


def _label(ddl: str, value: Any) -> Expected:
    if isinstance(value, bool):
        return Expected("form", ("a string",))
    text = value if isinstance(value, str) else str(value)
    binary = "binary" in ddl.lower()
    if _INDEX_SHAPE.fullmatch(text) and (text if binary else text.rstrip(" ")) not in ddl_labels(ddl):
        return Expected("refusal", ("labels",))
    # a JSON number is the label of its text: bound as that text (bound as a number, it would be a position)
    return Expected("server" if isinstance(value, str) else "reading", bound=text)


def _temporal(ddl: str, kind: str, value: Any) -> Expected:
    forms = ("a time like", "date-time", "a date like")
    if not isinstance(value, str) or re.search(r"[^\x00-\x7f]", value):  # only ASCII digits are digits
        return Expected("form", forms)
    if kind in ("DATE", "DATETIME", "TIMESTAMP") and not _calendar_day(value[:10]):
        return Expected("form", forms)  # zero dates and days a month lacks: no day to write
    if kind == "DATE":
        good = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
        return Expected("server", bound=value) if good else Expected("form", ("a date like",))
    if kind == "TIME" and not re.fullmatch(r"-?[0-9]{1,3}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?", value.strip()):
        return Expected("form", ("a time like",))
    if kind != "TIME" and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?"
                                           r"(Z|[+-][0-9]{2}:[0-9]{2})?)?", value):
        return Expected("form", ("date-time",))
    fraction = _FRACTION.search(value)
    if fraction and past_scale(fraction.group(1), scale_of(ddl) or 0):
        return Expected("refusal", ("of a second",))
    if kind != "TIME" and (value.endswith("Z") or value.endswith("+00:00") or "," in value):
        # an offset is applied (UTC here: the same wall clock), a comma is ISO's other decimal sign
        wall = re.sub(r"(Z|\+00:00)$", "", value).replace(",", ".")
        return Expected("reading", bound=wall)
    return Expected("server", bound=value)


def _calendar_day(text: str) -> bool:
    """'YYYY-MM-DD' names a day (year 0 too, which Python lacks)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return text[:4].isdigit() and len(text) < 10  # '18-04-01' and the like: the form decides
    try:
        date.fromisoformat(("2000" if text[:4] == "0000" else text[:4]) + text[4:])
    except ValueError:
        return False
    return True


# --- the two writes ---------------------------------------------------------------------------------------

def _reference_session(server: ServerAddress, database: str) -> pymysql.Connection:
    """A session as the connector's write sessions are: strict (STRICT_ALL_TABLES added), UTC."""
    conn = server.connect(database)
    with conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00', sql_mode = IF(@@SESSION.sql_mode = '', 'STRICT_ALL_TABLES', "
                    "CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES'))")
    return conn


def _shown(name: str, ddl: str) -> str:
    """The stored value as text: BIT as its number, a binary label as hex."""
    if kind_of(ddl) == "BIT":
        return f"CAST(`{name}` + 0 AS CHAR)"
    if "binary" in ddl.lower():
        return f"HEX(`{name}`)"
    return f"CAST(`{name}` AS CHAR)"


@dataclass
class Outcome:
    column: str
    ddl: str
    text: str
    value: Any
    expected: Expected
    connector_ok: bool = False
    connector_error: str | None = None
    connector_stored: Any = None
    server_ok: bool = False
    server_error: str | None = None
    server_stored: Any = None


@pytest.fixture(scope="module")
def outcomes(call: Caller, exact_db: dict[str, Any], mysql_server: ServerAddress) -> dict[tuple[str, str], Outcome]:
    """Every corpus value written both ways, with what each stored or why it refused."""
    columns = {**COLUMNS, **{name: ddl for name, (ddl, _) in PEERS.items()}}
    body = ", ".join(f"`{name}` {ddl}" for name, ddl in columns.items())
    sql(exact_db, f"CREATE TABLE rules (id INT PRIMARY KEY, {body})",
        f"CREATE TABLE rules_ref (id INT PRIMARY KEY, {body})")
    pairs = list(dict.fromkeys(corpus()))
    found: dict[tuple[str, str], Outcome] = {}
    records = []
    for row_id, (column, ddl, text) in enumerate(pairs, start=1):
        value = _DECODER.decode(text)
        found[column, text] = Outcome(column, ddl, text, value, expected(ddl, value))
        records.append(f'{{"id": {row_id}, "{column}": {text}}}')
    response = call("WriteDataRequest", entityIdentifier=identifier(exact_db, "rules"), operation="INSERT",
                    records=records)
    results = response["writeRecordResults"]
    assert len(results) == len(pairs), response
    reference = _reference_session(mysql_server, exact_db["database"])
    try:
        for row_id, ((column, _, text), result) in enumerate(zip(pairs, results, strict=True), start=1):
            outcome = found[column, text]
            outcome.connector_ok, outcome.connector_error = result["isSuccess"], result["errorMessage"]
            bound = outcome.expected.bound if outcome.expected.kind in ("server", "reading") else outcome.value
            try:
                with reference.cursor() as cur:
                    cur.execute(f"INSERT INTO rules_ref (id, `{column}`) VALUES (%s, %s)", (row_id, bound))
                outcome.server_ok = True
            except pymysql.err.MySQLError as exc:
                outcome.server_error = str(exc.args[1])
        for table, side in (("rules", "connector_stored"), ("rules_ref", "server_stored")):
            for column, ddl in columns.items():
                rows = sql(exact_db, f"SELECT id, {_shown(column, ddl)} FROM {table} WHERE `{column}` IS NOT NULL")
                for row_id, stored in rows:
                    setattr(found[pairs[row_id - 1][0], pairs[row_id - 1][2]], side, stored)
    finally:
        reference.close()
    return found


def _names(message: str | None, column: str) -> bool:
    """The message names the field: the connector's 'field' or the server's quoted or `schema`.`table`.`column`."""
    return re.search(rf"['`]{re.escape(column)}['`]", message or "") is not None


def _describe(o: Outcome) -> str:
    return (f"{o.column} {o.ddl} {o.text}: expected {o.expected.kind}; connector {o.connector_ok} "
            f"{o.connector_stored!r} {o.connector_error!r}; server {o.server_ok} {o.server_stored!r} "
            f"{o.server_error!r}")


# --- the assertions -------------------------------------------------------------------------------------

def test_the_corpus_covers_every_column_type_and_rule(outcomes: dict[tuple[str, str], Outcome]) -> None:
    kinds = {kind_of(o.ddl) for o in outcomes.values()}
    assert kinds == {"INTEGER", "DECIMAL", "FLOAT", "BIT", "YEAR", "ENUM", "SET", "TIME", "DATETIME", "TIMESTAMP",
                     "DATE"}
    counts = {kind: sum(o.expected.kind == kind for o in outcomes.values())
              for kind in ("refusal", "form", "server", "reading")}
    assert min(counts.values()) >= 20, counts
    assert len(PEERS) >= 30, sorted(PEERS)
    assert sum(o.column.startswith("peer") for o in outcomes.values()) >= 100


def test_values_the_server_reads_as_written_are_stored_as_the_server_stores_them(
        outcomes: dict[tuple[str, str], Outcome]) -> None:
    wrong = [_describe(o) for o in outcomes.values() if o.expected.kind in ("server", "reading") and (
        o.connector_ok != o.server_ok or o.connector_stored != o.server_stored)]
    assert not wrong, "\n".join(wrong[:40])
    stored = [o for o in outcomes.values() if o.expected.kind == "server" and o.server_ok]
    assert len(stored) >= 500  # most of the corpus really is stored, both ways


def test_the_server_refusing_a_value_fails_its_record_naming_the_field(
        outcomes: dict[tuple[str, str], Outcome]) -> None:
    refused = [o for o in outcomes.values() if not o.server_ok and o.expected.kind == "server"]
    wrong = [_describe(o) for o in refused if o.connector_ok or not _names(o.connector_error, o.column)]
    assert not wrong, "\n".join(wrong[:40])
    assert len(refused) >= 100


def test_the_connectors_stricter_rules_refuse_with_a_message_naming_field_and_rule(
        outcomes: dict[tuple[str, str], Outcome]) -> None:
    ruled = [o for o in outcomes.values() if o.expected.kind in ("refusal", "form")]
    wrong = [_describe(o) for o in ruled if o.connector_ok or o.connector_stored is not None
             or f"field '{o.column}'" not in (o.connector_error or "")
             or not any(word in (o.connector_error or "") for word in o.expected.words)]
    assert not wrong, "\n".join(wrong[:40])


def test_what_the_stricter_rules_refuse_the_server_would_silently_store_otherwise(
        outcomes: dict[tuple[str, str], Outcome]) -> None:
    """The refusals are not arbitrary: each of these the strict server took and stored as another value."""
    def server_stored(column: str, text: str) -> Any:
        o = outcomes[column, text]
        assert o.expected.kind == "refusal" and not o.connector_ok, _describe(o)
        assert o.server_ok, _describe(o)
        return o.server_stored

    assert server_stored("i", '"1.5"') == "2"  # rounded
    assert server_stored("i", '"2.5"') == "3"
    assert server_stored("i", '" 12"') == "12"  # MySQL's own text form, which JSON has no number for
    assert server_stored("d52", '"1.234"') == "1.23"  # rounded from text
    assert server_stored("d10", '"0.001"') == "0"
    assert server_stored("f102", '"5.617"') == "5.62"
    assert server_stored("d102", "5.617") == "5.62"
    assert server_stored("en", '"2"') == "b"  # a position
    assert server_stored("en", '" 2"') == "b"
    assert server_stored("en", '"2 "') == "b"
    assert server_stored("en", '"00002"') == "b"
    assert server_stored("enr", '"02"') == "1"
    assert server_stored("sd", '"6"') == "7,9"  # a bitmask
    assert server_stored("st", '"0"') == ""
    assert server_stored("st", '"3"') == "a,b"
    assert server_stored("end", '"3"') == "10"
    assert server_stored("t0", '"12:00:00.5"') == "12:00:00"  # cut
    assert server_stored("t2", '"12:00:00.123"') == "12:00:00.12"
    assert server_stored("dt0", '"2024-01-31T10:00:00.5"') == "2024-01-31 10:00:00"
    assert server_stored("dt1", '"2024-01-31T10:00:00.12"') == "2024-01-31 10:00:00.1"
    assert server_stored("ts3", '"2024-01-31T10:00:00.1234"') == "2024-01-31 10:00:00.123"
    assert server_stored("dt6", '"2024-01-31T10:00:00.1234567"') == "2024-01-31 10:00:00.123456"
    assert server_stored("b64", "-12") == str(2**64 - 12)  # BIT(64) wraps a negative number
    # and what only Python's parsers took as numbers the server refuses outright
    for text in ('"1_000"', '"1_0"', '"\\u0661\\u0662"', '"\\uff11\\uff12"', '"\\u00a012"', '"Infinity"', '"NaN"'):
        for column in ("i", "d52", "db", "yr"):
            o = outcomes[column, text]
            assert o.expected.kind == "refusal" and not o.connector_ok and not o.server_ok, _describe(o)


def test_digits_that_are_labels_are_labels(outcomes: dict[tuple[str, str], Outcome]) -> None:
    """ENUM('1','2','10'): '2' is a label and stores '2'; a JSON number is the label of its text; trailing
    spaces do not count (except in a binary character set), case does where the collation says."""
    def stored(column: str, text: str) -> Any:
        o = outcomes[column, text]
        assert o.connector_ok, _describe(o)
        return o.connector_stored

    assert stored("end", '"2"') == "2" and stored("end", '"10"') == "10" and stored("end", "10") == "10"
    assert stored("enr", '"2"') == "2" and stored("enr", "2") == "2"  # a bound number 2 would store '1'
    assert stored("enr", '"2 "') == "2"
    assert stored("sd", '"5"') == "5" and stored("sd", '"9,5"') == "5,9"
    assert stored("en", '"A"') == "a" and stored("enc", '"e"') == "é"  # the collation matches them
    assert stored("ensp", '"a"') == "a"  # MySQL drops a label's trailing spaces
    assert stored("enb", '"2 "') == "3220" and stored("enb", '"a "') == "6120"  # binary: the bytes, spaces too
    for column, text in (("enb", '"2"'), ("enb", '"1 "'), ("en", "2"), ("end", "3"), ("sd", "6"), ("en", '"0"')):
        o = outcomes[column, text]
        assert not o.connector_ok and "labels" in (o.connector_error or ""), _describe(o)


def test_connector_readings_differ_from_a_bound_string_as_documented(
        outcomes: dict[tuple[str, str], Outcome], mysql_server: ServerAddress, exact_db: dict[str, Any]) -> None:
    """BIT and YEAR take a number-shaped string as the number; bound as a string, the server reads it otherwise."""
    assert outcomes["b8", '"5"'].connector_stored == "5"
    assert outcomes["yr", '"0"'].connector_stored == "0000"
    assert outcomes["yr", '"2024.0"'].connector_stored == "2024"
    conn = _reference_session(mysql_server, exact_db["database"])
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TEMPORARY TABLE strings (b BIT(8), y YEAR)")
            cur.execute("INSERT INTO strings VALUES (%s, %s)", ("5", "0"))
            cur.execute("SELECT b + 0, CAST(y AS CHAR) FROM strings")
            assert cur.fetchone() == (53, "2000")  # the byte '5', and the two-digit year 0
    finally:
        conn.close()


def test_fraction_messages_name_the_field_and_the_precision(outcomes: dict[tuple[str, str], Outcome]) -> None:
    assert outcomes["t0", '"12:00:00.5"'].connector_error == (
        "field 't0' (time) needs no fraction of a second (the column keeps whole seconds; MySQL would drop the "
        "fraction), got \"12:00:00.5\"")
    assert "field 'dt3' (datetime(3)) needs at most 3 digits of a second" in (
        outcomes["dt3", '"2024-01-31T10:00:00.1234"'].connector_error or "")
    assert "at most 8 digits before and 2 after the decimal point" in (
        outcomes["f102", '"5.617"'].connector_error or "")
    for column, text in (("t0", '"12:00:00.000"'), ("dt0", '"2024-01-31T10:00:00.000000"'),
                         ("ts2", '"2024-01-31T10:00:00.120"'), ("dt6", '"2024-01-31T10:00:00.1234560"')):
        assert outcomes[column, text].connector_ok, _describe(outcomes[column, text])  # trailing zeros lose nothing


def test_label_messages_list_the_labels(outcomes: dict[tuple[str, str], Outcome]) -> None:
    assert outcomes["en", '"2"'].connector_error == (
        "field 'en' (enum('a','b','c')) needs one of the labels \"a\", \"b\", \"c\" (MySQL would read a number "
        "that is no label as the position of a label), got \"2\"")
    assert "labels from \"5\", \"7\", \"9\", joined by commas" in (outcomes["sd", '"6"'].connector_error or "")
    # a non-label the server refuses itself: its message, and the labels
    assert outcomes["en", '"e"'].connector_error == (
        "Data truncated for column 'en' at row 1 (MySQL error 1265): field 'en' (ENUM) takes one of the labels "
        "\"a\", \"b\", \"c\"")


# --- the same rule for numbers in RetrieveData's ids and in filter literals ------------------------------------

FILTER_COLUMNS = {c.name: c for c in [
    FilterColumn("i", T.Integer, "int", column_type="int(11)"),
    FilterColumn("d", T.BigDecimal, "decimal", column_type="decimal(10,2)"),
    FilterColumn("f", T.Double, "double", column_type="double"),
    FilterColumn("at", T.String, "time", column_type="time"),
    FilterColumn("ts", T.DateTime, "datetime", column_type="datetime"),
]}


@pytest.mark.parametrize("literal", ["'1_000'", "'\u0661\u0662'", "'\uff11\uff12'", "' 12 '", "'12\u00a0'", "'0x10'",
                                     "'NaN'", "'1.'", "'Infinity'"])
@pytest.mark.parametrize("column", ["i", "d", "f"])
def test_filter_literals_take_numbers_by_the_writers_rule(column: str, literal: str) -> None:
    with pytest.raises(InvalidArgumentError, match="does not fit column"):
        compile_filter(f"{column} = {literal}", FILTER_COLUMNS)


def test_filter_literals_that_are_numbers_are_bound_as_numbers() -> None:
    assert compile_filter("i = '12'", FILTER_COLUMNS).params == (12,)
    assert compile_filter("i = '1e3'", FILTER_COLUMNS).params == (1000,)
    assert compile_filter("d = '-1.50'", FILTER_COLUMNS).params == (Decimal("-1.50"),)
    assert compile_filter("f = '+2.5e-1'", FILTER_COLUMNS).params == (0.25,)
    with pytest.raises(InvalidArgumentError, match="a whole number from"):
        compile_filter("i = '1e999999999'", FILTER_COLUMNS)  # out of range, not expanded digit by digit


@pytest.mark.parametrize("literal", ["'\u0661\u0662:00:00'", "'2024-01-31T\u0661\u0660:00:00Z'",
                                     "'\u0662\u0660\u0662\u0664-01-31'"])
def test_filter_times_and_dates_take_ascii_digits_only(literal: str) -> None:
    column = "at" if ":" in literal and "T" not in literal else "ts"
    with pytest.raises(InvalidArgumentError):
        compile_filter(f"{column} = {literal}", FILTER_COLUMNS)


def test_retrieve_data_ids_take_numbers_by_the_writers_rule(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE id_rules (i INT PRIMARY KEY, d DECIMAL(6,2) UNIQUE, f DOUBLE UNIQUE, v VARCHAR(5))",
        "INSERT INTO id_rules VALUES (12, 1.50, 0.25, 'x')")
    for field, good in (("i", ["12", "1.2e1", "12.0"]), ("d", ["1.50", "1.5", "15e-1"]), ("f", ["0.25", "2.5e-1"])):
        for text in good:
            found = call("RetrieveDataRequest", entityIdentifier=identifier(exact_db, "id_rules"), idFieldName=field,
                         ids=[text])
            assert [json.loads(r)["v"] for r in found["records"]] == ["x"], (field, text, found)
        for text in ("1_2", "\u0661\u0662", "\uff11\uff12", " 12", "NaN", "1.", "0x0c"):
            refused = call("RetrieveDataRequest", entityIdentifier=identifier(exact_db, "id_rules"),
                           idFieldName=field, ids=[text])
            assert refused["errorDetails"]["errorCode"] == "InvalidArgument", (field, text, refused)
