"""No value silently wrong: every type family at its boundaries, read through the handler and checked
against the server's own text of each stored value; plus the odd values production databases hold.

The type matrix comes from peers' tests (tests/peer_values.py: Airbyte source-mysql, Debezium, PyMySQL).
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Caller, identifier, pages, sql
from tests.peer_values import PEER_VALUES


def records_of(response: dict[str, Any]) -> list[dict[str, Any]]:
    assert response["isSuccess"], response["errorDetails"]
    return [json.loads(r, parse_float=Decimal) for r in response["records"]]


# --- the peers' type matrix ---------------------------------------------------------------------

_INTEGERS = {"Short", "Integer", "Long", "BigInteger"}


def _reference(data_type: str, mysql_type: str) -> str:
    """A server-side expression whose text says what the AppFlow value must be."""
    if mysql_type == "bit" or data_type in _INTEGERS or data_type == "Boolean":
        return "CAST(c + 0 AS CHAR)"
    if data_type == "ByteArray":
        return "HEX(c)"
    if mysql_type in ("geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
                      "multipolygon", "geometrycollection", "geomcollection"):
        return "CONCAT(ST_SRID(c), ';', ST_AsText(c))"
    return "CAST(CONVERT(c USING utf8mb4) AS CHAR)"


def _expected(data_type: str, mysql_type: str, text: str | None) -> Any:
    if text is None:
        return None
    if data_type == "Boolean":
        return int(text) != 0
    if data_type in _INTEGERS:
        return int(text)
    if data_type == "ByteArray":
        return bytes.fromhex(text)
    if data_type == "BigDecimal":
        return Decimal(text)
    if data_type in ("Float", "Double"):
        return float(text)
    if data_type == "Date":
        return None if text[:10] in ("0000-00-00",) or text[5:7] == "00" or text[8:10] == "00" else text
    if data_type == "DateTime":
        return None if text[5:7] == "00" or text[8:10] == "00" else f"{text[:10]}T{text[11:]}Z"
    if data_type == "Struct":
        return json.loads(text, parse_float=Decimal)
    if ";" in text and mysql_type not in ("char", "varchar", "text", "tinytext", "mediumtext", "longtext", "enum",
                                          "set"):
        srid, _, wkt = text.partition(";")
        return wkt if srid == "0" else f"SRID={srid};{wkt}"
    return text


def _actual(data_type: str, value: Any) -> Any:
    if value is None:
        return None
    if data_type == "ByteArray":
        return base64.b64decode(value)
    if data_type in ("Float", "Double"):
        return float(value)
    if data_type == "BigDecimal":
        return Decimal(value)  # exact: parsed from the record's own digits
    return value


@pytest.mark.parametrize(("ddl_type", "literals"), [(t, v) for t, v, _ in PEER_VALUES],
                         ids=[f"{i}:{t}" for i, (t, _, _) in enumerate(PEER_VALUES)])
def test_peer_type_matrix_reads_exactly_and_pages_exactly(call: Caller, exact_db: dict[str, Any], ddl_type: str,
                                                          literals: list[str]) -> None:
    table = f"peer_{abs(hash(ddl_type)) % 10**8}"
    sql(exact_db, f"DROP TABLE IF EXISTS `{table}`", f"CREATE TABLE `{table}` (c {ddl_type})")
    for literal in literals * 2:  # every value twice: duplicates must keep their count across pages
        sql(exact_db, f"INSERT INTO `{table}` VALUES ({literal.replace('%', '%%')})")
    described = call("DescribeEntityRequest", entityIdentifier=identifier(exact_db, table))
    assert described["isSuccess"], described["errorDetails"]
    field = described["entityDefinition"]["fields"][0]
    data_type = field["dataType"]
    mysql_type = sql(exact_db, "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                               f"AND TABLE_NAME = '{table}'")[0][0].lower()
    expected = Counter(repr(_expected(data_type, mysql_type, text))
                       for (text,) in sql(exact_db, f"SELECT {_reference(data_type, mysql_type)} FROM `{table}`"))
    one_page = records_of(call("QueryDataRequest", entityIdentifier=identifier(exact_db, table), maxResults=1000))
    assert Counter(repr(_actual(data_type, r["c"])) for r in one_page) == expected, ddl_type
    paged = pages(call, identifier(exact_db, table), 3, decode=lambda r: json.loads(r, parse_float=Decimal))
    assert Counter(repr(_actual(data_type, r["c"])) for r in paged) == expected, ddl_type


# --- 5. ENUM and SET with a binary character set -------------------------------------------------

def test_binary_enum_and_set_read_as_their_labels(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE bin_labels (e ENUM('a','b','Ab') CHARACTER SET binary, "
                  "s SET('x','y') CHARACTER SET binary, n INT)",
        "INSERT INTO bin_labels VALUES ('a', 'x,y', 1), ('Ab', '', 2), ('b', 'y', 3), (NULL, NULL, 4), "
        "('a', 'x,y', 5)")
    fields = call("DescribeEntityRequest", entityIdentifier=identifier(exact_db, "bin_labels"))
    assert {f["fieldName"]: f["dataType"] for f in fields["entityDefinition"]["fields"]} == \
        {"e": "String", "s": "String", "n": "Integer"}
    got = pages(call, identifier(exact_db, "bin_labels"), 2)
    assert sorted((r["n"], r["e"], r["s"]) for r in got) == [
        (1, "a", "x,y"), (2, "Ab", ""), (3, "b", "y"), (4, None, None), (5, "a", "x,y")]


# --- 6. year 0 is a year ---------------------------------------------------------------------------

def test_year_zero_dates_are_dates_and_only_zero_parts_are_null(call: Caller, exact_db: dict[str, Any]) -> None:
    with exact_db["admin"].cursor() as cur:
        cur.execute(f"USE `{exact_db['database']}`")
        cur.execute("SET SESSION sql_mode = ''")
        cur.execute("CREATE TABLE year0 (id INT PRIMARY KEY, d DATE, dt DATETIME(3))")
        cur.execute("INSERT INTO year0 VALUES (1, '0000-11-30', '0000-11-30 10:20:30.125'), "
                    "(2, '0000-00-00', '0000-00-00 00:00:00'), (3, '2022-11-00', '2022-00-01 00:00:00'), "
                    "(4, '0000-01-01', '0000-12-31 23:59:59')")
        cur.execute("SET SESSION sql_mode = DEFAULT")
    rows = {r["id"]: r for r in pages(call, identifier(exact_db, "year0"), 2)}
    assert rows[1] == {"id": 1, "d": "0000-11-30", "dt": "0000-11-30T10:20:30.125Z"}
    assert rows[2]["d"] is None and rows[2]["dt"] is None and rows[3]["d"] is None and rows[3]["dt"] is None
    assert rows[4] == {"id": 4, "d": "0000-01-01", "dt": "0000-12-31T23:59:59.000Z"}
    tokyo = {r["id"]: r for r in records_of(call("QueryDataRequest", entityIdentifier=identifier(exact_db, "year0"),
                                                 settings={"sourceTimeZone": "Asia/Tokyo"}))}
    assert tokyo[1]["dt"] == "0000-11-30T10:20:30.125+09:18:59"  # Tokyo's local mean time before 1888
    # the same values find their rows and write back unchanged
    found = call("RetrieveDataRequest", entityIdentifier=identifier(exact_db, "year0"), idFieldName="d",
                 ids=["0000-11-30"])
    assert [r["id"] for r in records_of(found)] == [1]
    written = call("WriteDataRequest", entityIdentifier=identifier(exact_db, "year0"), operation="INSERT",
                   records=[json.dumps({"id": 5, "d": "0000-11-30", "dt": "0000-11-30T10:20:30.125Z"}),
                            json.dumps({"id": 6, "d": "0000-02-29", "dt": None})])
    assert [r["isSuccess"] for r in written["writeRecordResults"]] == [True, False]
    assert sql(exact_db, "SELECT CAST(d AS CHAR), CAST(dt AS CHAR) FROM year0 WHERE id = 5") == [
        ("0000-11-30", "0000-11-30 10:20:30.125")]


# --- 7. spatial reference systems ------------------------------------------------------------------

def test_srid_is_kept_on_read_and_accepted_on_write(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE places (id INT PRIMARY KEY, g GEOMETRY)",
        "INSERT INTO places VALUES (1, ST_GeomFromText('POINT(19 43)', 4326)), "
        "(2, ST_GeomFromText('POINT(19 43)')), (3, ST_GeomFromText('LINESTRING(0 0, 1 1)', 3857)), (4, NULL)")
    rows = {r["id"]: r["g"] for r in pages(call, identifier(exact_db, "places"), 3)}
    assert rows == {1: "SRID=4326;POINT(19 43)", 2: "POINT(19 43)", 3: "SRID=3857;LINESTRING(0 0,1 1)", 4: None}
    written = call("WriteDataRequest", entityIdentifier=identifier(exact_db, "places"), operation="INSERT",
                   records=[json.dumps({"id": 10 + k, "g": v}) for k, v in rows.items()])
    assert all(r["isSuccess"] for r in written["writeRecordResults"]), written
    assert sql(exact_db, "SELECT id - 10, ST_SRID(g), HEX(ST_AsBinary(g)) FROM places WHERE id > 10 ORDER BY id") == \
        [(k, *row) for k, row in enumerate(sql(
            exact_db, "SELECT ST_SRID(g), HEX(ST_AsBinary(g)) FROM places WHERE id <= 4 ORDER BY id"), start=1)]
    updated = call("WriteDataRequest", entityIdentifier=identifier(exact_db, "places"), operation="UPDATE",
                   idFieldNames=["id"], records=[json.dumps({"id": 2, "g": "SRID=4326;POINT(1 2)"})])
    assert updated["isSuccess"], updated
    assert sql(exact_db, "SELECT ST_SRID(g), ST_AsText(g) FROM places WHERE id = 2") == [(4326, "POINT(1 2)")]


# --- 8. DATETIME across daylight saving: one rule both ways ----------------------------------------

def test_a_datetime_in_the_spring_forward_gap_finds_its_row_again(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE dst (id INT PRIMARY KEY, t DATETIME)",
        "INSERT INTO dst VALUES (1, '2024-03-10 02:30:00'), (2, '2024-11-03 01:30:00'), (3, '2024-03-10 03:30:00'), "
        "(4, '2024-07-01 12:00:00')")
    ny = {"sourceTimeZone": "America/New_York"}
    read = {r["id"]: r["t"] for r in records_of(call("QueryDataRequest", settings=ny,
                                                     entityIdentifier=identifier(exact_db, "dst")))}
    assert read == {1: "2024-03-10T02:30:00-05:00", 2: "2024-11-03T01:30:00-04:00", 3: "2024-03-10T03:30:00-04:00",
                    4: "2024-07-01T12:00:00-04:00"}
    for row_id, value in read.items():
        found = call("RetrieveDataRequest", settings=ny, entityIdentifier=identifier(exact_db, "dst"),
                     idFieldName="t", ids=[value])
        assert [r["id"] for r in records_of(found)] == [row_id], value
    # the same instant written from another offset is converted; the read form is written as read
    written = call("WriteDataRequest", settings=ny, entityIdentifier=identifier(exact_db, "dst"), operation="INSERT",
                   records=[json.dumps({"id": 11, "t": read[1]}), json.dumps({"id": 12, "t": "2024-03-10T07:30:00Z"}),
                            json.dumps({"id": 13, "t": "2024-11-03T01:30:00-05:00"})])
    assert all(r["isSuccess"] for r in written["writeRecordResults"]), written
    assert sql(exact_db, "SELECT id, CAST(t AS CHAR) FROM dst WHERE id > 10 ORDER BY id") == [
        (11, "2024-03-10 02:30:00"), (12, "2024-03-10 03:30:00"), (13, "2024-11-03 01:30:00")]
    # a filter takes the read form the same way
    filtered = call("QueryDataRequest", settings=ny, entityIdentifier=identifier(exact_db, "dst"),
                    filterExpression="t = 2024-03-10T07:30:00Z")
    assert [r["id"] for r in records_of(filtered)] == [3, 12]


# --- 9. JSON declared Struct is parsed JSON in every row --------------------------------------------

def test_json_is_a_parsed_value_in_every_row(call: Caller, exact_db: dict[str, Any]) -> None:
    stored = ['{"a": 1}', "[1, 2]", '"text"', "12.5", "null", "true", '{"big": 18446744073709551616}', "[]"]
    sql(exact_db, "CREATE TABLE js (id INT PRIMARY KEY, j JSON)",
        "INSERT INTO js VALUES " + ", ".join(f"({i}, '{v}')" for i, v in enumerate(stored)))
    mariadb = sql(exact_db, "SELECT JSON_VALID('1.')")[0][0] == 1
    if mariadb:
        sql(exact_db, "INSERT INTO js VALUES (100, '1.'), (101, '{\"x\": [2., 3.e1]}')")
    got = {r["id"]: r["j"] for r in pages(call, identifier(exact_db, "js"), 3)}
    for i, text in enumerate(stored):
        assert got[i] == json.loads(text), text
    if mariadb:
        assert got[100] == 1.0 and got[101] == {"x": [2.0, 30.0]}
        # text that is not JSON at all (the check switched off) fails the page, naming the field
        with exact_db["admin"].cursor() as cur:
            cur.execute(f"USE `{exact_db['database']}`")
            cur.execute("SET SESSION check_constraint_checks = 0")
            cur.execute("INSERT INTO js VALUES (200, 'not json')")
            cur.execute("SET SESSION check_constraint_checks = 1")
        response = call("QueryDataRequest", entityIdentifier=identifier(exact_db, "js"))
        assert response["errorDetails"]["errorCode"] == "InvalidArgument"
        assert "'j'" in response["errorDetails"]["errorMessage"] and "not json" in response["errorDetails"][
            "errorMessage"]


# --- 10. values from outside are checked before they are bound --------------------------------------

def test_oversized_key_values_are_refused_before_binding(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE dec_keys (k DECIMAL(10,2) PRIMARY KEY, i INT, v INT)",
        "INSERT INTO dec_keys VALUES " + ", ".join(f"({n}.25, {n}, {n})" for n in range(30)))
    started = time.monotonic()
    for field, ids in (("k", ["1E+200000000"]), ("k", ["123456789.25"]), ("i", ["18446744073709551616"]),
                       ("i", ["9" * 5000])):
        response = call("RetrieveDataRequest", entityIdentifier=identifier(exact_db, "dec_keys"), idFieldName=field,
                        ids=ids)
        assert response["errorDetails"]["errorCode"] == "InvalidArgument", response
        assert field in response["errorDetails"]["errorMessage"]
    first = call("QueryDataRequest", entityIdentifier=identifier(exact_db, "dec_keys"), maxResults=5)
    token = json.loads(base64.urlsafe_b64decode(first["nextToken"] + "=="))
    token["a"] = ["1E+200000000"]
    forged = base64.urlsafe_b64encode(json.dumps(token).encode()).decode().rstrip("=")
    response = call("QueryDataRequest", entityIdentifier=identifier(exact_db, "dec_keys"), maxResults=5,
                    nextToken=forged)
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "decimal(10,2)" in response["errorDetails"]["errorMessage"]
    assert time.monotonic() - started < 5  # refused before anything grows to hundreds of megabytes


def test_tampered_tokens_are_refused(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE tok (id INT PRIMARY KEY)", "INSERT INTO tok VALUES " +
        ", ".join(f"({n})" for n in range(20)), "CREATE TABLE tok_keyless (v INT)",
        "INSERT INTO tok_keyless SELECT id FROM tok")
    for table in ("tok", "tok_keyless"):
        first = call("QueryDataRequest", entityIdentifier=identifier(exact_db, table), maxResults=5)
        body = json.loads(base64.urlsafe_b64decode(first["nextToken"] + "=="))
        for change in ({"o": True}, {"o": 2**64}, {"o": -1}, {"l": False}, {"l": 2**70}, {"a": [1]},
                       {"k": [["id", "bigint(20)", None]]}, {"c": "0" * 16}, {"v": 1}, {"q": "x"}):
            forged = base64.urlsafe_b64encode(json.dumps({**body, **change}).encode()).decode()
            response = call("QueryDataRequest", entityIdentifier=identifier(exact_db, table), maxResults=5,
                            nextToken=forged)
            assert response["isSuccess"] is False, (table, change)
            assert response["errorDetails"]["errorCode"] == "InvalidArgument", (table, change, response)
        deep = base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).decode()
        for token in (deep, "x" * 70_000, "!!!"):
            response = call("QueryDataRequest", entityIdentifier=identifier(exact_db, table), nextToken=token)
            assert response["errorDetails"]["errorCode"] == "InvalidArgument"



# --- found by review: values from outside, bad geometry, lenient JSON escapes ---------------------

def test_zero_with_a_huge_exponent_is_bound_as_zero(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE dec_zero (k DECIMAL(10,2) PRIMARY KEY, v INT)",
        "INSERT INTO dec_zero VALUES (0, 0), (1.5, 1)")
    started = time.monotonic()
    found = call("RetrieveDataRequest", entityIdentifier=identifier(exact_db, "dec_zero"), idFieldName="k",
                 ids=["0E-200000000", "1.50000"])
    assert sorted(r["v"] for r in records_of(found)) == [0, 1]
    written = call("WriteDataRequest", entityIdentifier=identifier(exact_db, "dec_zero"), operation="UPSERT",
                   idFieldNames=["k"], records=['{"k": 0E-200000000, "v": 7}'])
    assert written["isSuccess"], written
    assert sql(exact_db, "SELECT v FROM dec_zero WHERE k = 0") == [(7,)]
    assert time.monotonic() - started < 5


def test_ids_are_checked_as_their_column_reads_them(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE odd_ids (i INT PRIMARY KEY, d DOUBLE, t TIME, dt DATETIME, v INT)",
        "INSERT INTO odd_ids VALUES (10, 0, '00:00:00', '2024-01-01 00:00:00', 1), (1, -0.0, '01:00:00', "
        "'9999-12-31 00:00:00', 2)")
    for field, value in (("i", "1_0"), ("i", "١"), ("i", "true"), ("i", " 1"), ("d", "abc"), ("d", "nan"),
                         ("t", "abc"), ("dt", "9999-12-31T23:00:00-10:00"), ("dt", "0001-01-01T00:00:00+05:00")):
        response = call("RetrieveDataRequest", entityIdentifier=identifier(exact_db, "odd_ids"), idFieldName=field,
                        ids=[value])
        assert response["isSuccess"] is False, (field, value)
        assert response["errorDetails"]["errorCode"] == "InvalidArgument", (field, value, response)
        assert field in response["errorDetails"]["errorMessage"]


@pytest.mark.parametrize("text", ["SRID=abc;POINT(1 2)", "POINT(1", "SRID=4326;", "SRID=-1;POINT(1 2)",
                                  "SRID = 4326;POINT(1 2)", "", "garbage", "POINT(1e400 2)",
                                  "SRID=4326;SRID=3857;POINT(1 2)", "POINT(1 2) trailing", "POINT(1 2 x)"])
def test_geometry_the_server_cannot_read_fails_its_record(call: Caller, exact_db: dict[str, Any],
                                                          text: str) -> None:
    sql(exact_db, "CREATE TABLE IF NOT EXISTS bad_geo (id INT PRIMARY KEY, g GEOMETRY NULL)")
    response = call("WriteDataRequest", entityIdentifier=identifier(exact_db, "bad_geo"), operation="UPSERT",
                    idFieldNames=["id"], records=[json.dumps({"id": 1, "g": text}),
                                                  json.dumps({"id": 2, "g": "POINT(1 2)"})])
    assert [r["isSuccess"] for r in response["writeRecordResults"]] == [False, True], response
    assert "'g'" in response["writeRecordResults"][0]["errorMessage"]
    assert sql(exact_db, "SELECT id, ST_AsText(g) FROM bad_geo") == [(2, "POINT(1 2)")]
    sql(exact_db, "DELETE FROM bad_geo")


def test_mariadb_json_escapes_read_as_the_character(call: Caller, exact_db: dict[str, Any]) -> None:
    if sql(exact_db, "SELECT JSON_VALID('\"\\\\q\"')")[0][0] != 1:
        pytest.skip("MySQL 8: a real JSON type holds only strict JSON")
    sql(exact_db, "CREATE TABLE js_esc (id INT PRIMARY KEY, j JSON)",
        "INSERT INTO js_esc VALUES (1, '\"\\\\q\"'), (2, '{\"k\": \"\\\\x41\\\\n\"}')")
    got = {r["id"]: r["j"] for r in pages(call, identifier(exact_db, "js_esc"), 1)}
    assert got == {1: "q", 2: {"k": "x41\n"}}


def test_a_year_is_stored_as_written_or_fails_its_record(call: Caller, exact_db: dict[str, Any]) -> None:
    """YEAR holds 0 and 1901-2155; MySQL reads 1-99 as 1970-2069 (5 as 2005): such a value fails, it is not moved."""
    sql(exact_db, "CREATE TABLE years (id INT PRIMARY KEY, y YEAR NULL)")
    values = [0, "0", 1901, 2155, "2024", 5, 69, 70, 99, "5", 100, 1900, 2156, -1]
    response = call("WriteDataRequest", entityIdentifier=identifier(exact_db, "years"), operation="INSERT",
                    records=[json.dumps({"id": i, "y": y}) for i, y in enumerate(values)])
    results = response["writeRecordResults"]
    assert [r["isSuccess"] for r in results] == [True] * 5 + [False] * 9, response
    assert all("'y'" in r["errorMessage"] and "year" in r["errorMessage"] or "2155" in r["errorMessage"]
               for r in results[5:]), results
    assert "2005" not in json.dumps(response)  # nothing says it moved, and nothing moved:
    assert sql(exact_db, "SELECT id, y FROM years ORDER BY id") == [(0, 0), (1, 0), (2, 1901), (3, 2155), (4, 2024)]
    read = {r["id"]: r["y"] for r in pages(call, identifier(exact_db, "years"), 10)}
    assert read == {0: 0, 1: 0, 2: 1901, 3: 2155, 4: 2024}
