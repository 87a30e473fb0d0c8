"""Lock waits and statement time are held to the call's deadline by session variables both servers share.

MySQL's SET_VAR hint does not apply to innodb_lock_wait_timeout (MySQL 8.0 manual, "InnoDB Startup
Options and System Variables": "SET_VAR Hint Applies: No"), and Aurora MySQL 2 has no SET_VAR at all,
so the connector sets ``lock_wait_timeout`` and ``innodb_lock_wait_timeout`` per session on every
flavour, and the statement time as MariaDB's ``max_statement_time`` or MySQL's ``max_execution_time``.
These tests run that one mechanism on MariaDB: row and metadata lock waits in every write operation end
inside the call; a warm connection takes the new call's bounds; the MySQL spelling is what a server
greeting as MySQL 8 receives (the fake server records the statements).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from connector.credentials import DbLogin
from connector.database import _bounds, bounded, connect, session
from connector.deadline import Deadline
from connector.login_guard import GuardedConnection, SessionBounds
from connector.settings import parse_settings
from devkit.fake_mysql import FakeLoginServer
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, new_password, sql
from tests.test_bounded import another_session, error, left


@pytest.fixture(scope="module")
def locked(exact_db: dict[str, Any]) -> dict[str, Any]:
    sql(exact_db, "CREATE TABLE lk (id INT PRIMARY KEY, u VARCHAR(10) UNIQUE, v TEXT)")
    return exact_db


def _login(db: dict[str, Any]) -> tuple[DbLogin, Any]:
    return (DbLogin(db["host"], db["port"], db["username"], db["password"], db["database"]),
            parse_settings(db["tls"]))


# (operation, the record, what holds the row): each write waits for the other session's row lock
WRITES = [
    ("INSERT", {"id": 1, "u": "b", "v": "new"}),  # a duplicate-key check waits for the locked row
    ("UPDATE", {"id": 1, "v": "new"}),
    ("UPSERT", {"id": 1, "u": "a", "v": "new"}),
    ("DELETE", {"id": 1}),
]


@pytest.mark.parametrize(("operation", "record"), WRITES, ids=[w[0] for w in WRITES])
def test_a_row_lock_wait_ends_inside_the_call_for_every_write(call: Caller, locked: dict[str, Any],
                                                              mysql_server: ServerAddress, operation: str,
                                                              record: dict[str, Any]) -> None:
    sql(locked, "DELETE FROM lk", "INSERT INTO lk VALUES (1, 'a', 'held')")
    with another_session(mysql_server, locked, "BEGIN", "SELECT * FROM lk WHERE id = 1 FOR UPDATE"):
        started = time.monotonic()
        response = call("WriteDataRequest", left(6_000), entityIdentifier=identifier(locked, "lk"),
                        operation=operation, idFieldNames=[] if operation == "INSERT" else ["id"],
                        records=[json.dumps(record)])
        took = time.monotonic() - started
    code, message = error(response)
    assert code == "RequestTimeout" and "lock" in message, message
    assert took < 6 - 1.5, took  # the call's budget (6 s less the spare), not innodb_lock_wait_timeout's 50 s
    assert sql(locked, "SELECT id, u, v FROM lk") == [(1, "a", "held")]


def test_a_metadata_lock_wait_in_a_write_ends_inside_the_call(call: Caller, locked: dict[str, Any],
                                                              mysql_server: ServerAddress) -> None:
    sql(locked, "DELETE FROM lk")
    with another_session(mysql_server, locked, "LOCK TABLES lk READ"):
        started = time.monotonic()
        response = call("WriteDataRequest", left(6_000), entityIdentifier=identifier(locked, "lk"),
                        operation="INSERT", records=[json.dumps({"id": 5, "u": "e", "v": "x"})])
        took = time.monotonic() - started
    code, message = error(response)
    assert code == "RequestTimeout" and "lock" in message, message
    assert took < 6 - 1.5, took
    assert sql(locked, "SELECT COUNT(*) FROM lk") == [(0,)]


def _session_bounds(conn: Any) -> tuple[int, int, float]:
    with conn.cursor() as cur:
        cur.execute("SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout, "
                    "@@SESSION.max_statement_time")
        row = cur.fetchone()
    return int(row[0]), int(row[1]), float(row[2])


@pytest.mark.needs_local_server("MariaDB's max_statement_time (MySQL's is max_execution_time)")
def test_a_warm_connection_takes_each_calls_own_bounds(locked: dict[str, Any]) -> None:
    """The connection of a short call is kept; the next, longer call must not inherit its short lock waits."""
    login, settings = _login(locked)
    with session(login, settings, read_only=False, deadline=Deadline.after(4.0)) as first:
        waits, innodb_waits, statement = _session_bounds(first)
        assert waits == innodb_waits == 3 and 3.5 < statement <= 4.0
    with session(login, settings, read_only=False, deadline=Deadline.after(20.0)) as second:
        assert second is first  # the warm connection
        waits, innodb_waits, statement = _session_bounds(second)
        assert waits == innodb_waits == 19 and 19.5 < statement <= 20.0


def test_a_statement_costs_a_round_trip_only_when_the_bounds_went_stale(locked: dict[str, Any]) -> None:
    login, settings = _login(locked)
    conn = connect(login, settings, read_only=False, deadline=Deadline.after(25.0))
    try:
        assert isinstance(conn, GuardedConnection) and conn.session_bounds is not None
        deadline = Deadline(conn.session_bounds.deadline_at)
        assert _bounds(conn, deadline) is None  # set with the connection's first SET
        conn.session_bounds = SessionBounds(deadline.at, deadline.left() + 1.0)  # as if a second had passed
        stale = _bounds(conn, deadline)
        assert stale is not None and stale[0].startswith("lock_wait_timeout = ")
        with conn.cursor() as cur:
            cur.execute(bounded(conn, "SELECT 1", deadline))
        assert _bounds(conn, deadline) is None
        assert _bounds(conn, Deadline(deadline.at - 5)) is not None  # a tighter deadline: set again
    finally:
        conn.close()


def test_a_server_greeting_as_mysql_8_gets_the_same_session_variables(make_secret: Any) -> None:
    """The MySQL branch, run against a server that greets as MySQL 8.0: the shared variables, the statement
    time as max_execution_time in milliseconds, no SET STATEMENT and no optimizer hints."""
    with FakeLoginServer(None, ask="ok") as server:
        login = DbLogin("127.0.0.1", server.port, "u", new_password("fake8"), None)
        conn = connect(login, parse_settings({"tlsMode": "DISABLED"}), deadline=Deadline.after(12.0))
        with conn.cursor() as cur:
            cur.execute(bounded(conn, "SELECT 1", Deadline.after(8.0)))
        conn.close()
        statements = list(server.statements)
    first = next(s for s in statements if "time_zone" in s)
    assert re.search(r"lock_wait_timeout = 11, innodb_lock_wait_timeout = 11, "
                                              r"max_execution_time = 1[12]\d{3}$", first), first
    assert re.fullmatch(r"SET SESSION lock_wait_timeout = 7, innodb_lock_wait_timeout = 7, "
                        r"max_execution_time = [78]\d{3}", statements[-2]), statements
    assert statements[-1] == "SELECT 1"
    assert not any("SET STATEMENT" in s or "/*+" in s or "max_statement_time" in s for s in statements)


def test_a_proxy_greeting_for_the_other_flavour_still_gets_bounds() -> None:
    """RDS Proxy and ProxySQL greet for themselves: a MariaDB behind one answers 1193 for max_execution_time.
    The connector sets the statement time under MariaDB's name instead of failing every call."""
    server_lacks, then = "max_execution_time", "max_statement_time"  # the fake server greets as MySQL 8.0
    with FakeLoginServer(None, ask="ok", unknown_variables=(server_lacks,)) as server:
        login = DbLogin("127.0.0.1", server.port, "u", new_password("proxy"), None)
        conn = connect(login, parse_settings({"tlsMode": "DISABLED"}), deadline=Deadline.after(12.0))
        with conn.cursor() as cur:
            cur.execute(bounded(conn, "SELECT 1", Deadline.after(8.0)))
        conn.close()
        statements = [s for s in server.statements if s.startswith("SET") and "lock_wait_timeout" in s]
    assert server_lacks in statements[0] and then in statements[1] and then in statements[-1], statements
    assert len(statements) == 3  # the refused first SET, its retry, the next call's bounds


def test_a_server_that_knows_neither_statement_time_still_connects_with_lock_waits() -> None:
    """MySQL 5.6 or a proxy that passes neither variable on: 1193 for both names. The session still gets its
    lock waits (the socket bounds the rest) instead of every call failing (found by review)."""
    with FakeLoginServer(None, ask="ok", unknown_variables=("max_execution_time", "max_statement_time")) as server:
        login = DbLogin("127.0.0.1", server.port, "u", new_password("neither"), None)
        conn = connect(login, parse_settings({"tlsMode": "DISABLED"}), deadline=Deadline.after(12.0))
        with conn.cursor() as cur:
            cur.execute(bounded(conn, "SELECT 1", Deadline.after(8.0)))
        conn.close()
        sets = [s for s in server.statements if "lock_wait_timeout" in s]
    assert "max_execution_time" in sets[0] and "max_statement_time" in sets[1], sets
    assert "max_" not in sets[2] and "time_zone" in sets[2] and "lock_wait_timeout = 11" in sets[2], sets
    assert sets[-1] == "SET SESSION lock_wait_timeout = 7, innodb_lock_wait_timeout = 7", sets
