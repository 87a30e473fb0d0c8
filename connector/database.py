"""Connections to MySQL: TLS per the profile, a UTC session, read-only sources.

Every PyMySQL error raised while connecting or inside ``session()`` leaves as
a classified ConnectorError, so callers never see driver exceptions.
"""

from __future__ import annotations

import math
import ssl
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pymysql
from pymysql.constants import CLIENT, ER, SERVER_STATUS

from connector.credentials import DbLogin
from connector.deadline import Deadline
from connector.errors import (
    RETRY_AFTER_SECONDS,
    AccessDeniedError,
    ConnectionMovedError,
    ConnectorError,
    InvalidArgumentError,
    MySQLTarget,
    PasswordWithheldError,
    RequestTimeoutError,
    ServiceUnavailableError,
    classify_mysql_error,
    error_number,
    lacks_table_privilege,
    lost_mid_statement,
    no_greeting,
    server_message,
    shut_down_mid_statement,
    writer_moved,
)
from connector.limits import IDLE_CONNECTION_SECONDS, NET_TIMEOUT_SECONDS, UNBOUNDED_READ_SECONDS
from connector.login_guard import (
    CredentialWithheld,
    GuardedConnection,
    LoginProtocolError,
    SessionBounds,
    UnsupportedPlugin,
    reveals_credentials_to,
)
from connector.read_codecs import decoders
from connector.settings import ProfileSettings
from connector.sql import quote_table
from connector.wire import bound_reads, prefer_tls, tls_is_up

__all__ = ["WARM", "WarmConnections", "bound_reads", "bounded", "check_select", "connect", "discard", "hold_session_to",
           "is_mariadb",
           "session"]

# How long a warm connection may take to prove it is alive before a new one is opened instead.
_LIVENESS_SECONDS = 1.5


# Aurora's server certificates chain to these (connector/certs/SOURCE.md says where the file came from).
RDS_CA_BUNDLE = Path(__file__).resolve().parent / "certs" / "rds-global-bundle.pem"


@lru_cache(maxsize=16)
def _tls_context(mode: str, ca_bundle: str | None) -> ssl.SSLContext | None:
    """One context per mode and bundle for the container's life: loading CAs costs ~30 ms.

    Verifying modes trust ``ca_bundle`` when given (as ``mysql --ssl-ca`` does), else the
    system CAs plus the Amazon RDS bundle shipped with the connector.
    """
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
    if not ca_bundle:
        context.load_verify_locations(cafile=str(RDS_CA_BUNDLE))
    context.check_hostname = mode == "VERIFY_IDENTITY"
    return context


def connect(
    login: DbLogin,
    settings: ProfileSettings,
    *,
    read_only: bool = True,
    deadline: Deadline | None = None,
    read_timeout: float | None = None,
    conv: dict[Any, Any] | None = None,
) -> pymysql.connections.Connection:
    """Open a session in UTC; ``read_only`` sessions cannot change data (source operations).

    Connecting, the server's greeting and every later read are bounded by ``deadline`` (or
    ``read_timeout``). ``conv`` replaces PyMySQL's decoders (the read path decodes straight
    to JSON forms).
    """
    target = login.target(settings)
    deadline = deadline or Deadline.after(read_timeout or UNBOUNDED_READ_SECONDS)
    if deadline.passed():
        msg = f"No time was left to connect to MySQL at {target.where} before the call's deadline."
        raise RequestTimeoutError(msg)
    _check_host_name(login.host)
    context = _tls_context(settings.tls_mode, settings.tls_ca_bundle)
    conn = _unopened(login, settings, context, deadline, conv, read_only)
    _log_in(conn, login, settings, target)
    _set_up_session(conn, target, deadline, read_only)
    return conn


def _log_in(conn: GuardedConnection, login: DbLogin, settings: ProfileSettings, target: MySQLTarget) -> None:
    """Connect, TLS and the login; every way it fails leaves as a ConnectorError that names what answered."""
    try:
        conn.connect()
    except CredentialWithheld as exc:
        raise _withheld(target, settings, exc) from None
    except UnsupportedPlugin as exc:
        raise _unsupported(target, conn, exc) from None
    except LoginProtocolError as exc:
        raise _not_mysql(target, f"it answered the login with {exc.detail}; a proxy that rewrites logins would "
                         "too") from None
    except pymysql.err.OperationalError as exc:
        raise _login_broke(conn, target, exc) from exc
    except pymysql.err.InternalError as exc:  # "Packet sequence number wrong": another protocol answered
        raise _not_mysql(target, str(exc)) from exc
    except pymysql.err.MySQLError as exc:
        raise classify_mysql_error(exc, target) from exc
    except RuntimeError as exc:  # PyMySQL: an authentication plugin that needs an extra package (ed25519: PyNaCl)
        msg = (f"MySQL at {target.where} asks user '{login.user}' to log in with a method PyMySQL cannot use "
               f"here ({exc}). Give the user mysql_native_password or caching_sha2_password.")
        raise InvalidArgumentError(msg) from None
    except (IndexError, ValueError, struct.error) as exc:  # a greeting PyMySQL cannot parse (UnicodeError too)
        raise _not_mysql(target, f"{type(exc).__name__} in its greeting or login packets") from None


def _login_broke(conn: GuardedConnection, target: MySQLTarget, exc: pymysql.err.OperationalError) -> ConnectorError:
    """The connection broke or went silent during connect, TLS or the login: which of them, and what answered."""
    if _handshake_failed(conn, exc):
        return _tls_handshake_failure(target, exc)
    if no_greeting(exc) and not getattr(conn, "server_version", None):
        return _not_mysql(target, server_message(exc))
    if no_greeting(exc):  # it greeted as MySQL, then went silent or closed during the login
        msg = (f"MySQL at {target.where} greeted the connector, then stopped answering during the login "
               f"({server_message(exc)}): an overloaded or stalled server (slow reverse DNS without "
               "skip-name-resolve, a thread limit), or a killed login. Retry; check the server's health.")
        return ServiceUnavailableError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)
    return classify_mysql_error(exc, target)


def _set_up_session(conn: GuardedConnection, target: MySQLTarget, deadline: Deadline, read_only: bool) -> None:
    """The session's first statements: UTC and the call's bounds, then read-only (sources) or strict (writers).

    A failure closes the connection (it was never handed out) and leaves as a ConnectorError.
    """
    try:
        with conn.cursor() as cur:
            _first_settings(cur, conn, deadline)
            if read_only:
                cur.execute("SET SESSION TRANSACTION READ ONLY")
            else:  # a value that does not fit fails its record instead of being truncated
                cur.execute("SET SESSION sql_mode = IF(@@SESSION.sql_mode = '', 'STRICT_ALL_TABLES', "
                            "CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES'))")
    except pymysql.err.MySQLError as exc:
        conn.close()
        raise classify_mysql_error(exc, target) from exc
    except RuntimeError as exc:
        if not _asked_for_a_local_file(exc):
            raise
        conn.close()
        raise _local_file_request(target) from None


def _asked_for_a_local_file(exc: BaseException) -> bool:
    """PyMySQL's refusal of a server's LOAD DATA LOCAL request (local_infile is off: nothing was sent)."""
    return isinstance(exc, RuntimeError) and "LOAD_LOCAL" in str(exc)


def _local_file_request(target: MySQLTarget) -> InvalidArgumentError:
    msg = (f"MySQL at {target.where} answered a statement with a request for a file of the function (LOAD DATA "
           "LOCAL), which the connector never asked for and refused: it is not the database, or a proxy in "
           "between rewrites statements. Check the host and port, and keep tlsMode VERIFY_IDENTITY.")
    return InvalidArgumentError(msg)


def _first_settings(cur: Any, conn: GuardedConnection, deadline: Deadline) -> None:
    """UTC, network timeouts and the call's bounds, in one round trip. A server whose greeting named the other
    flavour (a proxy greets for itself: RDS Proxy, ProxySQL) answers error 1193 for the statement-time
    variable: it is then set under the other flavour's name, and left out on a server that knows neither
    (its lock waits and the socket still bound every statement)."""
    for _ in range(3):
        bounds = _bounds(conn, deadline)
        try:
            cur.execute(f"SET time_zone = '+00:00', net_write_timeout = {NET_TIMEOUT_SECONDS:d}, "
                        f"net_read_timeout = {NET_TIMEOUT_SECONDS:d}" + (f", {bounds[0]}" if bounds else ""))
        except pymysql.err.OperationalError as exc:
            name = _statement_time_variable(conn)
            if error_number(exc) != ER.UNKNOWN_SYSTEM_VARIABLE or not name or name not in str(exc):
                raise
            tried_other = conn.statement_time_variable is not None
            conn.statement_time_variable = "" if tried_other else _OTHER_STATEMENT_TIME[name]
            continue
        if bounds:
            _held(conn, bounds[1])
        return


def _check_host_name(host: str) -> None:
    """A host name DNS cannot carry is the profile's mistake, said before connecting (not as a protocol error)."""
    try:
        host.encode("idna")
    except UnicodeError:  # not shown whole: a mistyped profile may hold the password there
        msg = f"The host name {host[:80]!r} is not a valid DNS name. Check the host of the connection profile."
        raise InvalidArgumentError(msg) from None


def _withheld(target: MySQLTarget, settings: ProfileSettings, exc: CredentialWithheld) -> PasswordWithheldError:
    """The server asked for the password itself over a connection that did not prove who the server is."""
    if not exc.over_tls:
        proof = f"the connection is not encrypted (tlsMode {settings.tls_mode})"
    elif settings.tls_mode == "VERIFY_CA":
        proof = ("tlsMode VERIFY_CA checks the certificate's CA but not that it names this host: with the default "
                 "trust any public or Amazon RDS certificate passes, and a tlsCaBundle's CA may sign for others too")
    else:
        proof = (f"tlsMode {settings.tls_mode} encrypts the connection but does not check the certificate, so it "
                 "stops eavesdroppers, not a server pretending to be this one")
    full_auth = ("MySQL 8 asks for it with caching_sha2_password the first time a user logs in after a restart "
                 "or FLUSH PRIVILEGES, and always for sha256_password users. " if "sha" in exc.plugin else "")
    msg = (f"MySQL at {target.where} asked for the password of user '{target.user}' itself ({exc.how}); the "
           f"connector sent nothing: {proof}. {full_auth}Fix: tlsMode VERIFY_IDENTITY (the default; the Amazon "
           "RDS CA bundle ships with the connector, so Aurora and RDS endpoints need nothing more), with "
           "tlsCaBundle for a server whose CA is private and a certificate naming the host; or give the user "
           "mysql_native_password, whose login never reveals the password.")
    return PasswordWithheldError(msg)


def _unsupported(target: MySQLTarget, conn: GuardedConnection, exc: UnsupportedPlugin) -> InvalidArgumentError:
    """A plugin the connector does not take (Kerberos, LDAP SASL, WebAuthn, the pre-4.1 hash...): nothing sent."""
    old = " (the pre-4.1 hash, which an eavesdropper can reverse)" if exc.plugin == "mysql_old_password" else ""
    msg = (f"MySQL at {target.where} asks user '{target.user}' to log in with authentication plugin "
           f"{exc.plugin[:60]!r}{old}, which the connector does not support; it sent nothing for it (the server "
           f"greeted with {conn.greeting_plugin[:60] or 'no plugin'!r}). Give the user mysql_native_password or "
           "caching_sha2_password (or IAM authentication on Aurora).")
    return InvalidArgumentError(msg)


def _handshake_failed(conn: pymysql.connections.Connection, exc: pymysql.err.OperationalError) -> bool:
    """The server greeted offering TLS, and the connection broke or stalled before TLS was up (not a refused
    certificate, which has its own message)."""
    cause = getattr(exc, "original_exception", None)
    return (bool(getattr(conn, "server_version", None)) and conn.ssl and not tls_is_up(conn)
            and bool(conn.server_capabilities & CLIENT.SSL) and isinstance(cause, OSError)
            and not isinstance(cause, ssl.SSLCertVerificationError))


def _tls_handshake_failure(target: MySQLTarget, exc: pymysql.err.OperationalError) -> ServiceUnavailableError:
    cause = getattr(exc, "original_exception", exc)
    how = "went silent" if isinstance(cause, TimeoutError) else f"failed ({cause})"
    msg = (f"MySQL at {target.where} greeted the connector and offered TLS, then the TLS handshake {how}: the "
           "server's TLS set-up (certificate, key, protocol versions), or a proxy or load balancer in between that "
           "does not pass TLS. Check the server's TLS configuration; for a server without working TLS, tlsMode "
           "PREFERRED or DISABLED (clear text).")
    return ServiceUnavailableError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)


def _not_mysql(target: MySQLTarget, detail: str) -> ServiceUnavailableError:
    detail = detail.strip() or "the connection closed before the greeting"
    if "timed out" in detail:
        msg = (f"MySQL at {target.where} did not greet the connector in time. An Aurora Serverless v2 cluster "
               "paused at 0 ACU takes up to about 15 s to resume on the first connection: if that is this "
               "database, it may be resuming now; retry in a minute. Otherwise the server is hung or "
               f"overloaded, or port {target.port} is not the database's MySQL port (3306 for MySQL and Aurora "
               "MySQL) but a service that waits for the client to speak first (HTTP).")
        return ServiceUnavailableError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)
    msg = (f"{target.where} does not answer as MySQL ({detail}): check that port {target.port} is the database's "
           "MySQL port (3306 for MySQL and Aurora MySQL), not SSH, HTTP, a proxy of another protocol, or a "
           "server still starting.")
    return ServiceUnavailableError(msg)


def _unopened(login: DbLogin, settings: ProfileSettings, context: ssl.SSLContext | None, deadline: Deadline,
              conv: dict[Any, Any] | None, read_only: bool) -> GuardedConnection:
    """The connection, configured but not yet connected (so a failure can tell whether the server greeted)."""
    preferred = settings.tls_mode == "PREFERRED"
    conn = GuardedConnection(
        may_reveal=reveals_credentials_to(settings.tls_mode),
        host=login.host,
        port=login.port,
        user=login.user,
        password=login.password.encode("utf-8"),  # PyMySQL would encode a str as latin-1
        database=login.database,
        charset="utf8mb4",
        connect_timeout=max(0.5, min(settings.connect_timeout, deadline.left())),
        read_timeout=deadline.socket_timeout(),
        write_timeout=deadline.socket_timeout(),
        autocommit=True,
        # With a context PyMySQL refuses a server without TLS before it logs in.
        ssl=context,
        ssl_disabled=context is None,
        # Writers count matched rows, so that an UPDATE of an unchanged row is not "no such row".
        client_flag=0 if read_only else CLIENT.FOUND_ROWS,
        defer_connect=True,
        **({"conv": conv} if conv is not None else {}),
    )
    if preferred:  # PyMySQL's own PREFERRED: TLS when the server offers it, clear text when it does not
        prefer_tls(conn)
    return conn


class WarmConnections:
    """The idle connections a warm Lambda container keeps between calls, and their owner.

    Against Aurora a new TLS connection costs a handful of round trips per page. One per container by
    default (the last one used, for its login and session kind), so the database sees at most
    concurrency x 1 connections. A connection re-enters its database when taken (MySQL re-checks
    database privileges on USE, and the round trip proves it alive) and is dropped when idle longer
    than IDLE_CONNECTION_SECONDS.
    """

    def __init__(self, most: int = 1) -> None:
        self.most = most
        self._idle: dict[tuple[Any, ...], tuple[float, pymysql.connections.Connection]] = {}

    def keys(self) -> list[tuple[Any, ...]]:
        return list(self._idle)

    def take(self, key: tuple[Any, ...], database: str | None,
             deadline: Deadline) -> pymysql.connections.Connection | None:
        """The idle connection for ``key``, alive and held to ``deadline``; None (and it closed) otherwise."""
        found = self._idle.pop(key, None)
        if found is None:
            return None
        since, conn = found
        try:
            if time.monotonic() - since > IDLE_CONNECTION_SECONDS:
                raise pymysql.err.OperationalError(0, "idle too long")
            # a warm connection that does not answer USE at once is dead: a fresh one gets the rest of the time
            bound_reads(conn, Deadline(min(deadline.at, time.monotonic() + _LIVENESS_SECONDS)))
            if database:
                conn.select_db(database)  # one round trip: proves the connection alive too
            else:
                conn.ping(reconnect=False)
            bound_reads(conn, deadline)  # the liveness bound was for the check only: the call's own from here
            hold_session_to(conn, deadline)  # the last call's bounds; a failing SET means a fresh connection
        except pymysql.err.MySQLError:
            discard(conn)
            return None
        return conn

    def keep(self, key: tuple[Any, ...], conn: pymysql.connections.Connection) -> None:
        """Keep ``conn`` for the next call with ``key``, closing what it replaces or what is idle longest."""
        _, old = self._idle.pop(key, (0.0, None))
        if old is not None:
            discard(old)
        while len(self._idle) >= self.most:
            oldest_key = min(self._idle, key=lambda k: self._idle[k][0])
            discard(self._idle.pop(oldest_key)[1])
        self._idle[key] = (time.monotonic(), conn)


# The container's warm connections (a warm Lambda container reuses this module, and so them).
WARM = WarmConnections()


def discard(conn: pymysql.connections.Connection) -> None:
    if conn.open:
        conn.close()


@contextmanager
def session(
    login: DbLogin,
    settings: ProfileSettings,
    *,
    read_only: bool = True,
    deadline: Deadline | None = None,
    rows_for_appflow: bool = False,
    reuse: bool = True,
) -> Iterator[pymysql.connections.Connection]:
    """A connection for one call; driver errors inside the block are classified.

    Every exchange with the server is bounded by ``deadline`` (by default, as long as a data call may take).
    ``rows_for_appflow`` decodes rows straight to AppFlow's JSON forms (``read_codecs.decoders``).
    With ``reuse`` a healthy connection of an earlier call with the same login and session
    kind is taken again, and kept after a clean exit; a failed block closes it. Checks that
    must prove a fresh login (ValidateCredentials) pass ``reuse=False``.
    """
    deadline = deadline or Deadline.after(UNBOUNDED_READ_SECONDS)
    conv = decoders(settings.source_time_zone) if rows_for_appflow else None
    key = (login, settings, read_only, rows_for_appflow)
    conn = WARM.take(key, login.database, deadline) if reuse else None
    if conn is None:
        conn = connect(login, settings, read_only=read_only, deadline=deadline, conv=conv)
    clean = False
    try:
        hold_session_to(conn, deadline)  # a warm connection still holds the last call's bounds
        yield conn
        clean = True
    except pymysql.err.MySQLError as exc:
        age = time.monotonic() - conn.opened_at if isinstance(conn, GuardedConnection) else 0.0
        explained = _why_lost(login, settings, deadline, age) if lost_mid_statement(exc) else None
        failure = explained or classify_mysql_error(exc, login.target(settings))
        cut = lost_mid_statement(exc) or shut_down_mid_statement(exc)
        if (writer_moved(exc) and not read_only) or (cut and read_only):
            # nothing written: a read can start again, a write reached a server that refused all of it
            raise ConnectionMovedError(failure.message, retry_after_seconds=RETRY_AFTER_SECONDS) from exc
        raise failure from exc
    except RuntimeError as exc:
        if not _asked_for_a_local_file(exc):
            raise
        raise _local_file_request(login.target(settings)) from None
    finally:
        if clean and reuse and conn.open and not conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS:
            WARM.keep(key, conn)
        else:
            discard(conn)


def _why_lost(login: DbLogin, settings: ProfileSettings, deadline: Deadline,
              age: float) -> ServiceUnavailableError | None:
    """Ask the server, over a fresh connection, why a session ``age`` seconds old ended mid-statement.

    A server that answers at once and has been up longer than the session ended it itself
    (KILL, a proxy's timeout): not the network, which the generic message would suggest.
    None when there is no time to ask, or the server cannot be reached now.
    """
    if deadline.left() < 1.0:
        return None
    try:
        probe = connect(login, settings, deadline=Deadline(min(deadline.at, time.monotonic() + 2.0)))
    except ConnectorError:
        return None
    try:
        with probe.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS LIKE 'Uptime'", ())
            row = cur.fetchone()
    except pymysql.err.MySQLError:
        return None
    finally:
        probe.close()
    where = login.target(settings).where
    uptime = int(row[1]) if row and str(row[1]).isdigit() else None
    if uptime is not None and uptime < age:
        msg = (f"MySQL at {where} restarted during the call (up {uptime} s): a reboot, a failover or a crash "
               "ended the session. Retry.")
    else:
        msg = (f"MySQL at {where} killed the connector's connection during the statement, yet answers a new "
               "one at once: KILL by an administrator or a monitoring job, or a proxy's timeout. Not a network "
               "problem. Retry.")
    return ServiceUnavailableError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)


def bounded(conn: pymysql.connections.Connection, sql: str, deadline: Deadline) -> str:
    """``sql``, after the session was told to stop it, and any lock wait in it, by the deadline; the socket too.

    One mechanism on both servers: session variables (``hold_session_to``), set when the call starts
    and again only when the time left has fallen below them, so a statement usually costs no extra
    round trip. The text is returned unchanged, so callers keep one statement per call site.
    """
    bound_reads(conn, deadline)
    hold_session_to(conn, deadline)
    return sql


def hold_session_to(conn: pymysql.connections.Connection, deadline: Deadline) -> None:
    """Set the session's lock waits and statement time to end by ``deadline`` unless they already do."""
    bounds = _bounds(conn, deadline)
    if bounds is not None:
        with conn.cursor() as cur:
            cur.execute("SET SESSION " + bounds[0])
        _held(conn, bounds[1])


# How far past the time left a session's statement time may reach before it is set again: under the socket's
# grace (Deadline.socket_timeout), so that the server's own error, which names the cause, still comes first.
_BOUNDS_SLACK_SECONDS = 0.25
# Lock waits end this much before the statement time, so that a lock is named as a lock.
_LOCK_BEFORE_STATEMENT_SECONDS = 0.5


def _bounds(conn: pymysql.connections.Connection, deadline: Deadline) -> tuple[str, SessionBounds] | None:
    """The assignments that hold statements to ``deadline``, and what they hold; None when the session
    already is held to it.

    Both servers: ``lock_wait_timeout`` (metadata locks) and ``innodb_lock_wait_timeout`` (row locks),
    whole seconds, at least 1. Statement time: MariaDB's ``max_statement_time`` (seconds, every
    statement); MySQL's and Aurora's ``max_execution_time`` (milliseconds; read-only SELECTs only, so
    writes there are bounded by their lock waits and the socket); none on a server that knows neither.
    Set to the time left; set again in another call, or once the time left has fallen
    ``_BOUNDS_SLACK_SECONDS`` below it.
    """
    left = deadline.left()
    held = conn.session_bounds if isinstance(conn, GuardedConnection) else None
    if held is not None and held.deadline_at == deadline.at and held.seconds <= left + _BOUNDS_SLACK_SECONDS:
        return None
    seconds = deadline.statement_seconds()
    waits = max(1, math.floor(seconds - _LOCK_BEFORE_STATEMENT_SECONDS))
    name = _statement_time_variable(conn)
    text = f"lock_wait_timeout = {waits:d}, innodb_lock_wait_timeout = {waits:d}"
    if name == "max_statement_time":
        text += f", {name} = {seconds:.3f}"
    elif name:
        text += f", {name} = {math.ceil(seconds * 1000):d}"
    return text, SessionBounds(deadline.at, seconds)


def _held(conn: pymysql.connections.Connection, bounds: SessionBounds) -> None:
    """Remember what the session was set to, once the server took it."""
    if isinstance(conn, GuardedConnection):
        conn.session_bounds = bounds


# MariaDB's statement time (seconds, every statement) and MySQL's (milliseconds, read-only SELECTs)
_OTHER_STATEMENT_TIME = {"max_statement_time": "max_execution_time", "max_execution_time": "max_statement_time"}


def _statement_time_variable(conn: pymysql.connections.Connection) -> str:
    """The statement-time variable this server knows: from the greeting, unless the server said otherwise
    ("" when it knows neither: MySQL 5.6, a proxy that passes neither on)."""
    known = conn.statement_time_variable if isinstance(conn, GuardedConnection) else None
    if known is not None:
        return known
    return "max_statement_time" if is_mariadb(conn) else "max_execution_time"


def is_mariadb(conn: pymysql.connections.Connection) -> bool:
    return "mariadb" in str(conn.server_version or "").lower()


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
        if lacks_table_privilege(exc):
            msg = (f"User '{login.user}' cannot SELECT in database '{login.database}' at "
                   f"{login.host}:{login.port} (tried table '{row[0]}'): the SELECT privilege is missing. "
                   f"Grant it: GRANT SELECT ON `{login.database}`.* TO '{login.user}'@'%'.")
            raise AccessDeniedError(msg) from exc
        raise

