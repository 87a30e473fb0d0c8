"""WriteData on the real server: every operation, per-record results, allOrNone, constraints, round trips."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devkit.mariadb import ServerAddress
from tests.conftest import profile_caller, scratch_database, server_is_mariadb, temporary_login

Caller = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def write_db(mysql_server: ServerAddress, read_db: dict[str, Any]) -> Iterator[dict[str, Any]]:
    statements = [
        """CREATE TABLE {db}.customers (
            id INT AUTO_INCREMENT PRIMARY KEY,
            email VARCHAR(100) NOT NULL UNIQUE,
            name VARCHAR(50) NOT NULL,
            score DECIMAL(8,2) NOT NULL DEFAULT 0,
            note TEXT NULL,
            shout VARCHAR(60) AS (UPPER(name)) VIRTUAL)""",
        """CREATE TABLE {db}.orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(12,2),
            FOREIGN KEY (customer_id) REFERENCES {db}.customers(id))""",
        "CREATE TABLE {db}.pairs (k1 VARCHAR(10) NOT NULL, k2 INT NOT NULL, v VARCHAR(10), PRIMARY KEY (k1, k2))",
        "CREATE VIEW {db}.pairs_view AS SELECT k1, v FROM {db}.pairs",
        f"CREATE TABLE {{db}}.all_types_copy LIKE `{read_db['database']}`.all_types",
    ]
    with scratch_database(mysql_server, "writedb", "SELECT, INSERT, UPDATE, DELETE", "writer", statements) as db:
        yield db


@pytest.fixture(scope="session")
def writer(write_db: dict[str, Any], aws_env: str) -> Caller:
    return profile_caller(write_db, aws_env)


def write(writer: Caller, db: dict[str, Any], table: str, operation: str, records: list[Any],
          ids: list[str] | None = None, all_or_none: bool = False) -> dict[str, Any]:
    encoded = [r if isinstance(r, str) else json.dumps(r) for r in records]
    response = writer("WriteDataRequest", entityIdentifier=f"{db['database']}.{table}", operation=operation,
                      idFieldNames=ids, records=encoded, allOrNone=all_or_none)
    assert len(response["writeRecordResults"]) == len(records), response  # one result per record, in order
    return response


def rows(db: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    with db["admin"].cursor() as cur:
        cur.execute(sql.replace("{db}", f"`{db['database']}`"))
        return list(cur.fetchall())


def outcomes(response: dict[str, Any]) -> list[bool]:
    return [r["isSuccess"] for r in response["writeRecordResults"]]


def test_insert_returns_generated_ids_and_applies_defaults(writer: Caller, write_db: dict[str, Any]) -> None:
    response = write(writer, write_db, "customers", "INSERT", [
        {"email": "a@x.io", "name": "Ann", "score": 1.25},
        {"email": "b@x.io", "name": "Bo", "score": None, "note": "héllo 🎉"},
        {"email": "c@x.io", "name": "Cy"},
    ])
    assert response["isSuccess"] is True and response["errorDetails"] is None
    ids = [int(r["recordId"]) for r in response["writeRecordResults"]]
    stored = rows(write_db, "SELECT id, email, score, note FROM {db}.customers WHERE email LIKE '_@x.io' ORDER BY id")
    assert [(r[0], r[1]) for r in stored] == list(zip(ids, ["a@x.io", "b@x.io", "c@x.io"], strict=True))
    assert [str(r[2]) for r in stored] == ["1.25", "0.00", "0.00"] and stored[1][3] == "héllo 🎉"


def test_bad_record_in_the_middle_fails_alone(writer: Caller, write_db: dict[str, Any]) -> None:
    response = write(writer, write_db, "customers", "INSERT", [
        {"email": "m1@x.io", "name": "M1"},
        {"email": "m2@x.io", "name": "M2", "score": "lots"},
        {"email": "m3@x.io", "name": "M3"},
    ])
    assert outcomes(response) == [True, False, True]
    assert response["errorDetails"]["errorCode"] == "PartialWriteFailure"
    message = response["writeRecordResults"][1]["errorMessage"]
    assert "score" in message and "decimal(8,2)" in message and "lots" in message
    assert rows(write_db, "SELECT email FROM {db}.customers WHERE email LIKE 'm_@x.io' ORDER BY email") == [
        ("m1@x.io",), ("m3@x.io",)]


def test_all_or_none_writes_nothing_and_every_result_says_why(writer: Caller, write_db: dict[str, Any]) -> None:
    response = write(writer, write_db, "customers", "INSERT", [
        {"email": "n1@x.io", "name": "N1"},
        {"email": "n2@x.io"},
        {"email": "n3@x.io", "name": "N3"},
    ], all_or_none=True)
    assert outcomes(response) == [False, False, False] and response["isSuccess"] is False
    messages = [r["errorMessage"] for r in response["writeRecordResults"]]
    assert "name" in messages[1] and "required" in messages[1]
    assert all("record 1" in m for m in (messages[0], messages[2]))
    assert rows(write_db, "SELECT COUNT(*) FROM {db}.customers WHERE email LIKE 'n_@x.io'") == [(0,)]


def test_all_or_none_rolls_back_a_constraint_violation(writer: Caller, write_db: dict[str, Any]) -> None:
    write(writer, write_db, "customers", "INSERT", [{"email": "dup@x.io", "name": "Dup"}])
    response = write(writer, write_db, "customers", "INSERT", [
        {"email": "r1@x.io", "name": "R1"}, {"email": "dup@x.io", "name": "Again"}, {"email": "r3@x.io", "name": "R3"},
    ], all_or_none=True)
    assert outcomes(response) == [False, False, False]
    assert "Duplicate entry" in response["writeRecordResults"][1]["errorMessage"]
    assert rows(write_db, "SELECT COUNT(*) FROM {db}.customers WHERE email IN ('r1@x.io', 'r3@x.io')") == [(0,)]


def test_duplicate_key_and_foreign_key_land_on_the_right_record(writer: Caller, write_db: dict[str, Any]) -> None:
    response = write(writer, write_db, "customers", "INSERT", [
        {"email": "d1@x.io", "name": "D1"}, {"email": "d1@x.io", "name": "D1 again"},
        {"email": "d3@x.io", "name": "D3"},
    ])
    assert outcomes(response) == [True, False, True]
    assert "Duplicate entry" in response["writeRecordResults"][1]["errorMessage"]
    customer = int(response["writeRecordResults"][0]["recordId"])
    orders = write(writer, write_db, "orders", "INSERT", [
        {"id": 1, "customer_id": customer, "total": "10.50"},
        {"id": 2, "customer_id": 999999, "total": 1},
        {"id": 3, "customer_id": customer, "total": 3},
    ])
    assert outcomes(orders) == [True, False, True]
    assert [r["recordId"] for r in orders["writeRecordResults"]] == ["1", "2", "3"]
    assert "foreign key constraint fails" in orders["writeRecordResults"][1]["errorMessage"]


def test_update_by_id_reports_missing_rows(writer: Caller, write_db: dict[str, Any]) -> None:
    created = write(writer, write_db, "customers", "INSERT", [{"email": "u@x.io", "name": "U"}])
    uid = int(created["writeRecordResults"][0]["recordId"])
    response = write(writer, write_db, "customers", "UPDATE", [
        {"id": uid, "score": "99.99"}, {"id": 424242, "score": 1}, {"id": uid, "score": "99.99"},
    ], ids=["id"])
    assert outcomes(response) == [True, False, True]  # the unchanged third update still matched its row
    assert "no row" in response["writeRecordResults"][1]["errorMessage"]
    assert str(rows(write_db, f"SELECT score FROM {{db}}.customers WHERE id = {uid}")[0][0]) == "99.99"


def test_upsert_updates_in_place_and_inserts(writer: Caller, write_db: dict[str, Any]) -> None:
    created = write(writer, write_db, "customers", "INSERT", [{"email": "up@x.io", "name": "Old"}])
    uid = int(created["writeRecordResults"][0]["recordId"])
    response = write(writer, write_db, "customers", "UPSERT", [
        {"email": "up@x.io", "name": "New"}, {"email": "up2@x.io", "name": "Fresh"},
    ], ids=["email"])
    assert outcomes(response) == [True, True]
    assert [r["recordId"] for r in response["writeRecordResults"]] == ["up@x.io", "up2@x.io"]
    # updated in place: REPLACE would have deleted the row and given it a new id
    assert rows(write_db, "SELECT id, name FROM {db}.customers WHERE email = 'up@x.io'") == [(uid, "New")]
    assert rows(write_db, "SELECT name FROM {db}.customers WHERE email = 'up2@x.io'") == [("Fresh",)]


def test_delete_by_composite_key(writer: Caller, write_db: dict[str, Any]) -> None:
    write(writer, write_db, "pairs", "INSERT", [{"k1": "a", "k2": 1, "v": "x"}, {"k1": "a", "k2": 2, "v": "y"}])
    response = write(writer, write_db, "pairs", "DELETE", [{"k1": "a", "k2": 2}, {"k1": "zz", "k2": 9}],
                     ids=["k1", "k2"])
    assert outcomes(response) == [True, False]
    assert [r["recordId"] for r in response["writeRecordResults"]] == ['["a", 2]', '["zz", 9]']
    assert rows(write_db, "SELECT k1, k2 FROM {db}.pairs") == [("a", 1)]


@pytest.mark.parametrize(
    ("record", "says"),
    [
        pytest.param("not json", "not JSON", id="not JSON"),
        pytest.param("[1, 2]", "JSON object", id="not an object"),
        pytest.param({"email": "q@x.io", "name": "Q", "colour": "red"}, "colour", id="unknown field"),
        pytest.param({"email": "q@x.io", "name": "Q", "id": 5}, "auto-increment", id="auto-increment given"),
        pytest.param({"email": "q@x.io", "name": "Q", "shout": "Q"}, "generated", id="generated column given"),
        pytest.param({"email": "q@x.io", "name": None}, "NOT NULL", id="null in NOT NULL"),
        pytest.param({"email": "q@x.io", "name": "Q", "score": 1234567.891}, "digits", id="decimal too wide"),
    ],
)
def test_bad_records_fail_with_a_clear_message(writer: Caller, write_db: dict[str, Any], record: Any,
                                               says: str) -> None:
    response = write(writer, write_db, "customers", "INSERT", [record])
    assert outcomes(response) == [False] and says in response["writeRecordResults"][0]["errorMessage"]
    assert rows(write_db, "SELECT COUNT(*) FROM {db}.customers WHERE email = 'q@x.io'") == [(0,)]


def test_requests_that_cannot_be_carried_out(writer: Caller, write_db: dict[str, Any]) -> None:
    view = write(writer, write_db, "pairs_view", "INSERT", [{"k1": "a"}])
    assert view["errorDetails"]["errorCode"] == "InvalidArgument" and "view" in view["errorDetails"]["errorMessage"]
    assert outcomes(view) == [False]
    not_a_key = write(writer, write_db, "customers", "UPDATE", [{"name": "x"}, {"name": "y"}], ids=["name"])
    assert not_a_key["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "unique key" in not_a_key["errorDetails"]["errorMessage"] and outcomes(not_a_key) == [False, False]


def test_every_type_round_trips(writer: Caller, write_db: dict[str, Any], caller: Caller,
                                read_db: dict[str, Any]) -> None:
    source = caller("QueryDataRequest", entityIdentifier=f"{read_db['database']}.all_types")
    assert source["isSuccess"], source["errorDetails"]
    response = write(writer, write_db, "all_types_copy", "INSERT", source["records"])
    assert response["isSuccess"], response["writeRecordResults"]
    back = writer("QueryDataRequest", entityIdentifier=f"{write_db['database']}.all_types_copy")
    for got, want in zip(back["records"], source["records"], strict=True):
        got_fields, want_fields = json.loads(got), json.loads(want)
        assert {k: v for k, v in got_fields.items() if v != want_fields[k]} == {}
    for exact in ('"d":12345678901234567890123456789012345.123456789012345678901234567890',
                  '"bu":18446744073709551615', '"dtm":"2024-01-02T03:04:05.123456Z"', '"d2":9.99'):
        assert exact in back["records"][0]  # to the digit, not via float


def test_describe_entity_write_properties(writer: Caller, write_db: dict[str, Any]) -> None:
    response = writer("DescribeEntityRequest", entityIdentifier=f"{write_db['database']}.customers")
    fields = {f["fieldName"]: f["writeProperties"] for f in response["entityDefinition"]["fields"]}
    assert fields["id"]["isCreatable"] is False and fields["id"]["isUpdatable"] is False
    assert fields["shout"]["isCreatable"] is False and fields["shout"]["isUpsertable"] is False
    assert fields["score"]["isDefaultedOnCreate"] is True and fields["score"]["isNullable"] is True
    assert fields["name"]["isNullable"] is False and fields["name"]["isDefaultedOnCreate"] is False
    assert set(fields["email"]["supportedWriteOperations"]) == {"INSERT", "UPDATE", "UPSERT", "DELETE"}
    assert fields["name"]["supportedWriteOperations"] == ["INSERT"]
    view = writer("DescribeEntityRequest", entityIdentifier=f"{write_db['database']}.pairs_view")
    assert view["entityDefinition"]["entity"]["isWritable"] is False


def _insert_statements(db: dict[str, Any]) -> int:
    return int(rows(db, "SHOW GLOBAL STATUS LIKE 'Com_insert'")[0][1])


def test_insert_and_upsert_batches_are_one_statement(writer: Caller, write_db: dict[str, Any]) -> None:
    before = _insert_statements(write_db)
    inserted = write(writer, write_db, "customers", "INSERT",
                     [{"email": f"b{i}@batch.io", "name": f"B{i}"} for i in range(5)])
    assert all(outcomes(inserted)) and _insert_statements(write_db) - before == 1
    ids = [int(r["recordId"]) for r in inserted["writeRecordResults"]]
    assert rows(write_db, "SELECT id FROM {db}.customers WHERE email LIKE '%@batch.io' ORDER BY email") == [
        (i,) for i in ids]
    before = _insert_statements(write_db)
    upserted = write(writer, write_db, "customers", "UPSERT",
                     [{"email": f"b{i}@batch.io", "name": f"U{i}"} for i in range(3, 8)], ids=["email"])
    assert all(outcomes(upserted)) and _insert_statements(write_db) - before == 1
    assert rows(write_db, "SELECT COUNT(*), SUM(name LIKE 'U%') FROM {db}.customers WHERE email LIKE '%@batch.io'") == [
        (8, 5)]


def test_missing_insert_grant_fails_the_call_as_access_denied(mysql_server: ServerAddress, write_db: dict[str, Any],
                                                              aws_env: str) -> None:
    with temporary_login(write_db["admin"], "ro_writer", "SELECT", write_db["database"], "ro-writer") as password:
        reader = profile_caller({**write_db, "username": "ro_writer", "password": password}, aws_env)
        response = write(reader, write_db, "pairs", "INSERT", [{"k1": "g", "k2": 1}, {"k1": "g", "k2": 2}])
    assert response["errorDetails"]["errorCode"] == "AccessDenied"
    assert "INSERT" in response["errorDetails"]["errorMessage"] and outcomes(response) == [False, False]


def test_upsert_never_updates_a_row_matched_by_another_unique_key(writer: Caller, write_db: dict[str, Any]) -> None:
    created = write(writer, write_db, "customers", "INSERT", [{"email": "victim@x.io", "name": "Victim"}])
    victim = int(created["writeRecordResults"][0]["recordId"])
    response = write(writer, write_db, "customers", "UPSERT", [
        {"id": 999_000, "email": "victim@x.io", "name": "HIJACK"},  # new id, but the email of another row
        {"id": victim, "email": "victim@x.io", "name": "Renamed"},  # the same row by its id: an update
    ], ids=["id"])
    assert outcomes(response) == [False, True]
    assert "Duplicate entry" in response["writeRecordResults"][0]["errorMessage"]
    assert rows(write_db, "SELECT id, name FROM {db}.customers WHERE email = 'victim@x.io'") == [(victim, "Renamed")]


@pytest.mark.parametrize(
    ("record", "says"),
    [
        pytest.param('{"k1": "n", "k2": 1, "v": NaN}', "NaN", id="NaN is not JSON"),
        pytest.param('{"k1": "n", "k2": 1e10000000}', "whole number", id="huge exponent"),
        pytest.param('{"k1": "n", "k2": "' + "9" * 5000 + '"}', "whole number", id="5000 digits"),
    ],
)
def test_hostile_numbers_fail_their_record_quickly(writer: Caller, write_db: dict[str, Any], record: str,
                                                   says: str) -> None:
    response = write(writer, write_db, "pairs", "INSERT", [record, {"k1": uuid.uuid4().hex[:10], "k2": 7}])
    assert outcomes(response) == [False, True] and says in response["writeRecordResults"][0]["errorMessage"]


def test_json_values_beyond_64_bits_are_written_exactly(writer: Caller, write_db: dict[str, Any]) -> None:
    huge = '{"id": 77, "js": {"big": 123456789012345678901234567890, "neg": -99999999999999999999}}'
    assert outcomes(write(writer, write_db, "all_types_copy", "INSERT", [huge])) == [True]
    back = writer("RetrieveDataRequest", entityIdentifier=f"{write_db['database']}.all_types_copy",
                  idFieldName="id", ids=["77"], selectedFieldNames=["js"])
    (record,) = back["records"]
    stored = json.loads(record)["js"]  # a value: MySQL 8 answers its own spelling of the JSON it stores
    if server_is_mariadb(write_db["admin"]):  # JSON is text there: every digit stays
        assert stored == {"big": 123456789012345678901234567890, "neg": -99999999999999999999}
        assert record == '{"js":{"big":123456789012345678901234567890,"neg":-99999999999999999999}}'
    else:  # MySQL's binary JSON holds an integer past 64 bits as a DOUBLE: what was sent, to 17 digits
        assert stored == {"big": 1.2345678901234568e29, "neg": -1e20}
