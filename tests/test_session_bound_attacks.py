"""Attacks on the session-variable bounds (found by review of issue 21), each asserting the correct outcome.

Each once failed on the code under review or is an attack it withstood. Everything runs
on the session's throwaway MariaDB (and devkit.fake_mysql for the MySQL 8 branch). Locks held by
another session are awaited by polling the server's process list (bounded), never by sleeping.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pymysql
import pytest

from connector import wire
from connector.credentials import DbLogin
from connector.database import bounded, connect, session
from connector.deadline import Deadline
from connector.errors import ConnectorError
from connector.settings import parse_settings
from devkit.fake_mysql import FakeLoginServer
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, new_password, sql
from tests.test_bounded import another_session, error, left

_POLL_LIMIT = 500  # x 10 ms: what a statement in another session gets to show up in the process list


def _login(db: dict[str, Any]) -> tuple[DbLogin, Any]:
    return (DbLogin(db["host"], db["port"], db["username"], db["password"], db["database"]),
            parse_settings(db["tls"]))


def _wait_until_running(db: dict[str, Any], state: str, info_like: str) -> None:
    """Until a session of the server shows ``state`` running a statement LIKE ``info_like`` (bounded)."""
    for _ in range(_POLL_LIMIT):
        rows = sql(db, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = %s AND INFO LIKE %s",
                   params=(state, info_like))
        if rows[0][0]:
            return
        time.sleep(0.01)
    raise AssertionError(f"no session reached {state!r} running {info_like!r}")


@contextmanager
def _replacing(server: ServerAddress, db: dict[str, Any], table: str, seconds: float) -> Iterator[None]:
    """Another session runs ``CREATE OR REPLACE TABLE table AS SELECT SLEEP(seconds)``: a batch job rebuilding a
    summary table, which holds the table's exclusive metadata lock for the whole SELECT."""
    holder = server.connect(db["database"])
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with holder.cursor() as cur:
                cur.execute(f"CREATE OR REPLACE TABLE `{table}` AS SELECT SLEEP({seconds}) AS s")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        _wait_until_running(db, "User sleep", "CREATE OR REPLACE TABLE%")
        yield
    finally:
        thread.join(seconds + 10)
        holder.close()
    assert not failure, failure


@pytest.fixture(scope="module")
def review(exact_db: dict[str, Any]) -> dict[str, Any]:
    sql(exact_db,
        "CREATE TABLE rv (id INT PRIMARY KEY, v VARCHAR(20))",
        "INSERT INTO rv VALUES " + ", ".join(f"({i}, 'v{i}')" for i in range(30)),
        "CREATE TABLE rv_summary (s INT)")
    return exact_db


# --- 1. a warm connection's socket stays at the liveness probe's 2 s for the call's unbounded statements ---------

@pytest.mark.needs_local_server("MariaDB's CREATE OR REPLACE TABLE")
@pytest.mark.parametrize("request_type", ["ListEntitiesRequest", "DescribeEntityRequest"])
def test_a_warm_connection_waits_for_a_catalog_lock_as_long_as_a_cold_one(
        call: Caller, review: dict[str, Any], mysql_server: ServerAddress, request_type: str) -> None:
    """ListEntities (information_schema.TABLES) and DescribeEntity (SHOW CREATE TABLE, the catalog query) wait for
    the metadata lock of a table another session rebuilds with CREATE OR REPLACE ... SELECT. lock_wait_timeout
    allows that (5 s of a 6 s deadline), a cold connection's socket too; a warm one's socket was left at
    the warm connection's liveness bound (1.5 s + 0.5 s grace): session() never set the call's own."""
    fields = {"entityIdentifier": identifier(review, "rv_summary")} if request_type == "DescribeEntityRequest" \
        else {"maxResult": None, "nextToken": None, "entitiesPath": None}
    assert call(request_type, **fields)["isSuccess"]  # the connection this kind of call keeps warm
    with _replacing(mysql_server, review, "rv_summary", 3.5):
        started = time.monotonic()
        response = call(request_type, **fields)
        took = time.monotonic() - started
    assert response["isSuccess"], (took, response.get("errorDetails"))


@pytest.mark.needs_local_server("MariaDB's CREATE OR REPLACE TABLE")
def test_control_a_cold_connection_waits_for_the_same_catalog_lock(call: Caller, review: dict[str, Any],
                                                                   mysql_server: ServerAddress) -> None:
    cold = {"connectTimeoutSeconds": "4"}  # another session kind: no warm connection
    with _replacing(mysql_server, review, "rv_summary", 3.5):
        response = call("ListEntitiesRequest", settings=cold, maxResult=None, nextToken=None, entitiesPath=None)
    assert response["isSuccess"], response.get("errorDetails")


def test_inside_session_a_warm_connection_reads_with_the_calls_socket_timeout(review: dict[str, Any]) -> None:
    login, settings = _login(review)
    with session(login, settings, deadline=Deadline.after(20.0)) as first:
        pass
    with session(login, settings, deadline=Deadline.after(20.0)) as second:
        assert second is first
        assert (wire.read_timeout(second) or 0) > 19.0, wire.read_timeout(second)  # what the next read may take


# --- 2. round trips: what a warm QueryData page sends ---------------------------------------------------------------

@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """Every command PyMySQL sends (COM_QUERY 3, COM_INIT_DB 2), with its text."""
    seen: list[tuple[int, str]] = []
    original = pymysql.connections.Connection._execute_command  # noqa: SLF001 - pinned in test_wire_contract

    def spy(self: Any, command: int, text: Any) -> Any:
        seen.append((command, text if isinstance(text, str) else bytes(text).decode("utf-8", "replace")))
        return original(self, command, text)

    monkeypatch.setattr(pymysql.connections.Connection, "_execute_command", spy)
    return seen


def test_a_warm_query_page_costs_one_set_and_sends_nothing_twice(call: Caller, review: dict[str, Any],
                                                                 sent: list[tuple[int, str]]) -> None:
    token, per_page = None, []
    for _ in range(3):
        sent.clear()
        response = call("QueryDataRequest", entityIdentifier=identifier(review, "rv"), maxResults=10,
                        nextToken=token)
        assert response["isSuccess"], response["errorDetails"]
        per_page.append(list(sent))
        token = response["nextToken"]
    for commands in per_page[1:]:  # warm pages
        texts = [text for _, text in commands]
        assert len(texts) == len(set(texts)), texts
        assert sum(text.startswith("SET") for text in texts) == 1, texts
        assert [command for command, _ in commands].count(2) == 1  # USE: the liveness check
        assert len(commands) == 4, texts  # USE, SET SESSION bounds, SHOW CREATE TABLE, the page's SELECT


# --- 3. little time left: lock waits (whole seconds, at least 1) against the statement time and the socket ----------

def test_mysql_branch_a_write_lock_wait_ends_before_the_socket_gives_up() -> None:
    """MySQL's max_execution_time does not bound writes: a write's lock wait is bounded by lock waits alone. With
    0.3 s left, lock_wait_timeout is 1 s but the socket gives up at 0.8 s: the session is dropped mid-lock-wait
    (a lost connection, not the server's lock error), and the server goes on waiting."""
    with FakeLoginServer(None, ask="ok") as server:
        login = DbLogin("127.0.0.1", server.port, "u", new_password("rv21"), None)
        conn = connect(login, parse_settings({"tlsMode": "DISABLED"}), read_only=False,
                       deadline=Deadline.after(12.0))
        try:
            with conn.cursor() as cur:
                cur.execute(bounded(conn, "UPDATE t SET v = 1 WHERE id = 1", Deadline.after(0.3)))
            socket_timeout = wire.read_timeout(conn) or 0.0
        finally:
            conn.close()
        setting = next(s for s in reversed(server.statements) if "innodb_lock_wait_timeout" in s)
    waits = int(re.search(r"innodb_lock_wait_timeout = (\d+)", setting).group(1))  # type: ignore[union-attr]
    assert waits < socket_timeout, (setting, socket_timeout)


@pytest.mark.parametrize("ms_left", [5_300, 4_900], ids=["1.3s", "0.9s"])
def test_a_read_waiting_for_a_metadata_lock_is_named_a_lock_however_little_time_is_left(
        call: Caller, review: dict[str, Any], mysql_server: ServerAddress, ms_left: int) -> None:
    """With < 1 s left the statement time (the time left) ends before the 1 s minimum lock wait: the answer says
    "the query is too slow, add an index", without retryAfter, for what is a lock."""
    assert call("QueryDataRequest", entityIdentifier=identifier(review, "rv"), maxResults=1)["isSuccess"]  # warm
    with another_session(mysql_server, review, "LOCK TABLES rv WRITE"):
        response = call("QueryDataRequest", left(ms_left), entityIdentifier=identifier(review, "rv"),
                        maxResults=1)
    code, message = error(response)
    assert code == "RequestTimeout" and "lock" in message, message
    assert response["errorDetails"]["retryAfterSeconds"], response["errorDetails"]


# --- 4. a statement stopped by max_statement_time in the middle of a write -----------------------------------------

_STOPS_WRITES = "MariaDB's max_statement_time stops writes (MySQL's max_execution_time does not)"


@pytest.mark.needs_local_server(_STOPS_WRITES)
def test_innodb_a_batch_stopped_mid_write_leaves_nothing_and_says_so(call: Caller, review: dict[str, Any]) -> None:
    table = f"slow_{uuid.uuid4().hex[:6]}"
    sql(review, f"CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR(10))",
        f"CREATE TRIGGER {table}_t BEFORE INSERT ON {table} FOR EACH ROW BEGIN "
        "IF NEW.id = 600 THEN DO SLEEP(8); END IF; END")
    try:
        records = [json.dumps({"id": i, "v": "x"}) for i in range(700)]  # batch 1: 0-499, batch 2 stops
        response = call("WriteDataRequest", left(7_000), entityIdentifier=identifier(review, table),
                        operation="INSERT", allOrNone=False, records=records)
        code, message = error(response)
        assert code == "RequestTimeout", message
        assert not any(r["isSuccess"] for r in response["writeRecordResults"])
        assert sql(review, f"SELECT COUNT(*) FROM {table}") == [(0,)]
        # the connection is not kept in the dead transaction: the next write on this login commits
        after = call("WriteDataRequest", entityIdentifier=identifier(review, table), operation="INSERT",
                     records=[json.dumps({"id": 1, "v": "y"})])
        assert after["isSuccess"], after
        assert sql(review, f"SELECT id FROM {table}") == [(1,)]
    finally:
        sql(review, f"DROP TABLE {table}")


# --- 5. warm connections between calls ----------------------------------------------------------------------------

@pytest.mark.needs_local_server("MariaDB's max_statement_time")
def test_a_warm_connection_after_an_all_or_none_rollback_takes_the_next_calls_bounds(
        call: Caller, review: dict[str, Any], sent: list[tuple[int, str]]) -> None:
    sql(review, "DELETE FROM rv WHERE id >= 100")
    failed = call("WriteDataRequest", entityIdentifier=identifier(review, "rv"), operation="INSERT", allOrNone=True,
                  records=[json.dumps({"id": 100, "v": "a"}), json.dumps({"id": 1, "v": "dup"})])
    assert failed["isSuccess"] is False
    sent.clear()
    after = call("WriteDataRequest", left(12_000), entityIdentifier=identifier(review, "rv"), operation="INSERT",
                 records=[json.dumps({"id": 101, "v": "b"})])
    assert after["isSuccess"], after
    texts = [text for _, text in sent]
    assert texts[0] == review["database"] and "SET NAMES" not in " ".join(texts)  # the warm connection
    assert re.fullmatch(r"SET SESSION lock_wait_timeout = 7, innodb_lock_wait_timeout = 7, max_statement_time = "
                        r"7\.\d{3}", texts[1]), texts
    assert sql(review, "SELECT id FROM rv WHERE id >= 100") == [(101,)]


@pytest.mark.needs_local_server("MariaDB's max_statement_time")
def test_a_warm_connection_left_with_a_tiny_statement_time_serves_the_next_call(review: dict[str, Any]) -> None:
    login, settings = _login(review)
    with session(login, settings, deadline=Deadline.after(20.0)) as first, first.cursor() as cur:
        cur.execute(bounded(first, "SELECT 1", Deadline.after(-1.0)))  # held to 0.1 s, as after the deadline
        cur.execute("SELECT @@SESSION.max_statement_time")
        assert float(cur.fetchone()[0]) == pytest.approx(0.1)
    with session(login, settings, deadline=Deadline.after(20.0)) as second, second.cursor() as cur:
        assert second is first
        cur.execute("SELECT SLEEP(0.3)")  # an unbounded statement of the connector's own (catalog, limits)
        assert cur.fetchone()[0] == 0


@pytest.mark.needs_local_server("SET GLOBAL read_only")
def test_session_bounds_are_set_on_a_read_only_server(call: Caller, review: dict[str, Any]) -> None:
    assert call("QueryDataRequest", entityIdentifier=identifier(review, "rv"), maxResults=1)["isSuccess"]
    before = sql(review, "SELECT @@GLOBAL.read_only")[0][0]
    sql(review, "SET GLOBAL read_only = 1")
    try:
        warm = call("QueryDataRequest", entityIdentifier=identifier(review, "rv"), maxResults=1)
        cold = call("QueryDataRequest", settings={"connectTimeoutSeconds": "6"},
                    entityIdentifier=identifier(review, "rv"), maxResults=1)
    finally:
        sql(review, f"SET GLOBAL read_only = {int(before)}")
    assert warm["isSuccess"] and cold["isSuccess"], (warm, cold)


# --- 6. a server that knows neither statement-time variable ---------------------------------------------------------

def test_a_server_without_either_statement_time_variable_still_connects_with_lock_waits() -> None:
    """MySQL 5.6 / Aurora MySQL 1, or a proxy that forwards neither: both names answer 1193. The hints the
    connector used before were comments such a server ignored; now every login fails."""
    with FakeLoginServer(None, ask="ok", unknown_variables=("max_execution_time", "max_statement_time")) as server:
        login = DbLogin("127.0.0.1", server.port, "u", new_password("rv21none"), None)
        try:
            conn = connect(login, parse_settings({"tlsMode": "DISABLED"}), deadline=Deadline.after(12.0))
        except ConnectorError as exc:
            pytest.fail(f"{type(exc).__name__}: {exc.message}")
        try:
            with conn.cursor() as cur:
                cur.execute(bounded(conn, "SELECT 1", Deadline.after(8.0)))
        finally:
            conn.close()
        statements = list(server.statements)
    assert any("innodb_lock_wait_timeout" in s for s in statements[-3:]), statements


# --- 7. twins under a CHAR NO PAD key: index lookups and scans disagree (MariaDB) --------------------------------

_TWIN_CANDIDATES = ["a", "a\x00", "ß", "ss", "b", "\t", ""]


@pytest.fixture(scope="module")
def twins(review: dict[str, Any]) -> str:
    table = "tw520"
    sql(review, f"CREATE TABLE {table} (k CHAR(4) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_nopad_ci "
                "NOT NULL PRIMARY KEY, n INT)")
    for n, value in enumerate(_TWIN_CANDIDATES):
        with suppress(pymysql.err.IntegrityError):  # the key refuses what it takes for a duplicate
            sql(review, f"INSERT INTO {table} VALUES (%s, {n})", params=(value,))
    return table


def _keys(response: dict[str, Any]) -> list[str]:
    assert response["isSuccess"], response["errorDetails"]
    return sorted(json.loads(r)["k"] for r in response["records"])


@pytest.mark.needs_local_server("MariaDB's utf8mb4_unicode_520_nopad_ci")
@pytest.mark.parametrize("operation", ["UPDATE", "DELETE"])
def test_a_write_by_a_twins_key_touches_one_row(call: Caller, review: dict[str, Any], twins: str,
                                                operation: str) -> None:
    before = dict(sql(review, f"SELECT k, n FROM {twins}"))
    record = {"k": "a", "n": 99} if operation == "UPDATE" else {"k": "a"}
    response = call("WriteDataRequest", entityIdentifier=identifier(review, twins), operation=operation,
                    idFieldNames=["k"], records=[json.dumps(record)])
    try:
        assert response["isSuccess"], response
        after = dict(sql(review, f"SELECT k, n FROM {twins}"))
        changed = {k for k in before if after.get(k) != before[k]}
        assert changed == {"a"}, changed
    finally:
        sql(review, f"DELETE FROM {twins}")
        for k, n in before.items():
            sql(review, f"INSERT INTO {twins} VALUES (%s, {n})", params=(k,))
