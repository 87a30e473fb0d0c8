"""ListEntities, DescribeEntity, QueryData and RetrieveData through the Lambda entry point, on the real server."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from devkit.read_tables import ODD_TABLE


def entity(read_db: dict[str, Any], table: str) -> str:
    return f"{read_db['database']}.{table}"


def all_pages(caller: Callable[..., dict[str, Any]], identifier: str, max_results: int,
              **fields: Any) -> tuple[list[dict[str, Any]], int]:
    records: list[dict[str, Any]] = []
    token, pages = None, 0
    while True:
        response = caller("QueryDataRequest", entityIdentifier=identifier, maxResults=max_results,
                          nextToken=token, **fields)
        assert response["isSuccess"], response["errorDetails"]
        assert len(response["records"]) <= max_results
        records += [json.loads(r) for r in response["records"]]
        pages += 1
        token = response["nextToken"]
        if token is None:
            return records, pages


def test_every_type_reads_exactly(caller: Callable[..., dict[str, Any]], read_db: dict[str, Any]) -> None:
    response = caller("QueryDataRequest", entityIdentifier=entity(read_db, "all_types"))
    assert response["isSuccess"], response["errorDetails"]
    raw = response["records"]
    first, second, third = (json.loads(r) for r in raw)
    assert first["b"] is True and first["ti"] == -128 and first["tu"] == 255 and first["iu"] == 4294967295
    assert first["bi"] == -9223372036854775808 and first["bu"] == 18446744073709551615
    assert '"bu":18446744073709551615' in raw[0]
    assert '"d":12345678901234567890123456789012345.123456789012345678901234567890' in raw[0]
    assert '"d2":9.99' in raw[0]
    assert first["f"] == 1.5 and first["db"] == 0.1
    assert first["bit1"] is True and first["bit12"] == 4095
    assert first["dt"] == "2024-02-29"
    assert first["dtm"] == "2024-01-02T03:04:05.123456Z" and first["ts"] == "2024-06-01T12:00:00.500Z"
    assert first["tm"] == "-838:59:59.000000" and first["yr"] == 2024
    assert first["vc"] == 'héllo 🎉 "q" \\ ' and first["tx"] == "multi\nline"
    assert first["en"] == "b" and first["st"] == "x,z"
    assert first["js"] == {"k": "ünï", "n": [1, 2.5, None], "e": "🎉"}
    assert base64.b64decode(first["bin"]) == bytes([0, 255, 16, 171])
    assert base64.b64decode(first["vb"]) == bytes(range(256))
    assert first["geo"] == "POINT(1 2)"
    assert second["b"] is False and second["bit1"] is False and second["bu"] == 0
    assert second["dt"] is None and second["dtm"] is None  # zero dates
    assert second["tm"] == "25:00:00.000000"  # TIME(6): as stored, fraction digits included
    assert second["js"] is None  # the JSON text null
    assert all(value is None for key, value in third.items() if key != "id")


def test_source_time_zone_and_tinyint_setting(caller: Callable[..., dict[str, Any]], read_db: dict[str, Any]) -> None:
    response = caller("QueryDataRequest", entityIdentifier=entity(read_db, "all_types"),
                      selectedFieldNames=["dtm", "ts", "b"],
                      settings={"sourceTimeZone": "Asia/Tokyo", "tinyint1AsBoolean": "false"})
    first = json.loads(response["records"][0])
    assert first == {"dtm": "2024-01-02T03:04:05.123456+09:00", "ts": "2024-06-01T12:00:00.500Z", "b": 1}


@pytest.mark.parametrize("max_results", [1, 7, 1000])
@pytest.mark.parametrize("table", ["seq", "keyless", "composite", "seq_view", ODD_TABLE])
def test_union_of_pages_equals_direct_sql(caller: Callable[..., dict[str, Any]], read_db: dict[str, Any],
                                          table: str, max_results: int) -> None:
    records, _ = all_pages(caller, entity(read_db, table), max_results)
    with read_db["admin"].cursor() as cur:
        cur.execute(f"SELECT * FROM `{read_db['database']}`.`{table.replace('`', '``')}`")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    expected = sorted(json.dumps(r, sort_keys=True, default=lambda v: v.strftime("%Y-%m-%dT%H:%M:%SZ")) for r in rows)
    assert sorted(json.dumps(r, sort_keys=True) for r in records) == expected


def test_odd_identifiers_are_described_and_selected(caller: Callable[..., dict[str, Any]],
                                                    read_db: dict[str, Any]) -> None:
    identifier = entity(read_db, ODD_TABLE)
    described = caller("DescribeEntityRequest", entityIdentifier=identifier)
    assert [f["fieldName"] for f in described["entityDefinition"]["fields"]] == ["select", "col.with dot", "ünï 列"]
    response = caller("QueryDataRequest", entityIdentifier=identifier, selectedFieldNames=["ünï 列", "col.with dot"])
    assert [json.loads(r) for r in response["records"]] == [{"ünï 列": 10, "col.with dot": "a"},
                                                             {"ünï 列": 20, "col.with dot": "b"}]


def test_describe_entity_fields(caller: Callable[..., dict[str, Any]], read_db: dict[str, Any]) -> None:
    response = caller("DescribeEntityRequest", entityIdentifier=entity(read_db, "all_types"))
    assert response["isSuccess"] and response["cacheControl"]["timeToLive"] >= 600
    definition = response["entityDefinition"]
    assert definition["entity"]["isWritable"] is True and definition["entity"]["description"] == "every type"
    fields = {f["fieldName"]: f for f in definition["fields"]}
    assert list(fields)[:3] == ["id", "b", "ti"]
    expected = {"id": "Integer", "b": "Boolean", "tu": "Short", "iu": "Long", "bu": "BigInteger",
                "d": "BigDecimal", "f": "Float", "db": "Double", "bit1": "Boolean", "bit12": "Long",
                "dt": "Date", "dtm": "DateTime", "ts": "DateTime", "tm": "String", "yr": "Integer",
                "en": "String", "js": "Struct", "bin": "ByteArray", "geo": "String"}
    assert {k: fields[k]["dataType"] for k in expected} == expected
    assert fields["d2"]["dataTypeLabel"] == "decimal(12,2)"
    assert fields["id"]["isPrimaryKey"] is True and fields["b"]["isPrimaryKey"] is False
    assert fields["id"]["readProperties"]["isNullable"] is False and fields["b"]["readProperties"]["isNullable"]
    incremental = {k for k, f in fields.items() if f["readProperties"]["isTimestampFieldForIncrementalQueries"]}
    assert incremental == {"dt", "dtm", "ts"}
    assert "BETWEEN" in fields["dtm"]["filterOperators"] and "CONTAINS" in fields["vc"]["filterOperators"]
    view = caller("DescribeEntityRequest", entityIdentifier=entity(read_db, "seq_view"))
    assert view["entityDefinition"]["entity"]["isWritable"] is False


def test_unknown_entity_is_named(caller: Callable[..., dict[str, Any]], read_db: dict[str, Any]) -> None:
    response = caller("DescribeEntityRequest", entityIdentifier=entity(read_db, "nope"))
    assert response["errorDetails"]["errorCode"] == "ResourceNotFoundError"
    assert "nope" in response["errorDetails"]["errorMessage"]
    response = caller("DescribeEntityRequest", entityIdentifier="no_dot")
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"


def test_list_entities_pages_and_caches(caller: Callable[..., dict[str, Any]], read_db: dict[str, Any]) -> None:
    names: list[str] = []
    token = None
    while True:
        response = caller("ListEntitiesRequest", maxResult=2, nextToken=token)
        assert response["isSuccess"] and len(response["entities"]) <= 2
        assert response["cacheControl"] == {"timeToLive": 600, "timeToLiveUnit": "SECONDS"}
        names += [e["entityIdentifier"] for e in response["entities"]]
        token = response["nextToken"]
        if token is None:
            break
    db = read_db["database"]
    assert names == sorted(f"{db}.{t}" for t in ["all_types", "composite", "keyless", ODD_TABLE, "seq", "seq_view",
                                                   "wide"])


def test_unknown_field_and_foreign_token_are_invalid(caller: Callable[..., dict[str, Any]],
                                                     read_db: dict[str, Any]) -> None:
    response = caller("QueryDataRequest", entityIdentifier=entity(read_db, "seq"), selectedFieldNames=["nope"])
    assert response["errorDetails"]["errorCode"] == "InvalidArgument" and "nope" in response["errorDetails"][
        "errorMessage"]
    first = caller("QueryDataRequest", entityIdentifier=entity(read_db, "seq"), maxResults=5)
    replay = caller("QueryDataRequest", entityIdentifier=entity(read_db, "seq"), maxResults=5,
                    selectedFieldNames=["id"], nextToken=first["nextToken"])
    assert replay["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "another query" in replay["errorDetails"]["errorMessage"]
    garbage = caller("QueryDataRequest", entityIdentifier=entity(read_db, "seq"), nextToken="not a token!")
    assert garbage["errorDetails"]["errorCode"] == "InvalidArgument"


def test_wide_rows_make_smaller_pages(caller: Callable[..., dict[str, Any]], read_db: dict[str, Any]) -> None:
    response = caller("QueryDataRequest", entityIdentifier=entity(read_db, "wide"), maxResults=100)
    assert 1 <= len(response["records"]) <= 5 and response["nextToken"]
    assert len(json.dumps(response)) < 6_000_000
    records, pages = all_pages(caller, entity(read_db, "wide"), 100)
    assert sorted(r["id"] for r in records) == list(range(12)) and pages >= 3


def test_page_stops_early_before_the_time_budget(caller: Callable[..., dict[str, Any]],
                                                 read_db: dict[str, Any]) -> None:
    """4.05 s left and 4 s to spare: 50 ms to fill a page that takes a quarter of a second on a fast machine
    (0.3 s was once enough to read all 60,000 rows); the rest comes by token."""
    with read_db["admin"].cursor() as cur:
        cur.execute(f"CREATE TABLE `{read_db['database']}`.big (id INT PRIMARY KEY, v VARCHAR(40))")
        cur.executemany(f"INSERT INTO `{read_db['database']}`.big VALUES (%s, %s)",
                        [(i, "x" * 40) for i in range(60000)])
    try:
        almost_out = SimpleNamespace(aws_request_id="r", get_remaining_time_in_millis=lambda: 4_050)
        started = time.monotonic()
        response = caller("QueryDataRequest", almost_out, entityIdentifier=entity(read_db, "big"), maxResults=60000)
        assert time.monotonic() - started < 1.5
        assert response["isSuccess"] and 0 < len(response["records"]) < 60000 and response["nextToken"]
    finally:
        with read_db["admin"].cursor() as cur:
            cur.execute(f"DROP TABLE `{read_db['database']}`.big")


def test_retrieve_data_by_ids(caller: Callable[..., dict[str, Any]], read_db: dict[str, Any]) -> None:
    response = caller("RetrieveDataRequest", entityIdentifier=entity(read_db, "composite"), idFieldName="k2",
                      ids=["18446744073709551615"], selectedFieldNames=["k1", "k2"])
    got = sorted(json.loads(r)["k1"] for r in response["records"])
    assert got == sorted(["a", "B", "c", "ü"])
    bad = caller("RetrieveDataRequest", entityIdentifier=entity(read_db, "composite"), idFieldName="k2",
                 ids=["1; DROP TABLE composite"])
    assert bad["errorDetails"]["errorCode"] == "InvalidArgument"
    binary = caller("RetrieveDataRequest", entityIdentifier=entity(read_db, "all_types"), idFieldName="bin",
                    ids=[base64.b64encode(bytes([0, 255, 16, 171])).decode()], selectedFieldNames=["id"])
    assert [json.loads(r) for r in binary["records"]] == [{"id": 1}]


def test_filter_and_limit_cap_the_total_across_pages(caller: Callable[..., dict[str, Any]],
                                                     read_db: dict[str, Any]) -> None:
    records, pages = all_pages(caller, entity(read_db, "seq"), 3, filterExpression="grp = 1 LIMIT 7")
    assert [r["id"] for r in records] == [1, 4, 7, 10, 13, 16, 19] and pages == 3
    only_limit, _ = all_pages(caller, entity(read_db, "seq"), 2, filterExpression="LIMIT 5")
    assert [r["id"] for r in only_limit] == [1, 2, 3, 4, 5]
    incremental, _ = all_pages(caller, entity(read_db, "seq"), 50, selectedFieldNames=["id"],
                               filterExpression="dt between 2024-03-01T00:00:00Z and 2024-03-01T10:00:00Z "
                                                "and grp != 0")
    assert [r["id"] for r in incremental] == [i for i in range(2, 151, 2) if i % 3]


def test_bad_filter_is_invalid_argument_and_tables_stay_intact(caller: Callable[..., dict[str, Any]],
                                                               read_db: dict[str, Any]) -> None:
    for expression in ("v = 'x'; DROP TABLE seq", "nope = 1", "grp > 'abc'", "grp = 1 and", "`v` = 1"):
        response = caller("QueryDataRequest", entityIdentifier=entity(read_db, "seq"), filterExpression=expression)
        assert response["errorDetails"]["errorCode"] == "InvalidArgument", expression
    literal = caller("QueryDataRequest", entityIdentifier=entity(read_db, "seq"),
                     filterExpression="v = \"v1' OR '1'='1\"")
    assert literal["isSuccess"] and literal["records"] == []
    with read_db["admin"].cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM `{read_db['database']}`.seq")
        assert cur.fetchone()[0] == 150


def _sessions(read_db: dict[str, Any]) -> list[int]:
    with read_db["admin"].cursor() as cur:
        cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s", (read_db["username"],))
        return sorted(int(row[0]) for row in cur.fetchall())


@pytest.mark.needs_local_server("KILL of the connector's sessions")
def test_a_warm_connection_is_reused_and_replaced_when_it_died(caller: Callable[..., dict[str, Any]],
                                                               read_db: dict[str, Any]) -> None:
    identifier = entity(read_db, "seq")
    assert caller("QueryDataRequest", entityIdentifier=identifier, maxResults=2)["isSuccess"]
    first = _sessions(read_db)
    assert caller("QueryDataRequest", entityIdentifier=identifier, maxResults=2)["isSuccess"]
    assert _sessions(read_db) == first and first  # no new connection for the second call
    with read_db["admin"].cursor() as cur:
        for session_id in first:
            cur.execute(f"KILL {session_id}")
    response = caller("QueryDataRequest", entityIdentifier=identifier, maxResults=2)
    assert response["isSuccess"] and len(response["records"]) == 2
    now = _sessions(read_db)
    assert now and not set(now) & set(first)


def test_a_new_column_is_seen_by_the_next_flow(caller: Callable[..., dict[str, Any]], read_db: dict[str, Any]) -> None:
    identifier = entity(read_db, "keyless")
    caller("QueryDataRequest", entityIdentifier=identifier, maxResults=2)
    with read_db["admin"].cursor() as cur:
        cur.execute(f"ALTER TABLE `{read_db['database']}`.keyless ADD COLUMN added INT DEFAULT 7")
    try:
        fresh = caller("QueryDataRequest", entityIdentifier=identifier, maxResults=2)
        assert json.loads(fresh["records"][0])["added"] == 7
    finally:
        with read_db["admin"].cursor() as cur:
            cur.execute(f"ALTER TABLE `{read_db['database']}`.keyless DROP COLUMN added")
