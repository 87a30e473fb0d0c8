"""Attacks on the reused table description (catalog.load_entity keyed by SHOW CREATE TABLE), from the review.

Each test makes a change, then asks: is what load_entity returns on the same warm connection what
_read_entity says now? Or, through the handler, does a flow read every row exactly or fail loudly?
sql_modes that leave options out of SHOW CREATE TABLE, a change undone during the read, and
AUTO_INCREMENT= text in a comment each broke the first version.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from connector import catalog
from connector.catalog import load_entity
from connector.read_codecs import decoders
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, profile_caller, scratch_database, sql, temporary_login


@pytest.fixture(scope="module")
def rdb(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    with scratch_database(mysql_server, "review", "SELECT", "rv") as db:
        yield db


def _connect(db: dict[str, Any], mysql_server: ServerAddress, user: str | None = None,
             password: str | None = None) -> pymysql.Connection:
    tls = {"ssl": {"ca": mysql_server.ca_file}} if mysql_server.ca_file else {}
    return pymysql.connect(host=db["host"], port=db["port"], user=user or db["username"],
                           password=password or db["password"], database=db["database"], charset="utf8mb4",
                           conv=decoders("UTC"), autocommit=True, **tls)


@pytest.fixture
def conn(mysql_server: ServerAddress, rdb: dict[str, Any]) -> Iterator[pymysql.Connection]:
    connection = _connect(rdb, mysql_server)
    yield connection
    connection.close()


def _col(c: catalog.Column) -> tuple[Any, ...]:
    return (c.name, c.data_type, c.column_type, c.nullable, c.default, c.extra, c.comment, c.type, c.collation,
            c.octet_length, c.charset, c.generation, c.sorted_prefix)


def _shape(e: catalog.Entity) -> tuple[Any, ...]:
    return (tuple(_col(c) for c in e.columns), tuple(c.name for c in e.key),
            tuple(tuple(c.name for c in k) for k in e.unique_keys), tuple(c.name for c in e.primary_key),
            e.is_view, e.comment, e.transactional)


def _in_mode(conn: pymysql.Connection, mode: str) -> None:
    """The session's sql_mode, as a server (parameter group) setting would give it, before its first description."""
    with conn.cursor() as cur:
        cur.execute(f"SET SESSION sql_mode = '{mode}'")


def _table() -> str:
    return f"t_{uuid.uuid4().hex[:6]}"


def _fresh(conn: pymysql.Connection, db: dict[str, Any], table: str) -> tuple[Any, ...]:
    return _shape(catalog._read_entity(conn, db["database"], table, True, None))  # noqa: SLF001


def _cached_equals_fresh(conn: pymysql.Connection, db: dict[str, Any], table: str, change: str) -> None:
    load_entity(conn, db["database"], table)
    sql(db, change)
    assert _shape(load_entity(conn, db["database"], table)) == _fresh(conn, db, table), change


def _change_under_mode(conn: pymysql.Connection, db: dict[str, Any], mode: str, definition: str,
                       change: str) -> None:
    """A new table ``{t} definition``, described under ``mode``, then ``change``d: the next description is fresh."""
    table = _table()
    sql(db, f"CREATE TABLE {table} {definition}")
    _in_mode(conn, mode)
    _cached_equals_fresh(conn, db, table, change.format(t=table))


# ---- a server sql_mode with NO_TABLE_OPTIONS (also implied by ORACLE, MSSQL, DB2, POSTGRESQL, MAXDB)
# hides ENGINE, DEFAULT CHARSET/COLLATE and COMMENT from SHOW CREATE TABLE. The connector's sessions inherit
# the server's global sql_mode, so here the session's mode stands for a server (parameter group) setting.

@pytest.mark.parametrize("mode", ["NO_TABLE_OPTIONS", "ORACLE"])
@pytest.mark.parametrize("change", [
    "ALTER TABLE {t} CONVERT TO CHARACTER SET latin1",  # every string column's charset and collation
    "ALTER TABLE {t} ENGINE = MyISAM",  # transactional: WriteData's all-or-none and rollback claims
    "ALTER TABLE {t} COMMENT 'changed'",
])
def test_table_options_hidden_by_sql_mode(conn: pymysql.Connection, rdb: dict[str, Any], mode: str,
                                          change: str) -> None:
    _change_under_mode(conn, rdb, mode, "(k VARCHAR(20) NOT NULL PRIMARY KEY, v TEXT) "
                       "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci COMMENT 'first'", change)


# ---- NO_FIELD_OPTIONS (and ORACLE, MSSQL, ...) hides AUTO_INCREMENT: Column.extra/auto_increment go stale,
# which WriteData uses (generated key, required_on_insert, ON DUPLICATE KEY choice).

@pytest.mark.parametrize("mode", ["NO_FIELD_OPTIONS", "MSSQL"])
def test_auto_increment_hidden_by_sql_mode(conn: pymysql.Connection, rdb: dict[str, Any], mode: str) -> None:
    _change_under_mode(conn, rdb, mode, "(id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT)",
                       "ALTER TABLE {t} MODIFY id INT NOT NULL")


# ---- MYSQL40 / MYSQL323 hide every column's CHARACTER SET and COLLATE (only *_bin shows, as "binary"):
# a key column's charset or collation changes unseen, even with a plain MODIFY.

@pytest.mark.parametrize("mode", ["MYSQL40", "MYSQL323"])
@pytest.mark.parametrize("new", ["COLLATE utf8mb4_unicode_ci", "CHARACTER SET latin1"])
def test_column_collation_hidden_by_mysql40(conn: pymysql.Connection, rdb: dict[str, Any], mode: str,
                                            new: str) -> None:
    _change_under_mode(conn, rdb, mode, "(k VARCHAR(20) NOT NULL PRIMARY KEY) CHARACTER SET utf8mb4 "
                       "COLLATE utf8mb4_general_ci", f"ALTER TABLE {{t}} MODIFY k VARCHAR(20) {new} NOT NULL")


# ---- the trap itself, through the handler, with the server's global sql_mode holding NO_TABLE_OPTIONS:
# the key's collation changes between pages; the cached description keeps the token valid and rows are lost.

@pytest.mark.needs_local_server("SET GLOBAL sql_mode")
def test_flow_loses_a_row_when_key_collation_changes_unseen(rdb: dict[str, Any], aws_env: str) -> None:
    table = _table()
    sql(rdb, f"CREATE TABLE {table} (k VARCHAR(20) NOT NULL PRIMARY KEY) "
             "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        f"INSERT INTO {table} VALUES ('a'), ('b'), ('c'), ('ö'), ('x'), ('z')")
    (mode,) = sql(rdb, "SELECT @@GLOBAL.sql_mode")[0]
    sql(rdb, "SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_TABLE_OPTIONS')")
    try:
        call: Caller = profile_caller(rdb, aws_env)  # a login of its own: a new session, the new global mode
        seen: list[str] = []
        first = call("QueryDataRequest", entityIdentifier=identifier(rdb, table), maxResults=2)
        assert first["isSuccess"], first
        seen += [json.loads(r)["k"] for r in first["records"]]
        sql(rdb, f"ALTER TABLE {table} CONVERT TO CHARACTER SET latin1")  # latin1_swedish_ci: ö after z
        token = first["nextToken"]
        errors = []
        while token:
            page = call("QueryDataRequest", entityIdentifier=identifier(rdb, table), maxResults=2, nextToken=token)
            if not page["isSuccess"]:
                errors.append(page["errorDetails"])
                break
            seen += [json.loads(r)["k"] for r in page["records"]]
            token = page["nextToken"]
    finally:
        sql(rdb, f"SET GLOBAL sql_mode = '{mode}'")
    # either every row exactly once, or the continuation refused as "the table changed"
    assert errors or sorted(seen) == sorted(["a", "b", "c", "ö", "x", "z"]), (seen, errors)
    assert not errors or "changed" in errors[0]["errorMessage"], errors


# ---- a change made while _read_entity runs (after SHOW CREATE) and then undone: the entity read after
# the change is kept under the definition from before it, and served while the table is back to that.

def test_change_during_the_read_then_reverted(conn: pymysql.Connection, rdb: dict[str, Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table()
    sql(rdb, f"CREATE TABLE {table} (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b))")
    real = catalog._read_entity  # noqa: SLF001
    fired = []

    def racing(*args: Any) -> catalog.Entity:
        if not fired:
            fired.append(1)
            sql(rdb, f"ALTER TABLE {table} DROP PRIMARY KEY, ADD PRIMARY KEY (b, a)")  # between the two reads
        return real(*args)

    monkeypatch.setattr(catalog, "_read_entity", racing)
    load_entity(conn, rdb["database"], table)
    monkeypatch.setattr(catalog, "_read_entity", real)
    sql(rdb, f"ALTER TABLE {table} DROP PRIMARY KEY, ADD PRIMARY KEY (a, b)")  # back to the first definition
    now = load_entity(conn, rdb["database"], table)
    assert [c.name for c in now.key] == ["a", "b"], [c.name for c in now.key]


# ---- the AUTO_INCREMENT=n strip also edits the table COMMENT of a table without one.

def test_auto_increment_text_in_a_comment(conn: pymysql.Connection, rdb: dict[str, Any]) -> None:
    table = _table()
    sql(rdb, f"CREATE TABLE {table} (k INT PRIMARY KEY) COMMENT 'batch AUTO_INCREMENT=1'")
    _cached_equals_fresh(conn, rdb, table, f"ALTER TABLE {table} COMMENT 'batch AUTO_INCREMENT=2'")


# ---- grants on columns: a login that may read only some columns is never given a kept description

def test_column_grant(mysql_server: ServerAddress, rdb: dict[str, Any]) -> None:
    table = _table()
    user = f"cg_{uuid.uuid4().hex[:6]}"
    sql(rdb, f"CREATE TABLE {table} (id INT PRIMARY KEY, email VARCHAR(50) NOT NULL UNIQUE, v INT)")
    with temporary_login(rdb["admin"], user) as password:
        sql(rdb, f"GRANT SELECT (email, v) ON `{rdb['database']}`.{table} TO '{user}'@'%'")
        c = _connect(rdb, mysql_server, user, password)
        try:
            before = load_entity(c, rdb["database"], table)
            assert [x.name for x in before.key] == ["email"]
            sql(rdb, f"GRANT SELECT (id) ON `{rdb['database']}`.{table} TO '{user}'@'%'")
            assert _shape(load_entity(c, rdb["database"], table)) == _fresh(c, rdb, table)
        finally:
            c.close()


# ---- what should hold

@pytest.mark.parametrize("change", [
    "ALTER TABLE {t} ALTER COLUMN v SET DEFAULT 7",
    "ALTER TABLE {t} MODIFY v INT INVISIBLE",
    "ALTER TABLE {t} ADD COLUMN j LONGTEXT CHECK (json_valid(j))",
    "ALTER TABLE {t} ADD CONSTRAINT jc CHECK (json_valid(s))",
    "ALTER TABLE {t} MODIFY g INT AS (v * 3) VIRTUAL",
    pytest.param("ALTER TABLE {t} ADD SYSTEM VERSIONING",
                 marks=pytest.mark.needs_local_server("MariaDB's system-versioned tables")),
    "ALTER TABLE {t} PARTITION BY HASH (k) PARTITIONS 2",
    "ALTER TABLE {t} MODIFY s LONGTEXT CHARACTER SET latin1",
    "ALTER TABLE {t} FORCE",
    "ALTER TABLE {t} ORDER BY v",
    "OPTIMIZE TABLE {t}",
    "TRUNCATE TABLE {t}",
    "ALTER TABLE {t} MODIFY v INT NOT NULL",
    "ALTER TABLE {t} MODIFY v INT COMMENT 'x'",
])
def test_holds(conn: pymysql.Connection, rdb: dict[str, Any], change: str) -> None:
    table = _table()
    sql(rdb, f"CREATE TABLE {table} (k INT NOT NULL PRIMARY KEY, v INT, s LONGTEXT, g INT AS (v * 2) VIRTUAL)",
        f"INSERT INTO {table} (k, v, s) VALUES (1, 1, '[]')")
    _cached_equals_fresh(conn, rdb, table, change.format(t=table))


def test_table_replaced_by_view_and_back(conn: pymysql.Connection, rdb: dict[str, Any]) -> None:
    table = _table()
    sql(rdb, f"CREATE TABLE {table} (k INT PRIMARY KEY)", f"CREATE TABLE {table}_b (k INT PRIMARY KEY, v INT)")
    load_entity(conn, rdb["database"], table)
    sql(rdb, f"DROP TABLE {table}", f"CREATE VIEW {table} AS SELECT k, v FROM {table}_b")
    assert load_entity(conn, rdb["database"], table).is_view
    sql(rdb, f"DROP VIEW {table}", f"CREATE TABLE {table} (k INT PRIMARY KEY)")
    assert _shape(load_entity(conn, rdb["database"], table)) == _fresh(conn, rdb, table)


def test_expiry(conn: pymysql.Connection, rdb: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table()
    sql(rdb, f"CREATE TABLE {table} (k INT PRIMARY KEY)")
    first = load_entity(conn, rdb["database"], table)
    monkeypatch.setattr(catalog, "_KEPT_SECONDS", 0.0)
    assert load_entity(conn, rdb["database"], table) is not first


# ---- through WriteData: ENGINE=MyISAM unseen under NO_TABLE_OPTIONS. allOrNone is accepted as if the table
# could roll back; a failing record reports every record failed while the rows before it stay written.

@pytest.mark.needs_local_server("SET GLOBAL sql_mode")
def test_all_or_none_on_a_table_turned_myisam_unseen(mysql_server: ServerAddress, aws_env: str) -> None:
    with scratch_database(mysql_server, "reviewwr", "SELECT, INSERT, UPDATE, DELETE", "rw") as db:
        sql(db, "CREATE TABLE w (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)")
        (mode,) = sql(db, "SELECT @@GLOBAL.sql_mode")[0]
        sql(db, "SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_TABLE_OPTIONS')")
        try:
            call: Caller = profile_caller(db, aws_env)

            def write(records: list[dict[str, Any]]) -> dict[str, Any]:
                return call("WriteDataRequest", entityIdentifier=identifier(db, "w"), operation="INSERT",
                            records=[json.dumps(r) for r in records], allOrNone=True)

            assert write([{"id": 1, "name": "one"}])["isSuccess"]  # describes w as InnoDB on a warm session
            sql(db, "ALTER TABLE w ENGINE = MyISAM")
            response = write([{"id": 2, "name": "two"}, {"id": 1, "name": "dup"}])
        finally:
            sql(db, f"SET GLOBAL sql_mode = '{mode}'")
        kept = sql(db, "SELECT id FROM w ORDER BY id")
        refused = not response["isSuccess"] and "roll back" in str(response.get("errorDetails"))
        claims_none = all(not r["isSuccess"] for r in response["writeRecordResults"])
        assert refused or not (claims_none and (2,) in kept), (response, kept)
