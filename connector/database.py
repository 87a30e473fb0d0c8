"""Connections to MySQL: TLS per the profile, a UTC session, read-only sources.

Every PyMySQL error raised while connecting or inside ``session()`` leaves as
a classified ConnectorError, so callers never see driver exceptions.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import pymysql

from connector.credentials import DbLogin
from connector.errors import InvalidArgumentError, classify_mysql_error
from connector.settings import ProfileSettings

__all__ = ["DEFAULT_READ_TIMEOUT", "connect", "session"]

# Data calls must answer AppFlow within 30 s; a statement that takes longer is dead anyway.
DEFAULT_READ_TIMEOUT = 28.0


def _tls_context(settings: ProfileSettings) -> ssl.SSLContext | None:
    """A context for the modes that insist on TLS; PyMySQL itself does PREFERRED."""
    if settings.tls_mode in ("DISABLED", "PREFERRED"):
        return None
    verify = settings.tls_mode in ("VERIFY_CA", "VERIFY_IDENTITY")
    try:
        context = ssl.create_default_context(cafile=settings.tls_ca_bundle if verify else None)
    except (OSError, ssl.SSLError) as exc:
        msg = f"tlsCaBundle {settings.tls_ca_bundle!r} cannot be loaded as a PEM CA bundle: {exc}"
        raise InvalidArgumentError(msg) from exc
    context.check_hostname = settings.tls_mode == "VERIFY_IDENTITY"
    if not verify:
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(
    login: DbLogin,
    settings: ProfileSettings,
    *,
    read_only: bool = True,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> pymysql.connections.Connection:
    """Open a session in UTC; ``read_only`` sessions cannot change data (source operations)."""
    target = login.target(settings)
    context = _tls_context(settings)
    try:
        conn = pymysql.connect(
            host=login.host,
            port=login.port,
            user=login.user,
            password=login.password,
            database=login.database,
            charset="utf8mb4",
            connect_timeout=settings.connect_timeout,
            read_timeout=read_timeout,
            write_timeout=read_timeout,
            autocommit=True,
            # With a context PyMySQL refuses servers without TLS before it logs in.
            ssl=context,
            ssl_disabled=settings.tls_mode == "DISABLED",
        )
    except pymysql.err.MySQLError as exc:
        raise classify_mysql_error(exc, target) from exc
    try:
        with conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00', net_write_timeout = 600, net_read_timeout = 600")
            if read_only:
                cur.execute("SET SESSION TRANSACTION READ ONLY")
    except pymysql.err.MySQLError as exc:
        conn.close()
        raise classify_mysql_error(exc, target) from exc
    return conn


@contextmanager
def session(
    login: DbLogin,
    settings: ProfileSettings,
    *,
    read_only: bool = True,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> Iterator[pymysql.connections.Connection]:
    """A connection closed on exit; driver errors inside the block are classified."""
    conn = connect(login, settings, read_only=read_only, read_timeout=read_timeout)
    try:
        yield conn
    except pymysql.err.MySQLError as exc:
        raise classify_mysql_error(exc, login.target(settings)) from exc
    finally:
        if conn.open:
            conn.close()
