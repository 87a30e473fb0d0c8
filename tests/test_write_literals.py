"""WriteData builds its statements from literals: the same values reach the table as bound parameters did.

Each value is escaped once, as PyMySQL's own escaping writes it, and the statement is sent with no
parameters; these tests hold that text to what ``cursor.execute(sql, params)`` would have sent, write a
matrix of types both ways and compare the rows, check that ``%`` in a value stays a character, and that
batches and the one-record-too-large rule use a record's exact size in UTF-8 (not its length in
characters) against a small ``max_allowed_packet``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
import pymysql
import pytest
from pymysql.converters import escape_date, escape_datetime

from connector.catalog import Entity, load_entity
from connector.errors import MySQLTarget
from connector.write_cells import _iso_date, _iso_datetime
from connector.write_statements import StatementWriter as _Writer
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, sql

ZONE = "Asia/Kolkata"  # +05:30: offsets in the records are converted to the wall clock of a zone not UTC
EVERY_TYPE = """(
    id INT PRIMARY KEY,
    vc VARCHAR(300) NULL, tx TEXT NULL, bl BLOB NULL, vb VARBINARY(300) NULL,
    d DECIMAL(30,10) NULL, d2 DECIMAL(12,2) NOT NULL DEFAULT 7.25,
    dtm DATETIME(6) NULL, ts TIMESTAMP(3) NULL, dt DATE NULL, tm TIME(6) NULL,
    b TINYINT(1) NULL, bu BIGINT UNSIGNED NULL, db DOUBLE NULL, f FLOAT NULL,
    js JSON NULL, geo GEOMETRY NULL, yr YEAR NULL, bit12 BIT(12) NULL, en ENUM('a','b') NULL)"""
HOSTILE = "it's \"q\" \\ back\\slash \x00 nul \x1a ctrl-z \n\r\t % %s %(x)s %% 100% ünï 🎉 日本 ''"
EVERY_CHARACTER = "".join(chr(c) for c in range(1, 0x300)) + "\U0001f389\U0010fffd"


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):  # written as the JSON number it is, digit for digit
        return orjson.Fragment(str(value))
    raise TypeError(type(value).__name__)


def as_json(record: dict[str, Any]) -> str:
    return orjson.dumps(record, default=_number).decode()


RECORDS = [
    {"id": 1, "vc": HOSTILE, "tx": EVERY_CHARACTER, "bl": base64.b64encode(bytes(range(256))).decode(),
     "vb": base64.b64encode(bytes(range(255, -1, -1))).decode(), "d": Decimal("12345678901234567890.1234567890"),
     "d2": None, "dtm": "2024-03-10T02:30:00.123456+05:30", "ts": "2024-06-01T12:00:00.5Z", "dt": "2024-02-29",
     "tm": "-838:59:59.000000", "b": True, "bu": 18446744073709551615, "db": Decimal("0.1"), "f": Decimal("1.5"),
     "js": {"k": "ünï \"q\" \\ %s", "n": [1, Decimal("2.50"), None],
            "big": orjson.Fragment("123456789012345678901234567890")},
     "geo": "SRID=4326;POINT(19 43)", "yr": 2024, "bit12": 4095, "en": "b"},
    {"id": 2, "vc": "", "tx": "%", "bl": "", "vb": "AA==", "d": Decimal("-0.0000000001"), "d2": "12.50",
     "dtm": "0000-11-30T10:00:00", "ts": None, "dt": "0000-11-30", "tm": "13:45", "b": "false", "bu": 0,
     "db": Decimal("-1E+300"), "f": Decimal("-0.0"), "js": "text", "geo": "LINESTRING(0 0, 1 1)", "yr": 1901,
     "bit12": 0, "en": None},
    {"id": 3, "vc": None, "tx": None, "bl": None, "vb": None, "d": None, "d2": None, "dtm": None, "ts": None,
     "dt": None, "tm": None, "b": None, "bu": None, "db": None, "f": None, "js": None, "geo": None, "yr": None,
     "bit12": None, "en": None},
    {"id": 4, "vc": 12.5, "tx": 7, "d": Decimal("1E+5"), "d2": 3, "dtm": "2024-01-02 03:04:05.000001",
     "ts": "2024-01-02T03:04:05.000+01:00", "dt": "1000-01-01", "tm": "00:00:00.5", "b": 1, "bu": "42",
     "db": Decimal("5E-324"), "f": 0, "js": [], "geo": "POLYGON((0 0, 1 0, 1 1, 0 0))", "yr": 0, "bit12": "12"},
    {"id": 5, "d": Decimal("-99999999999999999999.9999999999"), "dtm": "2024-11-03T01:30:00-04:00",
     "ts": "1970-01-01T00:00:01Z", "js": {"%(x)s": "%%"}, "vc": "\u00e9\u0301 \u200d \ufeff"},
]


@pytest.fixture(scope="module")
def every_type(exact_db: dict[str, Any]) -> dict[str, Any]:
    sql(exact_db, f"CREATE TABLE lit {EVERY_TYPE}", f"CREATE TABLE lit_ref {EVERY_TYPE}")
    return exact_db


@pytest.fixture
def admin(mysql_server: ServerAddress, every_type: dict[str, Any]) -> Iterator[pymysql.Connection]:
    """A session of its own, as the connector's: UTC, and its writes strict."""
    conn = mysql_server.connect(every_type["database"])
    with conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00', "
                    "sql_mode = CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES')")
    try:
        yield conn
    finally:
        conn.close()


def entity_of(conn: pymysql.Connection, db: dict[str, Any], table: str) -> Entity:
    return load_entity(conn, db["database"], table)


def writer_for(conn: pymysql.Connection, entity: Entity) -> _Writer:
    return _Writer(conn, entity, "INSERT", [], ZONE, MySQLTarget("localhost", 3306, "test"))


# --- the text: what PyMySQL would have sent -----------------------------------------------------------

BOUND_VALUES: list[Any] = [
    HOSTILE, EVERY_CHARACTER, "", "'", "\\", "\x00", "\u2028", bytes(range(256)), b"", Decimal("1.5"),
    Decimal("-0.0000000001"), Decimal("1E+5"), 0, -1, 18446744073709551615, 0.1, -0.0, 1e300, 5e-324,
    dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 2, 3, 4, 5, 1), dt.datetime(1, 1, 1),
    dt.date(2024, 2, 29), dt.date(1, 1, 1), "0000-11-30 10:00:00",
]


@pytest.mark.parametrize("no_backslash_escapes", [False, True], ids=["backslash escapes", "NO_BACKSLASH_ESCAPES"])
def test_literals_are_the_text_pymysql_would_bind(admin: pymysql.Connection, every_type: dict[str, Any],
                                                  no_backslash_escapes: bool) -> None:
    if no_backslash_escapes:
        with admin.cursor() as cur:
            cur.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')")
    entity = entity_of(admin, every_type, "lit")
    writer = writer_for(admin, entity)
    plain, spatial = entity.column("vc"), entity.column("geo")
    with admin.cursor() as cur:
        for value in BOUND_VALUES:
            assert writer._literal(plain)(value) == cur.mogrify("%s", (value,)), value  # noqa: SLF001
        for shape in [("POINT(1 2)", 0), ("POINT(1 2)'; --", 4326), ("%s %(x)s", 2**32 - 1)]:
            assert writer._literal(spatial)(shape) == cur.mogrify("ST_GeomFromText(%s, %s)", shape)  # noqa: SLF001


def test_dates_written_by_isoformat_are_pymysqls_text() -> None:
    moments = [dt.datetime(year, month, 28, hour, 59, 59, micro) for year in (1, 9, 999, 1000, 2024, 9999)
               for month in (1, 12) for hour in (0, 23) for micro in (0, 1, 500_000, 999_999)]
    for moment in moments:
        assert _iso_datetime(moment) == escape_datetime(moment)
        assert _iso_date(moment.date()) == escape_date(moment.date())
    aware = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata"))
    assert _iso_datetime(aware) == escape_datetime(aware) == "'2024-01-02 03:04:05'"


# --- the rows: the same as bound parameters wrote them -------------------------------------------------

def _bound_insert(entity: Entity, record: dict[str, Any], zone: zoneinfo.ZoneInfo) -> tuple[str, list[Any]]:
    """The statement and parameters the writer sent before it wrote literals (``%s`` per value)."""
    cells, params = [], []
    for name, value in record.items():
        column = entity.column(name)
        if value is None:
            cells.append("NULL" if column.nullable else "DEFAULT")
            continue
        bound = column.type.write.decode(value, column.data_type, column.column_type, zone)
        cells.append(column.type.write_sql)
        params.extend(bound if isinstance(bound, tuple) else (bound,))
    names = ", ".join(f"`{name}`" for name in record)
    return f"INSERT INTO `{entity.table}` ({names}) VALUES ({', '.join(cells)})", params


def test_written_values_equal_the_old_bound_parameters(call: Caller, every_type: dict[str, Any],
                                                       admin: pymysql.Connection) -> None:
    texts = [as_json(record) for record in RECORDS]
    response = call("WriteDataRequest", settings={"sourceTimeZone": ZONE}, entityIdentifier=identifier(
        every_type, "lit"), operation="INSERT", records=texts)
    assert response["isSuccess"], response
    entity = entity_of(admin, every_type, "lit_ref")
    with admin.cursor() as cur:
        for text in texts:
            statement, params = _bound_insert(entity, json.loads(text, parse_float=Decimal), zoneinfo.ZoneInfo(ZONE))
            cur.execute(statement, params)
    written = sql(every_type, "SELECT * FROM lit ORDER BY id")
    assert written == sql(every_type, "SELECT * FROM lit_ref ORDER BY id")
    assert len(written) == len(RECORDS)
    assert sql(every_type, "SELECT vc, tx, bl, d, d2 FROM lit WHERE id = 1") == [
        (HOSTILE, EVERY_CHARACTER, bytes(range(256)), Decimal("12345678901234567890.1234567890"), Decimal("7.25"))]


@pytest.mark.parametrize("operation", ["INSERT", "UPSERT", "UPDATE", "DELETE"])
def test_percent_signs_in_values_are_written_as_they_are(call: Caller, every_type: dict[str, Any],
                                                         operation: str) -> None:
    sql(every_type, "CREATE TABLE IF NOT EXISTS pct (k VARCHAR(20) PRIMARY KEY, v TEXT, j JSON, bl BLOB)",
        "DELETE FROM pct")
    keys = ["%s", "%(x)s", "%%", "100%"]
    if operation in ("UPDATE", "DELETE"):
        sql(every_type, "INSERT INTO pct (k, v) VALUES " + ", ".join(["(%s, 'old')"] * len(keys)), params=keys)
    records = [json.dumps({"k": k, "v": f"{k} and %s %d %(v)s %", "j": {k: "%s"},
                           "bl": base64.b64encode(b"%s\x25").decode()}) for k in keys]
    response = call("WriteDataRequest", entityIdentifier=identifier(every_type, "pct"), operation=operation,
                    idFieldNames=None if operation == "INSERT" else ["k"], records=records)
    assert response["isSuccess"], response
    if operation == "DELETE":
        assert sql(every_type, "SELECT COUNT(*) FROM pct") == [(0,)]
        return
    # the JSON as a value: MySQL 8 stores it binary and answers its own spelling ('{"%s": "%s"}')
    written = [(k, v, json.loads(j), bl) for k, v, j, bl in sql(every_type, "SELECT k, v, j, bl FROM pct ORDER BY k")]
    assert written == sorted((k, f"{k} and %s %d %(v)s %", {k: "%s"}, b"%s%") for k in keys)


# --- sizes: exact bytes against max_allowed_packet ------------------------------------------------------

@pytest.fixture
def one_mib_packets(every_type: dict[str, Any]) -> Iterator[dict[str, str]]:
    """max_allowed_packet at 1 MiB for the sessions opened meanwhile; the settings that open a new one."""
    before = sql(every_type, "SELECT @@GLOBAL.max_allowed_packet")[0][0]
    sql(every_type, "SET GLOBAL max_allowed_packet = 1048576")
    try:
        yield {"connectTimeoutSeconds": "8"}  # a session kind of its own: opened after the change
    finally:
        sql(every_type, f"SET GLOBAL max_allowed_packet = {int(before)}")


def _inserts(db: dict[str, Any]) -> int:
    return int(sql(db, "SHOW GLOBAL STATUS LIKE 'Com_insert'")[0][1])


@pytest.mark.needs_local_server("SET GLOBAL max_allowed_packet")
def test_batches_and_oversized_records_count_utf8_bytes_not_characters(
        call: Caller, every_type: dict[str, Any], one_mib_packets: dict[str, str]) -> None:
    sql(every_type, "CREATE TABLE IF NOT EXISTS big (id INT PRIMARY KEY, v MEDIUMTEXT, bl MEDIUMBLOB)",
        "DELETE FROM big")
    emoji = "\U0001f389"  # one character, four bytes
    records = [json.dumps({"id": i, "v": emoji * 4_000}, ensure_ascii=False) for i in range(300)]  # 16 KB each
    records += [
        json.dumps({"id": 1000, "v": emoji * 300_000}),  # 300,000 characters, 1.2 MB: too large
        json.dumps({"id": 1001, "bl": base64.b64encode(b"\xff" * 600_000).decode()}),  # 1.2 MB as hex
        json.dumps({"id": 1002, "v": "'" * 600_000}),  # each quote escaped: 1.2 MB
        json.dumps({"id": 1003, "v": emoji * 200_000}),  # 0.8 MB: fits alone
    ]
    before = _inserts(every_type)
    response = call("WriteDataRequest", settings=one_mib_packets, entityIdentifier=identifier(every_type, "big"),
                    operation="INSERT", records=records)
    results = response["writeRecordResults"]
    assert [i for i, r in enumerate(results) if not r["isSuccess"]] == [300, 301, 302], response["errorDetails"]
    for failed in results[300:303]:
        assert "max_allowed_packet" in failed["errorMessage"] and "1.00 MiB" in failed["errorMessage"]
    # 4.8 MB in statements of at most 1 MiB, and the large record alone
    assert _inserts(every_type) - before >= 6
    assert sql(every_type, "SELECT COUNT(*), SUM(CHAR_LENGTH(v)), MAX(LENGTH(v)) FROM big") == [
        (301, Decimal(300 * 4_000 + 200_000), 800_000)]


@pytest.mark.needs_local_server("SET GLOBAL max_allowed_packet")
def test_server_limits_are_read_once_per_connection(mysql_server: ServerAddress) -> None:
    """A warm connection's limits need no round trip (its max_allowed_packet is fixed when it connects);
    a new connection reads its own, the global of its connect time."""
    from connector.server_limits import server_limits

    admin = mysql_server.connect()
    first = mysql_server.connect()
    with admin.cursor() as cur:
        cur.execute("SELECT @@GLOBAL.max_allowed_packet")
        before = int(cur.fetchone()[0])
    try:
        limits = server_limits(first)
        assert limits.max_packet == before
        with admin.cursor() as cur:
            cur.execute("SET GLOBAL max_allowed_packet = 2097152")
        second = mysql_server.connect()
        first.close()  # a query on it would fail now: the cached answer needs none
        assert server_limits(first) is limits
        assert server_limits(second).max_packet == 2097152
        with second.cursor() as cur:
            cur.execute("SELECT @@SESSION.max_allowed_packet")
            assert int(cur.fetchone()[0]) == 2097152
        second.close()
    finally:
        with admin.cursor() as cur:
            cur.execute(f"SET GLOBAL max_allowed_packet = {before}")
        admin.close()
