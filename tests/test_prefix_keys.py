"""Unique indexes that are no key on a column's value: prefix parts, expression parts, generated columns.

``UNIQUE KEY (code(8))`` makes the first 8 characters unique, not the value: ``abcdefgh-new`` clashes
with the row ``abcdefgh-one``; and under an expanding collation two values are equal while their
prefixes are not ('abcdefgßa' and 'abcdefgssa' under utf8mb4_unicode_ci: 'ß' is 'ss'), so both rows
exist and ``code = 'abcdefgssa'`` matches one of them through the index and both in a scan. Such an
index must never be an id (UPDATE, UPSERT, DELETE), INSERT's record identity, the reason ON DUPLICATE
KEY UPDATE looks safe, a page key, or a primary key in DescribeEntity. Every write here goes through
the real handler, and the table is read whole before and after.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from connector import catalog
from connector.errors import MySQLTarget
from connector.types import column_type
from connector.write_statements import StatementWriter as _Writer
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, pages, sql

# ids 1-4 of the prefix tables: rows 2 and 3 are equal under the collation, their 8-character prefixes are not
NEIGHBOURS = [("abcdefgh-one", 10), ("abcdefgßa", 20), ("abcdefgssa", 30), ("zzzzzzzz", 40)]
PREFIX_COLLIDES = "abcdefgh-new"  # no such row, but its first 8 characters are those of 'abcdefgh-one'
PREFIX_ONLY = ", UNIQUE KEY code8 (code(8))"


def _table(stem: str) -> str:
    return f"{stem}_{uuid.uuid4().hex[:6]}"


def _write(call: Caller, db: dict[str, Any], table: str, operation: str, records: list[dict[str, Any]],
           ids: list[str] | None = None) -> dict[str, Any]:
    return call("WriteDataRequest", entityIdentifier=identifier(db, table), operation=operation, idFieldNames=ids,
                records=[json.dumps(r, ensure_ascii=False) for r in records], allOrNone=False)


def _rows(db: dict[str, Any], table: str) -> list[tuple[Any, ...]]:
    """The whole table, in a fixed order (a twin rewritten by its twin shows: Python compares code points)."""
    return sorted(sql(db, f"SELECT * FROM `{table}`"), key=repr)


def _refused(response: dict[str, Any], *says: str) -> None:
    """The whole request refused as InvalidArgument, every record failed, the message saying ``says``."""
    assert response["isSuccess"] is False, response
    details = response["errorDetails"]
    assert details["errorCode"] == "InvalidArgument", details
    assert response["writeRecordResults"] and not any(r["isSuccess"] for r in response["writeRecordResults"])
    for text in says:
        assert text in details["errorMessage"], (text, details["errorMessage"])


def _results(response: dict[str, Any]) -> list[tuple[bool, Any, str]]:
    """(isSuccess, recordId, errorMessage or '') of each record; the call itself must have been carried out."""
    assert response["writeRecordResults"] and (response["isSuccess"] or response["errorDetails"]["errorCode"]
                                               == "PartialWriteFailure"), response
    return [(r["isSuccess"], r["recordId"], r["errorMessage"] or "") for r in response["writeRecordResults"]]


def _duplicate(result: tuple[bool, Any, str], record_id: Any) -> bool:
    return result[:2] == (False, record_id) and "Duplicate entry" in result[2]


def _prefix_table(db: dict[str, Any], ddl: str) -> str:
    """NEIGHBOURS as ``id`` (auto-increment primary key), ``code`` (utf8mb4_unicode_ci), ``v``, then ``ddl``."""
    table = _table("pfx")
    sql(db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, "
            f"code VARCHAR(20) COLLATE utf8mb4_unicode_ci NOT NULL, v INT NULL{ddl})")
    with db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{db['database']}`.`{table}` (code, v) VALUES (%s, %s)", NEIGHBOURS)
    return table


def _described(call: Caller, db: dict[str, Any], table: str) -> tuple[dict[str, dict[str, Any]], str]:
    """DescribeEntity's fields by name, and the pageKey custom property."""
    response = call("DescribeEntityRequest", entityIdentifier=identifier(db, table))
    assert response["isSuccess"], response["errorDetails"]
    definition = response["entityDefinition"]
    return {f["fieldName"]: f for f in definition["fields"]}, definition["customProperties"]["pageKey"]


# --- ids: an index on a prefix is no key --------------------------------------------------------------------

@pytest.mark.parametrize("code", [PREFIX_COLLIDES, "abcdefgssa"])
@pytest.mark.parametrize("operation", ["UPDATE", "UPSERT", "DELETE"])
def test_a_prefix_unique_index_is_no_id(call: Caller, exact_db: dict[str, Any], operation: str, code: str) -> None:
    """UPSERT by it was ON DUPLICATE KEY UPDATE (the other key is auto-increment), which rewrote
    'abcdefgh-one' and answered success for 'abcdefgh-new'; UPDATE and DELETE by 'abcdefgssa' match
    one twin or both, as the plan goes."""
    table = _prefix_table(exact_db, PREFIX_ONLY)
    before = _rows(exact_db, table)
    _refused(_write(call, exact_db, table, operation, [{"code": code, "v": 99}], ids=["code"]),
             table, "['code'] are not a primary or unique key", "(its keys: id)", "code(8)")
    assert _rows(exact_db, table) == before


@pytest.mark.parametrize("ids", [["a", "code"], ["code"]])
@pytest.mark.parametrize("operation", ["UPDATE", "UPSERT", "DELETE"])
def test_a_composite_index_with_a_prefix_part_is_no_id(call: Caller, exact_db: dict[str, Any], operation: str,
                                                       ids: list[str]) -> None:
    table = _prefix_table(exact_db, ", a INT NOT NULL DEFAULT 1, UNIQUE KEY a_code (a, code(8))")
    before = _rows(exact_db, table)
    _refused(_write(call, exact_db, table, operation, [{"a": 1, "code": PREFIX_COLLIDES, "v": 99}], ids=ids),
             "(its keys: id)", "a, code(8)")
    assert _rows(exact_db, table) == before


def test_insert_into_a_prefix_key_fails_the_records_that_clash_only(call: Caller, exact_db: dict[str, Any]) -> None:
    table = _prefix_table(exact_db, PREFIX_ONLY)
    before = _rows(exact_db, table)
    results = _results(_write(call, exact_db, table, "INSERT", [
        {"code": PREFIX_COLLIDES, "v": 1}, {"code": "abcdefgßb", "v": 2}, {"code": "fresh", "v": 3}]))
    assert _duplicate(results[0], None) and _duplicate(results[1], None)
    [(fresh,)] = sql(exact_db, f"SELECT id FROM `{table}` WHERE code = 'fresh'")
    assert results[2] == (True, str(fresh), "")  # the generated id: the primary key is the record's identity
    assert _rows(exact_db, table) == sorted([*before, (fresh, "fresh", 3)], key=repr)


def test_upsert_by_the_real_key_does_not_rewrite_the_row_a_prefix_part_clashes_with(
        call: Caller, exact_db: dict[str, Any]) -> None:
    """UPSERT by the auto-increment id, a new id whose (a, code prefix) is another row's. ON DUPLICATE KEY
    UPDATE fires on that index and rewrites row 1: the index is no key, but the writer must still count it."""
    table = _prefix_table(exact_db, ", a INT NOT NULL DEFAULT 1, UNIQUE KEY a_code (a, code(8))")
    before = _rows(exact_db, table)
    results = _results(_write(call, exact_db, table, "UPSERT", [
        {"id": 100, "a": 1, "code": PREFIX_COLLIDES, "v": 99},  # clashes with row 1 on (1, 'abcdefgh')
        {"id": 101, "a": 2, "code": PREFIX_COLLIDES, "v": 98},  # another a: a new row
        {"id": 2, "a": 1, "code": "abcdefgh-two", "v": 97},  # row 2 moved onto row 1's prefix
        {"id": 4, "a": 1, "code": "zzzzzzzz-moved", "v": 96},  # row 4 changed, clashing with nothing
    ], ids=["id"]))
    assert _duplicate(results[0], "100") and results[1] == (True, "101", "")
    assert _duplicate(results[2], "2") and results[3] == (True, "4", "")
    expected = [row for row in before if row[0] != 4] + [(101, PREFIX_COLLIDES, 98, 2), (4, "zzzzzzzz-moved", 96, 1)]
    assert _rows(exact_db, table) == sorted(expected, key=repr)


# --- a full unique key beside a prefix one -------------------------------------------------------------------

def _mixed_table(db: dict[str, Any]) -> tuple[str, list[tuple[Any, ...]]]:
    """NEIGHBOURS with ``sku`` ('s1'..'s4', a full unique key) beside the prefix key on code; and its rows."""
    table = _prefix_table(db, ", sku VARCHAR(10) NULL, UNIQUE KEY sku (sku)" + PREFIX_ONLY)
    sql(db, f"UPDATE `{table}` SET sku = CONCAT('s', id)")
    return table, _rows(db, table)


def test_upsert_by_a_full_key_fails_the_record_whose_prefix_clashes(call: Caller, exact_db: dict[str, Any]) -> None:
    """Were UPSERT by sku ON DUPLICATE KEY UPDATE (the only other key is auto-increment), a new sku whose code
    shares row 1's prefix would fire it on code8, rewrite row 1 and be answered as written: code8 is no key,
    but the writer must still count it among the indexes a record can clash with."""
    table, before = _mixed_table(exact_db)
    results = _results(_write(call, exact_db, table, "UPSERT", [
        {"sku": "new", "code": PREFIX_COLLIDES, "v": 99},  # a new row whose prefix is row 1's
        {"sku": "s2", "code": "abcdefgh-x", "v": 98},  # row 2 moved onto row 1's prefix
        {"sku": "s4", "code": "zzzzzzzz-moved", "v": 97},  # row 4 changed
        {"sku": "new2", "code": "fresh", "v": 96},  # a new row
    ], ids=["sku"]))
    assert _duplicate(results[0], "new") and _duplicate(results[1], "s2")
    assert results[2:] == [(True, "s4", ""), (True, "new2", "")]
    [(fresh,)] = sql(exact_db, f"SELECT id FROM `{table}` WHERE sku = 'new2'")
    expected = [row for row in before if row[0] != 4] + [(4, "zzzzzzzz-moved", 97, "s4"), (fresh, "fresh", 96, "new2")]
    assert _rows(exact_db, table) == sorted(expected, key=repr)


def test_update_and_delete_by_a_full_key_beside_a_prefix_key(call: Caller, exact_db: dict[str, Any]) -> None:
    table, before = _mixed_table(exact_db)
    update = _results(_write(call, exact_db, table, "UPDATE", [
        {"sku": "new", "code": PREFIX_COLLIDES, "v": 99}, {"sku": "s2", "code": "abcdefgh-x", "v": 98},
        {"sku": "s4", "code": "zzzzzzzz-moved", "v": 97}], ids=["sku"]))
    assert update[0][:2] == (False, "new") and "no row of" in update[0][2]
    assert _duplicate(update[1], "s2") and update[2] == (True, "s4", "")
    delete = _results(_write(call, exact_db, table, "DELETE", [{"sku": "new"}, {"sku": "s3"}], ids=["sku"]))
    assert delete[0][:2] == (False, "new") and "no row of" in delete[0][2] and delete[1] == (True, "s3", "")
    expected = [row for row in before if row[0] not in (3, 4)] + [(4, "zzzzzzzz-moved", 97, "s4")]
    assert _rows(exact_db, table) == sorted(expected, key=repr)


# --- a PRIMARY KEY on a prefix -----------------------------------------------------------------------------

def _prefix_primary(db: dict[str, Any]) -> str:
    table = _table("ppk")
    sql(db, f"CREATE TABLE `{table}` (code VARCHAR(20) COLLATE utf8mb4_unicode_ci NOT NULL, v INT NULL, "
            "PRIMARY KEY (code(8)))")
    with db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{db['database']}`.`{table}` VALUES (%s, %s)", NEIGHBOURS)
    return table


@pytest.mark.parametrize("operation", ["UPDATE", "UPSERT", "DELETE"])
def test_a_prefix_primary_key_is_no_id(call: Caller, exact_db: dict[str, Any], operation: str) -> None:
    table = _prefix_primary(exact_db)
    before = _rows(exact_db, table)
    for code in (PREFIX_COLLIDES, "abcdefgssa", "abcdefgh-one"):
        _refused(_write(call, exact_db, table, operation, [{"code": code, "v": 99}], ids=["code"]),
                 "(its keys: none)", "code(8)")
    assert _rows(exact_db, table) == before


def test_insert_into_a_prefix_primary_key_names_no_record_id(call: Caller, exact_db: dict[str, Any]) -> None:
    """The record id is the table's key; a prefix of code is none (the code was named as if it were one)."""
    table = _prefix_primary(exact_db)
    before = _rows(exact_db, table)
    results = _results(_write(call, exact_db, table, "INSERT", [{"code": PREFIX_COLLIDES, "v": 1},
                                                               {"code": "fresh", "v": 2}]))
    assert _duplicate(results[0], None) and results[1] == (True, None, "")
    assert _rows(exact_db, table) == sorted([*before, ("fresh", 2)], key=repr)


def test_describe_entity_calls_no_prefix_part_a_key(call: Caller, exact_db: dict[str, Any]) -> None:
    fields, page_key = _described(call, exact_db, _prefix_primary(exact_db))
    assert {name: f["isPrimaryKey"] for name, f in fields.items()} == {"code": False, "v": False}
    assert fields["code"]["writeProperties"]["supportedWriteOperations"] == ["INSERT"]
    assert page_key == "(none: ordered by all columns)"
    mixed = _prefix_table(exact_db, ", sku VARCHAR(10) NULL, a INT NOT NULL DEFAULT 1, UNIQUE KEY (sku), "
                                    "UNIQUE KEY a_code (a, code(8))")
    fields, page_key = _described(call, exact_db, mixed)
    assert {name: f["isPrimaryKey"] for name, f in fields.items()} == {
        "id": True, "code": False, "v": False, "sku": False, "a": False}
    by_key = ["INSERT", "UPDATE", "UPSERT", "DELETE"]
    assert {name: f["writeProperties"]["supportedWriteOperations"] for name, f in fields.items()} == {
        "id": by_key, "code": ["INSERT"], "v": ["INSERT"], "sku": by_key, "a": ["INSERT"]}
    assert page_key == "id"
    only_prefixes = _table("onlyp")
    sql(exact_db, f"CREATE TABLE `{only_prefixes}` (code VARCHAR(20) NOT NULL, n INT NOT NULL, "
                  "UNIQUE KEY (code(4)), UNIQUE KEY (n, code(2)))")
    assert _described(call, exact_db, only_prefixes)[1] == "(none: ordered by all columns)"


# --- paging: an index on a prefix is no order of rows ------------------------------------------------------

def test_paging_a_table_whose_only_unique_key_has_a_prefix_part_returns_every_row_once(
        call: Caller, exact_db: dict[str, Any]) -> None:
    """Paged by (grp, code), 'ßa' and 'ssa' of one grp tie: ``code > 'ßa'`` skipped 'ssa'."""
    table = _table("pgp")
    sql(exact_db, f"CREATE TABLE `{table}` (grp INT NOT NULL, code VARCHAR(20) COLLATE utf8mb4_unicode_ci NOT NULL, "
                  "note VARCHAR(10) NULL, UNIQUE KEY g_code (grp, code(2)))")
    twins = ["a", "A", "a "]  # equal under _ci and PAD SPACE, so each code twin has a grp of its own
    rows = [(grp, code, None if (grp + i) % 3 == 0 else twins[(grp + i) % 3])
            for grp in range(12) for i, code in enumerate([twins[grp % 3], f"ab{grp}", "ßa", "ssa", "zz"])]
    with exact_db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.`{table}` VALUES (%s, %s, %s)", rows)
    stored = Counter(sql(exact_db, f"SELECT grp, HEX(code), HEX(note) FROM `{table}`"))
    assert sum(stored.values()) == 60
    for max_results in (1, 2, 7):
        got = pages(call, identifier(exact_db, table), max_results)
        assert Counter((r["grp"], r["code"].encode().hex().upper(),
                        None if r["note"] is None else r["note"].encode().hex().upper()) for r in got) == stored


def test_a_full_key_changed_to_a_prefix_between_pages_is_refused(call: Caller, exact_db: dict[str, Any]) -> None:
    table = _table("chgp")
    sql(exact_db, f"CREATE TABLE `{table}` (code VARCHAR(20) NOT NULL, n INT, UNIQUE KEY k (code))",
        f"INSERT INTO `{table}` VALUES " + ", ".join(f"('c{i:03d}', {i})" for i in range(30)))
    assert _described(call, exact_db, table)[1] == "code"
    first = call("QueryDataRequest", entityIdentifier=identifier(exact_db, table), maxResults=10)
    assert first["isSuccess"] and first["nextToken"], first
    sql(exact_db, f"ALTER TABLE `{table}` DROP KEY k, ADD UNIQUE KEY k (code(4))")
    following = call("QueryDataRequest", entityIdentifier=identifier(exact_db, table), maxResults=10,
                     nextToken=first["nextToken"])
    assert following["isSuccess"] is False and following["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "the table changed during the flow" in following["errorDetails"]["errorMessage"].lower()


# --- the catalog: reuse, and the key kinds each server has ---------------------------------------------------

def test_a_warm_connection_notices_a_full_key_become_a_prefix(call: Caller, exact_db: dict[str, Any],
                                                              mysql_server: ServerAddress) -> None:
    """A described table is reused while SHOW CREATE TABLE reads the same; `code`(8) is another text."""
    table = _table("reuse")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20) NOT NULL, v INT, "
                  "UNIQUE KEY k (code))", f"INSERT INTO `{table}` (code, v) VALUES ('abcdefgh-one', 1)")
    conn = mysql_server.connect(exact_db["database"], **({"ssl": {"ca": mysql_server.ca_file}}
                                                         if mysql_server.ca_file else {}))
    try:
        full = catalog.load_entity(conn, exact_db["database"], table)
        assert catalog.load_entity(conn, exact_db["database"], table) is full  # reused
        assert [[c.name for c in key] for key in full.unique_keys] == [["id"], ["code"]] and not full.partial_keys
        assert _results(_write(call, exact_db, table, "UPDATE", [{"code": "abcdefgh-one", "v": 2}],
                               ids=["code"])) == [(True, "abcdefgh-one", "")]
        sql(exact_db, f"ALTER TABLE `{table}` DROP KEY k, ADD UNIQUE KEY k (code(8))")
        prefix = catalog.load_entity(conn, exact_db["database"], table)
        assert [[c.name for c in key] for key in prefix.unique_keys] == [["id"]]
        assert [(p.name, [c.name for c in p.columns], p.parts) for p in prefix.partial_keys] == [
            ("k", ["code"], "code(8)")]
    finally:
        conn.close()
    before = _rows(exact_db, table)
    _refused(_write(call, exact_db, table, "UPSERT", [{"code": PREFIX_COLLIDES, "v": 3}], ids=["code"]), "code(8)")
    assert _rows(exact_db, table) == before == [(1, "abcdefgh-one", 2)]


def test_a_long_unique_key_is_a_key_on_the_whole_value(call: Caller, exact_db: dict[str, Any]) -> None:
    """MariaDB keeps a unique TEXT column as a hash of the whole value (USING HASH, no prefix length),
    compared under its collation: a key like any other. MySQL refuses such an index without a length."""
    table = _table("longu")
    ddl = (f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, t TEXT COLLATE utf8mb4_unicode_ci NOT NULL, "
           "v INT NULL, UNIQUE KEY t (t))")
    if not sql(exact_db, "SELECT VERSION() LIKE '%%MariaDB%%'")[0][0]:
        with pytest.raises(Exception, match="1170"):
            sql(exact_db, ddl)
        return
    sql(exact_db, ddl)
    assert sql(exact_db, "SELECT INDEX_TYPE, SUB_PART FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
                         "DATABASE() AND TABLE_NAME = %s AND INDEX_NAME = 't'", params=(table,)) == [("HASH", None)]
    with exact_db["admin"].cursor() as cur:  # 'abcdefgssa' is 'abcdefgßa' under the collation: a duplicate here
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.`{table}` (t, v) VALUES (%s, %s)",
                        [row for row in NEIGHBOURS if row[0] != "abcdefgssa"])
    fields, _ = _described(call, exact_db, table)
    assert fields["t"]["writeProperties"]["supportedWriteOperations"] == ["INSERT", "UPDATE", "UPSERT", "DELETE"]
    # UPSERT by t is ON DUPLICATE KEY UPDATE (the id is auto-increment), which fires on the whole value
    upsert = _results(_write(call, exact_db, table, "UPSERT", [{"t": PREFIX_COLLIDES, "v": 1},
                                                              {"t": "ABCDEFGSSA", "v": 2}], ids=["t"]))
    assert upsert == [(True, PREFIX_COLLIDES, ""), (True, "ABCDEFGSSA", "")]
    update = _results(_write(call, exact_db, table, "UPDATE", [{"t": "abcdefgh-one", "v": 3}], ids=["t"]))
    delete = _results(_write(call, exact_db, table, "DELETE", [{"t": "zzzzzzzz "}, {"t": "zzzzzzz"}], ids=["t"]))
    assert update == [(True, "abcdefgh-one", "")] and [r[0] for r in delete] == [True, False]
    [(new,)] = sql(exact_db, f"SELECT id FROM `{table}` WHERE v = 1")
    assert _rows(exact_db, table) == sorted([(1, "abcdefgh-one", 3), (2, "abcdefgßa", 2), (new, PREFIX_COLLIDES, 1)],
                                            key=repr)


@pytest.mark.parametrize("storage", ["STORED", "VIRTUAL"])
def test_a_unique_generated_column_is_a_key_for_update_and_delete(call: Caller, exact_db: dict[str, Any],
                                                                  storage: str) -> None:
    """g = LEFT(code, 8), unique: the prefix key made a column. g names one row, code none. UPSERT cannot
    match by g: a row it inserts takes g from code, not from the record."""
    table = _table("gen")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20) NOT NULL, v INT, "
                  f"g VARCHAR(8) AS (LEFT(code, 8)) {storage}, UNIQUE KEY g (g))")
    with exact_db["admin"].cursor() as cur:
        cur.executemany(f"INSERT INTO `{exact_db['database']}`.`{table}` (code, v) VALUES (%s, %s)",
                        [("abcdefgh-one", 10), ("abcdefgX-two", 20), ("zzzzzzzz", 30)])
    fields, _ = _described(call, exact_db, table)
    assert fields["g"]["writeProperties"]["supportedWriteOperations"] == ["INSERT", "UPDATE", "DELETE"]
    assert fields["code"]["writeProperties"]["supportedWriteOperations"] == ["INSERT"]
    before = _rows(exact_db, table)
    _refused(_write(call, exact_db, table, "UPSERT", [{"g": "abcdefgh", "v": 1}], ids=["g"]),
             "UPSERT cannot match rows", "generated field(s) g")
    _refused(_write(call, exact_db, table, "UPDATE", [{"code": PREFIX_COLLIDES, "v": 1}], ids=["code"]),
             "(its keys: id; g)")
    insert = _results(_write(call, exact_db, table, "INSERT", [{"code": PREFIX_COLLIDES, "v": 1}]))
    upsert = _results(_write(call, exact_db, table, "UPSERT", [{"id": 50, "code": PREFIX_COLLIDES, "v": 1}],
                             ids=["id"]))
    assert _duplicate(insert[0], None) and _duplicate(upsert[0], "50")
    assert _rows(exact_db, table) == before
    update = _results(_write(call, exact_db, table, "UPDATE", [{"g": "abcdefgh", "v": 11}, {"g": "abcdefgZ", "v": 1}],
                             ids=["g"]))
    assert update[0] == (True, "abcdefgh", "") and update[1][:2] == (False, "abcdefgZ") and "no row of" in update[1][2]
    assert _results(_write(call, exact_db, table, "DELETE", [{"g": "abcdefgX"}], ids=["g"])) == [
        (True, "abcdefgX", "")]
    assert _rows(exact_db, table) == [(1, "abcdefgh-one", 11, "abcdefgh"), (3, "zzzzzzzz", 30, "zzzzzzzz")]


def test_an_expression_index_keeps_upsert_off_on_duplicate_key(exact_db: dict[str, Any],
                                                                mysql_server: ServerAddress) -> None:
    """MySQL 8's ``UNIQUE ((LOWER(code)))`` lists no column at all; it was left out, and UPSERT by sku
    on such a table was ON DUPLICATE KEY UPDATE, which a clash on the expression turns on another row."""
    table = _table("expr")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, sku VARCHAR(10) NOT NULL UNIQUE, "
                  "code VARCHAR(20) NOT NULL)")
    conn = mysql_server.connect(exact_db["database"], **({"ssl": {"ca": mysql_server.ca_file}}
                                                         if mysql_server.ca_file else {}))
    try:
        entity = catalog.load_entity(conn, exact_db["database"], table)
        target = MySQLTarget("localhost", 3306, "t")
        assert _Writer(conn, entity, "UPSERT", ["sku"], "UTC", target).on_duplicate  # only the auto-increment id
        functional = replace(entity, partial_keys=(catalog.PartialKey("lower_code", (), "(an expression)"),))
        assert not _Writer(conn, functional, "UPSERT", ["sku"], "UTC", target).on_duplicate
    finally:
        conn.close()


def test_an_expression_key_part_makes_a_partial_key() -> None:
    """MySQL 8.0.13+ lists a functional key part with COLUMN_NAME NULL (MariaDB has none to test on)."""
    code = catalog.Column(name="code", data_type="varchar", column_type="varchar(20)", nullable=False, default=None,
                          extra="", comment="", type=column_type("varchar", "varchar(20)"))
    n = catalog.Column(name="n", data_type="int", column_type="int(11)", nullable=False, default=None, extra="",
                       comment="", type=column_type("int", "int(11)"))
    keys, partial = catalog._unique_indexes((code, n), [  # noqa: SLF001
        ("PRIMARY", "n", None), ("lower_code", None, None), ("n_lower", "n", None), ("n_lower", None, None),
        ("code4", "code", "4"), ("code", "code", None)])
    assert keys == {"PRIMARY": (n,), "code": (code,)}
    assert [(p.name, p.columns, p.parts) for p in partial] == [
        ("lower_code", (), "(an expression)"), ("n_lower", (n,), "n, (an expression)"), ("code4", (code,), "code(4)")]
