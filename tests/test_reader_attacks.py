"""Attacks on the row reader (connector/rows.py) and the one-query catalog, from the issue's adversarial review.

Views over expressions (the wire type differs from the declared one), stops in the middle of a
streaming result (KILL QUERY, KILL CONNECTION, the server's statement timeout, the response budget,
the call's deadline) and what the warm connection does next, column names that look like code, and
the catalog against information_schema's own sorted answer. Every test runs against the real MariaDB.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from connector import query, wire
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, profile_caller, scratch_database
from tests.test_row_reader import read_all, reference


@pytest.fixture(scope="module")
def rdb(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    with scratch_database(mysql_server, "review14", "SELECT", "rv") as db:
        yield db


@pytest.fixture(scope="module")
def call(rdb: dict[str, Any], aws_env: str) -> Caller:
    return profile_caller(rdb, aws_env)


def _admin_sql(rdb: dict[str, Any], *statements: str, mode: str | None = None) -> None:
    with rdb["admin"].cursor() as cur:
        cur.execute(f"USE `{rdb['database']}`")
        if mode is not None:
            cur.execute(f"SET SESSION sql_mode = '{mode}'")
        try:
            for statement in statements:
                cur.execute(statement)
        finally:
            if mode is not None:
                cur.execute("SET SESSION sql_mode = DEFAULT")


# --- values -----------------------------------------------------------------------------------------

_VIEW_EXPRESSIONS = [
    "zf", "IFNULL(zf, 0)", "COALESCE(zf)", "zf + 0", "CAST(zd AS DECIMAL(10,3))", "zd", "IF(b1, 'y', 'n')",
    "CONCAT(vb, 'x')", "CONCAT(t, '\"')", "HEX(vb)", "b1", "bz", "y", "bit5", "bit5 + 0", "NULL", "1.50",
    "CAST(t AS BINARY)", "CAST(u8 AS CHAR CHARACTER SET latin1)", "e_ucs2", "s_utf16", "e_bin", "c_odd",
    "dt", "dtm", "ts", "tm", "DATE(dtm)", "TIME(dtm)", "CAST(dtm AS DATE)", "ADDTIME(tm, '01:00:00')",
    "j", "JSON_EXTRACT(j, '$')", "ip4", "ip6", "uid", "CAST(uid AS CHAR)", "u8", "-0.0", "CAST(-0.0 AS DECIMAL)",
    "18446744073709551615", "-9223372036854775808", "0x41", "b'101'", "CAST('2024-02-30' AS DATE)",
    "FROM_UNIXTIME(1)", "CONVERT_TZ(dtm, '+00:00', '+01:00')", "CAST(zf AS CHAR)", "LPAD(zf, 10, '0')",
]


@pytest.fixture(scope="module")
def exprs(rdb: dict[str, Any]) -> str:
    _admin_sql(
        rdb,
        """CREATE TABLE src (id INT PRIMARY KEY, zf MEDIUMINT(7) UNSIGNED ZEROFILL, zd DECIMAL(9,3) ZEROFILL,
            b1 TINYINT(1) UNSIGNED, bz TINYINT(1) ZEROFILL, y YEAR, bit5 BIT(5), vb VARBINARY(20), t TEXT,
            u8 VARCHAR(20), e_ucs2 ENUM('a"', 'é\\\\', '日本') CHARACTER SET ucs2,
            s_utf16 SET('x', 'ÿ', '😀') CHARACTER SET utf16, e_bin ENUM('a', 'b\\\\') CHARACTER SET binary,
            c_odd CHAR(5) CHARACTER SET utf32 COLLATE utf32_bin, dt DATE, dtm DATETIME(3), ts TIMESTAMP NULL,
            tm TIME(2), j JSON, ip4 INET4, ip6 INET6, uid UUID)""",
        "INSERT INTO src VALUES (1, 42, 1.5, 0, 1, 2024, 5, 0x00FF, 'a\\tb', 'é', 'a\"', 'x,😀', 'b\\\\', 'ab', "
        "'2024-02-29', '2024-02-29 23:59:59.125', '2024-01-01 00:00:00', '-12:00:00.50', '{\"a\": 1.}', "
        "'1.2.3.4', '::1', '123e4567-e89b-12d3-a456-426655440000')",
        "INSERT INTO src VALUES (2, 0, 0, 255, 0, 1901, 0, '', '', '', '日本', 'ÿ', 'a', '', "
        "'2023-01-31', '1000-01-01 00:00:00', '1970-01-01 00:00:01', '838:59:59', '[]', '0.0.0.0', '::', "
        "'00000000-0000-0000-0000-000000000000')",
        "INSERT INTO src (id) VALUES (3)",
    )
    _admin_sql(rdb, *(f"CREATE VIEW v_{i} AS SELECT id, {e} AS c FROM src" for i, e in enumerate(_VIEW_EXPRESSIONS)),
               mode="ALLOW_INVALID_DATES")
    return "src"


@pytest.mark.parametrize("number", range(len(_VIEW_EXPRESSIONS)))
@pytest.mark.needs_local_server("MariaDB's INET4, INET6 and UUID types and JSON '1.'")
def test_view_over_expression_records_are_byte_identical(call: Caller, rdb: dict[str, Any], exprs: str,
                                                         mysql_server: ServerAddress, number: int) -> None:
    view = f"v_{number}"
    expected = Counter(reference(mysql_server, rdb, view))
    assert Counter(read_all(call, rdb, view, 1000)) == expected, _VIEW_EXPRESSIONS[number]
    assert Counter(read_all(call, rdb, view, 1)) == expected, _VIEW_EXPRESSIONS[number]


@pytest.mark.needs_local_server("MariaDB's INET4, INET6 and UUID types and JSON '1.'")
def test_source_table_is_byte_identical(call: Caller, rdb: dict[str, Any], exprs: str,
                                        mysql_server: ServerAddress) -> None:
    for zone, boolean in (("UTC", True), ("Europe/Paris", False)):
        settings = {"sourceTimeZone": zone, "tinyint1AsBoolean": str(boolean).lower()}
        expected = reference(mysql_server, rdb, "src", zone, boolean)
        assert read_all(call, rdb, "src", 1000, settings=settings) == expected
        assert read_all(call, rdb, "src", 1, settings=settings) == expected


# --- stops mid-stream -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hexkey(rdb: dict[str, Any]) -> str:
    """A string key travels as HEX (1,000 bytes a row on the wire) while the records are {"id": n}: the
    server is still sending (20 MB) long after the first buffers, whatever the socket buffers hold."""
    _admin_sql(rdb, "CREATE TABLE hexkey (k VARCHAR(500) CHARACTER SET latin1 PRIMARY KEY, id INT)")
    with rdb["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{rdb['database']}`.hexkey VALUES (%s, %s)",
                        [(f"{i:06d}" + "x" * 494, i) for i in range(20000)])
    return "hexkey"


@pytest.fixture(scope="module")
def stream(rdb: dict[str, Any]) -> str:
    """20,000 rows of ~220 bytes (4.4 MB): the server is still sending long after the first batches."""
    _admin_sql(rdb, "CREATE TABLE stream (id INT PRIMARY KEY, v VARCHAR(250), k VARCHAR(20) NOT NULL, UNIQUE (k))")
    with rdb["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{rdb['database']}`.stream VALUES (%s, %s, %s)",
                        [(i, f"{i:08d}" + "é\"\\" * 70, f"k{i:07d}") for i in range(20000)])
    return "stream"


def _session_ids(rdb: dict[str, Any]) -> list[int]:
    with rdb["admin"].cursor() as cur:
        cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s AND COMMAND = 'Query'",
                    (rdb["username"],))
        return [int(r[0]) for r in cur.fetchall()]


@contextlib.contextmanager
def _on_batch(monkeypatch: pytest.MonkeyPatch, number: int, action: Any) -> Iterator[list[int]]:
    """Run ``action()`` when the reader is about to read its ``number``-th buffer (the server mid-stream)."""
    calls = [0]
    original = wire.RowPackets.hold_to

    def hold_to(self: Any, deadline: Any) -> None:
        calls[0] += 1
        if calls[0] == number:
            action()
        original(self, deadline)

    monkeypatch.setattr(wire.RowPackets, "hold_to", hold_to)
    try:
        yield calls
    finally:
        monkeypatch.setattr(wire.RowPackets, "hold_to", original)


def _all_pages(call: Caller, rdb: dict[str, Any], table: str, max_results: int, first: dict[str, Any],
               **fields: Any) -> list[str]:
    got = list(first["records"])
    token = first["nextToken"]
    while token:
        page = call("QueryDataRequest", entityIdentifier=identifier(rdb, table), maxResults=max_results,
                    nextToken=token, **fields)
        assert page["isSuccess"], page["errorDetails"]
        got += page["records"]
        token = page["nextToken"]
    return got


def _kill(rdb: dict[str, Any], what: str) -> None:
    """KILL QUERY or KILL CONNECTION for every statement the profile's user is running."""
    for session in _session_ids(rdb):
        with rdb["admin"].cursor() as cur:
            cur.execute(f"KILL {what} {session}")


@pytest.mark.needs_local_server("KILL QUERY of the connector's sessions")
def test_kill_query_mid_stream_is_a_clear_failure(call: Caller, rdb: dict[str, Any], hexkey: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with _on_batch(monkeypatch, 5, lambda: _kill(rdb, "QUERY")):
        response = call("QueryDataRequest", entityIdentifier=identifier(rdb, hexkey), maxResults=20000,
                        selectedFieldNames=["id"])
    assert not response["isSuccess"], len(response["records"])
    assert response["errorDetails"]["errorCode"] == "ServiceUnavailable", response["errorDetails"]
    assert "interrupted" in response["errorDetails"]["errorMessage"]
    after = call("QueryDataRequest", entityIdentifier=identifier(rdb, hexkey), maxResults=3)
    assert after["isSuccess"] and [json.loads(r)["id"] for r in after["records"]] == [0, 1, 2]


@pytest.mark.needs_local_server("KILL CONNECTION of the connector's sessions")
def test_kill_connection_mid_stream_reads_the_page_again(call: Caller, rdb: dict[str, Any], hexkey: str,
                                                         mysql_server: ServerAddress,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with _on_batch(monkeypatch, 5, lambda: _kill(rdb, "CONNECTION")):
        response = call("QueryDataRequest", entityIdentifier=identifier(rdb, hexkey), maxResults=20000,
                        selectedFieldNames=["id"])
    assert response["isSuccess"], response["errorDetails"]
    ids = [json.loads(r)["id"] for r in _all_pages(call, rdb, hexkey, 20000, response, selectedFieldNames=["id"])]
    assert ids == list(range(20000))


@pytest.mark.parametrize("max_results", [20000, 15000])
@pytest.mark.needs_local_server("MariaDB's max_statement_time, set to 0.4 s mid-call")
def test_statement_timeout_mid_stream_pages_lose_and_repeat_nothing(call: Caller, rdb: dict[str, Any], hexkey: str,
                                                                    mysql_server: ServerAddress, max_results: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's max_statement_time fires while rows stream (the reader paused past it): the rows so far
    and a token; the union of the pages is the table."""
    original = query.bounded
    monkeypatch.setattr(query, "bounded", lambda conn, text, deadline: _short(conn, original(conn, text, deadline)))
    with _on_batch(monkeypatch, 3, lambda: _until_no_statement(rdb)):
        first = call("QueryDataRequest", entityIdentifier=identifier(rdb, hexkey), maxResults=max_results,
                     selectedFieldNames=["id"])
    monkeypatch.setattr(query, "bounded", original)
    assert first["isSuccess"], first["errorDetails"]
    assert 0 < len(first["records"]) < max_results and first["nextToken"]
    ids = [json.loads(r)["id"] for r in _all_pages(call, rdb, hexkey, max_results, first, selectedFieldNames=["id"])]
    assert ids == list(range(20000))


def _until_no_statement(rdb: dict[str, Any]) -> None:
    """Wait (reading nothing meanwhile) until the server has ended the user's statement itself."""
    for _ in range(200):
        if not _session_ids(rdb):
            return
        time.sleep(0.05)  # polling the server's own state, not a guess at how long it takes
    raise AssertionError("the server never stopped the statement")


def _short(conn: Any, statement: str) -> str:
    """The statement, with the session's statement time cut to 0.4 s after bounded() set it for the call."""
    with conn.cursor() as cur:
        cur.execute("SET SESSION max_statement_time = 0.4")
    return statement


def test_budget_stop_then_warm_connection_is_in_step(call: Caller, rdb: dict[str, Any], stream: str,
                                                     mysql_server: ServerAddress) -> None:
    """A 5.5 MB page ends mid-result; the next calls on the warm container read exact pages."""
    expected = reference(mysql_server, rdb, stream)
    first = call("QueryDataRequest", entityIdentifier=identifier(rdb, stream), maxResults=20000)
    assert first["isSuccess"] and first["nextToken"] and len(first["records"]) < 20000
    assert len(json.dumps(first)) < 6_000_000
    small = call("QueryDataRequest", entityIdentifier=identifier(rdb, stream), maxResults=2)
    assert small["records"] == expected[:2]
    assert _all_pages(call, rdb, stream, 20000, first) == expected


def test_deadline_stop_then_warm_connection_is_in_step(call: Caller, rdb: dict[str, Any], stream: str,
                                                       mysql_server: ServerAddress) -> None:
    expected = reference(mysql_server, rdb, stream)
    almost_out = SimpleNamespace(aws_request_id="r", get_remaining_time_in_millis=lambda: 4_030)
    first = call("QueryDataRequest", almost_out, entityIdentifier=identifier(rdb, stream), maxResults=20000)
    assert first["isSuccess"], first["errorDetails"]
    small = call("QueryDataRequest", entityIdentifier=identifier(rdb, stream), maxResults=2)
    assert small["records"] == expected[:2]
    assert _all_pages(call, rdb, stream, 20000, first) == expected


# --- the catalog UNION against the three queries it replaced -----------------------------------------

_CATALOG_TABLES = [
    "CREATE TABLE `cat 1` (`select` INT NOT NULL, `Key` VARCHAR(10) NOT NULL, b_x INT NOT NULL, a_y INT NOT NULL, "
    "`from` TEXT DEFAULT 'it''s \"q\" \\\\ ü', g INT AS (`select` * 2) STORED, "
    "UNIQUE KEY `b_idx` (b_x), UNIQUE KEY `A_idx` (a_y), UNIQUE KEY `a_idx2` (`Key`, `select`), "
    "UNIQUE KEY `_u` (g), UNIQUE KEY `Z9` (`Key`(3))) COMMENT 'ünï 🎉 comment'",
    "CREATE TABLE many (" + ", ".join(f"c{i} INT NOT NULL" for i in range(300)) + ", "
    + ", ".join(f"UNIQUE KEY k{i} (c{i}, c{(i + 1) % 300})" for i in range(60)) + ", PRIMARY KEY (c299, c7))",
    "CREATE TABLE `weird``name` (id BIGINT UNSIGNED PRIMARY KEY COMMENT 'x', "
    "d DECIMAL(30,10) DEFAULT '1.5', v VARCHAR(2000), t TINYINT(1) DEFAULT 1, j JSON, "
    "dt DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), UNIQUE (v), "
    "u VARCHAR(300) NOT NULL, w VARCHAR(300) NOT NULL, x VARCHAR(300) NOT NULL, UNIQUE long_hash (u, w, x))",
    "CREATE TABLE nokey (a INT, b VARCHAR(5) CHARACTER SET ucs2 COLLATE ucs2_bin, UNIQUE (a))",
    "CREATE VIEW `v iew` AS SELECT `select` AS s, CAST(b_x AS DECIMAL(5,1)) AS d FROM `cat 1`",
]


def _three_queries(conn: Any, schema: str, table: str) -> tuple[list[tuple[Any, ...]], dict[str, list[str]]]:
    """The columns and unique indexes as the three sorted queries the catalog used to run give them."""
    with conn.cursor() as cur:
        cur.execute("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, "
                    "CHARACTER_SET_NAME, COLLATION_NAME, CHARACTER_OCTET_LENGTH, GENERATION_EXPRESSION FROM "
                    "information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
                    (schema, table))
        columns = [tuple(None if v is None else str(v) for v in row) for row in cur.fetchall()]
        cur.execute("SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s AND "
                    "TABLE_NAME = %s AND NON_UNIQUE = 0 ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, "
                    "SEQ_IN_INDEX", (schema, table))
        indexes: dict[str, list[str]] = {}
        for index, column in cur.fetchall():
            indexes.setdefault(str(index), []).append(str(column))
    return columns, indexes


@pytest.mark.needs_local_server("MariaDB's INET4, INET6 and UUID types")
def test_catalog_union_describes_entities_as_the_three_queries_did(rdb: dict[str, Any], exprs: str, stream: str,
                                                                   mysql_server: ServerAddress) -> None:
    from connector import catalog
    from connector.database import is_mariadb

    _admin_sql(rdb, *_CATALOG_TABLES)
    conn = mysql_server.connect(rdb["database"], **({"ssl": {"ca": mysql_server.ca_file}}
                                                    if mysql_server.ca_file else {}))
    try:
        for table in ("cat 1", "many", "weird`name", "nokey", "v iew", "src", "stream"):
            entity = catalog.load_entity(conn, rdb["database"], table)
            columns, indexes = _three_queries(conn, rdb["database"], table)
            assert [(c.name, c.data_type, c.column_type, "YES" if c.nullable else "NO", c.default, c.extra,
                     c.comment, c.charset, c.collation, None if c.octet_length is None else str(c.octet_length),
                     c.generation) for c in entity.columns] == [
                (name, data_type.lower(), *rest[:2], catalog._default_value(rest[2], is_mariadb(conn)),  # noqa: SLF001
                 rest[3] or "", rest[4] or "", *rest[5:8], rest[8] or None)
                for name, data_type, *rest in columns], table
            unique = [key for name, key in indexes.items() if all(c in {x.name for x in entity.columns} for c in key)]
            assert [[c.name for c in key] for key in entity.unique_keys] == [
                key for key in unique if key in [[c.name for c in k] for k in entity.unique_keys]], table
            assert [c.name for c in entity.primary_key] == indexes.get("PRIMARY", []), table
    finally:
        conn.close()


def test_keyless_budget_stops_lose_and_repeat_nothing(call: Caller, rdb: dict[str, Any],
                                                      mysql_server: ServerAddress) -> None:
    """OFFSET pages that end at the response budget in the middle of a buffer, duplicates included."""
    _admin_sql(rdb, "CREATE TABLE bagwide (n INT, v MEDIUMTEXT)")
    with rdb["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{rdb['database']}`.bagwide VALUES (%s, %s)",
                        [(i % 7, ("\u00e9\"" if i % 3 else "ab") * (3000 + 97 * i)) for i in range(90)] * 2)
    expected = Counter(reference(mysql_server, rdb, "bagwide"))
    got = read_all(call, rdb, "bagwide", 10000)
    assert Counter(got) == expected and len(got) == 180


def test_retrieve_by_datetime_and_string_ids(call: Caller, rdb: dict[str, Any], mysql_server: ServerAddress) -> None:
    _admin_sql(rdb, "CREATE TABLE byid (id INT PRIMARY KEY, dt DATETIME(3), s VARCHAR(10) CHARACTER SET latin1, "
               "b TINYINT(1) UNSIGNED ZEROFILL, bits BIT(9))",
               "INSERT INTO byid VALUES (1, '2024-03-10 02:30:00.500', 'café', 7, 300), "
               "(2, '2024-11-03 01:30:00', 'x\"y', 0, 0), (3, NULL, NULL, NULL, NULL)")
    for zone in ("UTC", "America/New_York"):
        settings = {"sourceTimeZone": zone}
        expected = reference(mysql_server, rdb, "byid", zone)
        assert read_all(call, rdb, "byid", 1, settings=settings) == expected
        for field, position in (("dt", 0), ("s", 0), ("dt", 1), ("s", 1), ("bits", 0)):
            value = json.loads(expected[position])[field]
            response = call("RetrieveDataRequest", settings=settings, entityIdentifier=identifier(rdb, "byid"),
                            idFieldName=field, ids=[json.dumps(value) if not isinstance(value, str) else value])
            assert response["isSuccess"], response["errorDetails"]
            assert expected[position] in response["records"], (zone, field, response["records"])


def test_column_names_that_look_like_code_are_only_data(call: Caller, rdb: dict[str, Any],
                                                        mysql_server: ServerAddress) -> None:
    _admin_sql(rdb, "CREATE TABLE `na{0}mes` (`id` INT PRIMARY KEY, `a\"b\\\\{i}` INT, `P0` TEXT, "
               "`')\nimport os#` VARCHAR(5), `ünï 列` DATE, `N1` TINYINT(1))",
               "INSERT INTO `na{0}mes` VALUES (1, 2, 'x', 'y', '2024-01-01', 1), (2, NULL, NULL, NULL, NULL, NULL)")
    expected = reference(mysql_server, rdb, "na{0}mes")
    assert read_all(call, rdb, "na{0}mes", 1) == expected
    fields = ["`')\nimport os#`"[1:-1], "ünï 列", "id"]
    got = read_all(call, rdb, "na{0}mes", 1, selectedFieldNames=fields)
    assert [json.loads(r) for r in got] == [{k: json.loads(e)[k] for k in fields} for e in expected]
