"""Every expected failure, and the one table that classifies driver errors.

``ConnectorError`` subclasses say what the caller should do (fix an argument,
fix a grant, retry later); each carries the AppFlow ``ErrorCode`` it maps to.
The handler edge is the only place that turns them into ``ErrorDetails``.

Messages name what failed, where, and what to check. They are built from
host names, ports, user names, database names and ARNs, never from passwords
or secret values.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import ClassVar

import pymysql
from custom_connector_sdk.lambda_handler.responses import ErrorCode

__all__ = [
    "AccessDeniedError",
    "ConnectorError",
    "InvalidArgumentError",
    "InvalidCredentialsError",
    "MySQLTarget",
    "RateLimitExceededError",
    "RequestTimeoutError",
    "ResourceNotFoundError",
    "ServerError",
    "ServiceUnavailableError",
    "classify_aws_error",
    "classify_mysql_error",
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

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


_SG_ADVICE = (
    "Check that the DB security group allows inbound TCP {port} from the Lambda function's security group"
)

# MySQL/MariaDB error number -> (error class, message template).
_MYSQL_ERRORS: dict[int, tuple[type[ConnectorError], str]] = {
    1045: (InvalidCredentialsError,
           "MySQL at {where} rejected the login of user '{user}': wrong user name or password. "
           "Check the username and password of the connection profile (after a password rotation, "
           "edit the profile)."),
    1044: (AccessDeniedError,
           "User '{user}' has no privileges on database '{database}' at {where}. "
           "Grant read access, e.g. GRANT SELECT ON `{database}`.* TO '{user}'@'%', or fix the database name."),
    1049: (ResourceNotFoundError,
           "Database '{database}' does not exist at {where}. Check the database name of the connection profile."),
    1130: (AccessDeniedError,
           "MySQL at {where} does not accept logins of user '{user}' from the connector's address. "
           "Create the account for the Lambda subnets' addresses (e.g. '{user}'@'10.%')."),
    1142: (AccessDeniedError, "User '{user}' lacks a privilege at {where}: {server_message}. "
                              "Grant the command it names, e.g. GRANT SELECT (to read; INSERT, UPDATE, DELETE "
                              "to write) ON `{database}`.* TO '{user}'@'%'."),
    1698: (InvalidCredentialsError,
           "MySQL at {where} rejected the login of user '{user}' ({server_message}): the account may need a "
           "password login (not unix_socket/auth_socket). Check the user and password of the profile."),
    3159: (InvalidArgumentError,
           "MySQL at {where} requires TLS (require_secure_transport): set tlsMode to REQUIRED or VERIFY_*."),
    1129: (ServiceUnavailableError,
           "MySQL at {where} blocks the connector's address after too many failed connections "
           "(max_connect_errors). Run FLUSH HOSTS on the server, then fix what made them fail."),
    1143: (AccessDeniedError, "User '{user}' lacks a column privilege at {where}: {server_message}."),
    1146: (ResourceNotFoundError, "Table not found at {where}: {server_message}."),
    1054: (InvalidArgumentError,
           "MySQL at {where} no longer knows a column the connector read from its catalog ({server_message}): "
           "the table changed during the call. Run the flow again."),
    1356: (InvalidArgumentError,
           "MySQL at {where} cannot read a view: {server_message}. A table or column it uses was dropped or "
           "renamed, or its definer lost a privilege: fix the view (SHOW CREATE VIEW) or leave it out."),
    1412: (InvalidArgumentError,
           "The table changed during the call at {where} ({server_message}). Run the flow again."),
    1040: (ServiceUnavailableError,
           "MySQL at {where} has too many connections. Retry later, or cap the Lambda's reserved concurrency."),
    1203: (ServiceUnavailableError,
           "User '{user}' has reached max_user_connections at {where}. Retry later, or raise the limit."),
    1205: (RequestTimeoutError, "Lock wait timeout at {where}: another transaction holds the rows. Retry later."),
    1213: (ServiceUnavailableError, "Deadlock at {where}; the transaction was rolled back. Retry."),
    1290: (AccessDeniedError, "MySQL at {where} refused the statement: {server_message}."),
    1792: (AccessDeniedError, "The statement needs write access but ran read-only at {where}: {server_message}."),
    2006: (RequestTimeoutError, "MySQL at {where} closed the connection (server has gone away). Retry; "
                                "check wait_timeout and max_allowed_packet."),
    2013: (RequestTimeoutError,
           "Lost the connection to MySQL at {where} (no answer in time). " + _SG_ADVICE +
           ", and that the server is not overloaded."),
    2026: (InvalidArgumentError,
           "TLS to MySQL at {where} failed: {server_message}. Check the tlsMode setting (PREFERRED or "
           "DISABLED for a server without TLS) and tlsCaBundle."),
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
     "settings (RDS/Aurora need the RDS CA bundle for VERIFY_CA/VERIFY_IDENTITY)."),
    (OSError, ServiceUnavailableError, "Cannot reach MySQL at {where}: {server_message}."),
)


def classify_mysql_error(exc: pymysql.err.MySQLError, target: MySQLTarget) -> ConnectorError:
    """Map a PyMySQL error to the ConnectorError that tells the user what to fix.

    >>> e = pymysql.err.OperationalError(1045, "Access denied for user 'app'@'10.0.0.1'")
    >>> err = classify_mysql_error(e, MySQLTarget("db", 3306, "app"))
    >>> type(err).__name__, "'app'" in err.message
    ('InvalidCredentialsError', True)
    """
    errno = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
    server_message = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    fields = {
        "where": target.where, "host": target.host, "port": target.port, "user": target.user,
        "database": target.database or "", "connect_timeout": target.connect_timeout,
        "server_message": server_message,
    }
    if errno == 2003:
        cause = getattr(exc, "original_exception", None)
        for cause_type, error_class, template in _CONNECT_ERRORS:
            if isinstance(cause, cause_type):
                fields["server_message"] = str(cause)
                return error_class(template.format(**fields))
    if errno in _MYSQL_ERRORS:
        error_class, template = _MYSQL_ERRORS[errno]
        retry = 30 if error_class is ServiceUnavailableError else None
        return error_class(template.format(**fields), retry_after_seconds=retry)
    if isinstance(exc, pymysql.err.ProgrammingError | pymysql.err.DataError | pymysql.err.IntegrityError):
        return InvalidArgumentError(f"MySQL at {target.where} rejected the statement: {server_message}")
    return ServerError(f"MySQL at {target.where} failed (error {errno}): {server_message}")


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
