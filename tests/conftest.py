"""The test rig: a throwaway MariaDB, moto's Secrets Manager over HTTP, a leak detector.

Integration tests never skip: the session starts its own server, and fails loudly if it cannot.
With MYSQL_TEST_URL the suite runs against an existing server (MySQL 8, Aurora) instead; then,
and only then, the tests marked ``needs_local_server`` are skipped, each with its reason: they
change what a whole server does (SET GLOBAL, read_only, FLUSH SSL), KILL other sessions, start
a second private server (``spare_server``), or use what only MariaDB has.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import ssl
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from appflow_mysql.local_secrets import local_secrets_manager, put_secret
from connector.database import _tls_context
from devkit.mariadb import MySQLServer, ServerAddress
from devkit.read_tables import READ_TABLES

ACCOUNT = "123456789012"
# An existing server the suite runs against instead of its own throwaway one (see devkit.mariadb).
TEST_URL_VARIABLE = "MYSQL_TEST_URL"
# The collations the tests' databases are created with, named so that a MySQL 8 server (whose utf8mb4 default
# is utf8mb4_0900_ai_ci, NO PAD) compares strings as the tests expect: what the throwaway MariaDB 10.11 gives
# CHARACTER SET utf8mb4 (scratch databases), and its --collation-server (read_db).
SCRATCH_COLLATION = "utf8mb4_general_ci"
READ_DB_COLLATION = "utf8mb4_unicode_ci"
# Every password a test creates is registered here; no log line may contain one.
KNOWN_PASSWORDS: set[str] = set()


def new_password(label: str) -> str:
    password = f"pw-{label}-{secrets.token_hex(8)}"
    KNOWN_PASSWORDS.add(password)
    return password


class _LeakDetector(logging.Handler):
    """Keeps every formatted log record (message, extras, traceback) of the session."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.getMessage()} {record.__dict__}"
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


LEAKS = _LeakDetector()


@pytest.fixture(scope="session", autouse=True)
def _leak_detector() -> Iterator[_LeakDetector]:
    watched = [logging.getLogger(), logging.getLogger("appflow-mysql-connector"), logging.getLogger("connector")]
    for logger in watched:
        logger.addHandler(LEAKS)
    yield LEAKS
    for logger in watched:
        logger.removeHandler(LEAKS)


@pytest.fixture(autouse=True)
def _no_password_in_logs(_leak_detector: _LeakDetector) -> Iterator[None]:
    start = len(_leak_detector.lines)
    yield
    for line in _leak_detector.lines[start:]:
        leaked = [p for p in KNOWN_PASSWORDS if p in line]
        assert not leaked, f"a password reached the logs: {line[:300]}"


def on_an_existing_server() -> bool:
    """Whether MYSQL_TEST_URL points the session at an existing server rather than its own."""
    return bool(os.environ.get(TEST_URL_VARIABLE))


def server_is_mariadb(admin: Any) -> bool:
    """Whether the server behind an admin connection is MariaDB (the throwaway one) rather than MySQL 8."""
    with admin.cursor() as cur:
        cur.execute("SELECT VERSION() LIKE '%%MariaDB%%'")
        row = cur.fetchone()
    return bool(row and row[0])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_local_server(why): the test needs the session's own throwaway server (why says what "
                   "for); skipped with that reason only when MYSQL_TEST_URL points at an existing server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With MYSQL_TEST_URL, skip what needs the session's own server, saying why; without it, nothing."""
    if not on_an_existing_server():
        return
    for item in items:
        marker = item.get_closest_marker("needs_local_server")
        if marker is not None:
            why = str(marker.args[0]) if marker.args else "it changes what the whole server does"
        elif "spare_server" in getattr(item, "fixturenames", ()):
            why = "a second private server with certificates of its own (spare_server)"
        else:
            continue
        item.add_marker(pytest.mark.skip(reason=f"{TEST_URL_VARIABLE} is set, and this test needs the session's "
                                                f"own throwaway MariaDB: {why}"))


@pytest.fixture(scope="session")
def mysql_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerAddress]:
    """The session's server. Its certificate's CA joins the system CAs through OpenSSL's standard
    SSL_CERT_FILE, so events without TLS settings use the connector's default (VERIFY_IDENTITY) as in
    production; tests of the TLS settings name their CA or mode explicitly."""
    server = MySQLServer()
    try:
        address = server.start()
        if address.ca_file:
            system = ssl.get_default_verify_paths().cafile
            trust = tmp_path_factory.mktemp("trust") / "system-and-test-ca.pem"
            trust.write_bytes((Path(system).read_bytes() if system else b"") + Path(address.ca_file).read_bytes())
            os.environ["SSL_CERT_FILE"] = str(trust)
            _tls_context.cache_clear()  # contexts made before this read the system CAs without it
        yield address
    finally:
        server.stop()


@pytest.fixture(scope="session")
def spare_server() -> Iterator[MySQLServer]:
    """A second private server (never MYSQL_TEST_URL's) for tests that change what a whole server does:
    the certificate it presents, read_only. Its CA is not among the trusted ones by default.
    Not with MYSQL_TEST_URL (such tests are skipped then: the machine may have no server binary)."""
    if on_an_existing_server():
        pytest.skip(f"{TEST_URL_VARIABLE} is set: no second private server")
    server = MySQLServer(use_url=False)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def aws_env() -> Iterator[str]:
    """Moto's server on loopback, reached only through AWS_ENDPOINT_URL_SECRETS_MANAGER."""
    with local_secrets_manager() as endpoint:
        yield endpoint


@pytest.fixture
def make_secret(aws_env: str) -> Callable[[dict[str, Any]], str]:
    """Store a secret named like AppFlow's profile secrets; return its ARN."""

    def make(value: dict[str, Any]) -> str:
        return put_secret(aws_env, f"appflow!{ACCOUNT}-mysql-profile-{uuid.uuid4().hex[:8]}", value)

    return make


@contextmanager
def scratch_database(server: ServerAddress, prefix: str, grants: str, label: str,
                     statements: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """A database of its own with a login that holds ``grants`` on it; both dropped at the end.

    ``statements`` run first, each with ``{db}`` standing for the quoted database name. Yields the
    profile fields (host, port, database, username, password) and ``admin``, a root connection.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    user = f"{label}_{name}"
    password = new_password(label)
    admin = server.connect()
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {SCRATCH_COLLATION}")
        for statement in statements:
            cur.execute(statement.replace("{db}", f"`{name}`"))
        cur.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
        cur.execute(f"GRANT {grants} ON `{name}`.* TO '{user}'@'%'")
    try:
        yield {"host": server.host, "port": server.port, "database": name, "username": user,
               "password": password, "admin": admin, "tls": server.tls_settings()}
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE `{name}`")
            cur.execute(f"DROP USER '{user}'@'%'")
        admin.close()


@pytest.fixture(scope="session")
def app_db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    """A database with one table and a read-only user; dropped at the end."""
    with scratch_database(mysql_server, "appdb", "SELECT", "reader", [
            "CREATE TABLE {db}.orders (id INT PRIMARY KEY, total DECIMAL(12,2))",
            "INSERT INTO {db}.orders VALUES (1, 9.99), (2, 20.00)"]) as db:
        yield {key: value for key, value in db.items() if key != "admin"}


@pytest.fixture(scope="session")
def read_db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    """A schema with every type in the type table, a view, a keyless table, composite keys, odd names."""
    name = f"readdb_{uuid.uuid4().hex[:6]}"
    password = new_password("read")
    admin = mysql_server.connect()
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {READ_DB_COLLATION}")
    with mysql_server.connect(name) as tables, tables.cursor() as cur:  # its own session: the sql_mode it leaves
        for statement in READ_TABLES:
            cur.execute(statement)
        cur.execute("CREATE TABLE wide (id INT PRIMARY KEY, payload LONGTEXT)")
        cur.executemany("INSERT INTO wide VALUES (%s, %s)", [(i, "x" * 1_000_000) for i in range(12)])
    with admin.cursor() as cur:
        cur.execute(f"CREATE USER 'read_{name}'@'%%' IDENTIFIED BY %s", (password,))
        cur.execute(f"GRANT SELECT ON `{name}`.* TO 'read_{name}'@'%'")
    try:
        yield {"host": mysql_server.host, "port": mysql_server.port, "database": name,
               "username": f"read_{name}", "password": password, "admin": admin}
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE `{name}`")
            cur.execute(f"DROP USER 'read_{name}'@'%'")
        admin.close()


Caller = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def exact_db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    """A database of its own (tables are altered and dropped here) and a login that reads and writes it."""
    with scratch_database(mysql_server, "exactdb", "SELECT, INSERT, UPDATE, DELETE", "ex") as db:
        yield db


@pytest.fixture(scope="module")
def call(exact_db: dict[str, Any], aws_env: str) -> Caller:
    """Answers events for ``exact_db``'s profile."""
    return profile_caller(exact_db, aws_env)


def sql(db: dict[str, Any], *statements: str, params: Any = None) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    with db["admin"].cursor() as cur:
        cur.execute(f"USE `{db['database']}`")
        for statement in statements:
            cur.execute(statement, params)
            rows = list(cur.fetchall())
    return rows


def pages(call: Caller, identifier: str, max_results: int, decode: Callable[[str], Any] = json.loads,
          **fields: Any) -> list[dict[str, Any]]:
    """Every record of a flow, page by page (each page checked to succeed and to respect maxResults)."""
    records: list[dict[str, Any]] = []
    token = None
    for _ in range(10_000):
        response = call("QueryDataRequest", entityIdentifier=identifier, maxResults=max_results, nextToken=token,
                        **fields)
        assert response["isSuccess"], response["errorDetails"]
        assert len(response["records"]) <= max_results
        records += [decode(r) for r in response["records"]]
        token = response["nextToken"]
        if token is None:
            return records
    raise AssertionError("the flow never ended")


def identifier(db: dict[str, Any], table: str) -> str:
    return f"{db['database']}.{table}"


def profile_caller(db: dict[str, Any], endpoint: str) -> Callable[..., dict[str, Any]]:
    """Builds raw AppFlow events for a database's profile and answers them through lambda_handler."""
    from handlers.app import lambda_handler

    arn = put_secret(endpoint, f"appflow!{ACCOUNT}-mysql-{uuid.uuid4().hex[:8]}", {
        "customAuthenticationType": "MySQL", "host": db["host"], "port": str(db["port"]),
        "database": db["database"], "username": db["username"], "password": db["password"]})

    def call(request_type: str, context: Any = None, settings: dict[str, str] | None = None,
             **fields: Any) -> dict[str, Any]:
        event = {"type": request_type, **fields, "connectorContext": {
            "apiVersion": "v1", "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
            "connectorRuntimeSettings": {**db.get("tls", {}), **(settings or {})}}}
        response = lambda_handler(event, context)
        json.dumps(response)  # what Lambda returns must serialise
        return dict(response)

    return call


@pytest.fixture(scope="session")
def caller(read_db: dict[str, Any], aws_env: str) -> Callable[..., dict[str, Any]]:
    """Answers events for the read-only profile of ``read_db``."""
    return profile_caller(read_db, aws_env)


@contextmanager
def temporary_login(admin: Any, user: str, grants: str | None = None, database: str | None = None,
                    label: str = "temp") -> Iterator[str]:
    """A MySQL account for one test, with ``grants`` on ``database``; yields its (leak-watched) password."""
    password = new_password(label)
    with admin.cursor() as cur:
        cur.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
        if grants:
            cur.execute(f"GRANT {grants} ON `{database}`.* TO '{user}'@'%'")
    try:
        yield password
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")


@pytest.fixture
def insert_only_user(mysql_server: ServerAddress, app_db: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A login of ``app_db`` with INSERT but no SELECT on its database."""
    admin = mysql_server.connect()
    try:
        with temporary_login(admin, "noselect", "INSERT", app_db["database"], "noselect") as password:
            yield {**app_db, "username": "noselect", "password": password}
    finally:
        admin.close()
