"""The row reader (connector/rows.py) gives, byte for byte, the records PyMySQL's rows would have given.

The reference is the read path as it was before the reader: PyMySQL decodes each row with the
connector's decoders, the column's fix-up runs, and ``orjson.dumps`` writes the record. Every
record the handler returns must be that exact text: for the peers' type matrix, for the edges of
each fast form (zero-filled numbers, floats, every control character, invalid dates, length
prefixes of 1, 3, 4 and 9 bytes), for rows split across socket reads, and for rows of more than
one 16 MiB packet.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson
import pymysql
import pytest

from connector.catalog import load_entity
from connector.read_codecs import decoders
from connector.sql import quote
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, pages, profile_caller, scratch_database, sql
from tests.peer_values import PEER_VALUES, PEER_VALUES_NONSTRICT


@pytest.fixture(scope="module")
def reader_db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    with scratch_database(mysql_server, "rowreader", "SELECT", "rr") as db:
        yield db


@pytest.fixture(scope="module")
def call(reader_db: dict[str, Any], aws_env: str) -> Caller:
    return profile_caller(reader_db, aws_env)


def reference(server: ServerAddress, db: dict[str, Any], table: str, zone: str = "UTC",
              tinyint1_as_boolean: bool = True) -> list[str]:
    """The table's records as the read path made them before the row reader, in key order (if any)."""
    conn = server.connect(db["database"], conv=decoders(zone), **_tls(server))
    try:
        with conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")
        entity = load_entity(conn, db["database"], table, tinyint1_as_boolean=tinyint1_as_boolean)
        names = [c.name for c in entity.columns]
        fixups = [c.type.fixup for c in entity.columns]
        select = ", ".join(c.type.select.format(quote(c.name)) for c in entity.columns)
        order = ", ".join(quote(c.name) for c in entity.key) or "NULL"
        with conn.cursor() as cur:
            cur.execute(f"SELECT {select} FROM {quote(table)} ORDER BY {order}")
            rows = cur.fetchall()
    finally:
        conn.close()
    return [orjson.dumps({n: (f(v) if f is not None and v is not None else v)
                          for n, f, v in zip(names, fixups, row, strict=True)}).decode() for row in rows]


def _tls(server: ServerAddress) -> dict[str, Any]:
    return {"ssl": {"ca": server.ca_file}} if server.ca_file else {}


def read_all(call: Caller, db: dict[str, Any], table: str, max_results: int, **fields: Any) -> list[str]:
    """Every record's text, page by page (the handler's own bytes, not parsed)."""
    return pages(call, identifier(db, table), max_results, decode=lambda r: r, **fields)  # type: ignore[return-value]


# --- the peers' type matrix -------------------------------------------------------------------------

@pytest.mark.needs_local_server("MariaDB's UUID type, and the zero dates its strict mode stores (MySQL 8's "
                                "NO_ZERO_DATE refuses them)")
def test_peer_type_matrix_records_are_byte_identical(call: Caller, reader_db: dict[str, Any],
                                                      mysql_server: ServerAddress) -> None:
    """One keyed table per peer type, every value of it twice; one page and pages of 2."""
    for number, (ddl_type, literals, _) in enumerate(PEER_VALUES):
        table = f"peer_{number}"
        sql(reader_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, c {ddl_type})")
        for literal in literals * 2:
            sql(reader_db, f"INSERT INTO `{table}` (c) VALUES ({literal.replace('%', '%%')})")
        expected = reference(mysql_server, reader_db, table)
        assert read_all(call, reader_db, table, 1000) == expected, ddl_type
        assert read_all(call, reader_db, table, 2) == expected, ddl_type


def test_non_strict_peer_values_are_byte_identical(call: Caller, reader_db: dict[str, Any],
                                                   mysql_server: ServerAddress) -> None:
    """Values only non-strict sql_mode stores (zero dates, invalid days, out-of-range clipped)."""
    with reader_db["admin"].cursor() as cur:
        cur.execute(f"USE `{reader_db['database']}`")
        cur.execute("SET SESSION sql_mode = ''")
        try:
            for number, (ddl_type, literals, _) in enumerate(PEER_VALUES_NONSTRICT):
                cur.execute(f"CREATE TABLE `lax_{number}` (id INT AUTO_INCREMENT PRIMARY KEY, c {ddl_type})")
                for literal in literals:
                    cur.execute(f"INSERT INTO `lax_{number}` (c) VALUES ({literal.replace('%', '%%')})")
        finally:
            cur.execute("SET SESSION sql_mode = DEFAULT")
    for number, (ddl_type, _, _) in enumerate(PEER_VALUES_NONSTRICT):
        expected = reference(mysql_server, reader_db, f"lax_{number}")
        assert read_all(call, reader_db, f"lax_{number}", 1000) == expected, ddl_type


# --- the edges of each fast form ----------------------------------------------------------------------

_EDGES_DDL = """CREATE TABLE edges (
    id INT PRIMARY KEY,
    zf INT(6) ZEROFILL, zd DECIMAL(8,2) ZEROFILL, y YEAR, b1 TINYINT(1), bz TINYINT(1) ZEROFILL,
    bit1 BIT(1), bit10 BIT(10), u BIGINT UNSIGNED, d DECIMAL(65,30),
    f FLOAT, g DOUBLE,
    t TEXT, v VARCHAR(300), l1 VARCHAR(20) CHARACTER SET latin1, vb VARBINARY(20),
    e ENUM('a"b', 'c\\\\d', 'plain'), s SET('x', 'y"'),
    dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(6),
    j JSON, ip INET6, uid UUID
)"""

_CONTROLS = "".join(chr(c) for c in range(32)) + '"\\\x7f/'
_EDGE_ROWS = [
    # id, zf, zd, y, b1, bz, bit1, bit10, u, d, f, g, t, v, l1, vb, e, s, dt, dtm, ts, tm, j, ip, uid
    (1, 42, "1.50", 2024, 0, 0, 0, 0, 0, "0", 0, 0, "", "", "", b"", "a\"b", "", "2024-02-29",
     "2024-02-29 23:59:59.999999", "2024-01-01 00:00:00.125", "-838:59:59", '{"a": 1}', "::1",
     "123e4567-e89b-12d3-a456-426655440000"),
    (2, 0, "0.00", 1901, 1, 1, 1, 1023, 2**64 - 1,
     "-12345678901234567890123456789012345.123456789012345678901234567890", 3.4028234e38, 1e300, _CONTROLS, "x" * 250,
     "café", bytes(range(20)), "c\\d", "x,y\"", "2023-03-31", "1000-01-01 00:00:00", "1970-01-01 00:00:01",
     "838:59:59.999999", "[1, 2.5, \"\\u00e9\"]", "2001:db8::ff00:42:8329", "00000000-0000-0000-0000-000000000000"),
    (3, 999999, "999999.99", 2155, -128, 127, None, 512, 18446744073709551614, "0.000000000000000000000000000001",
     -1.17549e-38, -2.2250738585072014e-308, "é\u2028\u2029😀\U0010ffff", "y" * 251, "€ÿ", b"'\"\\%s",
     "plain", "y\"", "9999-12-31", "9999-12-31 23:59:59.999999", "2038-01-19 03:14:07.999", "00:00:00.000001",
     "null", None, None),
    (4, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None,
     None, None, None, None, None, None),
    (5, 1, "0.01", 2000, 127, 0, 0, 1, 1, "1", 1e-7, 0.1, "%s %(x)s {0} \\N NULL", "z" * 300, "Ææ", b"\x00",
     "plain", "x", "2000-01-28", "2000-01-28 12:00:00", "2000-01-29 00:00:00", "-00:00:01", '"text"', "::",
     "ffffffff-ffff-ffff-ffff-ffffffffffff"),
    (6, 7, "0.50", 1999, 2, 0, 1, 0, 2**63, "-0.5", -0.0, 123456789012345678, "a\nb\tc\rd\x00e", "v", "x",
     b"\xff" * 20, None, "", "2024-01-29", "2024-01-30 00:00:00", "2024-01-31 00:00:00", "12:34:56",
     '{"big": 18446744073709551616, "e": 1e400}', "::ffff:1.2.3.4", None),
]
# values only ALLOW_INVALID_DATES / non-strict modes store: zero dates and days the month lacks
_ODD_DATES = [(7, "0000-00-00", "0000-00-00 00:00:00", "0000-00-00 00:00:00"),
              (8, "2023-02-30", "2023-02-30 10:00:00", None),
              (9, "2022-11-00", "2022-00-01 00:00:00", None),
              (10, "0000-11-30", "0000-11-30 10:20:30.125", None),
              # a 31st or 29th the month lacks, and February 29th of a leap year (the decoder's, not a shortcut's)
              (11, "2023-04-31", "2023-02-29 00:00:00", None),
              (12, "2024-02-29", "2023-11-31 23:59:59", None)]


@pytest.fixture(scope="module")
def edges(reader_db: dict[str, Any]) -> str:
    sql(reader_db, _EDGES_DDL)
    placeholders = ", ".join(["%s"] * len(_EDGE_ROWS[0]))
    with reader_db["admin"].cursor() as cur:
        cur.execute(f"USE `{reader_db['database']}`")
        cur.execute("SET time_zone = '+00:00'")
        cur.executemany(f"INSERT INTO edges VALUES ({placeholders})", _EDGE_ROWS)
        cur.execute("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
        for row_id, date, moment, stamp in _ODD_DATES:
            cur.execute("INSERT INTO edges (id, dt, dtm, ts) VALUES (%s, %s, %s, %s)", (row_id, date, moment, stamp))
        cur.execute("SET SESSION sql_mode = DEFAULT")
    return "edges"


@pytest.mark.parametrize(("zone", "tinyint1"), [("UTC", True), ("Asia/Tokyo", True), ("UTC", False),
                                                 ("America/New_York", False)])
@pytest.mark.needs_local_server("MariaDB's INET6 and UUID types and JSON numbers past a double")
def test_fast_form_edges_are_byte_identical(call: Caller, reader_db: dict[str, Any], mysql_server: ServerAddress,
                                            edges: str, zone: str, tinyint1: bool) -> None:
    settings = {"sourceTimeZone": zone, "tinyint1AsBoolean": str(tinyint1).lower()}
    expected = reference(mysql_server, reader_db, edges, zone, tinyint1)
    assert len(expected) == len(_EDGE_ROWS) + len(_ODD_DATES)
    assert read_all(call, reader_db, edges, 1000, settings=settings) == expected
    assert read_all(call, reader_db, edges, 3, settings=settings) == expected
    # and the fast forms did not just agree on something wrong: a few values as JSON
    rows = {r["id"]: r for r in map(json.loads, expected)}
    assert rows[1]["zf"] == 42 and rows[1]["zd"] == 1.5 and rows[1]["e"] == 'a"b' and rows[2]["t"] == _CONTROLS
    assert rows[7]["dt"] is None and rows[8]["dtm"] is None and rows[10]["dt"] == "0000-11-30"
    assert rows[11]["dt"] is None and rows[11]["dtm"] is None and rows[12]["dtm"] is None
    assert rows[12]["dt"] == "2024-02-29"


@pytest.mark.needs_local_server("MariaDB's INET6 and UUID types and JSON numbers past a double")
def test_retrieve_data_records_are_byte_identical(call: Caller, reader_db: dict[str, Any],
                                                  mysql_server: ServerAddress, edges: str) -> None:
    expected = reference(mysql_server, reader_db, edges)
    response = call("RetrieveDataRequest", entityIdentifier=identifier(reader_db, edges), idFieldName="id",
                    ids=["3", "1", "6"])
    assert response["isSuccess"], response["errorDetails"]
    assert sorted(response["records"]) == sorted(expected[i] for i in (0, 2, 5))


# --- rows across socket reads, and every length prefix ------------------------------------------------

def test_rows_of_every_length_across_reads_are_byte_identical(call: Caller, reader_db: dict[str, Any],
                                                              mysql_server: ServerAddress) -> None:
    """Lengths at each length-prefix boundary (250/251/252, 65535/65536) and random ones up to 40 KB, so rows
    straddle the socket buffer at every offset; text with escapes at random places."""
    sql(reader_db, "CREATE TABLE lengths (id INT PRIMARY KEY, a MEDIUMTEXT, b INT, c MEDIUMBLOB, d DATETIME)")
    chooser = random.Random(14)
    lengths = [0, 1, 250, 251, 252, 253, 65535, 65536, 65537, 70000] + [chooser.randrange(0, 40000)
                                                                          for _ in range(400)]
    alphabet = "abcé😀\"\\\n\x01 "
    rows = [(i, "".join(chooser.choice(alphabet) if chooser.random() < 0.01 else "x" for _ in range(n)), i * 7,
             bytes(chooser.randrange(256) for _ in range(n % 300)), f"2020-01-{1 + i % 31:02d} 00:00:0{i % 10}")
            for i, n in enumerate(lengths)]
    with reader_db["admin"].cursor() as cur:
        cur.execute(f"USE `{reader_db['database']}`")
        cur.executemany("INSERT INTO lengths VALUES (%s, %s, %s, %s, %s)", rows)
    expected = reference(mysql_server, reader_db, "lengths")
    assert read_all(call, reader_db, "lengths", 1000) == expected
    assert read_all(call, reader_db, "lengths", 37) == expected


@pytest.mark.needs_local_server("SET GLOBAL max_allowed_packet")
def test_a_row_of_several_packets_is_read_and_named_when_too_wide(call: Caller, reader_db: dict[str, Any],
                                                                   mysql_server: ServerAddress) -> None:
    """A 17 MB value comes in two 16 MiB protocol packets: the row is read whole, and refused with its key."""
    admin = mysql_server.connect()
    with admin.cursor() as cur:
        cur.execute("SELECT @@GLOBAL.max_allowed_packet")
        before = cur.fetchone()[0]
        cur.execute("SET GLOBAL max_allowed_packet = 67108864")
    try:
        big = mysql_server.connect(reader_db["database"])
        with big.cursor() as cur:
            cur.execute("CREATE TABLE huge (id INT PRIMARY KEY, v LONGTEXT)")
            cur.execute("INSERT INTO huge VALUES (1, 'small'), (2, REPEAT('x', 17000000)), (3, REPEAT('y', 3000000))")
        big.close()
        first = call("QueryDataRequest", entityIdentifier=identifier(reader_db, "huge"), maxResults=10)
        assert first["isSuccess"] and [json.loads(r)["id"] for r in first["records"]] == [1], first
        second = call("QueryDataRequest", entityIdentifier=identifier(reader_db, "huge"), maxResults=10,
                      nextToken=first["nextToken"])
        assert second["errorDetails"]["errorCode"] == "InvalidArgument"
        assert "The row id=2 of" in second["errorDetails"]["errorMessage"]
        assert "17.0 MB" in second["errorDetails"]["errorMessage"]
        by_id = call("RetrieveDataRequest", entityIdentifier=identifier(reader_db, "huge"), idFieldName="id",
                     ids=["3", "2"])
        assert "id=2" in by_id["errorDetails"]["errorMessage"], by_id
        expected = [r for r in reference(mysql_server, reader_db, "huge") if json.loads(r)["id"] != 2]
        narrow = call("RetrieveDataRequest", entityIdentifier=identifier(reader_db, "huge"), idFieldName="id",
                      ids=["1", "3"])
        assert sorted(narrow["records"]) == sorted(expected)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"SET GLOBAL max_allowed_packet = {int(before)}")
        admin.close()


def test_keyless_tables_keep_every_duplicate(call: Caller, reader_db: dict[str, Any],
                                             mysql_server: ServerAddress) -> None:
    """OFFSET pages (no key): the same multiset of records, duplicates and case variants included."""
    sql(reader_db, "CREATE TABLE bag (k VARCHAR(10) COLLATE utf8mb4_general_ci, n INT)",
        "INSERT INTO bag VALUES ('k01', 1), ('K01', 1), ('k01 ', 1), ('k01', 1), (NULL, NULL), ('k01', 1)")
    expected = Counter(reference(mysql_server, reader_db, "bag"))
    assert Counter(read_all(call, reader_db, "bag", 2)) == expected
    assert sum(expected.values()) == 6


def test_the_reader_refuses_a_result_it_cannot_read(mysql_server: ServerAddress, reader_db: dict[str, Any]) -> None:
    """Only an unbuffered result with its rows unread: a buffered one has been read already."""
    from connector.rows import RowReader

    conn = mysql_server.connect(reader_db["database"], **_tls(mysql_server))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            with pytest.raises(RuntimeError, match="unbuffered"):
                RowReader(conn, "x.y", ["a"], [None], "UTC")
    finally:
        conn.close()


@pytest.mark.needs_local_server("MariaDB's INET6 and UUID types and JSON numbers past a double")
def test_values_of_a_row_are_pymysqls(mysql_server: ServerAddress, reader_db: dict[str, Any], edges: str) -> None:
    """``values`` (the token's key, messages) equals PyMySQL's own row for the same packet."""
    from connector.deadline import Deadline
    from connector.rows import RowReader

    conn = mysql_server.connect(reader_db["database"], conv=decoders("UTC"), **_tls(mysql_server))
    try:
        with conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")
            cur.execute("SELECT id, u, bit10, HEX(t) FROM edges ORDER BY id")
            expected = cur.fetchall()
        with conn.cursor(pymysql.cursors.SSCursor) as cur:
            cur.execute("SELECT id, u, bit10, HEX(t) FROM edges ORDER BY id")
            reader = RowReader(conn, "edges", ["id"], [None], "UTC")
            got = [reader.values(p) for _, packets in reader.batches(Deadline.after(20)) for p in packets]
    finally:
        conn.close()
    assert got == list(expected)


# --- the catalog in one round trip ------------------------------------------------------------------

def test_the_catalog_query_orders_columns_and_keys_as_the_server_does(reader_db: dict[str, Any],
                                                                       mysql_server: ServerAddress) -> None:
    """Columns by ordinal position, unique keys PRIMARY first then by name in the server's case-insensitive
    order, key parts by their place in the index: the same as information_schema sorted by the server."""
    sql(reader_db, "CREATE TABLE shapes (z INT NOT NULL, `b` INT NOT NULL, a INT NOT NULL, `select` INT NOT NULL, "
                   "UNIQUE KEY b_k (a, z), UNIQUE KEY A_k (`select`, `b`), UNIQUE KEY `_k` (z), UNIQUE KEY a1 (b))",
        "ALTER TABLE shapes ADD COLUMN first_one VARCHAR(5) NOT NULL DEFAULT 'it''s' COMMENT 'é' FIRST, "
        "ADD COLUMN mid INT AFTER `b`")
    conn = mysql_server.connect(reader_db["database"], conv=decoders("UTC"), **_tls(mysql_server))
    try:
        entity = load_entity(conn, reader_db["database"], "shapes")
        with conn.cursor() as cur:
            cur.execute("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                        "AND TABLE_NAME = 'shapes' ORDER BY ORDINAL_POSITION")
            columns = [r[0] for r in cur.fetchall()]
            cur.execute("SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
                        "DATABASE() AND TABLE_NAME = 'shapes' AND NON_UNIQUE = 0 ORDER BY INDEX_NAME = 'PRIMARY' "
                        "DESC, INDEX_NAME, SEQ_IN_INDEX")
            indexes: dict[str, list[str]] = {}
            for index, column in cur.fetchall():
                indexes.setdefault(index, []).append(column)
    finally:
        conn.close()
    assert [c.name for c in entity.columns] == columns == ["first_one", "z", "b", "mid", "a", "select"]
    assert [[c.name for c in key] for key in entity.unique_keys] == list(indexes.values())
    assert list(indexes) == ["a1", "A_k", "b_k", "_k"]  # case-insensitive: A1 < A_K < B_K < _K ('_' sorts after 'Z')
    assert [c.name for c in entity.key] == ["b"]  # the first unique key of usable columns, in that order
    assert entity.column("first_one").default == "'it''s'" or entity.column("first_one").default == "it's"
    assert entity.column("first_one").comment == "é" and entity.column("first_one").octet_length == 20


def test_bytes_that_are_not_utf8_fail_the_page_naming_the_field(call: Caller, reader_db: dict[str, Any]) -> None:
    """MariaDB stores ED A0 80 (U+D800, a UTF-16 surrogate) in a utf8mb4 column and sends it back as it is:
    an answer naming the field, not an unexpected failure (found by review)."""
    sql(reader_db, "CREATE TABLE surrogate (id INT PRIMARY KEY, v VARCHAR(10), w VARCHAR(10))",
        "INSERT INTO surrogate VALUES (1, 'ok', 'ok'), (2, 'ok', _utf8mb4 0x61EDA080)")
    for response in (call("QueryDataRequest", entityIdentifier=identifier(reader_db, "surrogate")),
                     call("RetrieveDataRequest", entityIdentifier=identifier(reader_db, "surrogate"),
                          idFieldName="id", ids=["2"])):
        assert response["errorDetails"]["errorCode"] == "InvalidArgument", response
        message = response["errorDetails"]["errorMessage"]
        assert "Field 'w' of" in message and "ED A0 80" in message and "selectedFieldNames" in message, message
    narrow = call("QueryDataRequest", entityIdentifier=identifier(reader_db, "surrogate"), selectedFieldNames=["v"])
    assert narrow["isSuccess"] and len(narrow["records"]) == 2, narrow
