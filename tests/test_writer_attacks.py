"""Attacks on the literal-building WriteData path (statements sent without parameters), from the review.

Names with ``%`` (which only %-formatted statements double) and statements sized in UTF-8 bytes
when names are not ASCII: both failed the first version of the literal writer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from connector.catalog import load_entity
from connector.errors import MySQLTarget
from connector.write_statements import StatementWriter as _Writer
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, sql


def _write(call: Caller, db: dict[str, Any], table: str, operation: str, records: list[Any],
           ids: list[str] | None = None, settings: dict[str, str] | None = None,
           all_or_none: bool = False) -> dict[str, Any]:
    return call("WriteDataRequest", settings=settings, entityIdentifier=identifier(db, table), operation=operation,
                idFieldNames=ids, records=[r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                                           for r in records], allOrNone=all_or_none)


def _ok(response: dict[str, Any]) -> list[bool]:
    assert response.get("writeRecordResults"), response.get("errorDetails")  # the call itself did not fail
    return [r["isSuccess"] for r in response["writeRecordResults"]]


# --- 1. identifiers with '%': quote() doubles it for %-formatting, which no longer happens ---------------

def test_insert_into_column_named_with_percent(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE IF NOT EXISTS pct_col (id INT PRIMARY KEY, `rate%` INT NULL)", "DELETE FROM pct_col")
    response = _write(call, exact_db, "pct_col", "INSERT", [{"id": 1, "rate%": 5}])
    assert _ok(response) == [True]
    assert sql(exact_db, "SELECT id, `rate%` FROM pct_col") == [(1, 5)]


@pytest.mark.parametrize("operation", ["UPSERT", "UPDATE", "DELETE"])
def test_change_by_key_named_with_percent(call: Caller, exact_db: dict[str, Any], operation: str) -> None:
    sql(exact_db, "CREATE TABLE IF NOT EXISTS pct_key (`id%` INT PRIMARY KEY, v INT NULL)", "DELETE FROM pct_key",
        "INSERT INTO pct_key VALUES (1, 0)")
    response = _write(call, exact_db, "pct_key", operation, [{"id%": 1, "v": 9}], ids=["id%"])
    assert _ok(response) == [True]
    assert sql(exact_db, "SELECT * FROM pct_key") == ([] if operation == "DELETE" else [(1, 9)])


def test_insert_into_table_named_with_percent(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE IF NOT EXISTS `sales 100%` (id INT PRIMARY KEY)", "DELETE FROM `sales 100%`")
    response = _write(call, exact_db, "sales 100%", "INSERT", [{"id": 1}])
    assert _ok(response) == [True]
    assert sql(exact_db, "SELECT id FROM `sales 100%`") == [(1,)]


def test_percent_column_value_lands_in_its_own_column_not_the_doubled_one(call: Caller,
                                                                          exact_db: dict[str, Any]) -> None:
    """`r%` is written as `r%%`: on a table that has both, the value silently goes to the wrong column."""
    sql(exact_db, "CREATE TABLE IF NOT EXISTS pct_twin (id INT PRIMARY KEY, `r%` INT NULL, `r%%` INT NULL)",
        "DELETE FROM pct_twin")
    response = _write(call, exact_db, "pct_twin", "INSERT", [{"id": 1, "r%": 7}])
    assert _ok(response) == [True]
    assert sql(exact_db, "SELECT `r%`, `r%%` FROM pct_twin") == [(7, None)]


# --- 2. statement sizes: identifiers counted in characters, sent as UTF-8 -----------------------------------

@pytest.fixture
def one_mib(exact_db: dict[str, Any]) -> Iterator[dict[str, str]]:
    before = sql(exact_db, "SELECT @@GLOBAL.max_allowed_packet")[0][0]
    sql(exact_db, "SET GLOBAL max_allowed_packet = 1048576")
    try:
        yield {"connectTimeoutSeconds": "8"}  # a session kind of its own: a connection opened after the change
    finally:
        sql(exact_db, f"SET GLOBAL max_allowed_packet = {int(before)}")


CJK = [("列名" * 31) + f"{i:02d}" for i in range(45)]  # 64 characters, 188 bytes each


def _cjk_table(db: dict[str, Any], table: str) -> None:
    columns = ", ".join(f"`{name}` VARCHAR(4) NULL" for name in CJK)
    sql(db, f"CREATE TABLE IF NOT EXISTS `{table}` (id INT PRIMARY KEY, {columns}, pad LONGTEXT NULL)",
        f"DELETE FROM `{table}`")


def _room_filling(mysql_server: ServerAddress, db: dict[str, Any], table: str, operation: str,
                  ids: list[str], base: dict[str, Any], max_packet: int) -> int:
    """How many 'x' of pad make a record of ``base`` exactly as large as the writer allows."""
    conn = mysql_server.connect(db["database"])
    try:
        entity = load_entity(conn, db["database"], table)
        writer = _Writer(conn, entity, operation, ids, "UTC", MySQLTarget("localhost", 3306, "t"))
        record = writer.decode(0, json.dumps({**base, "pad": ""}, ensure_ascii=False))
        room = max_packet - writer.overhead(tuple(writer.by_name))
        return room - record.sql_bytes
    finally:
        conn.close()


@pytest.mark.needs_local_server("SET GLOBAL max_allowed_packet")
def test_upsert_record_accepted_as_fitting_is_sent_over_max_allowed_packet(
        call: Caller, exact_db: dict[str, Any], mysql_server: ServerAddress, one_mib: dict[str, str]) -> None:
    """A record the writer sizes as fitting must not produce a statement the server refuses (and dies on)."""
    _cjk_table(exact_db, "cjk_up")
    base = {"id": 1, **{name: "a" for name in CJK}}
    pad = _room_filling(mysql_server, exact_db, "cjk_up", "UPSERT", ["id"], base, 1048576)
    response = _write(call, exact_db, "cjk_up", "UPSERT", [{**base, "pad": "x" * pad}], ids=["id"],
                      settings=one_mib)
    # either written, or this record fails alone naming max_allowed_packet; never a call that dies
    assert response["isSuccess"], response["errorDetails"]


@pytest.mark.needs_local_server("SET GLOBAL max_allowed_packet")
def test_insert_batch_of_small_records_is_sent_over_max_allowed_packet(
        call: Caller, exact_db: dict[str, Any], mysql_server: ServerAddress, one_mib: dict[str, str]) -> None:
    _cjk_table(exact_db, "cjk_in")
    base = {"id": 0, **{name: "a" for name in CJK}}
    # 100 records that together fill the room exactly (each one's size differs from the base only by its pad)
    conn = mysql_server.connect(exact_db["database"])
    try:
        entity = load_entity(conn, exact_db["database"], "cjk_in")
        writer = _Writer(conn, entity, "INSERT", [], "UTC", MySQLTarget("localhost", 3306, "t"))
        one = writer.decode(0, json.dumps({**base, "id": 1000, "pad": ""}, ensure_ascii=False)).sql_bytes
        room = 1048576 - writer.overhead(tuple(writer.by_name))
    finally:
        conn.close()
    per, extra = divmod(room - 100 * one, 100)
    records = [{**base, "id": 1000 + i, "pad": "x" * (per + (extra if i == 99 else 0))} for i in range(100)]
    records += [{**base, "id": 5000, "pad": "tail"}]
    response = _write(call, exact_db, "cjk_in", "INSERT", records, settings=one_mib)
    assert _ok(response) == [True] * 101
    assert sql(exact_db, "SELECT COUNT(*) FROM cjk_in") == [(101,)]


@pytest.mark.needs_local_server("SET GLOBAL max_allowed_packet")
def test_ascii_names_control(call: Caller, exact_db: dict[str, Any], mysql_server: ServerAddress,
                             one_mib: dict[str, str]) -> None:
    """The same record with ASCII column names fits: the margin covers them (what held up)."""
    columns = ", ".join(f"`c{i:02d}` VARCHAR(4) NULL" for i in range(30))
    sql(exact_db, f"CREATE TABLE IF NOT EXISTS ascii_up (id INT PRIMARY KEY, {columns}, pad LONGTEXT NULL)",
        "DELETE FROM ascii_up")
    base = {"id": 1, **{f"c{i:02d}": "a" for i in range(30)}}
    pad = _room_filling(mysql_server, exact_db, "ascii_up", "UPSERT", ["id"], base, 1048576)
    response = _write(call, exact_db, "ascii_up", "UPSERT", [{**base, "pad": "x" * pad}], ids=["id"],
                      settings=one_mib)
    assert _ok(response) == [True]


# --- 3. escaping under the server's modes: what held up ---------------------------------------------------

HOSTILE = ["it's", "\\", "\\'", "'; DROP TABLE x; --", "\x00\x1a\n\r\t", "%s %(a)s {} ? %%", "🎉日本",
           "\\\\'' \"", "a\\"]
