"""A write result's recordId names the row as stored: each id, looked up, gives back that record's data.

Keys MySQL assigns (AUTO_INCREMENT from an omitted field, null, or 0 without NO_AUTO_VALUE_ON_ZERO) are reported
as assigned, over batches split by the row limit, by max_allowed_packet, by the fields a record names and by
records that set the key among records that leave it to MySQL; values are spelled as the column stores them (a
boolean in TINYINT as 1, 2.0 in INT as 2, DECIMAL with its scale's digits, DATETIME with its precision's, a
composite key as a JSON array of those).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from connector.catalog import load_entity
from connector.errors import MySQLTarget
from connector.server_limits import _LIMITS, ServerLimits, server_limits
from connector.write_statements import BATCH_ROWS
from connector.writer import write_records
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, sql


def insert(call: Caller, db: dict[str, Any], table: str, records: list[dict[str, Any]],
           ids: list[str] | None = None, settings: dict[str, str] | None = None,
           operation: str = "INSERT") -> list[dict[str, Any]]:
    response = call("WriteDataRequest", settings=settings, entityIdentifier=identifier(db, table), operation=operation,
                    idFieldNames=ids, records=[json.dumps(r) for r in records])
    results = response["writeRecordResults"]
    assert len(results) == len(records), response
    return results


def named_rows(db: dict[str, Any], table: str, key: str, record_ids: list[str], fields: str) -> list[Any]:
    """The row each recordId names: SELECT by the id, bound as text, as a client would look it up."""
    found = []
    for record_id in record_ids:
        rows = sql(db, f"SELECT {fields} FROM `{table}` WHERE `{key}` = %s", params=(record_id,))
        assert len(rows) == 1, (record_id, rows)
        found.append(rows[0] if len(rows[0]) > 1 else rows[0][0])
    return found


@pytest.fixture(scope="module")
def tables(exact_db: dict[str, Any]) -> dict[str, Any]:
    sql(exact_db,
        "CREATE TABLE ai (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40) NOT NULL, pad TEXT NULL)",
        "CREATE TABLE ai_pair (k VARCHAR(5) NOT NULL, id INT AUTO_INCREMENT, v VARCHAR(10), PRIMARY KEY (k, id), "
        "KEY (id))",
        "CREATE TABLE kinds (b TINYINT(1) NOT NULL, i INT NOT NULL, d DECIMAL(6,2) NOT NULL, v VARCHAR(10), "
        "PRIMARY KEY (b, i, d))",
        "CREATE TABLE by_int (i INT PRIMARY KEY, v VARCHAR(10))",
        "CREATE TABLE by_decimal (d DECIMAL(6,2) PRIMARY KEY, v VARCHAR(10))",
        "CREATE TABLE by_bool (b TINYINT(1) PRIMARY KEY, v VARCHAR(10))",
        "CREATE TABLE by_double (f DOUBLE PRIMARY KEY, v VARCHAR(10))",
        "CREATE TABLE by_char (c CHAR(5) PRIMARY KEY, v VARCHAR(10))",
        "CREATE TABLE by_time (t DATETIME(3) PRIMARY KEY, ts TIMESTAMP(2) NULL UNIQUE, tm TIME(1) NULL UNIQUE, "
        "d DATE NULL UNIQUE, v VARCHAR(10))",
        "CREATE TABLE by_binary (b BINARY(4) PRIMARY KEY, v VARCHAR(10))",
        "CREATE TABLE by_label (e ENUM('a','1','2') PRIMARY KEY, v VARCHAR(10))",
        "CREATE TABLE by_bit (b BIT(12) PRIMARY KEY, y YEAR NULL UNIQUE, v VARCHAR(10))")
    return exact_db


# --- keys MySQL assigns ----------------------------------------------------------------------------------

def _assigning(n: int, start: int) -> list[dict[str, Any]]:
    """Records that leave the key to MySQL in every way, in runs and interleaved: omitted, null, 0, "0", false."""
    shapes: list[dict[str, Any]] = [{}, {"id": None}, {"id": 0}, {"id": "0"}, {"id": 0.0}]
    records = []
    for k in range(n):
        shape = shapes[(k // 7) % len(shapes)] if k < n // 2 else shapes[k % len(shapes)]
        records.append({**shape, "v": f"r{start + k}"})
    return records


def test_assigned_keys_over_many_batches_name_their_rows(call: Caller, tables: dict[str, Any]) -> None:
    records = _assigning(3 * BATCH_ROWS + 37, 0)
    results = insert(call, tables, "ai", records)
    assert all(r["isSuccess"] for r in results), [r for r in results if not r["isSuccess"]][:3]
    ids = [r["recordId"] for r in results]
    assert len(set(ids)) == len(ids) and all(i.isdigit() and i != "0" for i in ids)
    assert named_rows(tables, "ai", "id", ids, "v") == [r["v"] for r in records]


def test_assigned_keys_among_explicit_ones_name_their_rows(call: Caller, tables: dict[str, Any]) -> None:
    """A statement of explicit and assigned keys ("mixed-mode insert") may leave gaps: such records are never
    batched together, so that every assigned id is still exact, also after explicit ids above the counter."""
    top = int(sql(tables, "SELECT COALESCE(MAX(id), 0) FROM ai")[0][0])
    records: list[dict[str, Any]] = []
    for k in range(1200):
        explicit = {"id": top + 1000 + 3 * k} if k % 3 == 1 or 400 <= k < 460 else {"id": None if k % 2 else 0}
        records.append({**explicit, "v": f"m{k}"})
    results = insert(call, tables, "ai", records, ids=["id"])
    assert all(r["isSuccess"] for r in results), [r for r in results if not r["isSuccess"]][:3]
    ids = [r["recordId"] for r in results]
    assert len(set(ids)) == len(ids)
    assert [i for i, r in zip(ids, records, strict=True) if r["id"]] == [str(r["id"]) for r in records if r["id"]]
    assert named_rows(tables, "ai", "id", ids, "v") == [r["v"] for r in records]


@pytest.fixture
def one_mib_packets(tables: dict[str, Any]) -> Iterator[dict[str, str]]:
    """max_allowed_packet at 1 MiB for sessions opened meanwhile; the settings that open a new one."""
    before = sql(tables, "SELECT @@GLOBAL.max_allowed_packet")[0][0]
    sql(tables, "SET GLOBAL max_allowed_packet = 1048576")
    try:
        yield {"connectTimeoutSeconds": "7"}  # a session kind of its own: opened after the change
    finally:
        sql(tables, f"SET GLOBAL max_allowed_packet = {int(before)}")


def test_assigned_keys_in_batches_split_by_packet_size_name_their_rows(
        call: Caller, tables: dict[str, Any], one_mib_packets: dict[str, str]) -> None:
    records = [{**r, "pad": "x" * 9_000} for r in _assigning(450, 10_000)]  # ~4 MB: at least four statements
    before = int(sql(tables, "SHOW GLOBAL STATUS LIKE 'Com_insert'")[0][1])
    results = insert(call, tables, "ai", records, settings=one_mib_packets)
    assert all(r["isSuccess"] for r in results)
    assert int(sql(tables, "SHOW GLOBAL STATUS LIKE 'Com_insert'")[0][1]) - before >= 4
    ids = [r["recordId"] for r in results]
    assert named_rows(tables, "ai", "id", ids, "v") == [r["v"] for r in records]


def test_assigned_key_in_a_composite_key_is_reported_in_its_place(call: Caller, tables: dict[str, Any]) -> None:
    records = [{"k": f"k{n % 3}", "v": f"p{n}", **({"id": None} if n % 2 else {})} for n in range(700)]
    results = insert(call, tables, "ai_pair", records)
    assert all(r["isSuccess"] for r in results)
    for record, result in zip(records, results, strict=True):
        k, assigned = json.loads(result["recordId"])
        assert k == record["k"] and isinstance(assigned, int)
        assert sql(tables, "SELECT v FROM ai_pair WHERE k = %s AND id = %s", params=(k, assigned)) == [
            (record["v"],)]


@pytest.fixture
def no_auto_value_on_zero(tables: dict[str, Any]) -> Iterator[dict[str, str]]:
    """NO_AUTO_VALUE_ON_ZERO in the sql_mode of sessions opened meanwhile (the connector's: a new one)."""
    before = sql(tables, "SELECT @@GLOBAL.sql_mode")[0][0]
    sql(tables, "SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')")
    try:
        yield {"connectTimeoutSeconds": "6"}
    finally:
        sql(tables, "SET GLOBAL sql_mode = %s", params=(before,))


def test_zero_is_a_key_under_no_auto_value_on_zero(call: Caller, tables: dict[str, Any],
                                                   no_auto_value_on_zero: dict[str, str]) -> None:
    sql(tables, "DELETE FROM ai WHERE id = 0")
    results = insert(call, tables, "ai", [{"id": 0, "v": "zero"}, {"id": None, "v": "null"}, {"v": "omitted"}],
                     ids=["id"], settings=no_auto_value_on_zero)
    assert [r["isSuccess"] for r in results] == [True] * 3
    assert results[0]["recordId"] == "0"
    assert named_rows(tables, "ai", "id", [r["recordId"] for r in results], "v") == ["zero", "null", "omitted"]
    # without idFieldNames records may not set the key: 0 would set it here, so it fails; null still assigns
    results = insert(call, tables, "ai", [{"id": 0, "v": "z2"}, {"id": None, "v": "n2"}],
                     settings=no_auto_value_on_zero)
    assert not results[0]["isSuccess"] and "auto-increment" in results[0]["errorMessage"]
    assert results[1]["isSuccess"] and named_rows(tables, "ai", "id", [results[1]["recordId"]], "v") == ["n2"]


def test_an_explicit_key_without_id_fields_still_fails_and_says_what_passes(call: Caller,
                                                                          tables: dict[str, Any]) -> None:
    results = insert(call, tables, "ai", [{"id": 5, "v": "x"}, {"id": "abc", "v": "y"}])
    assert [r["errorMessage"] for r in results] == [
        "field 'id' is auto-increment: MySQL assigns it; leave it out or send null"] * 2


@pytest.fixture
def direct(mysql_server: ServerAddress, tables: dict[str, Any]) -> Iterator[pymysql.Connection]:
    conn = mysql_server.connect(tables["database"])
    with conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00', sql_mode = CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES')")
    try:
        yield conn
    finally:
        _LIMITS.pop(conn, None)
        conn.close()


@pytest.mark.parametrize("consecutive", [True, False], ids=["lock mode 0/1", "lock mode 2"])
def test_ids_follow_the_sessions_increment_and_lock_mode(direct: pymysql.Connection, tables: dict[str, Any],
                                                         consecutive: bool) -> None:
    """auto_increment_increment 5: consecutive ids are 5 apart. Under lock mode 2 (interleaved, MySQL 8's
    default) ids of one statement need not be consecutive: records that need them go one statement each."""
    with direct.cursor() as cur:
        cur.execute("SET SESSION auto_increment_increment = 5")
    known = server_limits(direct)
    assert known.increment == 5
    _LIMITS[direct] = ServerLimits(consecutive, known.increment, known.max_packet, known.zero_assigns)
    entity = load_entity(direct, tables["database"], "ai")
    before = int(sql(tables, "SHOW GLOBAL STATUS LIKE 'Com_insert'")[0][1])
    records = _assigning(620, 50_000)
    outcome = write_records(direct, entity, operation="INSERT", id_fields=None,
                            records=[json.dumps(r) for r in records], all_or_none=False, source_time_zone="UTC",
                            target=MySQLTarget("localhost", 3306, "test"))
    statements = int(sql(tables, "SHOW GLOBAL STATUS LIKE 'Com_insert'")[0][1]) - before
    assert statements == len(records) if not consecutive else statements < len(records) // 2, statements
    ids = [r.record_id for r in outcome.results]
    assert all(r.ok for r in outcome.results) and all(i is not None for i in ids)
    assert named_rows(tables, "ai", "id", [str(i) for i in ids], "v") == [r["v"] for r in records]
    if consecutive:
        assert {int(b) - int(a) for a, b in zip(ids, ids[1:], strict=False)} >= {5}


# --- values spelled as the column stores them ----------------------------------------------------------------

def test_numbers_and_booleans_are_spelled_as_stored(call: Caller, tables: dict[str, Any]) -> None:
    results = insert(call, tables, "by_int", [{"i": 2.0, "v": "two"}, {"i": "7", "v": "seven"},
                                              {"i": 1e1, "v": "ten"}, {"i": True, "v": "one"}])
    assert [r["recordId"] for r in results] == ["2", "7", "10", "1"]
    assert named_rows(tables, "by_int", "i", ["2", "7", "10", "1"], "v") == ["two", "seven", "ten", "one"]
    results = call("WriteDataRequest", entityIdentifier=identifier(tables, "by_decimal"), operation="INSERT",
                   records=['{"d": 1.5, "v": "a"}', '{"d": "2.500", "v": "b"}', '{"d": 3e0, "v": "c"}',
                            '{"d": -0.0, "v": "d"}', '{"d": 1234.56, "v": "e"}'])["writeRecordResults"]
    assert [r["recordId"] for r in results] == ["1.50", "2.50", "3.00", "0.00", "1234.56"]
    assert named_rows(tables, "by_decimal", "d", ["1.50", "2.50", "3.00", "0.00", "1234.56"], "v") == list("abcde")
    results = insert(call, tables, "by_bool", [{"b": True, "v": "t"}, {"b": False, "v": "f"}])
    assert [r["recordId"] for r in results] == ["1", "0"]
    results = insert(call, tables, "by_double", [{"f": 0.5, "v": "h"}, {"f": 2, "v": "w"}])
    assert [r["recordId"] for r in results] == ["0.5", "2.0"]
    assert named_rows(tables, "by_double", "f", ["0.5", "2.0"], "v") == ["h", "w"]
    results = insert(call, tables, "by_bit", [{"b": "4095", "y": "2024", "v": "x"}])
    assert results[0]["recordId"] == "4095"


def test_a_composite_key_is_a_json_array_of_stored_values(call: Caller, tables: dict[str, Any]) -> None:
    results = call("WriteDataRequest", entityIdentifier=identifier(tables, "kinds"), operation="INSERT",
                   records=['{"b": true, "i": 2.0, "d": 1.5, "v": "x"}', '{"b": "false", "i": "3", "d": "7", "v": "y"}'
                            ])["writeRecordResults"]
    assert [r["recordId"] for r in results] == ["[1, 2, 1.50]", "[0, 3, 7.00]"]
    for result, v in zip(results, "xy", strict=True):
        b, i, d = json.loads(result["recordId"], parse_float=str)
        assert sql(tables, "SELECT v FROM kinds WHERE b = %s AND i = %s AND d = %s", params=(b, i, d)) == [(v,)]
    # the same spelling for UPDATE, UPSERT and DELETE
    for operation in ("UPDATE", "UPSERT", "DELETE"):
        done = call("WriteDataRequest", entityIdentifier=identifier(tables, "kinds"), operation=operation,
                    idFieldNames=["b", "i", "d"], records=['{"b": 1, "i": 2, "d": 1.500, "v": "z"}']
                    )["writeRecordResults"]
        assert done == [{"isSuccess": True, "recordId": "[1, 2, 1.50]", "errorMessage": None}], operation


def test_text_temporal_binary_and_label_keys_find_their_rows_through_retrieve_data(
        call: Caller, tables: dict[str, Any]) -> None:
    record = {"t": "2024-01-31T10:00:00.5Z", "ts": "2024-01-31T11:00:00+01:00", "tm": "-1:30", "d": "2024-02-29",
              "v": "when"}
    results = insert(call, tables, "by_time", [record])
    assert results[0]["recordId"] == "2024-01-31T10:00:00.500Z"
    for field, value in (("t", results[0]["recordId"]), ("t", record["t"])):
        found = call("RetrieveDataRequest", entityIdentifier=identifier(tables, "by_time"), idFieldName=field,
                     ids=[value])
        assert [json.loads(r)["v"] for r in found["records"]] == ["when"], found
    results = insert(call, tables, "by_char", [{"c": "ab  ", "v": "c"}])
    assert results[0]["recordId"] == "ab"
    assert named_rows(tables, "by_char", "c", ["ab"], "v") == ["c"]
    results = insert(call, tables, "by_binary", [{"b": base64.b64encode(b"\x01").decode(), "v": "bin"}])
    assert results[0]["recordId"] == base64.b64encode(b"\x01\x00\x00\x00").decode()
    found = call("RetrieveDataRequest", entityIdentifier=identifier(tables, "by_binary"), idFieldName="b",
                 ids=[results[0]["recordId"]])
    assert [json.loads(r)["v"] for r in found["records"]] == ["bin"]
    results = insert(call, tables, "by_label", [{"e": "2", "v": "two"}, {"e": 1, "v": "one"}, {"e": "a  ", "v": "a"}])
    assert [r["recordId"] for r in results] == ["2", "1", "a"]
    assert named_rows(tables, "by_label", "e", ["2", "1", "a"], "v") == ["two", "one", "a"]


# Each kind of column's write codec: decode, stored form, the writer's shortcut form, the JSON class that already
# is its key form, and what RetrieveData does with its ids. Pinned from the string tables the codec objects replaced
# (WRITE_CODECS, KEY_FORMS, key_value_class, ID_CODECS, NUMBER_CODECS, TIME_CODECS at 37d62b0; compared over 223
# column kinds when they were replaced): a codec swapped or a flag lost in the table fails here.
_CODECS = [
    ('int', 'int(11)', None, False, "write_int _stored_int INTEGER int range"),
    ('int', 'int(10) unsigned', None, False, "write_int _stored_int INTEGER int range"),
    ('bigint', 'bigint(20) unsigned', None, False, "write_int _stored_int INTEGER int range"),
    ('tinyint', 'tinyint(1)', None, False, "_write_boolean _stored_int BOOLEAN - -"),
    ('tinyint', 'tinyint(1) unsigned', None, False, "write_int _stored_int INTEGER int range"),
    ('bit', 'bit(1)', None, False, "_write_boolean _stored_int BOOLEAN - -"),
    ('bit', 'bit(64)', None, False, "write_int _stored_int INTEGER int range"),
    ('year', 'year(4)', None, False, "_write_year _stored_int CHECKED - range"),
    ('decimal', 'decimal(10,2)', None, False, "_write_decimal _stored_decimal DECIMAL - -"),
    ('float', 'float', None, False, "_write_float _stored_float CHECKED - ids-numbers"),
    ('double', 'double', None, False, "_write_double _stored_float CHECKED - ids-numbers"),
    ('date', 'date', None, False, "_write_date _stored_date CHECKED - ids-decoded"),
    ('datetime', 'datetime(6)', None, False, "_write_datetime _stored_datetime DATETIME - ids-decoded"),
    ('timestamp', 'timestamp', None, False, "_write_timestamp _stored_timestamp DATETIME - ids-decoded"),
    ('time', 'time(3)', None, False, "_write_time _stored_time CHECKED - ids-times"),
    ('varchar', 'varchar(10)', 'utf8mb4', False, "_write_text _stored_text TEXT str -"),
    ('char', 'char(10)', 'utf8mb4', False, "_write_text _stored_char TEXT - -"),
    ('text', 'text', 'utf8mb4', False, "_write_text _stored_text TEXT str -"),
    ('enum', "enum('a','b')", 'utf8mb4', False, "write_label _stored_enum LABEL - -"),
    ('set', "set('a','b')", 'utf8mb4', False, "write_label _stored_set LABEL - set"),
    ('enum', "enum('a')", 'binary', False, "write_label _stored_binary_label LABEL - -"),
    ('set', "set('a')", 'binary', False, "write_label _stored_binary_label LABEL - set"),
    ('json', 'json', None, False, "_write_json _stored_json CHECKED - -"),
    ('longtext', 'longtext', 'utf8mb4', True, "_write_json _stored_json CHECKED - -"),
    ('binary', 'binary(16)', None, False, "_write_binary _stored_padded_binary CHECKED - ids-decoded"),
    ('varbinary', 'varbinary(16)', None, False, "_write_binary _stored_binary CHECKED - ids-decoded"),
    ('blob', 'blob', None, False, "_write_binary _stored_binary CHECKED - ids-decoded"),
    ('geometry', 'geometry', None, False, "_write_geometry _stored_geometry CHECKED - -"),
    ('point', 'point', None, False, "_write_geometry _stored_geometry CHECKED - -"),
    ('no such type', 'no such type', None, False, "_write_text _stored_text TEXT str -"),
]


@pytest.mark.parametrize(("data_type", "column_type_text", "charset", "json_checked", "expected"), _CODECS,
                         ids=[f"{c[1]} {c[2] or ''}".strip() for c in _CODECS])
def test_each_kind_of_column_has_its_write_codec(data_type: str, column_type_text: str, charset: str | None,
                                                 json_checked: bool, expected: str) -> None:
    from connector.types import column_type

    w = column_type(data_type, column_type_text, charset=charset, json_checked=json_checked).write
    flags = [name for name, on in (("ids-decoded", w.decodes_ids), ("ids-numbers", w.number_ids),
                                   ("ids-times", w.time_ids), ("set", w.of_set), ("range", w.whole_range is not None))
             if on]
    got = f"{w.decode.__name__} {w.stored.__name__} {w.form.name} {w.key_class.__name__ if w.key_class else '-'} "
    assert got + (" ".join(flags) or "-") == expected


def test_an_upsert_by_an_auto_increment_id_of_zero_fails_instead_of_adding_a_row(call: Any, exact_db: Any) -> None:
    """UPSERT by id 0: MySQL would assign a new id, and the recordId '0' would name no row."""
    from tests.conftest import identifier, sql

    sql(exact_db, "DROP TABLE IF EXISTS up0", "CREATE TABLE up0 (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)",
        "INSERT INTO up0 (v) VALUES ('one')")
    response = call("WriteDataRequest", entityIdentifier=identifier(exact_db, "up0"), operation="UPSERT",
                    idFieldNames=["id"], records=[json.dumps({"id": 0, "v": "zero"}), json.dumps({"id": 1, "v": "1"}),
                                                  json.dumps({"id": "0", "v": "zero"})])
    results = response["writeRecordResults"]
    assert [r["isSuccess"] for r in results] == [False, True, False]
    assert "auto-increment" in results[0]["errorMessage"] and "'id'" in results[0]["errorMessage"]
    assert sql(exact_db, "SELECT id, v FROM up0") == [(1, "1")]
