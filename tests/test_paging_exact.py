"""No row lost, none repeated: paging under real collations, schema changes between pages, real keys.

Every union of pages is compared with a direct SQL read of the same rows, byte for byte
(the server's HEX of each stored value against the UTF-8 or base64 the pages carry).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter
from typing import Any

import pytest

from tests.conftest import Caller, identifier, pages, sql


def stored_hex(db: dict[str, Any], table: str, columns: list[str],
               binary: frozenset[str] = frozenset()) -> Counter[tuple[str, ...]]:
    """The multiset of rows as the server's HEX of each value's UTF-8 text, or of its bytes (None for NULL)."""
    hexed = ", ".join(f"HEX(`{c}`)" if c in binary else f"HEX(CONVERT(`{c}` USING utf8mb4))" for c in columns)
    return Counter(tuple(v for v in row) for row in sql(db, f"SELECT {hexed} FROM `{table}`"))


def paged_hex(records: list[dict[str, Any]], columns: list[str], binary: frozenset[str] = frozenset()) -> Counter[Any]:
    def hexed(name: str, value: Any) -> str | None:
        if value is None:
            return None
        raw = base64.b64decode(value) if name in binary else str(value).encode("utf-8")
        return raw.hex().upper()

    return Counter(tuple(hexed(c, r[c]) for c in columns) for r in records)


# --- 1. keyless tables and views: a total order on the bytes ---------------------------------

def twins(count: int) -> list[str]:
    """Values that tie under _ci, accent-insensitive and PAD SPACE collations but differ in bytes."""
    shapes = ["k{:02d}", "K{:02d}", "k{:02d} ", "K{:02d}  ", "ķ{:02d}", "k{:02d}\t", "k{:02d}é", "k{:02d}e", "k{:02d}E"]
    return [shapes[i % len(shapes)].format(i // len(shapes) % 10) for i in range(count)]


def available(db: dict[str, Any], collations: list[str]) -> list[str]:
    found = {row[0] for row in sql(db, "SELECT COLLATION_NAME FROM information_schema.COLLATIONS")}
    return [c for c in collations if c in found]


COLLATIONS = ["utf8mb4_general_ci", "utf8mb4_unicode_ci", "utf8mb4_unicode_520_ci", "utf8mb4_general_nopad_ci",
              "utf8mb4_nopad_bin", "utf8mb4_bin", "utf8mb4_0900_ai_ci", "utf8mb4_uca1400_ai_ci",
              "latin1_swedish_ci", "latin1_general_cs"]


def test_keyless_twins_page_exactly_under_every_collation(call: Caller, exact_db: dict[str, Any]) -> None:
    values = twins(240)
    for collation in available(exact_db, COLLATIONS):
        charset = collation.split("_")[0]
        table = f"twins_{collation}"
        sql(exact_db, f"CREATE TABLE `{table}` (v VARCHAR(12) CHARACTER SET {charset} COLLATE {collation}, "
                      f"n INT)")
        with exact_db["admin"].cursor() as cur:
            cur.executemany(f"INSERT IGNORE INTO `{exact_db['database']}`.`{table}` VALUES (%s, %s)",
                            [(v.encode(charset if charset != "utf8mb4" else "utf-8", "replace").decode(
                                charset if charset != "utf8mb4" else "utf-8"), i % 3) for i, v in enumerate(values)])
        expected = stored_hex(exact_db, table, ["v", "n"])
        for max_results in (7, 13):
            got = pages(call, identifier(exact_db, table), max_results)
            assert len(got) == sum(expected.values())
            assert paged_hex(got, ["v", "n"]) == expected, (collation, max_results)


def test_views_over_twins_page_exactly(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE twins_src (v VARCHAR(12) COLLATE utf8mb4_general_ci, c CHAR(6) COLLATE "
                  "utf8mb4_general_ci)")
    with exact_db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.twins_src VALUES (%s, %s)",
                        [(v, v[:6].rstrip()) for v in twins(240)])
    sql(exact_db, "CREATE VIEW twins_view AS SELECT v, c, CONCAT(v, '|') AS w FROM twins_src")
    expected = stored_hex(exact_db, "twins_view", ["v", "c", "w"])
    for max_results in (1, 13):
        got = pages(call, identifier(exact_db, "twins_view"), max_results)
        assert paged_hex(got, ["v", "c", "w"]) == expected


def test_values_equal_in_their_first_kilobytes_page_exactly(call: Caller, exact_db: dict[str, Any]) -> None:
    """max_sort_length (1024) cuts what the server sorts: long twins differ only after it."""
    sql(exact_db, "CREATE TABLE long_twins (t TEXT COLLATE utf8mb4_general_ci, b BLOB)")
    prefix = "x" * 2000
    with exact_db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.long_twins VALUES (%s, %s)",
                        [(prefix + tail, (prefix + tail).encode()) for tail in
                         ["a", "A", "b", "a ", "é", "e", "c", "C", "d", "D", "a", "a"]])
    expected = stored_hex(exact_db, "long_twins", ["t", "b"], binary=frozenset({"b"}))
    got = pages(call, identifier(exact_db, "long_twins"), 1)
    assert paged_hex(got, ["t", "b"], binary=frozenset({"b"})) == expected


def test_rows_that_tie_on_every_column_keep_their_count(call: Caller, exact_db: dict[str, Any]) -> None:
    """Heavy duplication: identical rows are interchangeable, so only their number must hold."""
    sql(exact_db, "CREATE TABLE dupes (a INT, b VARCHAR(5) COLLATE utf8mb4_unicode_ci, g POINT, d DOUBLE)")
    with exact_db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.dupes VALUES (%s, %s, ST_GeomFromText(%s, %s), %s)",
                        [(i % 2, ["x", "X", "x "][i % 3], f"POINT({i % 2} 1)", 4326 if i % 2 and i >= 50 else 0,
                          None if i % 5 == 0 else 0.1) for i in range(150)])
    expected = Counter(sql(exact_db, "SELECT a, HEX(b), ST_SRID(g), ST_AsText(g), d FROM dupes"))
    got = pages(call, identifier(exact_db, "dupes"), 7)
    assert len(got) == 150
    seen: Counter[Any] = Counter()
    for r in got:
        srid, _, wkt = r["g"].rpartition(";")
        seen[(r["a"], r["b"].encode().hex().upper(), int(srid[5:] or 0), wkt, r["d"])] += 1
    assert seen == expected


def test_spatial_values_that_differ_only_in_srid_page_exactly(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE geo_twins (g GEOMETRY)")
    with exact_db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.geo_twins VALUES (ST_GeomFromText(%s, %s))",
                        [(f"POINT({i % 4} {i % 3})", [0, 4326, 3857][i % 3]) for i in range(60)])
    expected = Counter(sql(exact_db, "SELECT ST_SRID(g), ST_AsText(g) FROM geo_twins"))
    got = pages(call, identifier(exact_db, "geo_twins"), 4)
    found = Counter()
    for r in got:
        srid, _, wkt = r["g"].rpartition(";")
        found[(int(srid[5:] or 0), wkt)] += 1
    assert found == expected


# --- 2. schema changes between pages ----------------------------------------------------------

def first_page(call: Caller, table: str, db: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = call("QueryDataRequest", entityIdentifier=identifier(db, table), maxResults=10, **fields)
    assert response["isSuccess"] and response["nextToken"], response
    return response


def next_page(call: Caller, table: str, db: dict[str, Any], token: str, **fields: Any) -> dict[str, Any]:
    return call("QueryDataRequest", entityIdentifier=identifier(db, table), maxResults=10, nextToken=token, **fields)


def assert_changed(response: dict[str, Any], table: str) -> None:
    assert response["isSuccess"] is False, "a changed table must never page on"
    details = response["errorDetails"]
    assert details["errorCode"] == "InvalidArgument", details
    assert "the table changed during the flow; run the flow again" in details["errorMessage"].lower()
    assert table in details["errorMessage"]


CHANGES = {
    "modify key to varchar": ("CREATE TABLE {t} (id INT PRIMARY KEY, b INT, c INT)",
                              "ALTER TABLE {t} MODIFY id VARCHAR(20)", {}),
    "drop a selected column": ("CREATE TABLE {t} (id INT PRIMARY KEY, b INT, c INT)",
                               "ALTER TABLE {t} DROP COLUMN b", {"selectedFieldNames": ["id", "b"]}),
    "drop a column, all fields": ("CREATE TABLE {t} (id INT PRIMARY KEY, b INT, c INT)",
                                  "ALTER TABLE {t} DROP COLUMN b", {}),
    "add a column, all fields": ("CREATE TABLE {t} (id INT PRIMARY KEY, b INT, c INT)",
                                 "ALTER TABLE {t} ADD COLUMN d INT", {}),
    "retype a filtered column": ("CREATE TABLE {t} (id INT PRIMARY KEY, b INT, c INT)",
                                 "ALTER TABLE {t} MODIFY c VARCHAR(10)",
                                 {"selectedFieldNames": ["id"], "filterExpression": "c >= 0"}),
    "drop a filtered column": ("CREATE TABLE {t} (id INT PRIMARY KEY, b INT, c INT)",
                               "ALTER TABLE {t} DROP COLUMN c",
                               {"selectedFieldNames": ["id"], "filterExpression": "c >= 0"}),
    "rename a selected column": ("CREATE TABLE {t} (id INT PRIMARY KEY, b INT, c INT)",
                                 "ALTER TABLE {t} CHANGE b bb INT", {"selectedFieldNames": ["id", "b"]}),
    "new primary key": ("CREATE TABLE {t} (id INT PRIMARY KEY, b INT NOT NULL, c INT)",
                        "ALTER TABLE {t} DROP PRIMARY KEY, ADD PRIMARY KEY (b)", {}),
    "key collation": ("CREATE TABLE {t} (id VARCHAR(10) COLLATE utf8mb4_general_ci PRIMARY KEY, b INT, c INT)",
                      "ALTER TABLE {t} MODIFY id VARCHAR(10) COLLATE utf8mb4_bin", {}),
    "keyless gets a key": ("CREATE TABLE {t} (id INT NOT NULL, b INT, c INT)",
                           "ALTER TABLE {t} ADD PRIMARY KEY (id)", {}),
    "keyless column retyped": ("CREATE TABLE {t} (id INT, b INT, c INT)",
                               "ALTER TABLE {t} MODIFY c VARCHAR(5)", {"selectedFieldNames": ["id"]}),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_between_pages_is_refused_never_half_read(call: Caller, exact_db: dict[str, Any],
                                                           change: str) -> None:
    create, alter, fields = CHANGES[change]
    table = "chg_" + uuid.uuid4().hex[:8]
    sql(exact_db, create.format(t=table))
    with exact_db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.{table} (id, b, c) VALUES (%s, %s, %s)",
                        [(i, i, i % 7) for i in range(1, 201)])
    token = first_page(call, table, exact_db, **fields)["nextToken"]
    sql(exact_db, alter.format(t=table))
    assert_changed(next_page(call, table, exact_db, token, **fields), table)


def test_a_change_the_flow_does_not_use_lets_it_go_on(call: Caller, exact_db: dict[str, Any]) -> None:
    table = "chg_unused"
    sql(exact_db, f"CREATE TABLE {table} (id INT PRIMARY KEY, b INT, c INT)")
    with exact_db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.{table} VALUES (%s, %s, %s)",
                        [(i, i, i) for i in range(1, 31)])
    fields = {"selectedFieldNames": ["id", "b"]}
    response = first_page(call, table, exact_db, **fields)
    records = [json.loads(r) for r in response["records"]]
    sql(exact_db, f"ALTER TABLE {table} ADD COLUMN d INT, MODIFY c BIGINT")
    token = response["nextToken"]
    while token:
        response = next_page(call, table, exact_db, token, **fields)
        assert response["isSuccess"], response["errorDetails"]
        records += [json.loads(r) for r in response["records"]]
        token = response["nextToken"]
    assert [r["id"] for r in records] == list(range(1, 31))


def test_a_view_redefined_between_pages_is_refused(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE vsrc (id INT, name VARCHAR(10))",
        "INSERT INTO vsrc VALUES " + ", ".join(f"({i}, 'n{i}')" for i in range(40)),
        "CREATE VIEW vchg AS SELECT id, name FROM vsrc")
    token = first_page(call, "vchg", exact_db)["nextToken"]
    sql(exact_db, "CREATE OR REPLACE VIEW vchg AS SELECT CAST(id AS CHAR) AS id, name FROM vsrc")
    assert_changed(next_page(call, "vchg", exact_db, token), "vchg")


# --- 3. isPrimaryKey is the primary key ---------------------------------------------------------

def described_keys(call: Caller, db: dict[str, Any], table: str) -> dict[str, bool]:
    response = call("DescribeEntityRequest", entityIdentifier=identifier(db, table))
    assert response["isSuccess"], response["errorDetails"]
    return {f["fieldName"]: f["isPrimaryKey"] for f in response["entityDefinition"]["fields"]}


def test_is_primary_key_reports_the_primary_key(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db,
        "CREATE TABLE pk_uuid_bin (id BINARY(16) PRIMARY KEY, seq INT NOT NULL AUTO_INCREMENT UNIQUE, v INT)",
        "CREATE TABLE pk_uuid_char (id CHAR(36) PRIMARY KEY, code INT NOT NULL UNIQUE)",
        "CREATE TABLE pk_double (id DOUBLE PRIMARY KEY, code VARCHAR(10) NOT NULL UNIQUE, v INT)",
        "CREATE TABLE pk_composite (a INT, b VARCHAR(5), c INT NOT NULL UNIQUE, PRIMARY KEY (b, a))",
        "CREATE TABLE pk_none (a INT, b INT NOT NULL UNIQUE)",
        "CREATE VIEW pk_view AS SELECT id, code FROM pk_double")
    assert described_keys(call, exact_db, "pk_uuid_bin") == {"id": True, "seq": False, "v": False}
    assert described_keys(call, exact_db, "pk_uuid_char") == {"id": True, "code": False}
    assert described_keys(call, exact_db, "pk_double") == {"id": True, "code": False, "v": False}
    assert described_keys(call, exact_db, "pk_composite") == {"a": True, "b": True, "c": False}
    assert described_keys(call, exact_db, "pk_none") == {"a": False, "b": False}
    assert described_keys(call, exact_db, "pk_view") == {"id": False, "code": False}
    if sql(exact_db, "SELECT VERSION() LIKE '%%MariaDB%%'")[0][0]:  # MariaDB 10.7+ has a UUID type
        sql(exact_db, "CREATE TABLE pk_mariadb_uuid (id UUID PRIMARY KEY, v INT)",
            "INSERT INTO pk_mariadb_uuid VALUES " + ", ".join(f"(UUID(), {i})" for i in range(25)))
        assert described_keys(call, exact_db, "pk_mariadb_uuid") == {"id": True, "v": False}
        got = pages(call, identifier(exact_db, "pk_mariadb_uuid"), 4)
        assert sorted(r["v"] for r in got) == list(range(25))
    # the DOUBLE-keyed table still pages exactly (by its unique code)
    sql(exact_db, "INSERT INTO pk_double VALUES " + ", ".join(f"({i}.5e-3, 'c{i:03d}', {i})" for i in range(40)))
    assert sorted(r["v"] for r in pages(call, identifier(exact_db, "pk_double"), 6)) == list(range(40))


# --- 4. broken views ------------------------------------------------------------------------------

def test_a_view_whose_table_is_gone_is_named_with_the_servers_reason(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE doomed (id INT)", "CREATE VIEW orphan AS SELECT id FROM doomed", "DROP TABLE doomed")
    for request in ({"type": "DescribeEntityRequest"}, {"type": "QueryDataRequest"},
                    {"type": "QueryDataRequest", "selectedFieldNames": ["id"]}):
        kind = request.pop("type")
        response = call(kind, entityIdentifier=identifier(exact_db, "orphan"), **request)
        assert response["isSuccess"] is False
        details = response["errorDetails"]
        assert details["errorCode"] == "InvalidArgument", details
        assert "orphan" in details["errorMessage"] and "invalid" in details["errorMessage"].lower()
        assert "SELECT  FROM" not in details["errorMessage"]


# --- found by review: order, long keys, NO PAD, unconvertible bytes, max_sort_length, definer ------

def test_reordered_or_regenerated_columns_between_offset_pages_are_refused(call: Caller,
                                                                          exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE reorder (a INT, b INT, g INT AS (a) VIRTUAL)",
        "INSERT INTO reorder (a, b) VALUES " + ", ".join(f"({i}, {100 - i})" for i in range(20)),
        "CREATE VIEW reorder_view AS SELECT a, b FROM reorder")
    for table, change in (("reorder", "ALTER TABLE reorder MODIFY b INT FIRST"),
                          ("reorder", "ALTER TABLE reorder MODIFY g INT AS (-a) VIRTUAL"),
                          ("reorder_view", "CREATE OR REPLACE VIEW reorder_view AS SELECT b, a FROM reorder")):
        token = first_page(call, table, exact_db)["nextToken"]
        sql(exact_db, change)
        assert_changed(next_page(call, table, exact_db, token), table)


_LONG_UNIQUE = pytest.mark.needs_local_server("MariaDB's long unique keys (USING HASH): MySQL caps a key at "
                                             "3072 bytes")


@pytest.mark.parametrize("ddl", [pytest.param("k VARCHAR(2000) NOT NULL UNIQUE", marks=_LONG_UNIQUE),
                                 pytest.param("k VARBINARY(4000) NOT NULL UNIQUE", marks=_LONG_UNIQUE),
                                 pytest.param("k CHAR(5) COLLATE utf8mb4_nopad_bin PRIMARY KEY", marks=pytest.mark
                                              .needs_local_server("MariaDB's utf8mb4_nopad_bin collation")),
                                 "k VARCHAR(10) CHARACTER SET cp1251 PRIMARY KEY",
                                 "k VARCHAR(10) CHARACTER SET ascii PRIMARY KEY"])
def test_keys_the_server_cannot_page_exactly_are_not_paged_by(call: Caller, exact_db: dict[str, Any],
                                                               ddl: str) -> None:
    """Long (MariaDB HASH) unique keys sort only by their first max_sort_length bytes; CHAR NO PAD keys
    sort padded but compare unpadded; bytes a charset cannot map to utf8mb4 come back as '?'."""
    table = "keys_" + uuid.uuid4().hex[:8]
    sql(exact_db, f"CREATE TABLE {table} ({ddl}, n INT)")
    if "2000" in ddl or "4000" in ddl:
        values = [("é" * 600 + c) for c in "abcdefghijkl"]
        rows = [(v.encode() if "VARBINARY" in ddl else v, i) for i, v in enumerate(values)]
    elif "nopad" in ddl:
        rows = [("", 0), ("a\t", 1), ("a", 2), ("a\x01", 3), ("b", 4)]
    else:
        rows = [(b"A", 0), (b"B", 1), (b"?", 2), (b"Z", 3), (b"\x98" if "cp1251" in ddl else b"\xc3", 4),
                (b"\x99x", 5)]
    with exact_db["admin"].cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")  # legacy bytes the charset cannot hold, as old data has
        for value, n in rows:
            if isinstance(value, bytes):
                cur.execute(f"INSERT INTO `{exact_db['database']}`.{table} VALUES (_binary %s, %s)", (value, n))
            else:
                cur.execute(f"INSERT INTO `{exact_db['database']}`.{table} VALUES (%s, %s)", (value, n))
        cur.execute("SET SESSION sql_mode = DEFAULT")
    expected = sorted(n for (n,) in sql(exact_db, f"SELECT n FROM {table}"))
    for max_results in (1, 2, 3):
        got = pages(call, identifier(exact_db, table), max_results)
        assert sorted(r["n"] for r in got) == expected, (ddl, max_results)


@pytest.mark.needs_local_server("SET GLOBAL max_sort_length")
def test_a_lower_max_sort_length_still_pages_exactly(call: Caller, exact_db: dict[str, Any]) -> None:
    before = sql(exact_db, "SELECT @@GLOBAL.max_sort_length")[0][0]
    sql(exact_db, "CREATE TABLE short_sort (v VARCHAR(200) CHARACTER SET latin1)")
    with exact_db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.short_sort VALUES (%s)",
                        [("p" * 100 + tail,) for tail in ["a", "A", "b", "a ", "c", "C", "d", "a"]])
    sql(exact_db, "SET GLOBAL max_sort_length = 64")
    try:
        fresh = {"connectTimeoutSeconds": "6"}  # a new session, which takes the new global value
        got = pages(call, identifier(exact_db, "short_sort"), 1, settings=fresh)
    finally:
        sql(exact_db, f"SET GLOBAL max_sort_length = {int(before)}")
    assert paged_hex(got, ["v"]) == stored_hex(exact_db, "short_sort", ["v"])


def test_a_view_whose_definer_is_gone_is_named(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE ghost_src (id INT)", "INSERT INTO ghost_src VALUES (1)",
        "CREATE DEFINER = 'ghost_user'@'%' SQL SECURITY DEFINER VIEW ghost_view AS SELECT id FROM ghost_src")
    for kind in ("DescribeEntityRequest", "QueryDataRequest"):
        response = call(kind, entityIdentifier=identifier(exact_db, "ghost_view"))
        assert response["isSuccess"] is False
        details = response["errorDetails"]
        assert details["errorCode"] == "InvalidArgument" and "ghost_view" in details["errorMessage"], details
        assert "definer" in details["errorMessage"]


def test_a_token_from_another_source_time_zone_is_refused(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE tz_flow (id INT PRIMARY KEY, t DATETIME)",
        "INSERT INTO tz_flow VALUES " + ", ".join(f"({i}, '2024-01-01 00:00:00')" for i in range(30)))
    first = call("QueryDataRequest", entityIdentifier=identifier(exact_db, "tz_flow"), maxResults=10,
                 settings={"sourceTimeZone": "Asia/Tokyo"})
    response = call("QueryDataRequest", entityIdentifier=identifier(exact_db, "tz_flow"), maxResults=10,
                    nextToken=first["nextToken"], settings={"sourceTimeZone": "UTC"})
    assert response["isSuccess"] is False and response["errorDetails"]["errorCode"] == "InvalidArgument"
