"""The tables and AppFlow events of a differential run (devkit.differential).

Two parts, both deterministic for a seed:

* **the peers' value matrix**: one table per entry of ``tests/peer_values.py`` (Airbyte, Debezium and PyMySQL
  type-matrix values; keyed ``pNN``, a keyless twin ``qNN``, the non-strict ones ``nNN``), and the tables of the
  test session's ``read_db`` (every type at its boundaries, 150 rows to page, a view, a keyless table, a composite
  key, odd names). Events: ListEntities (paged), DescribeEntity of every table, QueryData of every table whole and
  in small pages (nextToken followed to the end), with field selections, in other source time zones, with
  filterExpressions built from each column's own values; RetrieveData of some ids; and requests that must fail.
* **generated records**: seeded-random WriteData batches (INSERT, UPSERT, UPDATE, DELETE) into tables of every
  writable type family, the column types and value texts of ``tests/test_write_value_rules.py`` with random
  values around them: boundaries and past them, huge numbers, numbers as strings, bad dates and times, offsets,
  labels and positions, wrong JSON types, nulls for NOT NULL, broken records. Each batch is followed by a
  QueryData that reads its rows back.

The tests' modules are read as data (``runpy`` and ``ast``), not imported: devkit is imported by the tests, and
test_write_value_rules imports connector internals that refactors move.

Events carry ``@DB@`` for the database name, ``_settings`` for the runtime settings and ``_follow`` to follow
nextToken (devkit/differential_runner.py).
"""

from __future__ import annotations

import ast
import base64
import json
import random
import re
import runpy
import string
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.read_tables import ODD_TABLE, READ_TABLE_NAMES, READ_TABLES

__all__ = ["CLOSED_PORT", "SECRET_VARIANTS", "SERVER_SETTINGS", "Corpus", "build_corpus"]

ROOT = Path(__file__).resolve().parent.parent
DB = "@DB@"
Event = dict[str, Any]


# --- what the tests hold, read as data --------------------------------------------------------------------------

def _peer_values() -> tuple[list[tuple[str, list[str], str]], list[tuple[str, list[str], str]]]:
    found = runpy.run_path(str(ROOT / "tests" / "peer_values.py"))
    return found["PEER_VALUES"], found["PEER_VALUES_NONSTRICT"]


_RULE_NAMES = ("INTEGERS", "DECIMALS", "FLOATS", "BITS", "YEARS", "LABELS", "DATES", "NUMBER_TEXTS", "LABEL_TEXTS",
               "TIME_TEXTS", "DATETIME_TEXTS", "DATE_TEXTS", "OFFSET_TEXTS")


def _write_rules() -> dict[str, Any]:
    """The literal column tables and value texts of tests/test_write_value_rules.py (its module needs pytest and
    connector internals: only its literal assignments are read)."""
    tree = ast.parse((ROOT / "tests" / "test_write_value_rules.py").read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in _RULE_NAMES:
            found[node.targets[0].id] = ast.literal_eval(node.value)
    missing = set(_RULE_NAMES) - set(found)
    if missing:
        msg = f"tests/test_write_value_rules.py no longer assigns {sorted(missing)} as literals"
        raise RuntimeError(msg)
    found["TIMES"] = {f"t{n}": f"TIME({n})" for n in range(7)}
    found["DATETIMES"] = {f"dt{n}": f"DATETIME({n})" for n in range(7)}
    found["TIMESTAMPS"] = {f"ts{n}": f"TIMESTAMP({n}) NULL" for n in range(7)}
    return found


# --- column kinds and literals -------------------------------------------------------------------------------

_SPATIAL = ("POINT", "GEOMETRY", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
            "GEOMETRYCOLLECTION")


def kind_of(ddl: str) -> str:
    upper = ddl.upper()
    head = upper.split("(")[0].split(" ")[0]
    if head == "BOOLEAN" or upper.startswith("TINYINT(1)"):
        return "BOOLEAN"
    if head in ("TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT"):
        return "INTEGER"
    if head in ("DECIMAL", "NUMERIC"):
        return "DECIMAL"
    if head in ("FLOAT", "DOUBLE", "REAL"):
        return "FLOAT"
    if head in ("CHAR", "VARCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT"):
        return "BINARY" if "CHARACTER SET BINARY" in upper else "TEXT"
    if head in ("BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB"):
        return "BINARY"
    if head in _SPATIAL:
        return "SPATIAL"
    return head  # BIT YEAR ENUM SET TIME DATETIME TIMESTAMP DATE JSON UUID


def labels_of(ddl: str) -> list[str]:
    return [raw.replace("''", "'").replace("\\'", "'") for raw in re.findall(r"'((?:[^'\\]|''|\\.)*)'", ddl)]


def _sql_text(literal: str) -> str | None:
    """A quoted SQL literal's text (approximately: '' and backslash escapes), else None."""
    if len(literal) < 2 or literal[0] != "'" or literal[-1] != "'":
        return None
    inner = literal[1:-1].replace("''", "'")
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "0": "\0"}.get(m.group(1), m.group(1)), inner)


def _dsl_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def filter_literals(kind: str, literals: list[str]) -> list[str]:
    """A column's peer literals as filter-expression literals (numbers bare, strings quoted, dates both ways)."""
    out: list[str] = []
    for literal in literals:
        if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", literal):
            out.append(literal)
            continue
        text = _sql_text(literal)
        if text is None:
            continue
        if kind in ("DATETIME", "TIMESTAMP", "DATE") and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}.*", text):
            bare = text.replace(" ", "T")
            out.append(bare + ("Z" if "T" in bare else ""))
        out.append(_dsl_string(text))
    return list(dict.fromkeys(out))


# --- the corpus ----------------------------------------------------------------------------------------------

@dataclass
class Corpus:
    """SQL that builds the tables (run after ``USE`` the run's database) and the events to answer.

    ``server_settings`` are global variables (name: SQL expression) in force while the events run; ``variants``
    are corpora run after this one, each in its own runner on its own fresh database (devkit.differential).
    """

    setup: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    server_settings: dict[str, str] = field(default_factory=dict)
    variants: list[Corpus] = field(default_factory=list)

    def add(self, request_type: str, follow: bool = False, settings: dict[str, str] | None = None,
            secret: str | None = None, **fields: Any) -> None:
        event: Event = {"type": request_type, **fields}
        if follow:
            event["_follow"] = True
        if settings:
            event["_settings"] = settings
        if secret:
            event["_secret"] = secret
        self.events.append(event)

    def query(self, table: str, max_results: int = 1000, **fields: Any) -> None:
        self.add("QueryDataRequest", follow=True, entityIdentifier=f"{DB}.{table}", maxResults=max_results,
                 **fields)


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


# MariaDB 10.11's default sql_mode, which the tests' values are written for (MySQL 8's adds NO_ZERO_DATE and more).
STRICT = "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'"

# The tests' read_db tables (devkit.read_tables), and more of test_values_exact.py's and the reader tests'.
_READ_TABLES = [
    *READ_TABLES,  # in a non-strict session, as read_db builds them
    "CREATE TABLE year0 (id INT PRIMARY KEY, d DATE, dt DATETIME(3))",
    "INSERT INTO year0 VALUES (1, '0000-11-30', '0000-11-30 10:20:30.125'), (2, '0000-00-00', '0000-00-00 00:00:00'), "
    "(3, '2022-11-00', '2022-00-01 00:00:00'), (4, '0000-01-01', '0000-12-31 23:59:59')",
    STRICT,
    "CREATE TABLE bin_labels (e ENUM('a','b','Ab') CHARACTER SET binary, s SET('x','y') CHARACTER SET binary, n INT)",
    "INSERT INTO bin_labels VALUES ('a', 'x,y', 1), ('Ab', '', 2), ('b', 'y', 3), (NULL, NULL, 4), ('a', 'x,y', 5)",
    "CREATE TABLE widths (id INT(5) ZEROFILL PRIMARY KEY, t TINYINT(2), s SMALLINT(3) UNSIGNED ZEROFILL, "
    "d DECIMAL(8,3) ZEROFILL, f FLOAT(7,3) ZEROFILL)",
    "INSERT INTO widths VALUES (1, 5, 7, 1.5, 2.25), (42, -99, 65535, 12345.678, 1234.5), (99999, NULL, 0, 0, 0)",
]
_READ_TABLE_NAMES = [*READ_TABLE_NAMES, "year0", "bin_labels", "widths"]


def _read_events(corpus: Corpus) -> None:
    corpus.add("DescribeConnectorConfigurationRequest")
    _credential_events(corpus)
    corpus.add("ValidateConnectorRuntimeSettingsRequest", scope="CONNECTOR_PROFILE",
               connectorRuntimeSettings={"sourceTimeZone": "Asia/Tokyo", "tinyint1AsBoolean": "false"})
    corpus.add("ValidateConnectorRuntimeSettingsRequest", scope="CONNECTOR_PROFILE",
               connectorRuntimeSettings={"sourceTimeZone": "Mars/Olympus", "port": "0", "tlsMode": "MAYBE"})
    corpus.add("ListEntitiesRequest")
    corpus.add("ListEntitiesRequest", follow=True, entitiesPath=DB, maxResult=7)
    corpus.add("ListEntitiesRequest", entitiesPath=DB)
    corpus.add("ListEntitiesRequest", entitiesPath="no_such_db")
    corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.no_such_table")
    corpus.add("DescribeEntityRequest", entityIdentifier="mysql.user")
    corpus.add("DescribeEntityRequest", entityIdentifier=DB)
    corpus.add("QueryDataRequest", entityIdentifier=f"{DB}.no_such_table", maxResults=10)
    for table in _READ_TABLE_NAMES:
        corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.{table}")
        corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.{table}", settings={"tinyint1AsBoolean": "false"})
        corpus.query(table)
        corpus.query(table, 2)
    for zone in ("Asia/Tokyo", "America/New_York", "Europe/Dublin"):
        corpus.query("all_types", settings={"sourceTimeZone": zone})
        corpus.query("year0", settings={"sourceTimeZone": zone})
    seq_filters = ["grp = 1", "grp != 1", "grp in (0, 2)", "v contains '1'", "v = 'V10'", "dt > 2024-02-01T00:00:00Z",
                   "dt between 2024-01-01 and 2024-01-01", "dt = 2024-03-01", "id > 140 or grp = 2 and v contains '9'",
                   "not (grp = 0) and id <= 30", "id > 100 LIMIT 7", "id between 10 and 20 limit 15", "v = null",
                   "v != null and id < 5", "grp = '1'", "grp = 'x'", "nope = 1", "id >", "id = 1e3",
                   "dt > '2024-02-01T00:00:00+01:00'", "v in ('v1', 'v2', null)"]
    for expression in seq_filters:
        corpus.query("seq", 7, filterExpression=expression)
        corpus.query("seq", 1000, filterExpression=expression, settings={"sourceTimeZone": "Asia/Kolkata"})
    for size in (1, 13, 149, 150, 151):
        corpus.query("seq", size)
    corpus.query("seq", 20, selectedFieldNames=["v"])
    corpus.query("seq", 20, selectedFieldNames=["dt", "id"])
    corpus.query("seq", 20, selectedFieldNames=["nope"])
    corpus.query("seq_view", 4, filterExpression="id > 100")
    corpus.query("keyless", 2, filterExpression="a = 1")
    corpus.query("composite", 2, filterExpression="k1 = 'b'")
    corpus.query("composite", 5, filterExpression="k2 > 1")
    corpus.query(ODD_TABLE, 1, filterExpression="`select` > 0")
    corpus.query("all_types", 1, selectedFieldNames=["bin", "vb", "geo", "js", "bit12", "d"])
    for max_results in (0, -1, 10_001, 2**31):
        corpus.add("QueryDataRequest", entityIdentifier=f"{DB}.seq", maxResults=max_results)
    for token in ("garbage", "eyJ2IjoyfQ", "", "x" * 5000):
        corpus.add("QueryDataRequest", entityIdentifier=f"{DB}.seq", maxResults=5, nextToken=token)
    for id_field, ids in (("id", ["1", "2", "3", "4"]), ("id", ["x"]), ("id", ["1.0", "1e0", "-1"]), ("d2", ["9.99"]),
                          ("dt", ["2024-02-29"]), ("bin", ["AP8Qqw=="]), ("nope", ["1"]), ("c", ["abc", "ABC"])):
        corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.all_types", idFieldName=id_field, ids=ids)
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.seq", idFieldName="id",
               ids=[str(i) for i in range(1, 160, 7)], selectedFieldNames=["v"])
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.composite", idFieldName="k1", ids=["a", "ü"])
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.year0", idFieldName="d", ids=["0000-11-30"])


def _peer_tables(corpus: Corpus, rng: random.Random, limit: int | None, mariadb: bool) -> None:
    strict, nonstrict = _peer_values()
    entries = [(f"p{i:02d}", ddl, literals) for i, (ddl, literals, _) in enumerate(strict)]
    entries = [e for e in entries if mariadb or e[1] != "UUID"]
    if limit is not None:
        entries = entries[:limit]
    for name, ddl, literals in entries:
        twin = "q" + name[1:]
        corpus.setup.append(f"CREATE TABLE {name} (id INT AUTO_INCREMENT PRIMARY KEY, c {ddl})")
        corpus.setup.append(f"CREATE TABLE {twin} (c {ddl})")
        for literal in literals:
            corpus.setup.append(f"INSERT INTO {name} (c) VALUES ({literal})")
            corpus.setup.append(f"INSERT INTO {twin} (c) VALUES ({literal})")
        corpus.tables += [name, twin]
        _peer_events(corpus, rng, name, twin, ddl, literals)
    if limit is None:
        corpus.setup.append("SET SESSION sql_mode = ''")
        for i, (ddl, literals, _) in enumerate(nonstrict):
            name = f"n{i:02d}"
            corpus.setup.append(f"CREATE TABLE {name} (id INT AUTO_INCREMENT PRIMARY KEY, c {ddl})")
            corpus.setup += [f"INSERT INTO {name} (c) VALUES ({literal})" for literal in literals]
            corpus.tables.append(name)
            corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.{name}")
            corpus.query(name, 2)
        corpus.setup.append(STRICT)


def _peer_events(corpus: Corpus, rng: random.Random, name: str, twin: str, ddl: str, literals: list[str]) -> None:
    kind = kind_of(ddl)
    corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.{name}")
    corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.{twin}")
    corpus.query(name)
    corpus.query(name, 2)
    corpus.query(name, 3, selectedFieldNames=["c"])
    corpus.query(twin, 2)
    if kind in ("DATETIME", "TIMESTAMP", "TIME", "DATE", "BOOLEAN"):
        corpus.query(name, settings={"sourceTimeZone": "Pacific/Chatham", "tinyint1AsBoolean": "false"})
    found = filter_literals(kind, literals)
    first = found[0] if found else "1"
    second = found[-1] if found else "2"
    expressions = [f"c = {first}", f"c != {first}", f"c > {first}", f"c <= {second}",
                   f"c between {first} and {second}", f"c in ({first}, {second})", "c = null", "c != null",
                   f"not (c = {first}) and id > 1", "c contains 'a'", f"c = {second} or id = 2",
                   f"c >= {rng.choice(found) if found else '0'} limit 2"]
    for expression in expressions:
        corpus.query(name, filterExpression=expression)
    corpus.query(name, 2, filterExpression="c != null")
    corpus.query(twin, 3, filterExpression=f"c = {first}")
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.{name}", idFieldName="id", ids=["1", "3", "100"])
    text = _sql_text(literals[-1])
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.{name}", idFieldName="c",
               ids=[text if text is not None else literals[-1]])


# --- credentials and the doctor ----------------------------------------------------------------------------------

CLOSED_PORT = "@CLOSED_PORT@"
# The profile's secret and broken copies of it, by the names events give them (``@SECRET:name@`` in a value, or
# ``_secret`` for the connectorContext): devkit.differential makes each from the run's profile with these fields
# changed (CLOSED_PORT: a local port bound for the run and never listening, so it refuses every connection).
SECRET_VARIANTS: dict[str, dict[str, str]] = {
    "good": {},
    "wrongpw": {"password": "not-the-password"},
    "nouser": {"username": "no_such_user"},
    "closedport": {"host": "127.0.0.1", "port": CLOSED_PORT},
    "nohost": {"host": "no-such-host.invalid"},  # .invalid never resolves (RFC 2606)
    "nodb": {"database": "no_such_db"},
}


# Named as AppFlow names profile secrets, and never stored.
_MISSING_PROFILE = "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-mysql-gone-AbCdEf"


def _credentials(secret: str, authentication: str = "CustomAuth") -> dict[str, str]:
    return {"secretArn": f"@SECRET:{secret}@", "authenticationType": authentication}


def _credential_events(corpus: Corpus) -> None:
    """ValidateCredentials and DiagnoseRequest for the good secret and each broken one; the data calls on the
    broken ones. The events carry their own ``credentials`` / ``secretArn`` (the runner adds no context to them)."""
    for name in SECRET_VARIANTS:
        corpus.add("ValidateCredentialsRequest", credentials=_credentials(name))
        corpus.add("DiagnoseRequest", secretArn=f"@SECRET:{name}@")
        if name != "good":
            corpus.add("ListEntitiesRequest", secret=name, entitiesPath=DB)
            corpus.query("seq", 1, secret=name)
    for settings in ({"tlsMode": "DISABLED"}, {"tlsMode": "REQUIRED"}, {"tlsMode": "VERIFY_IDENTITY"},
                     {"tlsMode": "PREFERRED", "connectTimeoutSeconds": "2"}, {"sourceTimeZone": "Nowhere/Land"},
                     {"port": "0"}):
        corpus.add("ValidateCredentialsRequest", credentials=_credentials("good"), connectorRuntimeSettings=settings)
    corpus.add("ValidateCredentialsRequest", credentials=_credentials("wrongpw"),
               connectorRuntimeSettings={"tlsMode": "REQUIRED"})
    corpus.add("ValidateCredentialsRequest", credentials=_credentials("good", "BasicAuth"))
    for missing in (_MISSING_PROFILE, "arn:aws:secretsmanager:us-east-1:123456789012:secret:no-such-secret-AbCdEf"):
        corpus.add("ValidateCredentialsRequest", credentials={"secretArn": missing, "authenticationType": "CustomAuth"})
    corpus.add("DiagnoseRequest", secretArn="@SECRET:good@",
               connectorRuntimeSettings={"tlsMode": "REQUIRED", "connectTimeoutSeconds": "2"})
    corpus.add("DiagnoseRequest", secretArn="@SECRET:closedport@", authenticationType="CustomAuth",
               connectorRuntimeSettings={"connectTimeoutSeconds": "2"})
    corpus.add("DiagnoseRequest", secretArn="@SECRET:good@", connectorRuntimeSettings={"tlsMode": "SOMETIMES"})
    corpus.add("DiagnoseRequest", secretArn=_MISSING_PROFILE)
    corpus.add("DiagnoseRequest", secretArn="arn:aws:secretsmanager:us-east-1:123456789012:secret:no-such-AbCdEf")
    corpus.add("DiagnoseRequest", secretArn="not an arn")


# --- key tables of every key type --------------------------------------------------------------------------------

def _b64(hex_text: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_text)).decode()


@dataclass(frozen=True)
class _KeyTable:
    """A table keyed by one column ``k`` of a type: its rows' keys as SQL literals and as the id AppFlow sends
    (what QueryData emits for them, or a form the connector takes), and new keys to write (JSON values)."""

    name: str
    ddl: str
    keys: list[tuple[str, str]]  # (SQL literal, id text)
    new: list[Any]
    numeric: bool = False  # the id is a JSON number in a record, bare in a filter
    dated: bool = False  # a date or time: its filter literal is bare as well as quoted
    also: list[str] = field(default_factory=list)  # other id forms to RetrieveData by


def _key_tables(mariadb: bool) -> list[_KeyTable]:
    hexes = ["00000000", "00FF10AB", "7F000001", "FFFFFFFF", "61626364"]
    nopad = "utf8mb4_nopad_bin" if mariadb else "utf8mb4_0900_bin"
    tables = [
        _KeyTable("k_bin", "BINARY(4)", [(f"0x{h}", _b64(h)) for h in hexes],
                  [_b64("0102"), "AAAAAA==", "////", "bad!"], also=["AP8Qqw", "AP8Q qw==", "AP8Qqw==="]),
        _KeyTable("k_vbin", "VARBINARY(8)", [("''", ""), ("0x00", "AA=="), ("0x0000", "AAA="), ("0xFF", "/w=="),
                                             ("0x61626364656667", "YWJjZGVmZw==")], ["", "AQID", "AQIDBAUGBwgJ"]),
        _KeyTable("k_date", "DATE", [(f"'{d}'", d) for d in ("2024-02-29", "1000-01-01", "9999-12-31", "2024-03-10",
                                                              "0001-01-01")],
                  ["2024-01-31", "0000-11-30", "2024-02-30", "2024-1-1"], dated=True,
                  also=["2024-02-29T00:00:00Z", "2024-02-29T00:00:00"]),
        _KeyTable("k_dt", "DATETIME(3)", [("'2024-01-02 03:04:05.123'", "2024-01-02T03:04:05.123Z"),
                                          ("'2024-03-10 02:30:00'", "2024-03-10T02:30:00Z"),
                                          ("'2024-11-03 01:30:00'", "2024-11-03T01:30:00Z"),
                                          ("'1000-01-01 00:00:00'", "1000-01-01T00:00:00Z"),
                                          ("'9999-12-31 23:59:59.999'", "9999-12-31T23:59:59.999Z")],
                  ["2024-01-31T23:59:59Z", "2024-01-31T23:59:59.1234+09:00", "2024-01-31 10:00:00.5",
                   "2024-03-10T02:30:00-05:00", "0000-11-30T10:00:00"], dated=True,
                  also=["2024-01-02T03:04:05.123", "2024-01-02T12:04:05.123+09:00", "2024-01-02 03:04:05.123"]),
        _KeyTable("k_ts", "TIMESTAMP(6)", [("'2024-01-02 03:04:05.000001'", "2024-01-02T03:04:05.000001Z"),
                                           ("'1970-01-01 00:00:01'", "1970-01-01T00:00:01Z"),
                                           ("'2038-01-19 03:14:07'", "2038-01-19T03:14:07Z"),
                                           ("'2024-03-10 07:30:00.5'", "2024-03-10T07:30:00.500000Z")],
                  ["2024-01-31T23:59:59.123456Z", "2024-01-31T23:59:59+05:30", "1969-12-31T23:59:59Z"], dated=True),
        _KeyTable("k_time", "TIME(2)", [("'-838:59:59'", "-838:59:59"), ("'00:00:00'", "00:00:00"),
                                        ("'25:00:00.5'", "25:00:00.5"), ("'12:34:56.78'", "12:34:56.78"),
                                        ("'-00:00:01'", "-00:00:01")],
                  ["-1:30", "100:00:00.1", "1:2:3", "13:45:00.129", "838:59:59"], dated=True,
                  also=["-838:59:59.00", "25:00:00.50"]),
        _KeyTable("k_dec", "DECIMAL(10,3)", [(n, n) for n in ("-1.500", "0.000", "1234567.891", "0.001",
                                                              "-9999999.999")],
                  [1.25, "2.500", "1e3", 12345678.9, -0.0005, "0E-5"], numeric=True, also=["-1.5", "1e-3"]),
        _KeyTable("k_ubig", "BIGINT UNSIGNED", [(n, n) for n in ("0", "1", "9223372036854775808",
                                                                 "18446744073709551615")],
                  [2, "3", 18446744073709551615, -1, "1e1", 18446744073709551616], numeric=True,
                  also=["18446744073709551616", "1.0"]),
        _KeyTable("k_big", "BIGINT", [(n, n) for n in ("-9223372036854775808", "-1", "0", "9223372036854775807")],
                  [5, "-6", 1.0, 2.5, "9223372036854775808"], numeric=True, also=["-9223372036854775809"]),
        _KeyTable("k_bit", "BIT(8)", [("b'0'", "0"), ("b'11111111'", "255"), ("b'1010'", "10"), ("b'1'", "1")],
                  [5, "200", 256, True], numeric=True, also=["256"]),
        _KeyTable("k_year", "YEAR", [(n, n) for n in ("1901", "2155", "2024", "0")], [1999, "2000", 0, 5, 2156],
                  numeric=True, also=["24", "0000"]),
        _KeyTable("k_latin1", "CHAR(5) CHARACTER SET latin1", [(f"'{t}'", t) for t in ("a", "é", "Zz", "ÿ", "x y")],
                  ["b", "ab  ", "€", "é2"], also=["A", "zz", "€"]),
        _KeyTable("k_nopad", f"VARCHAR(10) CHARACTER SET utf8mb4 COLLATE {nopad}",
                  [(f"'{t}'", t) for t in ("a", "A", "a ", "ü", "🎉")], ["b", "B ", "🎉🎉", 12], also=["u\u0308"]),
        _KeyTable("k_vcci", "VARCHAR(10)", [(f"'{t}'", t) for t in ("a", "B", "c ", "ü", "🎉", "%_")],
                  ["d", "D", "e ", 3.5], also=["A", "c", "U"]),
        _KeyTable("k_float", "FLOAT", [(n, n) for n in ("1.5", "-2.25", "1e10", "0.1")], [2.5, "3", 1e-50, 0],
                  numeric=True, also=["10000000000", "0.10000000149011612"]),
        _KeyTable("k_double", "DOUBLE", [(n, n) for n in ("0.1", "1e-300", "-5", "123456789.125")],
                  [2.5, "1e308", 0, -0.0], numeric=True, also=["-5.0"]),
        _KeyTable("k_enum", "ENUM('x','y','z','10')", [("'x'", "x"), ("'z'", "z"), ("'10'", "10")],
                  ["y", "10", "1", 10, "Y"], also=["X", "3", "1"]),
        _KeyTable("k_tiny1", "TINYINT(1)", [(n, n) for n in ("0", "1", "2", "-1")], [True, 3, "false"],
                  numeric=True, also=["true", "false"]),
        _KeyTable("k_bit1", "BIT(1)", [("b'0'", "0"), ("b'1'", "1")], [True, 0, "1"], numeric=True,
                  also=["true"]),
    ]
    if mariadb:
        tables += [
            _KeyTable("k_uuid", "UUID", [("'01020304-0506-0708-090a-0b0c0d0e0f10'",
                                          "01020304-0506-0708-090a-0b0c0d0e0f10"),
                                         ("'ffffffff-ffff-ffff-ffff-ffffffffffff'",
                                          "ffffffff-ffff-ffff-ffff-ffffffffffff")],
                      ["0102030405060708090a0b0c0d0e0f11", "{01020304-0506-0708-090a-0b0c0d0e0f12}"],
                      also=["0102030405060708090A0B0C0D0E0F10"]),
            _KeyTable("k_inet6", "INET6", [("'::1'", "::1"), ("'2001:db8::ff00:42:8329'", "2001:db8::ff00:42:8329"),
                                           ("'::ffff:1.2.3.4'", "::ffff:1.2.3.4")], ["::2", "1.2.3.4", "zz"],
                      also=["0:0:0:0:0:0:0:1"]),
        ]
    return tables


_KEY_EXTRA = [
    "CREATE TABLE k_comp (a DATE NOT NULL, b VARBINARY(4) NOT NULL, c DECIMAL(5,2) NOT NULL, v INT, "
    "PRIMARY KEY (a, b, c))",
    "INSERT INTO k_comp VALUES ('2024-01-01', 0x00, 1.5, 1), ('2024-01-01', 0x01, -2, 2), ('2024-01-02', '', 0, 3), "
    "('2023-12-31', 0xFFFF, 999.99, 4)",
    "CREATE TABLE k_autof (id DOUBLE AUTO_INCREMENT PRIMARY KEY, v INT)",
    "CREATE TABLE k_autoc (id INT AUTO_INCREMENT, g VARCHAR(3) NOT NULL, v INT, PRIMARY KEY (g, id)) ENGINE=MyISAM",
]


def _write(corpus: Corpus, table: str, operation: str, records: list[Any], ids: list[str] | None = None,
           readback: dict[str, Any] | None = None, **extra: Any) -> None:
    """A WriteData of ``records`` (dicts as JSON, strings as they are), then a QueryData that reads the table."""
    fields: dict[str, Any] = {"entityIdentifier": f"{DB}.{table}", "operation": operation,
                              "records": [r if isinstance(r, str) else json.dumps(r) for r in records], **extra}
    if ids is not None:
        fields["idFieldNames"] = ids
    settings = fields.pop("settings", None)
    corpus.add("WriteDataRequest", settings=settings, **fields)
    corpus.query(table, settings=settings, **(readback or {}))


def _filter_literal(table: _KeyTable, key: str) -> list[str]:
    if table.numeric:
        return [key]
    return [key, _dsl_string(key)] if table.dated else [_dsl_string(key)]


def _key_events(corpus: Corpus, table: _KeyTable) -> None:
    name = table.name
    keys = [key for _, key in table.keys]
    corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.{name}")
    corpus.query(name)
    corpus.query(name, 2)
    corpus.query(name, 1, selectedFieldNames=["note"])
    corpus.query(name, 1, filterExpression="v >= 1")
    for key in [*keys, *table.also]:
        corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.{name}", idFieldName="k", ids=[key])
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.{name}", idFieldName="k", ids=keys)
    if table.dated:
        corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.{name}", idFieldName="k", ids=keys,
                   settings={"sourceTimeZone": "America/New_York"})
    for key in keys:
        for literal in _filter_literal(table, key):
            corpus.query(name, 5, filterExpression=f"k = {literal}")
    first, last = _filter_literal(table, keys[0])[0], _filter_literal(table, keys[-1])[0]
    corpus.query(name, 2, filterExpression=f"k > {first}")
    corpus.query(name, 5, filterExpression=f"k between {first} and {last}")
    corpus.query(name, 5, filterExpression=f"k in ({first}, {last})")
    corpus.query(name, 5, filterExpression=f"k != {last} and v < 3")
    if table.dated:
        corpus.query(name, filterExpression=f"k >= {first}", settings={"sourceTimeZone": "America/New_York"})

    def record(key: str, **values: Any) -> str:
        return _record([("k", key if table.numeric else json.dumps(key)),
                        *((column, json.dumps(value)) for column, value in values.items())])

    _write(corpus, name, "UPDATE", [record(key, v=100 + i) for i, key in enumerate(keys)], ["k"])
    _write(corpus, name, "UPSERT", [record(key, v=7, note="up") for key in keys[:2]], ["k"])
    _write(corpus, name, "DELETE", [record(keys[-1]), record(keys[-1])], ["k"])
    _write(corpus, name, "INSERT", [{"k": key, "v": i} for i, key in enumerate(table.new)])
    _write(corpus, name, "UPSERT", [{"k": key, "note": "u"} for key in table.new], ["k"])
    _write(corpus, name, "INSERT", [{"k": key, "v": 1} for key in table.new], allOrNone=True)


def _key_part(corpus: Corpus, mariadb: bool) -> None:
    """Tables keyed by each key type (and a composite, two auto-increment ones): paged, retrieved by their keys,
    filtered by them, and written by them (UPDATE, UPSERT, DELETE, INSERT, allOrNone)."""
    for table in _key_tables(mariadb):
        corpus.setup.append(f"CREATE TABLE {table.name} (k {table.ddl} NOT NULL PRIMARY KEY, v INT, note VARCHAR(20))")
        corpus.setup.append(f"INSERT INTO {table.name} (k, v, note) VALUES " +
                            ", ".join(f"({sql}, {i}, 'n{i}')" for i, (sql, _) in enumerate(table.keys)))
        corpus.tables.append(table.name)
        _key_events(corpus, table)
    corpus.setup += _KEY_EXTRA
    corpus.tables += ["k_comp", "k_autof", "k_autoc"]
    corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.k_comp")
    corpus.query("k_comp", 1)
    for field_name, ids in (("a", ["2024-01-01", "2023-12-31"]), ("b", ["AA==", "", "//8="]), ("c", ["1.5", "-2"])):
        corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.k_comp", idFieldName=field_name, ids=ids)
    corpus.query("k_comp", 5, filterExpression="a = 2024-01-01 and b = 'AQ==' and c < 0")
    _write(corpus, "k_comp", "UPSERT", [{"a": "2024-01-01", "b": "AA==", "c": 1.5, "v": 10},
                                        {"a": "2024-01-05", "b": "", "c": "3", "v": 11},
                                        {"b": "AQ==", "a": "2024-01-05", "c": 3.10, "v": 12},
                                        {"a": "2024-01-05", "b": "AQ==", "c": 3.123, "v": 12}], ["a", "b", "c"])
    _write(corpus, "k_comp", "UPDATE", [{"a": "2024-01-01", "b": "AQ==", "c": -2, "v": 20},
                                        {"a": "2024-01-01", "b": "AQ==", "v": 21}], ["a", "b", "c"])
    _write(corpus, "k_comp", "DELETE", [{"a": "2023-12-31", "b": "//8=", "c": "999.99"}], ["a", "b", "c"])
    _write(corpus, "k_comp", "INSERT", [{"a": "2024-02-01", "b": "AQI=", "c": 0.5}, {"a": "2024-02-01", "b": "AQI=",
                                                                                     "c": "0.50"}])
    _write(corpus, "k_autof", "INSERT", [{"v": 1}, {"v": 2}, {"id": None, "v": 3}, {"id": 0, "v": 4},
                                         {"id": 10.5, "v": 5}, {"v": 6}])
    _write(corpus, "k_autoc", "INSERT", [{"g": "a", "v": 1}, {"g": "a", "v": 2}, {"g": "b", "v": 3},
                                         {"g": "a", "id": 7, "v": 4}, {"g": "b", "id": None, "v": 5}])
    _write(corpus, "k_autoc", "UPSERT", [{"g": "a", "id": 2, "v": 20}, {"g": "c", "id": 1, "v": 30}], ["g", "id"])


# --- write paths: UPDATE-then-INSERT UPSERT, MyISAM, allOrNone -----------------------------------------------------

_WRITE_PATH_TABLES = [
    "CREATE TABLE w_dup (id INT AUTO_INCREMENT PRIMARY KEY, a INT NOT NULL, b VARCHAR(5) NOT NULL, v INT, "
    "UNIQUE KEY ab (a, b))",
    "INSERT INTO w_dup (a, b, v) VALUES (1, 'x', 1), (2, 'y', 2), (3, 'z', 3)",
    "CREATE TABLE w_prefix (id INT PRIMARY KEY, t VARCHAR(50), UNIQUE KEY tp (t(3)))",
    "INSERT INTO w_prefix VALUES (1, 'abcdef'), (2, 'xyz')",
    "CREATE TABLE w_myisam (id INT PRIMARY KEY, v INT NOT NULL, u VARCHAR(3) UNIQUE) ENGINE=MyISAM",
    "INSERT INTO w_myisam VALUES (1, 1, 'a')",
    "CREATE TABLE w_aon (id INT PRIMARY KEY, v INT NOT NULL, u VARCHAR(3) UNIQUE, g POINT NULL)",
    "INSERT INTO w_aon VALUES (1, 1, 'a', NULL)",
    "CREATE TABLE w_gen (id INT PRIMARY KEY, a INT, twice INT AS (a * 2) STORED, UNIQUE KEY (twice))",
]


def _write_paths(corpus: Corpus) -> None:
    """The writer's other paths: UPSERT that updates then inserts (a second unique key, a prefix unique key, a
    generated one), a MyISAM table (no transaction: one row at a time), allOrNone batches that fail."""
    corpus.setup += _WRITE_PATH_TABLES
    corpus.tables += ["w_dup", "w_prefix", "w_myisam", "w_aon", "w_gen"]
    for table in ("w_dup", "w_prefix", "w_myisam", "w_aon", "w_gen"):
        corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.{table}")
    _write(corpus, "w_dup", "UPSERT", [{"id": 1, "a": 9, "b": "q", "v": 10}, {"id": 50, "a": 50, "b": "n"},
                                       {"id": 2, "a": 1, "b": "x"}, {"id": 3, "v": 33}], ["id"])
    _write(corpus, "w_dup", "UPSERT", [{"a": 2, "b": "y", "v": 20}, {"a": 7, "b": "new", "v": 7},
                                       {"a": 3, "b": "z", "id": 9}], ["a", "b"])
    _write(corpus, "w_dup", "UPSERT", [{"a": 2, "b": "y", "v": 20}], ["a"])
    _write(corpus, "w_dup", "INSERT", [{"a": 1, "b": "x"}, {"a": 8, "b": "w"}, {"a": 8, "b": "w"},
                                       {"a": 9, "b": "v", "id": 0}, {"a": 10, "b": "u", "id": None},
                                       {"a": 11, "b": "toolong"}])
    _write(corpus, "w_dup", "UPDATE", [{"id": 1, "a": 2, "b": "y"}, {"id": 999, "v": 1}, {"id": 1}], ["id"])
    _write(corpus, "w_dup", "DELETE", [{"id": 999}, {"id": 2, "v": "ignored"}, {"a": 3, "b": "z"}], ["id"])
    _write(corpus, "w_prefix", "UPSERT", [{"id": 1, "t": "abcxyz"}, {"id": 3, "t": "abc123"}, {"id": 4, "t": "new"}],
           ["id"])
    _write(corpus, "w_prefix", "UPSERT", [{"id": 5, "t": "q"}, {"id": 6, "t": "xyz!"}], ["t"])
    _write(corpus, "w_myisam", "INSERT", [{"id": 2, "v": 2}, {"id": 1, "v": 1}, {"id": 3, "v": 3, "u": "a"},
                                          {"id": 4, "v": 4}, {"id": 5, "v": None}, {"id": 6, "v": 6}])
    _write(corpus, "w_myisam", "INSERT", [{"id": 7, "v": 7}, {"id": 8, "v": "x"}], allOrNone=True)
    _write(corpus, "w_myisam", "UPSERT", [{"id": 2, "v": 20}, {"id": 9, "v": None}, {"id": 10, "v": 10, "u": "a"}],
           ["id"])
    _write(corpus, "w_myisam", "UPDATE", [{"id": 1, "u": "a"}, {"id": 2, "u": "b"}], ["id"], allOrNone=True)
    _write(corpus, "w_myisam", "DELETE", [{"id": 3}, {"id": 3}, {"id": 77}], ["id"])
    _write(corpus, "w_aon", "INSERT", [{"id": 2, "v": 2}, {"id": 3, "v": 3, "u": "a"}, {"id": 4, "v": 4}],
           allOrNone=True)
    _write(corpus, "w_aon", "INSERT", [{"id": 5, "v": 5}, {"id": 6, "v": "x"}], allOrNone=True)
    _write(corpus, "w_aon", "INSERT", [{"id": 7, "v": 7}, {"id": 8, "v": 8, "g": "POINT(a b)"}], allOrNone=True)
    _write(corpus, "w_aon", "INSERT", [{"id": 9, "v": 9}, {"id": 10, "v": 10, "g": "POINT(1)"}, "not json"],
           allOrNone=True)
    _write(corpus, "w_aon", "UPDATE", [{"id": 1, "v": 5}, {"id": 77, "v": 1}], ["id"], allOrNone=True)
    _write(corpus, "w_aon", "UPSERT", [{"id": 1, "v": 6}, {"id": 20, "v": 20, "u": "a"}], ["id"], allOrNone=True)
    _write(corpus, "w_aon", "DELETE", [{"id": 1}, {"id": 1}], ["id"], allOrNone=True)
    _write(corpus, "w_aon", "INSERT", [{"id": 11, "v": 11, "g": "SRID=4326;POINT(1 2)"},
                                       {"id": 12, "v": 1, "g": "POINT(1 2)"}], allOrNone=True)
    _write(corpus, "w_gen", "INSERT", [{"id": 1, "a": 1}, {"id": 2, "a": 2, "twice": 4}, {"id": 3, "a": 1}])
    _write(corpus, "w_gen", "UPDATE", [{"twice": 2, "a": 5}], ["twice"])
    _write(corpus, "w_gen", "UPSERT", [{"twice": 10, "a": 5}, {"twice": 12, "id": 6, "a": 6}], ["twice"])
    _write(corpus, "w_gen", "DELETE", [{"twice": 10}], ["twice"])


# --- the response budget ---------------------------------------------------------------------------------------
# A response carries about 5.5 MB of JSON (connector/limits.py RESPONSE_BUDGET_BYTES). The rows are made of
# characters that JSON escapes twice (in the record, then in the response), so that little stored fills it: a
# stored byte CHAR(1) is 7 bytes of response, '"' 4, a tab 3, 'é' (2 bytes) 6. About 6 MB stored in all.

_WIDE = 820_000  # CHAR(1) x 820,000: 0.8 MB stored, 5.7 MB of response: one row more than a response carries
_BUDGET_TABLES = [
    "CREATE TABLE big_rows (id INT PRIMARY KEY, t LONGTEXT)",
    f"INSERT INTO big_rows VALUES (1, REPEAT(CHAR(1), {_WIDE})), (2, REPEAT('é', 250000)), (3, 'small'), "
    "(4, REPEAT('\"', 500000)), (5, REPEAT('x', 200000)), (6, REPEAT('\\\\', 10)), (7, REPEAT(CHAR(9), 700000))",
    "CREATE TABLE big_kl (n INT, t LONGTEXT)",
    f"INSERT INTO big_kl VALUES (5, 'small'), (1, REPEAT(CHAR(1), {_WIDE})), (2, REPEAT('\"', 300000)), (3, 'x')",
    "CREATE TABLE mid_rows (id INT PRIMARY KEY, t TEXT)",
    "INSERT INTO mid_rows VALUES " + ", ".join(
        f"({i}, REPEAT(CHAR(1), 5000))" if i % 5 == 0 else f"({i}, REPEAT('\"', {8000 + i}))" for i in range(1, 181)),
    "CREATE TABLE mid_kl (t MEDIUMTEXT)",
    "INSERT INTO mid_kl VALUES " + ", ".join(f"(REPEAT(CHAR(1), {21000 + n}))" for n in range(40)),
]


def _budget_part(corpus: Corpus) -> None:
    """Rows too wide for any response (keyed and keyless), pages that stop at the size budget and go on with a
    nextToken, RetrieveData over the budget."""
    corpus.setup += _BUDGET_TABLES
    corpus.tables += ["big_rows", "big_kl", "mid_rows", "mid_kl"]
    for table in ("big_rows", "big_kl"):
        corpus.query(table)
        corpus.query(table, 3)
        corpus.query(table, 1000, selectedFieldNames=["n" if table == "big_kl" else "id"])
    corpus.query("big_rows", 1000, filterExpression="id != 1")
    corpus.query("big_rows", 2, filterExpression="id > 1")
    corpus.query("big_kl", 1000, filterExpression="n != 1")
    corpus.query("big_rows", 1000, filterExpression="id in (3, 5, 6, 1)")
    for size in (1000, 100):
        corpus.query("mid_rows", size)
        corpus.query("mid_kl", size)
    corpus.query("mid_rows", 1000, filterExpression="id > 30")
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.mid_rows", idFieldName="id",
               ids=[str(i) for i in range(1, 181, 2)])
    for ids in (["1"], ["2", "4", "7"], ["2", "4"], ["3", "5", "6"], ["1", "3"]):
        corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.big_rows", idFieldName="id", ids=ids)
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.big_kl", idFieldName="n", ids=["1"])
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.big_kl", idFieldName="n", ids=["2", "3", "5"])


# --- a part under other server settings ---------------------------------------------------------------------------

# Global variables devkit.differential sets before this part's run on each side (and puts back after it).
SERVER_SETTINGS = {
    "max_allowed_packet": "65536",
    "sql_mode": "CONCAT(@@GLOBAL.sql_mode, ',NO_BACKSLASH_ESCAPES,NO_AUTO_VALUE_ON_ZERO')",
    "auto_increment_increment": "3",
}


def _server_variant() -> Corpus:
    """Writes and reads with max_allowed_packet 64 KiB (records too big for a packet, batches split by bytes, a
    stored row bigger than a packet), NO_BACKSLASH_ESCAPES (quoting) and NO_AUTO_VALUE_ON_ZERO with
    auto_increment_increment 3 (ids)."""
    corpus = Corpus(setup=[STRICT, "CREATE TABLE c_text (id INT PRIMARY KEY, t MEDIUMTEXT, b MEDIUMBLOB)",
                           "INSERT INTO c_text VALUES (500, REPEAT('w', 100000), NULL)",
                           "CREATE TABLE c_auto (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40))",
                           "CREATE TABLE c_keys (k VARCHAR(20) PRIMARY KEY, v VARCHAR(20))"],
                    tables=["c_text", "c_auto", "c_keys"], server_settings=dict(SERVER_SETTINGS))
    for table in corpus.tables:
        corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.{table}")
    small = {"selectedFieldNames": ["id"]}
    _write(corpus, "c_text", "INSERT", [{"id": i, "t": "x" * n} for i, n in enumerate(
        [10, 70_000, 30_000, 30_000, 30_000, 59_000, 62_000, 100, 65_000])], readback=small)
    _write(corpus, "c_text", "INSERT", [{"id": 100 + i, "b": base64.b64encode(b"\x00'\\" * n).decode()}
                                        for i, n in enumerate([5, 12_000, 20_000, 25_000])], readback=small)
    _write(corpus, "c_text", "INSERT", [{"id": 200, "t": "ok"}, {"id": 201, "t": "y" * 80_000}], allOrNone=True,
           readback=small)
    _write(corpus, "c_text", "UPSERT", [{"id": 1, "t": "z" * 70_000}, {"id": 300, "t": "it's a \\ \"q\" \n"}], ["id"],
           readback=small)
    _write(corpus, "c_text", "UPDATE", [{"id": 0, "t": "back\\slash 'quote' \u0000 nul"}], ["id"],
           readback={"filterExpression": "id < 500"})
    corpus.query("c_text", 3, filterExpression="id < 500")
    corpus.query("c_text", 1000)
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.c_text", idFieldName="id", ids=["500"])
    corpus.query("c_text", 1000, filterExpression="t contains '\\\\'")
    corpus.query("c_text", 1000, filterExpression="t = 'it\\'s a \\\\ \"q\" \n'")
    _write(corpus, "c_auto", "INSERT", [{"v": "a"}, {"v": "b"}, {"id": None, "v": "c"}, {"id": 0, "v": "zero"},
                                        {"id": "0", "v": "zero2"}, {"v": "d"}, {"v": "e"}])
    _write(corpus, "c_auto", "INSERT", [{"v": "f"}, {"v": "g"}, {"v": "h"}])
    _write(corpus, "c_auto", "UPSERT", [{"id": 0, "v": "up0"}, {"id": 1, "v": "up1"}, {"id": 4, "v": "up4"}], ["id"])
    _write(corpus, "c_keys", "INSERT", [{"k": "a'b", "v": "1"}, {"k": "c\\d", "v": "2"}, {"k": "e\"f", "v": "3"},
                                        {"k": "%_\\%", "v": "4"}])
    _write(corpus, "c_keys", "UPDATE", [{"k": "a'b", "v": "x"}, {"k": "c\\d", "v": "y"}], ["k"])
    corpus.query("c_keys", 1)
    corpus.query("c_keys", 5, filterExpression="k contains '\\\\' or k = 'a\\'b'")
    corpus.add("RetrieveDataRequest", entityIdentifier=f"{DB}.c_keys", idFieldName="k", ids=["a'b", "c\\d", "%_\\%"])
    return corpus


# --- generated records -----------------------------------------------------------------------------------------

_INT_EDGES = [0, 1, -1, 2, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536, 8388607,
              8388608, -8388608, -8388609, 16777215, 16777216, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32 - 1,
              2**32, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, 10**30, -(10**40)]
_JUNK = ["{}", "[]", "[1, 2]", '{"a": 1}', "true", "false", '"abc"', '""', "1e999", "-1e999", "null", '"NaN"', "-0",
         "123456789012345678901234567890123456789012", "0.0000000000000000000000000000000000000001", '"\\u0000"',
         '" "', '"2024-01-01"', '"12:00:00"', "1.5", "-7", '"\\ud800"', '"x\\ny"']
_BROKEN_RECORDS = ["[]", '"x"', "not json", '{"id": 1,}', '{"id": 1, "id": 2}', '{"nope": 1, "id": 3}', '{"ID": 4}',
                   "", '{"id": 5} trailing', "null", "{}", '{"id": {"nested": 1}}', '{"id": 6, "": 1}']
_ALPHABET = list(string.ascii_letters + string.digits + " ,.-_'\"\\%") + [
    "é", "ß", "€", "🎉", "\n", "\t", "\x00", "\u00a0", "列", "\u0661", "ü"]
_WKT = ["POINT(1 2)", "POINT(1.5 -2.25)", "LINESTRING(0 0, 1 1)", "POLYGON((0 0, 1 1, 1 0, 0 0))",
        "SRID=4326;POINT(1 2)", "SRID=0;POINT(3 4)", "POINT(1)", "POINT(a b)", "", "GEOMETRYCOLLECTION(POINT(1 1))",
        "POINT(1e400 0)", "MULTIPOINT((1 1),(2 2))", "point(7 8)", "SRID=99999;POINT(1 1)", "POINT EMPTY"]
_OFFSETS = ["", "", "", "Z", "+00:00", "+05:30", "-08:00", "+14:00", "-12:00", "+14:01", "+25:00", "Z", "+0530"]


def _number_text(rng: random.Random, number: int) -> str:
    form = rng.random()
    if form < 0.65:
        return str(number)
    if form < 0.8:
        return json.dumps(str(number))
    if form < 0.87:
        return f"{number}.0"
    if form < 0.93:
        return f"{number}.5"
    return json.dumps(f"{number}e0") if form < 0.97 else f"{number}e0"


def _random_int(rng: random.Random) -> int:
    if rng.random() < 0.6:
        return rng.choice(_INT_EDGES)
    return rng.randint(-(10 ** rng.randint(1, 25)), 10 ** rng.randint(1, 25))


def _random_decimal(rng: random.Random) -> str:
    before = "".join(rng.choice(string.digits) for _ in range(rng.choice([1, 1, 2, 3, 5, 8, 20, 36, 40])))
    after = "".join(rng.choice(string.digits) for _ in range(rng.choice([0, 1, 2, 3, 5, 18, 30, 31, 35])))
    text = ("-" if rng.random() < 0.3 else "") + before.lstrip("0").rjust(1, "0") + (f".{after}" if after else "")
    if rng.random() < 0.1:
        text += f"e{rng.randint(-50, 50)}"
    return json.dumps(text) if rng.random() < 0.3 else text


def _random_float(rng: random.Random) -> str:
    if rng.random() < 0.5:
        text = repr(rng.uniform(-1e6, 1e6))
    else:
        text = f"{rng.uniform(-10, 10):.{rng.randint(1, 17)}f}e{rng.randint(-400, 400)}"
    return json.dumps(text) if rng.random() < 0.25 else text


def _random_time(rng: random.Random) -> str:
    sign = "-" if rng.random() < 0.2 else ""
    hours = rng.choice([0, 1, 12, 23, 24, 99, 838, 839, 1000, rng.randint(0, 900)])
    text = f"{sign}{hours:02d}:{rng.randint(0, 61):02d}"
    if rng.random() < 0.85:
        text += f":{rng.randint(0, 61):02d}"
        if rng.random() < 0.5:
            text += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 8)))
    return json.dumps(text)


def _random_date(rng: random.Random) -> str:
    year = rng.choice([0, 1, 99, 1000, 1900, 1969, 1970, 2000, 2024, 2038, 2039, 9999, 10000, rng.randint(0, 9999)])
    month = rng.choice([1, 2, 12, 0, 13, rng.randint(1, 12)])
    day = rng.choice([1, 28, 29, 30, 31, 0, 32, rng.randint(1, 28)])
    form = rng.random()
    if form < 0.85:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if form < 0.92:
        return f"{year}/{month}/{day}"
    return f"{year}-{month}-{day}"


def _random_datetime(rng: random.Random) -> str:
    text = _random_date(rng) + rng.choice(["T", "T", " ", "_"]) + json.loads(_random_time(rng)).lstrip("-")
    return json.dumps(text + rng.choice(_OFFSETS))


def _random_text(rng: random.Random) -> str:
    length = rng.choice([0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 20, 300])
    return json.dumps("".join(rng.choice(_ALPHABET) for _ in range(length)), ensure_ascii=rng.random() < 0.5)


def _random_binary(rng: random.Random) -> str:
    raw = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 3, 4, 5, 16, 17, 40])))
    form = rng.random()
    if form < 0.7:
        return json.dumps(base64.b64encode(raw).decode())
    if form < 0.8:
        return json.dumps(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    return json.dumps(rng.choice(["abc", "====", "AP8Q qw==", "é", "AAAA\n", "Zm9v", "Zm9vYg==", "Zm9vYg"]))


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 3 and roll < 0.25:
        return {rng.choice(["a", "b", "ü", "", "k k"]): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if depth < 3 and roll < 0.45:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice([None, True, False, 0, -1, 2**64, 1.5, 1e300, "s", "ünï 🎉", "", rng.randint(-999, 999)])


def _random_labels(rng: random.Random, ddl: str, is_set: bool) -> str:
    labels = labels_of(ddl) or ["a"]
    roll = rng.random()
    if roll < 0.4:
        text = rng.choice(labels)
    elif roll < 0.55 and is_set:
        text = ",".join(rng.sample(labels, rng.randint(0, len(labels))))
    elif roll < 0.65:
        text = rng.choice(labels).upper() + rng.choice(["", " ", "  "])
    elif roll < 0.8:
        return rng.choice([str(rng.randint(0, 70)), json.dumps(str(rng.randint(-1, 70)))])
    else:
        text = json.loads(_random_text(rng))
    return json.dumps(text)


_UNITS = {"BOOLEAN": ["true", "false", "0", "1", "2", "-1", '"true"', '"false"', '"1"', '"yes"', "1.0", "0.5"]}


def _random_value(rng: random.Random, ddl: str) -> str:
    kind = kind_of(ddl)
    if kind in ("INTEGER", "BIT", "YEAR"):
        if kind == "YEAR" and rng.random() < 0.5:
            return _number_text(rng, rng.choice([0, 1, 69, 70, 99, 100, 1900, 1901, 2000, 2155, 2156, 2024]))
        return _number_text(rng, _random_int(rng))
    generators: dict[str, Callable[[], str]] = {
        "BOOLEAN": lambda: rng.choice(_UNITS["BOOLEAN"]),
        "DECIMAL": lambda: _random_decimal(rng),
        "FLOAT": lambda: _random_float(rng),
        "TIME": lambda: _random_time(rng),
        "DATE": lambda: json.dumps(_random_date(rng)) if rng.random() < 0.8 else _random_datetime(rng),
        "DATETIME": lambda: _random_datetime(rng),
        "TIMESTAMP": lambda: _random_datetime(rng),
        "ENUM": lambda: _random_labels(rng, ddl, is_set=False),
        "SET": lambda: _random_labels(rng, ddl, is_set=True),
        "TEXT": lambda: _random_text(rng),
        "BINARY": lambda: _random_binary(rng),
        "JSON": lambda: json.dumps(_random_json(rng)),
        "SPATIAL": lambda: json.dumps(rng.choice(_WKT)),
        "UUID": lambda: json.dumps(rng.choice([
            "01020304-0506-0708-090a-0b0c0d0e0f10", "0102030405060708090a0b0c0d0e0f10", "not-a-uuid", "",
            "ffffffff-ffff-ffff-ffff-ffffffffffff", "{01020304-0506-0708-090a-0b0c0d0e0f10}"])),
    }
    return generators.get(kind, lambda: _random_text(rng))()


@dataclass
class _WriteTable:
    name: str
    columns: dict[str, str]  # name -> DDL type, without the key
    pool: dict[str, list[str]]  # column -> value texts of the tests
    key: str = "id INT PRIMARY KEY"
    extra: str = ""

    def ddl(self) -> str:
        body = ", ".join([*([self.key] if self.key else []), *(f"{_q(c)} {t}" for c, t in self.columns.items())])
        return f"CREATE TABLE {self.name} ({body}{self.extra})"

    def seed_rows(self) -> str:
        """Rows for UPDATE, UPSERT and DELETE to find (and INSERT to clash with): odd ids, or the keys' own."""
        if self.name == "w_comp":
            return ("INSERT INTO w_comp VALUES ('a', 1, 10), ('B', 2, 20), ('ü', 0, NULL), "
                    "('x y', 18446744073709551615, 1)")
        if self.name == "w_auto":
            return "INSERT INTO w_auto (a, c, u) VALUES " + ", ".join(
                f"({i}, '2024-01-01', {repr(f'u{i}') if i % 2 else 'NULL'})" for i in range(1, 41))
        return f"INSERT INTO {self.name} (id) VALUES " + ", ".join(f"({i})" for i in range(1, 320, 2))


def _peer_json(literal: str) -> str | None:
    """A peer's SQL literal as the JSON value AppFlow would send, else None (as test_write_value_rules reads it)."""
    if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", literal):
        return literal
    text = _sql_text(literal)
    return None if text is None else json.dumps(text)


def _write_tables(mariadb: bool) -> list[_WriteTable]:
    rules = _write_rules()
    texts = {"INTEGER": rules["NUMBER_TEXTS"], "DECIMAL": rules["NUMBER_TEXTS"], "FLOAT": rules["NUMBER_TEXTS"],
             "BIT": rules["NUMBER_TEXTS"], "YEAR": rules["NUMBER_TEXTS"],
             "ENUM": rules["LABEL_TEXTS"] + rules["NUMBER_TEXTS"][:20], "SET": rules["LABEL_TEXTS"],
             "TIME": rules["TIME_TEXTS"] + rules["NUMBER_TEXTS"][:8],
             "DATETIME": rules["DATETIME_TEXTS"] + rules["OFFSET_TEXTS"],
             "TIMESTAMP": rules["DATETIME_TEXTS"] + rules["OFFSET_TEXTS"],
             "DATE": rules["DATE_TEXTS"] + rules["DATETIME_TEXTS"][:3]}

    def table(name: str, columns: dict[str, str]) -> _WriteTable:
        return _WriteTable(name, columns, {c: texts.get(kind_of(t), []) for c, t in columns.items()})

    strict, _ = _peer_values()
    peers: dict[str, str] = {}
    peer_pool: dict[str, list[str]] = {}
    for i, (ddl, literals, _) in enumerate(strict):
        kind = kind_of(ddl)
        if kind in ("TEXT", "BINARY", "JSON", "SPATIAL") or (ddl == "UUID" and not mariadb) or \
                ddl.startswith("MEDIUMTEXT"):
            continue
        column = f"peer{i}"
        peers[column] = ddl + (" NULL" if ddl.startswith("TIMESTAMP") else "")
        peer_pool[column] = [t for t in map(_peer_json, literals) if t is not None] + texts.get(kind, [])[:10]
    text_columns = {"ch": "CHAR(3)", "vc": "VARCHAR(10)", "tx": "TEXT", "lat": "VARCHAR(12) CHARACTER SET latin1",
                    "bn": "BINARY(4)", "vb": "VARBINARY(16)", "bl": "BLOB", "js": "JSON", "pt": "POINT",
                    "ge": "GEOMETRY", "b1": "BIT(1)", "bo": "BOOLEAN"}
    if mariadb:
        text_columns["uu"] = "UUID"
    return [
        table("w_int", {**rules["INTEGERS"], "bo": "BOOLEAN"}),
        table("w_num", {**rules["DECIMALS"], **rules["FLOATS"]}),
        table("w_bits", {**rules["BITS"], **rules["YEARS"], "b1": "BIT(1)"}),
        table("w_lab", rules["LABELS"]),
        table("w_time", {**rules["TIMES"], **rules["DATES"]}),
        table("w_dt", {**rules["DATETIMES"], **rules["TIMESTAMPS"]}),
        table("w_text", text_columns),
        _WriteTable("w_peer", peers, peer_pool),
        _WriteTable("w_comp", {"k1": "VARCHAR(10) NOT NULL", "k2": "BIGINT UNSIGNED NOT NULL", "v": "INT"}, {},
                    key="", extra=", PRIMARY KEY (k1, k2)"),
        _WriteTable("w_auto", {"a": "INT NOT NULL", "b": "VARCHAR(20) NOT NULL DEFAULT 'dflt'", "c": "DATE NOT NULL",
                               "u": "VARCHAR(10) NULL UNIQUE"}, {}, key="id BIGINT AUTO_INCREMENT PRIMARY KEY"),
    ]


def _value(rng: random.Random, table: _WriteTable, column: str) -> str:
    """A value text for a column: mostly one it takes, else the tests' texts, random ones around them, junk."""
    roll = rng.random()
    pool = table.pool.get(column) or []
    if roll < 0.55:
        return _good_value(rng, table.columns[column])
    if pool and roll < 0.75:
        return rng.choice(pool)
    if roll < 0.95:
        return _random_value(rng, table.columns[column])
    return rng.choice(_JUNK)


_INTEGER_BITS = {"TINYINT": 8, "SMALLINT": 16, "MEDIUMINT": 24, "INT": 32, "INTEGER": 32, "BIGINT": 64}


def _good_value(rng: random.Random, ddl: str) -> str:
    """A value the column stores as sent (by the connector's documented rules)."""
    kind, upper = kind_of(ddl), ddl.upper()
    found = re.search(r"\((\d+)(?:,\s*(\d+))?\)", upper)
    sizes = [int(n) for n in found.groups() if n] if found else []
    if kind == "INTEGER":
        bits = _INTEGER_BITS[upper.split("(")[0].split(" ")[0]]
        low, high = (0, 2**bits - 1) if "UNSIGNED" in upper else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        return str(rng.choice([low, high, rng.randint(low, high), rng.randint(max(low, -1000), min(high, 1000))]))
    if kind == "BOOLEAN":
        return rng.choice(["true", "false", "0", "1"])
    if kind == "DECIMAL":
        precision, scale = (sizes + [10, 0])[:2] if len(sizes) != 1 else (sizes[0], 0)
        before = "".join(rng.choice(string.digits) for _ in range(rng.randint(1, max(1, precision - scale))))
        after = "".join(rng.choice(string.digits) for _ in range(rng.randint(0, scale)))
        sign = "-" if "UNSIGNED" not in upper and rng.random() < 0.3 else ""
        text = sign + (before.lstrip("0") or "0") + (f".{after}" if after else "")
        return json.dumps(text) if rng.random() < 0.2 else text
    if kind == "FLOAT":
        number = rng.uniform(0 if "UNSIGNED" in upper else -999, 999)
        return f"{number:.{sizes[1] if len(sizes) == 2 else rng.randint(0, 3)}f}"
    if kind == "BIT":
        return str(rng.randint(0, 2 ** (sizes[0] if sizes else 1) - 1))
    if kind == "YEAR":
        return str(rng.randint(1901, 2155))
    if kind in ("ENUM", "SET"):
        labels = [label.rstrip(" ") if "BINARY" not in upper else label for label in labels_of(ddl)]
        if kind == "SET":
            return json.dumps(",".join(rng.sample(labels, rng.randint(0, len(labels)))))
        return json.dumps(rng.choice(labels))
    digits = sizes[0] if sizes else 0
    fraction = ("." + "".join(rng.choice(string.digits) for _ in range(rng.randint(1, digits)))) if digits else ""
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}{fraction}"
    day = f"{rng.randint(1, 28):02d}"
    if kind == "TIME":
        return json.dumps(rng.choice(["", "-"]) + f"{rng.randint(0, 838)}:{rng.randint(0, 59):02d}:"
                          f"{rng.randint(0, 59):02d}{fraction}")
    if kind == "DATE":
        return json.dumps(f"{rng.randint(1000, 9999)}-{rng.randint(1, 12):02d}-{day}")
    if kind in ("DATETIME", "TIMESTAMP"):
        year = rng.randint(1971, 2037) if kind == "TIMESTAMP" else rng.randint(1000, 9999)
        return json.dumps(f"{year}-{rng.randint(1, 12):02d}-{day}T{clock}{rng.choice(['', 'Z', '+02:00'])}")
    if kind == "TEXT":
        length = rng.randint(0, sizes[0] if sizes else 40)
        alphabet = _ALPHABET if "LATIN1" not in upper else list(string.ascii_letters + " éü,'\\\"")
        return json.dumps("".join(rng.choice(alphabet) for _ in range(length)))
    if kind == "BINARY":
        size = sizes[0] if sizes else 40
        return json.dumps(base64.b64encode(bytes(rng.randrange(256) for _ in range(rng.randint(0, size)))).decode())
    if kind == "SPATIAL":
        x, y = rng.randint(-180, 180), rng.randint(-90, 90)
        return json.dumps(f"POINT({x} {y})" if "POINT" in upper or rng.random() < 0.5 else
                          f"LINESTRING({x} {y}, {y} {x})")
    if kind == "UUID":
        return json.dumps(str(uuid.UUID(int=rng.getrandbits(128))))
    return json.dumps(_random_json(rng))


def _record(fields: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{json.dumps(name)}: {text}" for name, text in fields) + "}"


def _id_text(rng: random.Random, row_id: int) -> str | None:
    roll = rng.random()
    if roll < 0.92:
        return str(row_id)
    if roll < 0.95:
        return json.dumps(str(row_id))
    if roll < 0.96:
        return f"{row_id}.0"
    if roll < 0.98:
        return None
    return rng.choice(["null", "2147483648", "-1", "1.5", '"x"', "true", "[1]"])


def _batch(rng: random.Random, table: _WriteTable, corpus: Corpus) -> None:
    operation = rng.choices(["INSERT", "UPSERT", "UPDATE", "DELETE"], weights=[50, 25, 15, 10])[0]
    size = rng.choice([1, 1, 2, 3, 4, 6, 10])
    settings = {"sourceTimeZone": rng.choice(["America/New_York", "Asia/Kathmandu"])} if rng.random() < 0.1 else None
    records: list[str] = []
    id_fields: list[str] | None = ["id"]
    if table.name == "w_comp":
        id_fields = ["k1", "k2"]
        for _ in range(size):
            fields = [("k1", rng.choice(['"a"', '"B"', '"b"', '"ü"', '"x y"', '""', "null", "7", '"abcdefghijk"'])),
                      ("k2", rng.choice(["0", "1", "2", "18446744073709551615", '"3"', "-1", "18446744073709551616",
                                         "1.5"]))]
            if operation != "DELETE":
                fields.append(("v", rng.choice(["1", "-5", "null", '"7"', "2147483648", '"x"'])))
            records.append(_record(rng.sample(fields, len(fields)) if rng.random() < 0.3 else fields))
        readback = None
    else:
        low = rng.randint(1, 300)
        high = low + 2 * size
        for _ in range(size):
            if table.name == "w_auto":
                fields = _auto_fields(rng, operation, low, high)
            else:
                fields = []
                row_id = _id_text(rng, rng.randint(low, high))
                if row_id is not None:
                    fields.append(("id", row_id))
                if operation != "DELETE" or rng.random() < 0.1:
                    for column in rng.sample(list(table.columns), min(len(table.columns), rng.choice([1, 1, 2, 2, 4]))):
                        fields.append((column, _value(rng, table, column)))
            records.append(rng.choice(_BROKEN_RECORDS) if rng.random() < 0.01 else _record(fields))
        if table.name == "w_auto":
            id_fields = ["u"] if operation == "UPSERT" or rng.random() < 0.2 else ["id"]
        readback = f"{'a' if table.name == 'w_auto' else 'id'} between {low} and {high}"
    roll = rng.random()
    if roll < 0.04:
        id_fields = rng.choice([["nope"], ["ID"], [], ["id", "id"], [next(iter(table.columns))]])
    elif operation == "INSERT" and roll < 0.5:
        id_fields = None
    write: dict[str, Any] = {"entityIdentifier": f"{DB}.{table.name}", "operation": operation, "records": records}
    if id_fields is not None:
        write["idFieldNames"] = id_fields
    if rng.random() < 0.1:
        write["allOrNone"] = True
    corpus.add("WriteDataRequest", settings=settings, **write)
    if readback is None:
        corpus.query(table.name, settings=settings)
    else:
        corpus.query(table.name, settings=settings, filterExpression=readback)


def _auto_fields(rng: random.Random, operation: str, low: int, high: int) -> list[tuple[str, str]]:
    """w_auto: UPDATE and DELETE by the auto-increment id (or the unique u), UPSERT by u, INSERT without id."""
    fields: list[tuple[str, str]] = []
    if operation in ("UPDATE", "DELETE") or rng.random() < 0.03:
        fields.append(("id", str(rng.randint(1, 60))))
    unique = ("u", rng.choice([json.dumps(f"u{rng.randint(1, 30)}"), "null", '"toolong_value"', '"u3"']))
    if operation == "DELETE":
        return fields if rng.random() < 0.7 else [unique]
    if operation == "UPSERT" or rng.random() < 0.5:
        fields.append(unique)
    if rng.random() < 0.9:
        fields.append(("a", rng.choice([str(rng.randint(low, high)), "null", '"x"', str(rng.randint(low, high))])))
    if rng.random() < 0.7:
        fields.append(("b", rng.choice(['"tag"', "null", _random_text(rng), '"dflt"'])))
    if rng.random() < 0.9:
        fields.append(("c", rng.choice(['"2024-01-31"', "null", json.dumps(_random_date(rng)), '"2024-02-29"'])))
    return fields


def _write_part(corpus: Corpus, rng: random.Random, batches: int, mariadb: bool,
                only: list[str] | None = None) -> None:
    tables = _write_tables(mariadb)
    if only is not None:
        tables = [t for t in tables if t.name in only]
    for table in tables:
        corpus.setup += [table.ddl(), table.seed_rows()]
        corpus.tables.append(table.name)
        corpus.add("DescribeEntityRequest", entityIdentifier=f"{DB}.{table.name}")
    weights = [3 if t.name in ("w_peer", "w_text", "w_dt", "w_num") else 2 for t in tables]
    for _ in range(batches):
        _batch(rng, rng.choices(tables, weights=weights)[0], corpus)
    for table in tables:  # each table as the writes left it
        corpus.query(table.name, 50)


def build_corpus(seed: int = 23, *, peer_tables: int | None = None, write_batches: int = 1000,
                 read_tables: bool = True, write_tables: list[str] | None = None, mariadb: bool = True,
                 targeted: bool = True, server_variant: bool = True) -> Corpus:
    """The setup SQL and events. ``peer_tables`` keeps the first n of the matrix (None: all, and the non-strict
    ones); ``write_tables`` only those of the generated records' tables (None: all); ``targeted`` adds the key
    tables, the write paths and the response budget; ``server_variant`` the part under other server settings."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    corpus = Corpus(setup=[STRICT])
    if read_tables:
        corpus.setup += _READ_TABLES
        corpus.tables += _READ_TABLE_NAMES
        _read_events(corpus)
    if targeted:
        _key_part(corpus, mariadb)
        _write_paths(corpus)
        _budget_part(corpus)
    if server_variant:
        corpus.variants.append(_server_variant())
    _peer_tables(corpus, rng, peer_tables, mariadb)
    _write_part(corpus, rng, write_batches, mariadb, write_tables)
    return corpus


def iter_lines(corpus: Corpus) -> Iterator[str]:
    for event in corpus.events:
        yield json.dumps(event)
