"""Adversarial review of issue 20 ("Nobody gets in, nothing rewritten").

Each test asserts the correct or secure outcome: the attacks the code withstood, and those that found a defect
since fixed (an UPSERT rewriting another row through an auto-increment id, BasicAuth borrowing a CustomAuth
login, a FLOAT key of 0, a huge JSON exponent, underflow to 0, zero with a large exponent). Writes go through the
real handler (``call``) unless a session variable of the connector's own connection must be set first.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pymysql
import pytest

from connector.catalog import load_entity
from connector.credentials import DATABASE_SECRETS_ENV
from connector.errors import MySQLTarget
from connector.server_limits import _LIMITS
from connector.writer import write_records
from devkit.mariadb import ServerAddress
from handlers.app import lambda_handler
from tests.conftest import ACCOUNT, Caller, identifier, new_password, put_secret, sql
from tests.test_secret_allow_list import (  # noqa: F401 - fixtures, used by name
    borrower,
    rds_secret,
    reads,
    refusal,
    validate,
)

MakeSecret = Callable[[dict[str, Any]], str]


def _table(stem: str) -> str:
    return f"{stem}_{uuid.uuid4().hex[:6]}"


def _write(call: Caller, db: dict[str, Any], table: str, operation: str, records: list[Any],
           ids: list[str] | None = None, all_or_none: bool = False) -> dict[str, Any]:
    return call("WriteDataRequest", entityIdentifier=identifier(db, table), operation=operation, idFieldNames=ids,
                records=[r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records],
                allOrNone=all_or_none)


def _results(response: dict[str, Any]) -> list[tuple[bool, Any, str]]:
    results = response["writeRecordResults"]
    assert results, response
    return [(r["isSuccess"], r["recordId"], r["errorMessage"] or "") for r in results]


def _rows(db: dict[str, Any], table: str) -> list[tuple[Any, ...]]:
    return sorted(sql(db, f"SELECT * FROM `{table}`"), key=repr)


# === (a) credentials ======================================================================================

def test_basic_auth_cannot_borrow_another_profiles_custom_auth_login(
        make_secret: MakeSecret, app_db: dict[str, Any], reads: list[str]) -> None:  # noqa: F811
    """A direct invoker names a victim's AppFlow profile secret (CustomAuth 'MySQL', its own host) but says
    BasicAuth: BasicAuth takes host, port and database from the runtime settings, which the invoker chose, so the
    victim's username and password go to the invoker's host. Here that host is the session's server, where the
    victim's login is valid: a success means the login was borrowed and used at a host the victim never named."""
    victim = make_secret({"customAuthenticationType": "MySQL", "host": "victim-db.invalid", "port": "3306",
                          "database": app_db["database"], "username": app_db["username"],
                          "password": app_db["password"]})
    settings = {"host": app_db["host"], "port": str(app_db["port"]), "database": app_db["database"]}
    response = dict(lambda_handler({"type": "ValidateCredentialsRequest", "connectorRuntimeSettings": settings,
                                    "credentials": {"secretArn": victim, "authenticationType": "BasicAuth"}}, None))
    assert response["isSuccess"] is False, "the victim's CustomAuth login was used at the invoker's host"
    assert response["errorDetails"]["errorCode"] == "InvalidArgument", response["errorDetails"]


CONFUSABLE_ARNS = {
    "cyrillic a in arn": "\u0430rn:aws:secretsmanager:us-east-1:{acct}:secret:{name}",
    "fullwidth colon": "arn:aws:secretsmanager:us-east-1:{acct}\uff1asecret:{name}",
    "zero-width space inside": "arn:aws:secretsmanager:us-east-1:{acct}:secret:\u200b{name}",
    "trailing zero-width space": "arn:aws:secretsmanager:us-east-1:{acct}:secret:{name}\u200b",
    "upper-case service": "arn:aws:SECRETSMANAGER:us-east-1:{acct}:secret:{name}",
}


@pytest.mark.parametrize("kind", list(CONFUSABLE_ARNS))
def test_a_confusable_of_an_allowed_arn_is_refused_unread(
        make_secret: MakeSecret, rds_secret: Callable[[str], dict[str, str]],  # noqa: F811
        reads: list[str], monkeypatch: pytest.MonkeyPatch, kind: str) -> None:  # noqa: F811
    allowed = rds_secret("conf")
    monkeypatch.setenv(DATABASE_SECRETS_ENV, allowed["arn"])
    name = allowed["arn"].split(":secret:", 1)[1]
    near = CONFUSABLE_ARNS[kind].format(acct=ACCOUNT, name=name)
    arn = borrower(make_secret, near)
    refusal(validate(arn))
    assert reads == [arn]


@pytest.mark.parametrize("padding", ["\n", "\r\n", "\u00a0", "\u2003", "\t \n"])
def test_surrounding_unicode_whitespace_reads_exactly_the_listed_secret(
        make_secret: MakeSecret, aws_env: str, app_db: dict[str, Any], reads: list[str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, padding: str) -> None:
    """Whitespace around the profile's value is dropped, and then only the listed ARN itself is read."""
    listed = put_secret(aws_env, f"rds!cluster-{uuid.uuid4().hex[:8]}", {
        "username": app_db["username"], "password": app_db["password"], "host": app_db["host"],
        "port": app_db["port"], "dbname": app_db["database"]})
    monkeypatch.setenv(DATABASE_SECRETS_ENV, f"{listed},{listed}, {listed} ")  # duplicates and spaces
    arn = make_secret({"customAuthenticationType": "MySQL-DatabaseSecret", "databaseSecretArn": padding + listed
                       + padding})
    assert validate(arn)["isSuccess"]
    assert reads == [arn, listed]


def test_a_database_secret_that_names_another_secret_is_not_followed(
        make_secret: MakeSecret, aws_env: str, app_db: dict[str, Any], reads: list[str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    victim = make_secret({"customAuthenticationType": "MySQL", "host": "victim-db.invalid",
                          "username": "victim", "password": new_password("victim-nested")})
    listed = put_secret(aws_env, f"rds!cluster-{uuid.uuid4().hex[:8]}", {
        "username": app_db["username"], "password": app_db["password"], "host": app_db["host"],
        "port": app_db["port"], "dbname": app_db["database"],
        "customAuthenticationType": "MySQL-DatabaseSecret", "databaseSecretArn": victim,
        "credentialsMap": {"databaseSecretArn": victim}})
    monkeypatch.setenv(DATABASE_SECRETS_ENV, listed)
    arn = make_secret({"customAuthenticationType": "MySQL-DatabaseSecret", "databaseSecretArn": listed})
    assert validate(arn)["isSuccess"]
    assert victim not in reads and reads == [arn, listed]


@pytest.mark.parametrize("name", ["rds!x-appflow!y", "APPFLOW!{acct}-mysql-p", "AppFlow!{acct}-mysql-p"])
def test_appflow_prefix_elsewhere_or_in_another_case(
        make_secret: MakeSecret, aws_env: str, reads: list[str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """'appflow!' inside a database secret's name is no profile secret; any letter case of the prefix is one
    (refused unread even when listed). The profile's own secretArn must be an appflow! secret."""
    secret = put_secret(aws_env, name.format(acct=ACCOUNT) + uuid.uuid4().hex[:6],
                        {"username": "u", "password": new_password("pfx")})
    monkeypatch.setenv(DATABASE_SECRETS_ENV, secret)
    arn = borrower(make_secret, secret)
    response = validate(arn)
    if name.startswith("rds!"):
        assert "AppFlow connection profile secret" not in json.dumps(response)
        assert secret in reads  # listed and no profile secret: read (the host then fails, not the rule)
    else:
        assert "AppFlow connection profile secret" in refusal(response)
        assert reads == [arn]
    # and as the profile itself: 'appflow!' not at the start of the name is refused unread
    reads.clear()
    inner = put_secret(aws_env, f"x-appflow!{ACCOUNT}-mysql-" + uuid.uuid4().hex[:6],
                       {"customAuthenticationType": "MySQL", "host": "h.invalid", "username": "u", "password": "p"})
    assert "not an AppFlow connection profile secret" in refusal(validate(inner))
    assert reads == []


# === (b) keys ==============================================================================================

@pytest.mark.parametrize("shape", ["composite primary key with a unique auto-increment part",
                                   "auto-increment primary key inside a composite unique id"])
def test_upsert_by_a_key_holding_the_auto_increment_column_rewrites_no_other_row(
        call: Caller, exact_db: dict[str, Any], shape: str) -> None:
    """ON DUPLICATE KEY UPDATE is taken as safe when every other unique key holds an auto-increment column,
    "which UPSERT records cannot set". But when the id fields include that column, records do set it, and a
    record naming a row that does not exist clashes with another row on the other key and rewrites it."""
    table = _table("aik")
    if shape.startswith("composite primary"):
        sql(exact_db, f"CREATE TABLE `{table}` (k VARCHAR(5) NOT NULL, id INT AUTO_INCREMENT, v INT, "
                      "PRIMARY KEY (k, id), UNIQUE KEY (id))",
            f"INSERT INTO `{table}` (k, v) VALUES ('a', 10)")
        ids, record = ["k", "id"], {"k": "b", "id": 1, "v": 99}
    else:
        sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(5) NOT NULL, v INT, "
                      "UNIQUE KEY (id, k))",
            f"INSERT INTO `{table}` (k, v) VALUES ('a', 10)")
        ids, record = ["id", "k"], {"id": 1, "k": "b", "v": 99}
    before = _rows(exact_db, table)
    results = _results(_write(call, exact_db, table, "UPSERT", [record], ids=ids))
    assert _rows(exact_db, table) == before, "the row ('a', 1) was rewritten by a record that named ('b', 1)"
    assert results[0][0] is False


def test_a_prefix_as_long_as_the_column_is_a_whole_column_key(call: Caller, exact_db: dict[str, Any]) -> None:
    """MariaDB stores UNIQUE (code(10)) on VARCHAR(10) as a key on the whole column (no SUB_PART), and keeps it
    whole when the column is widened: it is a key, values longer than 10 characters included."""
    table = _table("fullpfx")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(10) NOT NULL, v INT, "
                  "UNIQUE KEY c (code(10)))",
        f"ALTER TABLE `{table}` MODIFY code VARCHAR(20) NOT NULL",
        f"INSERT INTO `{table}` (code, v) VALUES ('abcdefghij-1', 1)")
    results = _results(_write(call, exact_db, table, "UPSERT", [{"code": "abcdefghij-2", "v": 2},
                                                                {"code": "abcdefghij-1", "v": 3}], ids=["code"]))
    assert [r[0] for r in results] == [True, True]
    assert sorted((c, v) for _, c, v in _rows(exact_db, table)) == [("abcdefghij-1", 3), ("abcdefghij-2", 2)]


def test_a_column_in_a_full_and_a_prefix_key_upserts_without_rewriting(call: Caller,
                                                                        exact_db: dict[str, Any]) -> None:
    table = _table("both")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20) NOT NULL, v INT, "
                  "UNIQUE KEY whole (code), UNIQUE KEY p4 (code(4)))",
        f"INSERT INTO `{table}` (code, v) VALUES ('abcd-1', 1), ('wxyz', 2)")
    before = _rows(exact_db, table)
    results = _results(_write(call, exact_db, table, "UPSERT", [{"code": "abcd-2", "v": 99},
                                                                {"code": "wxyz", "v": 3}], ids=["code"]))
    assert results[0][0] is False and "Duplicate entry" in results[0][2]
    assert results[1][:2] == (True, "wxyz")
    assert _rows(exact_db, table) == sorted([before[0], (2, "wxyz", 3)], key=repr)


def test_a_prefix_key_added_between_two_calls_is_seen_by_the_second(call: Caller,
                                                                   exact_db: dict[str, Any]) -> None:
    table = _table("ddl2")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20) NOT NULL, v INT, "
                  "UNIQUE KEY whole (code))",
        f"INSERT INTO `{table}` (code, v) VALUES ('abcd-1', 1)")
    assert _results(_write(call, exact_db, table, "UPSERT", [{"code": "abcd-1", "v": 2}], ids=["code"]))[0][0]
    sql(exact_db, f"ALTER TABLE `{table}` ADD UNIQUE KEY p4 (code(4))")
    results = _results(_write(call, exact_db, table, "UPSERT", [{"code": "abcd-2", "v": 99}], ids=["code"]))
    assert results[0][0] is False
    assert _rows(exact_db, table) == [(1, "abcd-1", 2)]


@pytest.mark.parametrize("operation", ["UPDATE", "DELETE", "UPSERT"])
def test_a_nullable_unique_key_never_matches_by_null(call: Caller, exact_db: dict[str, Any], operation: str) -> None:
    table = _table("nul")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT PRIMARY KEY, email VARCHAR(20) NULL, v INT, UNIQUE KEY (email))",
        f"INSERT INTO `{table}` VALUES (1, NULL, 1), (2, NULL, 2), (3, 'x@y', 3)")
    before = _rows(exact_db, table)
    results = _results(_write(call, exact_db, table, operation, [{"email": None, "v": 9, "id": 7},
                                                                 {"v": 9, "id": 8}], ids=["email"]))
    assert [r[0] for r in results] == [False, False]
    assert _rows(exact_db, table) == before


# === (c) values ============================================================================================

@pytest.fixture(scope="module")
def double_ai(exact_db: dict[str, Any]) -> str:
    """MariaDB (and MySQL 8, deprecated) allow AUTO_INCREMENT on FLOAT and DOUBLE columns."""
    table = _table("dai")
    sql(exact_db, f"CREATE TABLE `{table}` (id DOUBLE AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))",
        f"INSERT INTO `{table}` (v) VALUES ('one')")
    return table


@pytest.mark.parametrize("zero", [0, 0.0, "0", "-0", -0.0])
def test_upsert_by_a_double_auto_increment_id_of_zero_fails(call: Caller, exact_db: dict[str, Any],
                                                           double_ai: str, zero: Any) -> None:
    """The guard compares the literal with '0'; a DOUBLE's 0 is written '0.0e0', which MySQL reads in an
    auto-increment column as 'assign the next id' all the same."""
    before = _rows(exact_db, double_ai)
    results = _results(_write(call, exact_db, double_ai, "UPSERT", [{"id": zero, "v": "new"}], ids=["id"]))
    assert _rows(exact_db, double_ai) == before, "UPSERT of id 0 added a row"
    assert results[0][0] is False


def test_insert_with_a_double_auto_increment_id_of_zero_reports_the_assigned_id(
        call: Caller, exact_db: dict[str, Any], double_ai: str) -> None:
    results = _results(_write(call, exact_db, double_ai, "INSERT", [{"id": 0, "v": "z1"}, {"id": 0.0, "v": "z2"}],
                              ids=["id"]))
    assert all(r[0] for r in results), results
    for (_, record_id, _), v in zip(results, ["z1", "z2"], strict=True):
        rows = sql(exact_db, f"SELECT v FROM `{double_ai}` WHERE id = %s", params=(float(record_id),))
        assert rows == [(v,)], f"recordId {record_id} does not name the row of {v}"


def test_insert_into_a_double_auto_increment_key_spells_the_id_as_read(
        call: Caller, exact_db: dict[str, Any], double_ai: str) -> None:
    results = _results(_write(call, exact_db, double_ai, "INSERT", [{"v": "o1"}, {"v": "o2"}]))
    read = call("QueryDataRequest", entityIdentifier=identifier(exact_db, double_ai), maxResults=1000)
    stored = {json.loads(r)["v"]: json.dumps(json.loads(r)["id"]) for r in read["records"]}
    assert [r[1] for r in results] == [stored["o1"], stored["o2"]]


@pytest.mark.parametrize(("column", "value"), [("d", "1e-400"), ("d", 1e-320), ("f", "1e-50"), ("f", "1e-46")])
def test_a_nonzero_number_is_not_stored_as_zero(call: Caller, exact_db: dict[str, Any], column: str,
                                                 value: Any) -> None:
    """DOUBLE underflows below ~4.9e-324 and FLOAT below ~1.4e-45: MySQL stores 0 without a warning."""
    table = _table("uf")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT PRIMARY KEY, f FLOAT NULL, d DOUBLE NULL)")
    record = f'{{"id": 1, "{column}": {json.dumps(value) if isinstance(value, str) else repr(value)}}}'
    results = _results(_write(call, exact_db, table, "INSERT", [record]))
    stored = sql(exact_db, f"SELECT {column} FROM `{table}`")
    assert not (results[0][0] and stored == [(0.0,)]), f"{value!r} was stored as 0"


@pytest.mark.parametrize("text", ["0e1000000000", "0E+41", "0e-5", "-0e99"])
def test_zero_with_any_exponent_is_zero_in_an_integer_column(call: Caller, exact_db: dict[str, Any],
                                                             text: str) -> None:
    table = _table("zexp")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT PRIMARY KEY, i INT NULL)")
    results = _results(_write(call, exact_db, table, "INSERT", [f'{{"id": 1, "i": "{text}"}}',
                                                                f'{{"id": 2, "i": {text}}}']))
    assert [r[0] for r in results] == [True, True], results
    assert sql(exact_db, f"SELECT i FROM `{table}` ORDER BY id") == [(0,), (0,)]


HUGE = ["1e1000000000", "-1e1000000000", "1e-1000000000", "9" * 4000 + "e999999999", "1e999999999999999999"]


@pytest.mark.parametrize("number", ["1e999999999999999999999", "-1E+1000000000000000000", "1e-9999999999999999999"])
def test_a_json_number_beyond_decimals_exponent_fails_its_record_alone(call: Caller, exact_db: dict[str, Any],
                                                                       number: str) -> None:
    """Decimal() raises InvalidOperation (an ArithmeticError, not a ValueError) for an exponent past its limits;
    the writer's JSON scanner lets it escape, and one such record ends the whole call as UnknownError."""
    table = _table("exp")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT PRIMARY KEY, d DOUBLE NULL, j JSON NULL, t TEXT NULL)")
    response = _write(call, exact_db, table, "INSERT", ['{"id": 1, "d": 1.5}', f'{{"id": 2, "d": {number}}}',
                                                        f'{{"id": 3, "j": [{number}]}}', f'{{"id": 4, "t": {number}}}',
                                                        '{"id": 5, "d": 2.5}'])
    assert response["errorDetails"] is None or response["errorDetails"]["errorCode"] == "PartialWriteFailure", \
        response["errorDetails"]
    assert [r[0] for r in _results(response)][0::4] == [True, True]
    assert sql(exact_db, f"SELECT id FROM `{table}` WHERE id IN (1, 5) ORDER BY id") == [(1,), (5,)]


def test_huge_exponents_are_refused_quickly_everywhere(call: Caller, exact_db: dict[str, Any]) -> None:
    table = _table("huge")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT PRIMARY KEY, i BIGINT NULL, d DECIMAL(65,30) NULL, "
                  "f FLOAT(7,2) NULL, y YEAR NULL, b BIT(8) NULL, dd DECIMAL(10,2) UNIQUE)")
    records: list[str] = []
    for text in HUGE:
        for column in ("i", "d", "f", "y", "b", "dd"):
            records.append(f'{{"id": {len(records)}, "{column}": "{text}"}}')
            records.append(f'{{"id": {len(records)}, "{column}": {text}}}')
    started = time.perf_counter()
    results = _results(_write(call, exact_db, table, "INSERT", records))
    retrieve = call("RetrieveDataRequest", entityIdentifier=identifier(exact_db, table), idFieldName="dd", ids=HUGE)
    query = call("QueryDataRequest", entityIdentifier=identifier(exact_db, table), maxResults=10,
                 filterExpression=f"dd = {HUGE[0]} or i > '{HUGE[0]}'")
    assert time.perf_counter() - started < 5
    assert [r for r, res in zip(records, results, strict=True) if res[0]] == []
    assert retrieve["isSuccess"] is False or retrieve["records"] == []
    assert query["isSuccess"] is False or query["records"] == []
    assert sql(exact_db, f"SELECT COUNT(*) FROM `{table}`") == [(0,)]


@pytest.mark.parametrize("text", ['{"id": 1, "d": NaN}', '{"id": 1, "d": Infinity}', '{"id": 1, "d": -Infinity}',
                                  '{"id": 1, "i": true}'])
def test_nan_infinity_and_booleans_in_number_columns(call: Caller, exact_db: dict[str, Any], text: str) -> None:
    table = _table("nan")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT PRIMARY KEY, d DOUBLE NULL, i DECIMAL(5,2) NULL)")
    results = _results(_write(call, exact_db, table, "INSERT", [text]))
    assert results[0][0] is False
    assert sql(exact_db, f"SELECT COUNT(*) FROM `{table}`") == [(0,)]


LABEL_CASES = [
    # (column, value, stored label or None for refused)
    ("e", "\x0b2", None), ("e", "\x0c2", None), ("e", "+2", None), ("e", "1.0", None), ("e", "1e0", None),
    ("e", "2\t", None), ("e", "\u00a02", None), ("e", "\uff12", None),
    ("s", "\x0b3", None), ("s", "-0", None), ("s", "00", None), ("s", "1,2", None), ("s", "x,3", None),
    ("z", "", ""), ("z", " 1", " 1"), ("z", "1", None), ("z", "01", "01"), ("z", "1e0", "1e0"), ("z", "2", None),
    ("z", "0", None),
]


@pytest.mark.parametrize(("column", "value", "stored"), LABEL_CASES)
def test_labels_and_their_number_shaped_twins(call: Caller, exact_db: dict[str, Any], column: str, value: str,
                                              stored: str | None) -> None:
    table = _table("lbl")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT PRIMARY KEY, e ENUM('a','b','c') NULL, s SET('x','y','z') NULL, "
                  "z ENUM('', ' 1', '01', '1e0') NULL)")
    results = _results(_write(call, exact_db, table, "INSERT", [{"id": 1, column: value}]))
    rows = sql(exact_db, f"SELECT {column} FROM `{table}`")
    if stored is None:
        assert results[0][0] is False and rows in ([], [(None,)]), (results, rows)
    else:
        assert results[0][0] is True and rows == [(stored,)], (results, rows)


FRACTIONS = [
    ("t0", "12:00:00.0000000", "12:00:00"), ("t0", "-00:00:00.5", None), ("t6", "12:00:00.0000001", None),
    ("t6", "838:59:59.0000000", "838:59:59.000000"), ("dt0", "2024-01-01T00:00:00.5Z", None),
    ("dt0", "2024-01-01T00:00:00.000000000Z", "2024-01-01 00:00:00"),
    ("dt3", "2024-01-01T00:00:00.1234+01:00", None),
    ("dt3", "2024-01-01T00:00:00,123+01:00", "2023-12-31 23:00:00.123"),
    ("ts0", "2024-03-31T01:30:00.5+01:00", None), ("ts0", "2024-03-31T02:30:00+02:00", "2024-03-31 00:30:00"),
    ("fd", "1.005", None), ("fd", "1.50", "1.5"),
]


@pytest.mark.parametrize(("column", "value", "stored"), FRACTIONS)
def test_fractions_past_the_precision_fail(call: Caller, exact_db: dict[str, Any], column: str, value: str,
                                           stored: str | None) -> None:
    table = _table("frac")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT PRIMARY KEY, t0 TIME NULL, t6 TIME(6) NULL, dt0 DATETIME NULL, "
                  "dt3 DATETIME(3) NULL, ts0 TIMESTAMP NULL, fd FLOAT(6,2) NULL)")
    results = _results(_write(call, exact_db, table, "INSERT", [{"id": 1, column: value}]))
    shown = f"CONVERT_TZ({column}, @@session.time_zone, '+00:00')" if column.startswith("ts") else column
    rows = sql(exact_db, f"SELECT CAST({shown} AS CHAR) FROM `{table}`")
    if stored is None:
        assert results[0][0] is False and rows in ([], [(None,)]), (results, rows)
    else:
        assert results[0][0] is True and rows[0][0].rstrip("0").rstrip(".") == stored.rstrip("0").rstrip("."), rows


# === (c) recordIds =========================================================================================

def _named(db: dict[str, Any], table: str, record_ids: list[Any]) -> list[Any]:
    found = []
    for record_id in record_ids:
        rows = sql(db, f"SELECT v FROM `{table}` WHERE id = %s", params=(record_id,))
        found.append(rows[0][0] if len(rows) == 1 else ("missing or ambiguous", record_id, rows))
    return found


def test_record_ids_after_a_duplicate_mid_batch(call: Caller, exact_db: dict[str, Any]) -> None:
    table = _table("dup")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10) NOT NULL, UNIQUE (v))",
        f"INSERT INTO `{table}` (v) VALUES ('taken')")
    records = [{"v": f"r{n}"} for n in range(40)]
    records[17] = {"v": "taken"}
    records[30] = {"v": "r3"}
    results = _results(_write(call, exact_db, table, "INSERT", records))
    assert [r[0] for r in results] == [n not in (17, 30) for n in range(40)]
    good = [(r[1], rec["v"]) for r, rec in zip(results, records, strict=True) if r[0]]
    assert _named(exact_db, table, [g[0] for g in good]) == [g[1] for g in good]


@pytest.mark.parametrize("partitioned", [False, True], ids=["plain", "partitioned"])
def test_record_ids_while_another_session_inserts(call: Caller, exact_db: dict[str, Any],
                                                  mysql_server: ServerAddress, partitioned: bool) -> None:
    """Lock mode 1 (the server's): one statement's ids are consecutive even while others insert; across statements
    each has its own first id."""
    table = _table("conc")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20) NOT NULL)"
                  + (" PARTITION BY HASH (id) PARTITIONS 4" if partitioned else ""))
    assert sql(exact_db, "SELECT @@innodb_autoinc_lock_mode") in ([(0,)], [(1,)])
    stop, running = threading.Event(), threading.Event()
    inserted: list[int] = []

    def other() -> None:
        conn = mysql_server.connect(exact_db["database"])
        try:
            with conn.cursor() as cur:
                for n in range(50_000):
                    if stop.is_set():
                        return
                    cur.execute(f"INSERT INTO `{table}` (v) VALUES (%s), (%s)", (f"o{n}a", f"o{n}b"))
                    inserted.append(n)
                    running.set()
        finally:
            running.set()
            conn.close()

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert running.wait(timeout=30)
        records = [{"v": f"c{n}"} for n in range(3000)]
        results = _results(_write(call, exact_db, table, "INSERT", records))
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert inserted, "the other session inserted nothing meanwhile"
    assert all(r[0] for r in results)
    ids = [int(r[1]) for r in results]
    rows = dict(sql(exact_db, f"SELECT id, v FROM `{table}` WHERE v LIKE 'c%%'"))
    assert [rows.get(i) for i in ids] == [r["v"] for r in records]


@pytest.fixture
def direct(mysql_server: ServerAddress, exact_db: dict[str, Any]) -> Iterator[pymysql.Connection]:
    conn = mysql_server.connect(exact_db["database"])
    with conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00', sql_mode = CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES')")
    try:
        yield conn
    finally:
        _LIMITS.pop(conn, None)
        conn.close()


def test_record_ids_under_increment_3_and_offset_2(direct: pymysql.Connection, exact_db: dict[str, Any]) -> None:
    table = _table("inc")
    sql(exact_db, f"CREATE TABLE `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20) NOT NULL)",
        f"INSERT INTO `{table}` (id, v) VALUES (7, 'seed')")
    with direct.cursor() as cur:
        cur.execute("SET SESSION auto_increment_increment = 3, auto_increment_offset = 2")
    entity = load_entity(direct, exact_db["database"], table)
    records: list[dict[str, Any]] = [{"v": f"r{n}"} for n in range(1100)]
    records += [{"id": None, "v": "null"}, {"id": 0, "v": "zero"}]
    outcome = write_records(direct, entity, operation="INSERT", id_fields=None,
                            records=[json.dumps(r) for r in records], all_or_none=False, source_time_zone="UTC",
                            target=MySQLTarget("localhost", 3306, "test"))
    direct.commit()
    assert all(r.ok for r in outcome.results)
    ids = [str(r.record_id) for r in outcome.results]
    assert all(int(i) % 3 == 2 for i in ids), ids[:5]
    assert _named(exact_db, table, ids) == [r["v"] for r in records]
