"""The test rig: a throwaway MariaDB, moto's Secrets Manager over HTTP, a leak detector.

Integration tests never skip: the session starts its own server (or uses
MYSQL_TEST_URL), and fails loudly if it cannot.
"""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devkit.mariadb import MySQLServer, ServerAddress
from devkit.secrets import ENDPOINT_ENV, FAKE_AWS_ENV, moto_secrets_manager, put_secret

ACCOUNT = "123456789012"
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


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[ServerAddress]:
    server = MySQLServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def aws_env() -> Iterator[str]:
    """Moto's server on loopback, reached only through AWS_ENDPOINT_URL_SECRETS_MANAGER."""
    saved = {key: os.environ.get(key) for key in (*FAKE_AWS_ENV, ENDPOINT_ENV)}
    os.environ.update(FAKE_AWS_ENV)
    with moto_secrets_manager() as endpoint:
        os.environ[ENDPOINT_ENV] = endpoint
        try:
            yield endpoint
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def make_secret(aws_env: str) -> Callable[[dict[str, Any]], str]:
    """Store a secret named like AppFlow's profile secrets; return its ARN."""

    def make(value: dict[str, Any]) -> str:
        return put_secret(aws_env, f"appflow!{ACCOUNT}-mysql-profile-{uuid.uuid4().hex[:8]}", value)

    return make


@pytest.fixture(scope="session")
def app_db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    """A database with one table and a read-only user; dropped at the end."""
    name = f"appdb_{uuid.uuid4().hex[:6]}"
    password = new_password("reader")
    admin = mysql_server.connect()
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
        cur.execute(f"CREATE TABLE `{name}`.orders (id INT PRIMARY KEY, total DECIMAL(12,2))")
        cur.execute(f"INSERT INTO `{name}`.orders VALUES (1, 9.99), (2, 20.00)")
        cur.execute(f"CREATE USER 'reader_{name}'@'%%' IDENTIFIED BY %s", (password,))
        cur.execute(f"GRANT SELECT ON `{name}`.* TO 'reader_{name}'@'%'")
    try:
        yield {"host": mysql_server.host, "port": mysql_server.port, "database": name,
               "username": f"reader_{name}", "password": password}
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE `{name}`")
            cur.execute(f"DROP USER 'reader_{name}'@'%'")
        admin.close()
