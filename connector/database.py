"""Connections to MySQL: TLS per the profile, a UTC session, read-only sources.

Every PyMySQL error raised while connecting or inside ``session()`` leaves as
a classified ConnectorError, so callers never see driver exceptions.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pymysql
from pymysql.constants import CLIENT, CR, ER, SERVER_STATUS

from connector.credentials import DbLogin
from connector.errors import AccessDeniedError, InvalidArgumentError, classify_mysql_error, error_number
from connector.settings import ProfileSettings
from connector.sql import quote_table

__all__ = ["DEFAULT_READ_TIMEOUT", "check_select", "connect", "session"]

# Data calls must answer AppFlow within 30 s; a statement that takes longer is dead anyway.
DEFAULT_READ_TIMEOUT = 28.0


@lru_cache(maxsize=16)
def _tls_context(mode: str, ca_bundle: str | None) -> ssl.SSLContext | None:
    """One context per mode and bundle for the container's life: loading CAs costs ~30 ms."""
    if mode == "DISABLED":
        return None
    if mode in ("PREFERRED", "REQUIRED"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        context = ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError, ValueError) as exc:
        msg = f"tlsCaBundle {ca_bundle!r} cannot be loaded as a PEM CA bundle: {exc}"
        raise InvalidArgumentError(msg) from exc
    context.check_hostname = mode == "VERIFY_IDENTITY"
    return context


# Servers seen without TLS under tlsMode PREFERRED: connect in clear text at once next time.
_NO_TLS: set[tuple[str, int]] = set()


def connect(
    login: DbLogin,
    settings: ProfileSettings,
    *,
    read_only: bool = True,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    conv: dict[Any, Any] | None = None,
) -> pymysql.connections.Connection:
    """Open a session in UTC; ``read_only`` sessions cannot change data (source operations).

    ``conv`` replaces PyMySQL's decoders (the read path decodes straight to JSON forms).
    """
    target = login.target(settings)
    context = _tls_context(settings.tls_mode, settings.tls_ca_bundle)
    if settings.tls_mode == "PREFERRED" and (login.host, login.port) in _NO_TLS:
        context = None
    try:
        conn = _open(login, settings, context, read_timeout, conv, read_only)
    except pymysql.err.OperationalError as exc:
        if not (settings.tls_mode == "PREFERRED" and context is not None
                and error_number(exc) == CR.CR_SSL_CONNECTION_ERROR):
            raise classify_mysql_error(exc, target) from exc
        _NO_TLS.add((login.host, login.port))  # PREFERRED: fall back to clear text
        try:
            conn = _open(login, settings, None, read_timeout, conv, read_only)
        except pymysql.err.MySQLError as retry_exc:
            raise classify_mysql_error(retry_exc, target) from retry_exc
    except pymysql.err.MySQLError as exc:
        raise classify_mysql_error(exc, target) from exc
    except UnicodeError:  # an unusable host name; the exception text may quote the password, so not shown
        msg = (f"The host name {login.host[:80]!r} is not a valid DNS name. Check the host of the "
               "connection profile.")
        raise InvalidArgumentError(msg) from None
    except RuntimeError as exc:  # PyMySQL: an authentication plugin that needs an extra package
        msg = (f"MySQL at {target.where} asks user '{login.user}' to log in with a method PyMySQL cannot use "
               f"here ({exc}). Use tlsMode REQUIRED (caching_sha2_password then needs no RSA), or give the "
               "user mysql_native_password.")
        raise InvalidArgumentError(msg) from None
    try:
        with conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00', net_write_timeout = 600, net_read_timeout = 600")
            if read_only:
                cur.execute("SET SESSION TRANSACTION READ ONLY")
            else:  # a value that does not fit fails its record instead of being truncated
                cur.execute("SET SESSION sql_mode = IF(@@SESSION.sql_mode = '', 'STRICT_ALL_TABLES', "
                            "CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES'))")
    except pymysql.err.MySQLError as exc:
        conn.close()
        raise classify_mysql_error(exc, target) from exc
    return conn


def _open(login: DbLogin, settings: ProfileSettings, context: ssl.SSLContext | None, read_timeout: float,
          conv: dict[Any, Any] | None, read_only: bool) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=login.host,
        port=login.port,
        user=login.user,
        password=login.password.encode("utf-8"),  # PyMySQL would encode a str as latin-1
        database=login.database,
        charset="utf8mb4",
        connect_timeout=settings.connect_timeout,
        read_timeout=read_timeout,
        write_timeout=read_timeout,
        autocommit=True,
        # With a context PyMySQL refuses a server without TLS before it logs in.
        ssl=context,
        ssl_disabled=context is None,
        # Writers count matched rows, so that an UPDATE of an unchanged row is not "no such row".
        client_flag=0 if read_only else CLIENT.FOUND_ROWS,
        **({"conv": conv} if conv is not None else {}),
    )


# Idle connections kept by a warm Lambda container between calls: against Aurora a new TLS
# connection costs a handful of round trips per page. Each is pinged, re-enters its database
# (MySQL re-checks database privileges on USE) and is dropped when older than IDLE_SECONDS.
IDLE_SECONDS = 60.0
_IDLE_MAX = 4
_IDLE: dict[tuple[Any, ...], tuple[float, pymysql.connections.Connection]] = {}


def _reusable(key: tuple[Any, ...], database: str | None) -> pymysql.connections.Connection | None:
    found = _IDLE.pop(key, None)
    if found is None:
        return None
    since, conn = found
    try:
        if time.monotonic() - since > IDLE_SECONDS:
            raise pymysql.err.OperationalError(0, "idle too long")
        if database:
            conn.select_db(database)  # one round trip: proves the connection alive too
        else:
            conn.ping(reconnect=False)
    except pymysql.err.MySQLError:
        if conn.open:
            conn.close()
        return None
    return conn


def _keep(key: tuple[Any, ...], conn: pymysql.connections.Connection) -> None:
    _, old = _IDLE.pop(key, (0.0, None))
    if old is not None and old.open:
        old.close()
    while len(_IDLE) >= _IDLE_MAX:  # drop the one idle longest
        oldest_key = min(_IDLE, key=lambda k: _IDLE[k][0])
        _, oldest = _IDLE.pop(oldest_key)
        if oldest.open:
            oldest.close()
    _IDLE[key] = (time.monotonic(), conn)


@contextmanager
def session(
    login: DbLogin,
    settings: ProfileSettings,
    *,
    read_only: bool = True,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    conv: dict[Any, Any] | None = None,
    reuse: bool = True,
) -> Iterator[pymysql.connections.Connection]:
    """A connection for one call; driver errors inside the block are classified.

    With ``reuse`` a healthy connection of an earlier call with the same login and
    session kind is taken again, and kept after a clean exit; a failed block closes it.
    Checks that must prove a fresh login (ValidateCredentials) pass ``reuse=False``.
    """
    key = (login, settings.tls_mode, settings.tls_ca_bundle, settings.connect_timeout, read_only, read_timeout,
           id(conv))
    conn = (_reusable(key, login.database) if reuse else None) or connect(
        login, settings, read_only=read_only, read_timeout=read_timeout, conv=conv)
    clean = False
    try:
        yield conn
        clean = True
    except pymysql.err.MySQLError as exc:
        raise classify_mysql_error(exc, login.target(settings)) from exc
    finally:
        if clean and reuse and conn.open and not conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS:
            _keep(key, conn)
        elif conn.open:
            conn.close()


def check_select(cur: Any, login: DbLogin) -> None:
    """Prove SELECT on the database by reading zero rows of one of its tables."""
    database = str(login.database)
    cur.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME LIMIT 1",
        (login.database,),
    )
    row = cur.fetchone()
    if row is None:
        return  # an empty (or invisible) database: nothing to read yet, nothing to refuse
    try:
        cur.execute(f"SELECT 1 FROM {quote_table(database, row[0])} LIMIT 0", ())
    except pymysql.err.OperationalError as exc:
        if error_number(exc) in (ER.TABLEACCESS_DENIED_ERROR, ER.COLUMNACCESS_DENIED_ERROR):
            msg = (f"User '{login.user}' cannot SELECT in database '{login.database}' at "
                   f"{login.host}:{login.port} (tried table '{row[0]}'): the SELECT privilege is missing. "
                   f"Grant it: GRANT SELECT ON `{login.database}`.* TO '{login.user}'@'%'.")
            raise AccessDeniedError(msg) from exc
        raise

