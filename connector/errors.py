"""Every expected failure, and the one table that classifies driver errors.

``ConnectorError`` subclasses say what the caller should do (fix an argument,
fix a grant, retry later); each carries the AppFlow ``ErrorCode`` it maps to.
The handler edge is the only place that turns them into ``ErrorDetails``.

Messages name what failed, where, and what to check. They are built from
host names, ports, user names, database names and ARNs, never from passwords
or secret values.
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass
from typing import Any, ClassVar

import pymysql
from custom_connector_sdk.lambda_handler.responses import ErrorCode
from pymysql.constants import CR, ER

from connector.limits import RETRY_AFTER_SECONDS

__all__ = [
    "CLIENT_SIDE",
    "RETRY_AFTER_SECONDS",
    "AccessDeniedError",
    "ConnectionMovedError",
    "ConnectorError",
    "InvalidArgumentError",
    "InvalidCredentialsError",
    "MySQLTarget",
    "PasswordWithheldError",
    "RateLimitExceededError",
    "RequestTimeoutError",
    "ResourceNotFoundError",
    "ServerError",
    "ServiceUnavailableError",
    "MYSQL_ERRORS",
    "MySQLErrorRule",
    "belongs_to_one_record",
    "classify_aws_error",
    "classify_mysql_error",
    "error_number",
    "kills_connection",
    "writer_moved",
    "lacks_table_privilege",
    "no_greeting",
    "lost_mid_statement",
    "mysql_rule",
    "out_of_time",
    "server_message",
    "server_stopped",
    "shut_down_mid_statement",
    "truncated_column",
    "view_is_broken",
    "waited_for_lock",
]


class ConnectorError(Exception):
    """An expected failure with a message a person can act on."""

    error_code: ClassVar[ErrorCode] = ErrorCode.UnknownError

    def __init__(self, message: str, *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds


class InvalidArgumentError(ConnectorError):
    """The request, a setting or a secret is malformed: fix the input."""

    error_code = ErrorCode.InvalidArgument


class PasswordWithheldError(InvalidArgumentError):
    """The server asked for the password itself, and the connection had not proved who the server is."""


class InvalidCredentialsError(ConnectorError):
    """MySQL rejected the user name or password."""

    error_code = ErrorCode.InvalidCredentials


class AccessDeniedError(ConnectorError):
    """Authenticated, but a grant or an IAM permission is missing."""

    error_code = ErrorCode.AccessDenied


class RequestTimeoutError(ConnectorError):
    """Nothing answered in time: usually a missing network path."""

    error_code = ErrorCode.RequestTimeout


class ServiceUnavailableError(ConnectorError):
    """The peer refused or is overloaded: retry, or open the port."""

    error_code = ErrorCode.ServiceUnavailable


class ConnectionMovedError(ServiceUnavailableError):
    """The session reached a server that cannot serve it any more: cut under a read, or the old writer
    (read-only now) after an Aurora failover. Nothing of the call was written; a new connection, which
    resolves the endpoint again, may reach the right server."""


class RateLimitExceededError(ConnectorError):
    """An AWS API throttled us."""

    error_code = ErrorCode.RateLimitExceeded


class ResourceNotFoundError(ConnectorError):
    """The secret, database, table or column does not exist."""

    error_code = ErrorCode.ResourceNotFoundError


class ServerError(ConnectorError):
    """The server failed in a way the caller cannot fix by changing input."""

    error_code = ErrorCode.ServerError


# --- MySQL -----------------------------------------------------------------


@dataclass(frozen=True)
class MySQLTarget:
    """What a MySQL error message may name: never the password."""

    host: str
    port: int
    user: str
    database: str | None = None
    connect_timeout: float = 5.0
    trust: str = "the system CAs and the Amazon RDS CAs shipped with the connector"  # what verifies its TLS

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


_SG_ADVICE = (
    "Check that the DB security group allows inbound TCP {port} from the Lambda function's security group"
)

# Numbers PyMySQL's ER/CR modules do not name (MySQL 8 and MariaDB additions).
ER_ACCESS_DENIED_NO_PASSWORD = 1698
ER_SECURE_TRANSPORT_REQUIRED = 3159
ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION = 1792
ER_READ_ONLY_MODE = 1836
ER_INNODB_READ_ONLY = 1874  # "Running in read-only mode": innodb_read_only (an Aurora reader) on both servers
ER_CONNECTION_KILLED = 1927  # MariaDB: KILL of the connection
ER_CLIENT_INTERACTION_TIMEOUT = 4031  # MySQL 8.0.24+: wait_timeout closed an idle connection
ER_CHECK_CONSTRAINT_VIOLATED = 3819  # MySQL 8 (MariaDB: ER.CONSTRAINT_FAILED)
ER_DATA_OUT_OF_RANGE = 1690
ER_NO_REFERENCED_ROW = 1216
ER_ROW_IS_REFERENCED = 1217
CLIENT_SIDE = 0  # PyMySQL's own errors (a closed connection, a packet out of sequence) carry no number


@dataclass(frozen=True)
class MySQLErrorRule:
    """What one server (ER) or client (CR) error number means to the connector.

    ``kills_connection``: the session is gone or unusable; it is dropped and no record is
    replayed on it. ``retry_helps``: the same call may succeed later (AppFlow is told when).
    ``per_record``: a write error that belongs to the one record whose statement raised it;
    that record fails alone and the others go on.
    """

    error_class: type[ConnectorError]
    template: str
    kills_connection: bool = False
    retry_helps: bool = False
    per_record: bool = False
    timed_out: MySQLErrorRule | None = None  # the rule when PyMySQL's socket read timed out (CR_SERVER_LOST)


def _record(template: str = "{server_message} (MySQL error {errno})") -> MySQLErrorRule:
    return MySQLErrorRule(InvalidArgumentError, template, per_record=True)


_LOST = ("Lost the connection to MySQL at {where} during the statement ({server_message}): the server restarted or "
         "failed over, a proxy or the server ended the session, or the network dropped it. Retry; if it repeats, "
         "check the server's error log.")

_WRITER_MOVED = (
    "MySQL at {where} refused the write because it is read-only ({server_message}): the writer moved (after an "
    "Aurora failover the cluster endpoint reaches the old writer for a few seconds), or {where} is a reader "
    "endpoint. Nothing was written. Retry the flow in a minute, and write through the cluster (writer) endpoint.")
# An Aurora reader runs with innodb_read_only: a login whose privilege passes read_only (SUPER, CONNECTION_ADMIN,
# MariaDB's READ_ONLY ADMIN) is refused by InnoDB itself, naming the table. A table can also be read-only of its
# own (a compressed MyISAM table), which a retry does not change: the message says both.
_TABLE_READ_ONLY = (
    "MySQL at {where} refused the write: {server_message}. Its InnoDB is read-only (an Aurora reader, or the old "
    "writer after a failover: the cluster endpoint reaches it for a few seconds; the login's privileges pass "
    "read_only, InnoDB's innodb_read_only they cannot), or the table itself cannot be written (a compressed "
    "MyISAM table). Nothing was written. Retry the flow in a minute, and write through the cluster (writer) "
    "endpoint.")

_UNCOMPARABLE = (
    "MySQL at {where} cannot compare a value with a column ({server_message}): the value holds a character the "
    "column's character set cannot hold (an emoji against a latin1 column, say), so no row of it can equal the "
    "value. Leave the value out of the filter or the ids, or convert the column to utf8mb4.")

# The one table: error number -> rule. Messages name what failed, where and what to check.
MYSQL_ERRORS: dict[int, MySQLErrorRule] = {
    # logging in
    ER.ACCESS_DENIED_ERROR: MySQLErrorRule(
        InvalidCredentialsError,
        "MySQL at {where} rejected the login of user '{user}': wrong user name or password. "
        "Check the username and password of the connection profile (after a password rotation, "
        "edit the profile, or let the MySQL-DatabaseSecret authentication type follow rotations)."),
    ER_ACCESS_DENIED_NO_PASSWORD: MySQLErrorRule(
        InvalidCredentialsError,
        "MySQL at {where} rejected the login of user '{user}' ({server_message}): the account may need a "
        "password login (not unix_socket/auth_socket). Check the user and password of the profile."),
    ER.DBACCESS_DENIED_ERROR: MySQLErrorRule(
        AccessDeniedError,
        "User '{user}' has no privileges on database '{database}' at {where}. "
        "Grant read access, e.g. GRANT SELECT ON `{database}`.* TO '{user}'@'%', or fix the database name."),
    ER.BAD_DB_ERROR: MySQLErrorRule(
        ResourceNotFoundError,
        "Database '{database}' does not exist at {where}. Check the database name of the connection profile."),
    ER.HOST_NOT_PRIVILEGED: MySQLErrorRule(
        AccessDeniedError,
        "MySQL at {where} does not accept logins of user '{user}' from the connector's address. "
        "Create the account for the Lambda subnets' addresses (e.g. '{user}'@'10.%')."),
    ER_SECURE_TRANSPORT_REQUIRED: MySQLErrorRule(
        InvalidArgumentError,
        "MySQL at {where} requires TLS (require_secure_transport): set tlsMode to REQUIRED or VERIFY_*."),
    ER.HOST_IS_BLOCKED: MySQLErrorRule(
        ServiceUnavailableError,
        "MySQL at {where} blocks the connector's address after too many failed connections "
        "(max_connect_errors). Run FLUSH HOSTS on the server, then fix what made them fail."),
    ER.CON_COUNT_ERROR: MySQLErrorRule(
        ServiceUnavailableError,
        "MySQL at {where} has too many connections. Retry later, or cap the Lambda's reserved concurrency.",
        retry_helps=True),
    ER.TOO_MANY_USER_CONNECTIONS: MySQLErrorRule(
        ServiceUnavailableError,
        "User '{user}' has reached max_user_connections at {where}. Retry later, or raise the limit.",
        retry_helps=True),
    CR.CR_AUTH_PLUGIN_ERR: MySQLErrorRule(
        InvalidArgumentError,
        "The login at {where} stopped: {server_message}. The password or IAM token is sent only to a server "
        "whose certificate was verified for its name: keep tlsMode VERIFY_IDENTITY (the default).",
        kills_connection=True),
    CR.CR_SSL_CONNECTION_ERROR: MySQLErrorRule(
        InvalidArgumentError,
        "TLS to MySQL at {where} failed: {server_message}. Check the tlsMode setting (PREFERRED or "
        "DISABLED for a server without TLS) and tlsCaBundle.", kills_connection=True),
    # privileges and objects
    ER.TABLEACCESS_DENIED_ERROR: MySQLErrorRule(
        AccessDeniedError,
        "User '{user}' lacks a privilege at {where}: {server_message}. Grant the command it names, e.g. GRANT "
        "SELECT (to read; INSERT, UPDATE, DELETE to write) ON `{database}`.* TO '{user}'@'%'."),
    ER.COLUMNACCESS_DENIED_ERROR: MySQLErrorRule(
        AccessDeniedError, "User '{user}' lacks a column privilege at {where}: {server_message}."),
    ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: MySQLErrorRule(
        AccessDeniedError, "The statement needs write access but ran read-only at {where}: {server_message}."),
    ER.NO_SUCH_TABLE: MySQLErrorRule(ResourceNotFoundError, "Table not found at {where}: {server_message}."),
    ER.BAD_FIELD_ERROR: MySQLErrorRule(
        InvalidArgumentError,
        "MySQL at {where} no longer knows a column the connector read from its catalog ({server_message}): "
        "the table changed during the call. Run the flow again."),
    ER.VIEW_INVALID: MySQLErrorRule(
        InvalidArgumentError,
        "MySQL at {where} cannot read a view: {server_message}. A table or column it uses was dropped or "
        "renamed, or its definer lost a privilege: fix the view (SHOW CREATE VIEW) or leave it out."),
    ER.NO_SUCH_USER: MySQLErrorRule(
        InvalidArgumentError,
        "MySQL at {where} cannot run a view or routine: {server_message}. Recreate it with a DEFINER that "
        "exists (SHOW CREATE VIEW shows it), or leave it out."),
    ER.TABLE_DEF_CHANGED: MySQLErrorRule(
        InvalidArgumentError, "The table changed during the call at {where} ({server_message}). Run the flow again.",
        retry_helps=True),
    # time and locks
    ER.LOCK_WAIT_TIMEOUT: MySQLErrorRule(
        RequestTimeoutError,
        "MySQL at {where} gave up waiting for a lock ({server_message}): another transaction holds row locks, "
        "or DDL or a long transaction holds the table's metadata lock. Retry later; SHOW PROCESSLIST shows "
        "who holds it.", retry_helps=True),
    ER.LOCK_DEADLOCK: MySQLErrorRule(
        ServiceUnavailableError, "Deadlock at {where}; the transaction was rolled back. Retry.", retry_helps=True),
    ER.STATEMENT_TIMEOUT: MySQLErrorRule(
        RequestTimeoutError,
        "MySQL at {where} stopped the statement when the call's time ran out ({server_message})."),
    ER.QUERY_TIMEOUT: MySQLErrorRule(
        RequestTimeoutError,
        "MySQL at {where} stopped the statement when the call's time ran out ({server_message})."),
    ER.QUERY_INTERRUPTED: MySQLErrorRule(
        ServiceUnavailableError,
        "MySQL at {where} interrupted the statement ({server_message}): KILL QUERY by an administrator, or "
        "a server shutdown. Retry.", retry_helps=True),
    # the session ends
    ER_CONNECTION_KILLED: MySQLErrorRule(
        ServiceUnavailableError,
        "MySQL at {where} killed the connector's connection ({server_message}): KILL by an administrator or a "
        "monitoring job, or a server shutdown. Not a network problem. Retry.", kills_connection=True,
        retry_helps=True),
    ER_CLIENT_INTERACTION_TIMEOUT: MySQLErrorRule(
        ServiceUnavailableError, "MySQL at {where} closed an idle connection (wait_timeout). Retry.",
        kills_connection=True, retry_helps=True),
    ER.NET_PACKET_TOO_LARGE: MySQLErrorRule(
        InvalidArgumentError,
        "MySQL at {where} refused a statement larger than its max_allowed_packet ({server_message}) and closed "
        "the connection.", kills_connection=True),
    CR.CR_SERVER_GONE_ERROR: MySQLErrorRule(
        ServiceUnavailableError,
        "MySQL at {where} had closed the connection (server has gone away: {server_message}): a restart, a "
        "failover, wait_timeout, or a statement over max_allowed_packet. Retry.", kills_connection=True,
        retry_helps=True),
    CR.CR_SERVER_LOST: MySQLErrorRule(
        ServiceUnavailableError, _LOST, kills_connection=True, retry_helps=True,
        timed_out=MySQLErrorRule(
            RequestTimeoutError,
            "MySQL at {where} did not answer within the time the call had left ({server_message}): a slow "
            "statement or a lock wait, or a network path that drops packets. Retry later.", kills_connection=True)),
    CR.CR_SERVER_LOST_EXTENDED: MySQLErrorRule(ServiceUnavailableError, _LOST, kills_connection=True,
                                               retry_helps=True),
    CR.CR_COMMANDS_OUT_OF_SYNC: MySQLErrorRule(
        ServerError, "The connection to MySQL at {where} is out of step ({server_message}).",
        kills_connection=True),
    CLIENT_SIDE: MySQLErrorRule(
        ServiceUnavailableError,
        "The connection to MySQL at {where} broke ({server_message}): the server closed it or sent what MySQL "
        "would not. Retry; if it repeats, check that {where} is the MySQL port.", kills_connection=True,
        retry_helps=True),
    # failover: the old writer is a reader now
    ER.OPTION_PREVENTS_STATEMENT: MySQLErrorRule(ServiceUnavailableError, _WRITER_MOVED, retry_helps=True),
    ER_READ_ONLY_MODE: MySQLErrorRule(ServiceUnavailableError, _WRITER_MOVED, retry_helps=True),
    ER_INNODB_READ_ONLY: MySQLErrorRule(ServiceUnavailableError, _WRITER_MOVED, retry_helps=True),
    # a value the column's character set cannot hold, compared with it (a filter, an id, a write's key)
    **dict.fromkeys((ER.CANT_AGGREGATE_2COLLATIONS, ER.CANT_AGGREGATE_3COLLATIONS, ER.CANT_AGGREGATE_NCOLLATIONS),
                    MySQLErrorRule(InvalidArgumentError, _UNCOMPARABLE, per_record=True)),
    ER.OPEN_AS_READONLY: MySQLErrorRule(ServiceUnavailableError, _TABLE_READ_ONLY, retry_helps=True),
    # a statement under way when the server shuts down (a reboot; the old writer in an Aurora failover) gets
    # this and loses its session; a KILL of the connection gets 1317 on MySQL, 1927 on MariaDB
    ER.SERVER_SHUTDOWN: MySQLErrorRule(
        ServiceUnavailableError,
        "MySQL at {where} shut down during the statement ({server_message}): a restart, or an Aurora failover "
        "(the old writer restarts as a reader; the cluster endpoint reaches the new writer within a minute). "
        "The session ended with it. Retry.", kills_connection=True, retry_helps=True),
    # one record's values
    ER.DUP_ENTRY: _record(),
    ER.ROW_IS_REFERENCED_2: _record(),
    ER.NO_REFERENCED_ROW_2: _record(),
    ER_ROW_IS_REFERENCED: _record(),
    ER_NO_REFERENCED_ROW: _record(),
    ER.BAD_NULL_ERROR: _record(),
    ER.NO_DEFAULT_FOR_FIELD: _record(),
    ER.DATA_TOO_LONG: _record(),
    ER.WARN_DATA_OUT_OF_RANGE: _record(),
    ER.WARN_DATA_TRUNCATED: _record(),
    ER.TRUNCATED_WRONG_VALUE_FOR_FIELD: _record(),
    ER.TRUNCATED_WRONG_VALUE: _record(),
    ER.CONSTRAINT_FAILED: _record(),
    ER_CHECK_CONSTRAINT_VIOLATED: _record(),
    ER_DATA_OUT_OF_RANGE: _record(),
}


def error_number(exc: BaseException) -> int:
    """The MySQL error number of a PyMySQL error (0 for PyMySQL's own, which carry none)."""
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else CLIENT_SIDE


def server_message(exc: BaseException) -> str:
    """The server's (or PyMySQL's) own words for an error, without its number."""
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    return str(args[1]) if len(args) > 1 else str(exc)


def mysql_rule(exc: BaseException) -> MySQLErrorRule | None:
    """The table's rule for a PyMySQL error, or None for a number it does not know."""
    return MYSQL_ERRORS.get(error_number(exc))


def kills_connection(exc: BaseException) -> bool:
    """Whether the session is gone after ``exc``: client-side errors and those the table says so."""
    errno = error_number(exc)
    rule = MYSQL_ERRORS.get(errno)
    return (rule.kills_connection if rule else False) or 2000 <= errno < 3000


def out_of_time(exc: BaseException) -> bool:
    """The server stopped a statement at the call's deadline, or the socket gave up waiting for it."""
    errno = error_number(exc)
    return errno in (ER.STATEMENT_TIMEOUT, ER.QUERY_TIMEOUT) or (
        errno == CR.CR_SERVER_LOST and "timed out" in str(exc))


def no_greeting(exc: BaseException) -> bool:
    """While connecting: TCP was accepted, but what answered closed or said nothing a MySQL server says."""
    return error_number(exc) == CR.CR_SERVER_LOST


def lacks_table_privilege(exc: BaseException) -> bool:
    """A table or column privilege is missing for the statement."""
    return error_number(exc) in (ER.TABLEACCESS_DENIED_ERROR, ER.COLUMNACCESS_DENIED_ERROR)


def view_is_broken(exc: BaseException) -> bool:
    """Opening a view failed for the view's own sake: a table, column, function or definer it names is gone
    or lacks a privilege (not a lock, a timeout or a lost session)."""
    return error_number(exc) in (ER.VIEW_INVALID, ER.NO_SUCH_USER, ER.ACCESS_DENIED_ERROR, ER.NO_SUCH_TABLE,
                                 ER.BAD_FIELD_ERROR, ER.SP_DOES_NOT_EXIST, ER.TABLEACCESS_DENIED_ERROR,
                                 ER.COLUMNACCESS_DENIED_ERROR)


def server_stopped(exc: BaseException) -> bool:
    """The server itself stopped a statement at the call's deadline (max_statement_time, max_execution_time)."""
    return error_number(exc) in (ER.STATEMENT_TIMEOUT, ER.QUERY_TIMEOUT)


def about_the_session(exc: BaseException) -> bool:
    """The connection's or the statement's own trouble (lost, timed out, stopped, a lock wait), not the object's:
    an answer about a table (no such table, no privilege) is the other kind."""
    return kills_connection(exc) or server_stopped(exc) or waited_for_lock(exc) or error_number(exc) in (
        CLIENT_SIDE, ER.QUERY_INTERRUPTED)


def waited_for_lock(exc: BaseException) -> bool:
    """A lock wait (row or metadata) outlasted lock_wait_timeout / innodb_lock_wait_timeout."""
    return error_number(exc) == ER.LOCK_WAIT_TIMEOUT


def writer_moved(exc: BaseException) -> bool:
    """The server refused a write because it is read-only (``--read-only``, or InnoDB's ``innodb_read_only`` for
    a login that passes read_only: an Aurora reader, the old writer)."""
    return error_number(exc) in (ER.OPTION_PREVENTS_STATEMENT, ER_READ_ONLY_MODE, ER.OPEN_AS_READONLY,
                                 ER_INNODB_READ_ONLY)


def shut_down_mid_statement(exc: BaseException) -> bool:
    """The server shut down under the statement (a restart, the old writer in a failover): the session is gone,
    and the server said why."""
    return error_number(exc) == ER.SERVER_SHUTDOWN


def lost_mid_statement(exc: BaseException) -> bool:
    """The session ended under a statement without the server saying why (not a timeout of ours)."""
    errno = error_number(exc)
    return errno in (CR.CR_SERVER_GONE_ERROR, CR.CR_SERVER_LOST_EXTENDED) or (
        errno == CR.CR_SERVER_LOST and "timed out" not in str(exc))


_TRUNCATED_COLUMN = re.compile(r"column '(.*)' at row")


def truncated_column(exc: BaseException) -> str | None:
    """The column a 'Data truncated' error names (in strict mode a value that does not fit, for ENUM and SET
    a string that is no label), or None for any other error."""
    if error_number(exc) != ER.WARN_DATA_TRUNCATED:
        return None
    match = _TRUNCATED_COLUMN.search(server_message(exc))
    return match.group(1) if match else None


def belongs_to_one_record(exc: BaseException) -> bool:
    """Whether a write error fails only the record whose statement raised it.

    The table says so for value and constraint errors; a server error the table does not
    know is taken as the record's too; anything that ends or poisons the session is not.
    """
    errno = error_number(exc)
    rule = MYSQL_ERRORS.get(errno)
    if rule is not None:
        return rule.per_record
    return errno != CLIENT_SIDE and not 2000 <= errno < 3000


# Why a server certificate was refused, by OpenSSL's X509_V_ERR_* code (ssl.SSLCertVerificationError.verify_code).
_UNTRUSTED_CERTIFICATE = (
    "The TLS certificate of MySQL at {where} is not signed by a CA the connector trusts ({server_message}); it "
    "trusts {trust}. For a server with its own CA, put that CA's PEM file in the function and set tlsCaBundle to "
    "its path; for a self-signed certificate, set tlsMode to REQUIRED (encrypted, not verified).")
_NAME_MISMATCH = (
    "The TLS certificate of MySQL at {where} does not name the host '{host}' ({server_message}). tlsMode "
    "VERIFY_IDENTITY (the default) checks the name: connect to a name the certificate holds (the Aurora "
    "cluster, reader, instance or RDS Proxy endpoint), or set tlsMode to VERIFY_CA, which checks the "
    "certificate but not the name (a custom DNS name, an IP address, a tunnel).")
_CERTIFICATE_ERRORS: dict[int, str] = {
    62: _NAME_MISMATCH,  # X509_V_ERR_HOSTNAME_MISMATCH
    64: _NAME_MISMATCH,  # X509_V_ERR_IP_ADDRESS_MISMATCH
    10: "The TLS certificate of MySQL at {where} has expired ({server_message}): renew the server's certificate "
        "(RDS and Aurora: move the instances to a current CA such as rds-ca-rsa2048-g1). tlsMode REQUIRED would "
        "connect without checking it.",
    9: "The TLS certificate of MySQL at {where} is not valid yet ({server_message}): check the server's "
       "certificate and the clocks. tlsMode REQUIRED would connect without checking it.",
}

# Socket-level causes of error 2003 ("Can't connect to MySQL server").
_CONNECT_ERRORS: tuple[tuple[type[BaseException], type[ConnectorError], str], ...] = (
    (socket.gaierror, InvalidArgumentError,
     "The database host name '{host}' cannot be resolved (DNS). Check the host of the connection profile "
     "(an Aurora cluster endpoint looks like name.cluster-xxxx.region.rds.amazonaws.com) and that the VPC "
     "has DNS resolution and DNS hostnames enabled."),
    (ConnectionRefusedError, ServiceUnavailableError,
     "Connection to MySQL at {where} was refused: nothing listens there, or a firewall rejects it. "
     "Check the host and port and that the database is running. " + _SG_ADVICE.format(port="{port}") + "."),
    (TimeoutError, RequestTimeoutError,
     "No answer from MySQL at {where} within {connect_timeout:g} s: packets are dropped on the way. "
     + _SG_ADVICE.format(port="{port}") + ", that the Lambda's subnets route to the database's subnets "
     "(same VPC or peering), and the network ACLs."),
    (ssl.SSLError, InvalidArgumentError,
     "TLS handshake with MySQL at {where} failed: {server_message}. Check the tlsMode and tlsCaBundle "
     "settings, and that the server offers TLS 1.2 or later."),
    (OSError, ServiceUnavailableError, "Cannot reach MySQL at {where}: {server_message}."),
)


def classify_mysql_error(exc: pymysql.err.MySQLError, target: MySQLTarget) -> ConnectorError:
    """Map a PyMySQL error to the ConnectorError that tells the user what to fix.

    >>> e = pymysql.err.OperationalError(1045, "Access denied for user 'app'@'10.0.0.1'")
    >>> err = classify_mysql_error(e, MySQLTarget("db", 3306, "app"))
    >>> type(err).__name__, "'app'" in err.message
    ('InvalidCredentialsError', True)
    """
    errno = error_number(exc)
    said = server_message(exc).strip() or (
        "the connection was already closed" if errno == CLIENT_SIDE else "no message")
    fields = {
        "where": target.where, "host": target.host, "port": target.port, "user": target.user,
        "database": target.database or "", "connect_timeout": target.connect_timeout,
        "server_message": said, "errno": errno,
    }
    if errno == CR.CR_CONN_HOST_ERROR:
        cause = getattr(exc, "original_exception", None)
        if isinstance(cause, ssl.SSLCertVerificationError):
            fields["server_message"] = str(cause.verify_message or cause)
            template = _CERTIFICATE_ERRORS.get(cause.verify_code, _UNTRUSTED_CERTIFICATE)
            return InvalidArgumentError(template.format(trust=target.trust, **fields))
        for cause_type, error_class, template in _CONNECT_ERRORS:
            if isinstance(cause, cause_type):
                fields["server_message"] = str(cause)
                return error_class(template.format(**fields))
    rule = MYSQL_ERRORS.get(errno)
    if rule is not None:
        if rule.timed_out and "timed out" in said:
            rule = rule.timed_out
        retry = RETRY_AFTER_SECONDS if rule.retry_helps else None
        return rule.error_class(rule.template.format(**fields), retry_after_seconds=retry)
    if isinstance(exc, pymysql.err.ProgrammingError | pymysql.err.DataError | pymysql.err.IntegrityError):
        return InvalidArgumentError(f"MySQL at {target.where} rejected the statement: {said}")
    return ServerError(f"MySQL at {target.where} failed (error {errno}): {said}")


# --- AWS (Secrets Manager) -------------------------------------------------

_SECRETS_MANAGER_ROUTE = (
    "The function cannot reach Secrets Manager at {endpoint} (no answer in time). "
    "A Lambda in a VPC needs a route to it: an interface VPC endpoint "
    "com.amazonaws.{region}.secretsmanager in the function's subnets with private DNS enabled "
    "(the VPC needs both 'DNS hostnames' and 'DNS resolution' on) whose security group admits TCP 443 "
    "from the function's security group, or a NAT gateway."
)

# Secrets Manager error code -> (error class, message template).
_AWS_ERRORS: dict[str, tuple[type[ConnectorError], str]] = {
    "ResourceNotFoundException": (
        ResourceNotFoundError,
        "Secrets Manager has no secret {arn}. Check the connection profile (AppFlow deletes the secret "
        "when profile creation fails) and the region."),
    "AccessDeniedException": (
        AccessDeniedError,
        "The function's role may not read {arn}: allow secretsmanager:GetSecretValue on "
        "arn:{partition}:secretsmanager:{region}:<account>:secret:appflow!<account>-<connector label>-* "
        "(and kms:Decrypt if the profile uses a customer managed KMS key)."),
    "DecryptionFailure": (
        AccessDeniedError,
        "Secrets Manager could not decrypt {arn}: allow kms:Decrypt on the profile's KMS key "
        "for the function's role (with kms:ViaService secretsmanager.{region}.amazonaws.com)."),
    "InvalidRequestException": (
        InvalidArgumentError, "Secrets Manager refused to read {arn}: {server_message}."),
    "InvalidParameterException": (
        InvalidArgumentError, "Secrets Manager refused to read {arn}: {server_message}."),
    "ThrottlingException": (
        RateLimitExceededError, "Secrets Manager throttled reading {arn}; retry later."),
    "InternalServiceError": (
        ServiceUnavailableError, "Secrets Manager failed reading {arn}; retry later."),
    "UnrecognizedClientException": (
        AccessDeniedError, "Secrets Manager did not accept the function's AWS credentials: {server_message}."),
    "InvalidSignatureException": (
        AccessDeniedError, "Secrets Manager did not accept the function's AWS credentials: {server_message}."),
    "ExpiredTokenException": (
        AccessDeniedError, "The function's AWS credentials have expired: {server_message}."),
}

# An unmodelled error (e.g. a proxy's or an emulator's) still has a telling HTTP status.
_AWS_ERRORS_BY_STATUS = {403: "AccessDeniedException", 404: "ResourceNotFoundException", 429: "ThrottlingException"}


def classify_aws_error(exc: BaseException, *, arn: str, endpoint: str, region: str) -> ConnectorError:
    """Map a botocore error from GetSecretValue to a ConnectorError."""
    from botocore import exceptions as bx  # botocore loads only on calls that read secrets

    parts = arn.split(":")
    partition = parts[1] if len(parts) > 1 and parts[0] == "arn" and parts[1] else "aws"
    fields = {"arn": arn, "endpoint": endpoint, "region": region, "partition": partition,
              "server_message": str(exc)}
    if isinstance(exc, bx.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        fields["server_message"] = exc.response.get("Error", {}).get("Message", code)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = code if code in _AWS_ERRORS else _AWS_ERRORS_BY_STATUS.get(status, code)
        if code in _AWS_ERRORS:
            error_class, template = _AWS_ERRORS[code]
            return error_class(template.format(**fields))
        return ServerError(f"Secrets Manager failed reading {arn}: {code}: {fields['server_message']}")
    if isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError | bx.EndpointConnectionError
                  | bx.ConnectionClosedError):
        return RequestTimeoutError(_SECRETS_MANAGER_ROUTE.format(**fields))
    if isinstance(exc, bx.NoCredentialsError):
        return AccessDeniedError("The function has no AWS credentials to read the secret from Secrets Manager.")
    return ServerError(f"Reading {arn} from Secrets Manager failed: {type(exc).__name__}: {exc}")
