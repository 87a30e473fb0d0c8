"""Database logins from the Secrets Manager secret AppFlow keeps for a profile.

Three ways to log in, chosen by the profile's authentication type:

- ``MySQL`` (and BasicAuth): the password is in the profile's secret.
- ``MySQL-DatabaseSecret``: the profile names another secret (an RDS-managed master user
  secret, or any with ``username`` and ``password``) that is rotated without touching the profile.
  Only a secret the deployer listed (template parameter ``DatabaseSecretArn``, the function's
  ``DATABASE_SECRET_ARNS``) is read, and never an AppFlow profile secret: the role may read every
  profile's secret, so a profile naming another's would borrow its login.
- ``MySQL-IAM``: no password; a 15-minute IAM token signed with the function's role.

Secrets are read with botocore's GetSecretValue (a client whose timeouts and attempt count keep
an unreachable Secrets Manager well inside AppFlow's 10 s) into a small TTL cache that warm Lambda
containers reuse. The call is botocore's own, not a wrapper's, so its errors arrive as botocore
promises them (``ClientError`` with the service's code) to be classified. A rejected login re-reads the
secrets (or signs a new token) once before answering InvalidCredentials.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from connector.deadline import Deadline
from connector.errors import (
    InvalidArgumentError,
    InvalidCredentialsError,
    MySQLTarget,
    classify_aws_error,
)
from connector.failover import once_more_if_moved
from connector.iam_auth import IamTokens
from connector.limits import (
    SECRET_CACHE_SECONDS,
    SECRETS_MANAGER_ATTEMPTS,
    SECRETS_MANAGER_CONNECT_SECONDS,
    SECRETS_MANAGER_READ_SECONDS,
)
from connector.settings import ProfileSettings, parse_settings

__all__ = ["CUSTOM_AUTH_TYPE", "DATABASE_SECRETS_ENV", "DATABASE_SECRET_AUTH_TYPE", "IAM_AUTH_TYPE", "DbLogin",
           "LoginMethod", "SecretStore", "allowed_database_secrets", "login_from_secret", "with_profile_login"]

CUSTOM_AUTH_TYPE = "MySQL"
IAM_AUTH_TYPE = "MySQL-IAM"
DATABASE_SECRET_AUTH_TYPE = "MySQL-DatabaseSecret"  # noqa: S105 - a type name, not a secret
CUSTOM_AUTH_TYPES = (CUSTOM_AUTH_TYPE, IAM_AUTH_TYPE, DATABASE_SECRET_AUTH_TYPE)
LoginMethod = Literal["password", "iam", "database-secret"]
_ENDPOINT_ENV = "AWS_ENDPOINT_URL_SECRETS_MANAGER"
# The database secrets a MySQL-DatabaseSecret profile may name: template parameter DatabaseSecretArn.
DATABASE_SECRETS_ENV = "DATABASE_SECRET_ARNS"  # noqa: S105 - a variable name, not a secret
# AppFlow names every connection profile's secret appflow!<account>-<connector label>-<profile>-...
_PROFILE_SECRET_PREFIX = "appflow!"  # noqa: S105 - a name prefix, not a secret
T = TypeVar("T")


@dataclass(frozen=True)
class DbLogin:
    """Where and as whom to connect. The password (or IAM token) never appears in repr().

    ``method`` says where the password came from; ``source`` names the database secret it was
    read from (``database-secret``). Until ``SecretStore.complete`` runs, a database-secret
    login may lack host, user and password, and an IAM login its token.
    """

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str | None = None
    method: LoginMethod = "password"
    source: str | None = None

    def target(self, settings: ProfileSettings) -> MySQLTarget:
        if settings.tls_ca_bundle:
            return MySQLTarget(self.host, self.port, self.user, self.database, settings.connect_timeout,
                               f"only the CA in tlsCaBundle {settings.tls_ca_bundle!r}")
        return MySQLTarget(self.host, self.port, self.user, self.database, settings.connect_timeout)


_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")


def _secret_region(arn: str) -> str:
    """The region of a secret ARN (or, for a bare name, the function's own); InvalidArgumentError when none."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "secretsmanager":
        if not _REGION.fullmatch(parts[3]):
            msg = f"Secret ARN {arn} names no valid region ({parts[3]!r}); check the connection profile's secret."
            raise InvalidArgumentError(msg)
        return parts[3]
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        msg = f"Cannot tell the region of secret {arn}: give a full secret ARN or set AWS_REGION."
        raise InvalidArgumentError(msg)
    return region


def _secret_name(arn: str) -> str:
    """The secret's name as an ARN or a bare name gives it (for an ARN, with Secrets Manager's suffix).

    >>> _secret_name("arn:aws:secretsmanager:eu-west-1:1:secret:appflow!1-c-p-AbC123"), _secret_name("rds!x")
    ('appflow!1-c-p-AbC123', 'rds!x')
    """
    parts = arn.strip().split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "secretsmanager" and parts[5] == "secret":
        return ":".join(parts[6:])
    return arn.strip()


def _is_profile_secret(arn: str) -> bool:
    """Whether ``arn`` names an AppFlow connection profile secret (in any letter case, to be safe)."""
    return _secret_name(arn).casefold().startswith(_PROFILE_SECRET_PREFIX)


def allowed_database_secrets(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """The database secret ARNs the deployer allowed: ``DATABASE_SECRET_ARNS``, comma-separated.

    The stack passes its DatabaseSecretArn parameter (full ARNs, the ones the role may read).
    Surrounding whitespace and empty items are dropped; nothing else is normalised. Read at each
    use, not at import: the command line sets it after importing the connector.

    >>> sorted(allowed_database_secrets({"DATABASE_SECRET_ARNS": " arn:a , ,arn:b"}))
    ['arn:a', 'arn:b']
    """
    return frozenset(item.strip() for item in environ.get(DATABASE_SECRETS_ENV, "").split(",") if item.strip())


def _check_database_secret(source: str) -> None:
    """Refuse, before any read, a database secret the deployer did not allow.

    The function's role may read every profile secret of the connector, so a profile that could
    name any secret would get another profile's login and send it to the host it chose. Only an
    ARN in ``DATABASE_SECRET_ARNS`` is read, compared exactly (after stripping surrounding
    whitespace): the stack takes full ARNs with Secrets Manager's 6-character suffix, so a name,
    a partial ARN, another letter case, region or account, or anything appended is refused
    rather than guessed at. A profile secret is refused even if listed.
    """
    shown = source[:300]
    if _is_profile_secret(source):
        msg = (f"The connection profile's databaseSecretArn {shown} names an AppFlow connection profile secret "
               "(appflow!...): a profile can never use another profile's login. Name the database user's own "
               "secret (e.g. the RDS-managed rds!cluster-... secret) and have the deployer list its full ARN in "
               "the stack parameter DatabaseSecretArn.")
        raise InvalidArgumentError(msg)
    allowed = allowed_database_secrets()
    if not allowed:
        msg = (f"The connection profile uses {DATABASE_SECRET_AUTH_TYPE}, but this connector's stack allows no "
               f"database secret: the deployer must set the stack parameter DatabaseSecretArn (the function's "
               f"{DATABASE_SECRETS_ENV}) to the full ARN of the secret (comma-separated for several), which also "
               "lets the function read it. AppFlow connection profile secrets can never be used.")
        raise InvalidArgumentError(msg)
    if source not in allowed:
        msg = (f"The connection profile's databaseSecretArn {shown} is not a database secret this connector's "
               f"stack allows. The stack parameter DatabaseSecretArn (the function's {DATABASE_SECRETS_ENV}) "
               "lists them; give one of those full ARNs exactly, with Secrets Manager's 6-character suffix (not a "
               "name or partial ARN), or ask the deployer to add this one. AppFlow connection profile secrets can "
               "never be used.")
        raise InvalidArgumentError(msg)


class SecretStore:
    """Reads and caches secrets; one botocore client per region, endpoint and attempt count.

    A secret read stays ``max_age`` seconds in the cache (shared by every client, keyed by region,
    endpoint setting and ARN), so a warm container serves the next call without Secrets Manager;
    ``refresh`` reads it anew and replaces the cached value.
    """

    def __init__(self, max_age: int = SECRET_CACHE_SECONDS, tokens: IamTokens | None = None) -> None:
        self.max_age = max_age
        self.tokens = tokens or IamTokens()
        self._clients: dict[tuple[str, str | None, int], Any] = {}
        self._cache: dict[tuple[str, str | None, str], tuple[float, str | bytes]] = {}

    def _client(self, region: str, attempts: int = SECRETS_MANAGER_ATTEMPTS) -> Any:
        """The botocore Secrets Manager client (boto3 reads AWS_ENDPOINT_URL_SECRETS_MANAGER itself)."""
        key = (region, os.environ.get(_ENDPOINT_ENV), attempts)
        if key not in self._clients:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=SECRETS_MANAGER_CONNECT_SECONDS,
                read_timeout=SECRETS_MANAGER_READ_SECONDS,
                retries={"total_max_attempts": attempts, "mode": "standard"},
            )
            self._clients[key] = boto3.session.Session().client("secretsmanager", region_name=region, config=config)
        return self._clients[key]

    @staticmethod
    def _attempts(deadline: Deadline | None) -> int:
        """Two tries when the call has time for both (a blackholed endpoint costs connect + read each), else one."""
        each = SECRETS_MANAGER_CONNECT_SECONDS + SECRETS_MANAGER_READ_SECONDS
        return SECRETS_MANAGER_ATTEMPTS if deadline is None or deadline.left() >= SECRETS_MANAGER_ATTEMPTS * each else 1

    def endpoint_for(self, arn: str) -> tuple[str, str]:
        """The region of ``arn`` and the Secrets Manager endpoint URL the connector would call."""
        region = _secret_region(arn)
        return region, str(self._client(region).meta.endpoint_url)

    def _fetch(self, arn: str, region: str, *, refresh: bool, deadline: Deadline | None) -> str | bytes:
        """The secret's value, from the cache unless expired or ``refresh``; botocore's errors classified."""
        from botocore.exceptions import BotoCoreError, ClientError

        key = (region, os.environ.get(_ENDPOINT_ENV), arn)
        cached = self._cache.get(key)
        if cached is not None and not refresh and time.monotonic() < cached[0]:
            return cached[1]
        client = self._client(region, self._attempts(deadline))
        try:
            response = client.get_secret_value(SecretId=arn)
        except (ClientError, BotoCoreError) as exc:
            endpoint = str(client.meta.endpoint_url)
            raise classify_aws_error(exc, arn=arn, endpoint=endpoint, region=region) from exc
        value: str | bytes = response["SecretString"] if "SecretString" in response else response["SecretBinary"]
        self._cache[key] = (time.monotonic() + self.max_age, value)
        return value

    def read(self, arn: str, *, refresh: bool = False, deadline: Deadline | None = None) -> dict[str, Any]:
        """Return the secret's JSON object; ``refresh`` bypasses the cache (after a rotation)."""
        if not isinstance(arn, str) or not arn:
            msg = "credentials.secretArn is missing: the event names no Secrets Manager secret to read."
            raise InvalidArgumentError(msg)
        region = _secret_region(arn)
        raw = self._fetch(arn, region, refresh=refresh, deadline=deadline)
        if not isinstance(raw, str):
            msg = f"Secret {arn} holds binary data; AppFlow profile secrets are JSON text."
            raise InvalidArgumentError(msg)
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            msg = f"Secret {arn} is not JSON (error at character {exc.pos}); expected AppFlow's credential object."
            raise InvalidArgumentError(msg) from None
        if not isinstance(value, dict):
            msg = f"Secret {arn} holds JSON {type(value).__name__}, expected an object of credential fields."
            raise InvalidArgumentError(msg)
        return value

    def read_profile(self, arn: str, *, refresh: bool = False, deadline: Deadline | None = None) -> dict[str, Any]:
        """The connection profile's own secret: only an AppFlow profile secret is read as one.

        AppFlow always passes its ``appflow!...`` secret; a direct invoker (a DiagnoseRequest, or an
        event not from AppFlow) that named the database secret as the profile could otherwise send its
        login to a host of its choosing, around ``DATABASE_SECRET_ARNS``.
        """
        if isinstance(arn, str) and arn and not _is_profile_secret(arn):
            _secret_region(arn)  # a malformed ARN is named as such first
            msg = (f"credentials.secretArn {arn[:300]} is not an AppFlow connection profile secret: AppFlow names "
                   f"those {_PROFILE_SECRET_PREFIX}<account>-<connector label>-..., and the connector reads no other "
                   f"secret as a profile (a database secret only through a {DATABASE_SECRET_AUTH_TYPE} profile).")
            raise InvalidArgumentError(msg)
        return self.read(arn, refresh=refresh, deadline=deadline)

    def with_login(
        self,
        arn: str,
        authentication_type: str,
        settings: ProfileSettings,
        use: Callable[[DbLogin], T],
        *,
        fresh: bool = False,
        deadline: Deadline | None = None,
    ) -> T:
        """Call ``use(login)``; after InvalidCredentials, re-read the secrets (or sign a new token) once.

        ``fresh`` skips the caches (ValidateCredentials must judge the secrets as they are now).
        """
        login = self.login(arn, authentication_type, settings, fresh=fresh, deadline=deadline)
        try:
            return use(login)
        except InvalidCredentialsError as exc:
            if deadline is not None and deadline.passed():
                raise _advised(exc, login) from exc
            renewed = self.login(arn, authentication_type, settings, fresh=True, deadline=deadline)
            if renewed == login and login.method != "iam":
                raise _advised(exc, login) from exc
        try:
            return use(renewed)
        except InvalidCredentialsError as exc:
            raise _advised(exc, renewed) from exc

    def login(self, arn: str, authentication_type: str, settings: ProfileSettings, *, fresh: bool = False,
              deadline: Deadline | None = None) -> DbLogin:
        """The complete login the profile's secret describes (``fresh``: no cached secret or token)."""
        secret = self.read_profile(arn, refresh=fresh, deadline=deadline)
        return self.complete(login_from_secret(secret, authentication_type, settings, arn), settings, fresh=fresh,
                             deadline=deadline)

    def complete(self, login: DbLogin, settings: ProfileSettings, *, fresh: bool = False,
                 deadline: Deadline | None = None) -> DbLogin:
        """Fill in what the profile's secret leaves to the database secret (if allowed) or to IAM."""
        if login.method == "database-secret" and login.source:
            _check_database_secret(login.source)
            database_secret = self.read(login.source, refresh=fresh, deadline=deadline)
            return _with_database_secret(login, database_secret, settings)
        if login.method == "iam":
            return replace(login, password=self.tokens.token(login.host, login.port, login.user, fresh=fresh))
        return login


def _advised(exc: InvalidCredentialsError, login: DbLogin) -> InvalidCredentialsError:
    """The rejected login's message, with what to check for the way it logged in."""
    where = f"{login.host}:{login.port}"
    if login.method == "iam":
        return InvalidCredentialsError(
            f"MySQL at {where} rejected the IAM token of user '{login.user}' (a new token was signed and tried "
            "too). Check: IAM database authentication is enabled on the cluster; the user exists as "
            f"CREATE USER '{login.user}' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'; the function's role "
            f"may rds-db:connect on dbuser:<cluster resource id>/{login.user} (template parameters "
            "IamDbClusterResourceId and IamDbUsername); the host is the cluster or proxy endpoint itself, "
            "not a custom DNS name (the token is signed for the host name).")
    if login.method == "database-secret":
        return InvalidCredentialsError(
            f"MySQL at {where} rejected user '{login.user}' with the password of secret {login.source} (read "
            "again just now). Check that this is the secret of this database user (an RDS-managed secret "
            "belongs to the master user) and that its last rotation finished (the AWSCURRENT version works "
            "in mysql).")
    return exc


def with_profile_login(
    store: SecretStore, context: Any, use: Callable[[DbLogin, ProfileSettings], T], deadline: Deadline | None = None,
) -> T:
    """Parse an AppFlow ConnectorContext's settings and call ``use(login, settings)`` with its secret.

    A call whose connection reached a server that could not serve it (a failover) runs once more.
    """
    settings = parse_settings(context.connector_runtime_settings)
    credentials = context.credentials
    retried = once_more_if_moved(use, deadline)
    return store.with_login(credentials.secret_arn, credentials.authentication_type.name, settings,
                            lambda login: retried(login, settings), deadline=deadline)


def _require(values: Mapping[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [key for key in keys if not isinstance(values.get(key), str | int) or isinstance(values.get(key), bool)
               or str(values.get(key)) == ""]
    if missing:
        msg = f"{where} lacks {', '.join(missing)} (or holds no text there); expected keys: {', '.join(keys)}."
        raise InvalidArgumentError(msg)


def _secret_port(value: Any, default: int, arn: str) -> int:
    """One rule for a secret's port, number or text: absent or blank means the default, else 1 to 65535.

    >>> _secret_port(None, 3306, "s"), _secret_port(" 3307 ", 3306, "s"), _secret_port(3308, 3306, "s")
    (3306, 3307, 3308)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        msg = f"Secret {arn}: port must be a TCP port number from 1 to 65535 (got {str(value)[:20]!r})."
        raise InvalidArgumentError(msg)
    return int(text)


def _text_field(fields: Mapping[str, Any], key: str) -> str:
    value = fields.get(key)
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""


# Keys AppFlow's BasicAuth secrets never hold (they hold username and password): a secret with any of them is a
# CustomAuth profile's, whose host is part of its credentials.
_CUSTOM_ONLY_KEYS = ("customAuthenticationType", "credentialsMap", "host", "databaseSecretArn")


def login_from_secret(
    secret: Mapping[str, Any], authentication_type: str, settings: ProfileSettings, arn: str = "the secret"
) -> DbLogin:
    """Build a DbLogin from AppFlow's secret for BasicAuth or one of the CustomAuth types.

    CustomAuth secrets are flat or nest the fields under ``credentialsMap``;
    their host/port/database win over the runtime settings. BasicAuth secrets
    hold only username and password; host, port and database are settings.
    ``MySQL-DatabaseSecret`` and ``MySQL-IAM`` logins are completed by ``SecretStore.complete``.

    >>> s = ProfileSettings(host="db", database="app")
    >>> login_from_secret({"username": "u", "password": "p"}, "BasicAuth", s)
    DbLogin(host='db', port=3306, user='u', database='app', method='password', source=None)
    """
    if authentication_type == "CustomAuth":
        fields: Mapping[str, Any] = secret.get("credentialsMap") or secret
        if not isinstance(fields, Mapping):
            msg = f"{arn}: credentialsMap must be an object of credential fields."
            raise InvalidArgumentError(msg)
        kind = secret.get("customAuthenticationType", fields.get("customAuthenticationType", CUSTOM_AUTH_TYPE))
        if kind == IAM_AUTH_TYPE:
            return _iam_login(fields, settings, arn)
        if kind == DATABASE_SECRET_AUTH_TYPE:
            return _database_secret_login(fields, settings, arn)
        if kind != CUSTOM_AUTH_TYPE:
            msg = (f"{arn} is for custom authentication type {str(kind)[:60]!r}; this connector supports "
                   f"{', '.join(CUSTOM_AUTH_TYPES)}.")
            raise InvalidArgumentError(msg)
        _require(fields, ("host", "username", "password"), f"Secret {arn} (CustomAuth {CUSTOM_AUTH_TYPE})")
        if not str(fields["host"]).strip():
            msg = f"Secret {arn}: host is empty; set the database endpoint in the connection profile."
            raise InvalidArgumentError(msg)
        return DbLogin(
            host=str(fields["host"]).strip(),
            port=_secret_port(fields.get("port"), settings.port, arn),
            user=str(fields["username"]),
            password=str(fields["password"]),
            database=(str(fields.get("database") or "").strip() or settings.database),
        )
    if authentication_type == "BasicAuth":
        custom = sorted(key for key in _CUSTOM_ONLY_KEYS if key in secret)
        if custom:  # a CustomAuth profile's secret: its login belongs with its own host, not the settings' one
            msg = (f"Secret {arn} is a custom-authentication profile's secret (it holds {', '.join(custom)}), not a "
                   "Basic authentication one: the event's authenticationType must be CustomAuth for it. The "
                   "connector does not send one profile's login to a host named elsewhere.")
            raise InvalidArgumentError(msg)
        _require(secret, ("username", "password"), f"Secret {arn} (BasicAuth)")
        if not settings.host:
            msg = "Basic authentication needs the 'host' connector runtime setting (the database endpoint)."
            raise InvalidArgumentError(msg)
        return DbLogin(settings.host, settings.port, str(secret["username"]), str(secret["password"]),
                       settings.database)
    msg = (f"Authentication type {authentication_type!r} is not supported; use BasicAuth or CustomAuth "
           f"({', '.join(CUSTOM_AUTH_TYPES)}).")
    raise InvalidArgumentError(msg)


def _iam_login(fields: Mapping[str, Any], settings: ProfileSettings, arn: str) -> DbLogin:
    """host, port, database, username; the token comes later, and only over verified TLS."""
    _require(fields, ("host", "username"), f"Secret {arn} (CustomAuth {IAM_AUTH_TYPE})")
    if settings.tls_mode != "VERIFY_IDENTITY":
        msg = (f"IAM authentication sends a token that opens the database for 15 minutes, so the connector "
               f"sends it only over verified TLS to the server the certificate names: set tlsMode to "
               f"VERIFY_IDENTITY (the default), not {settings.tls_mode}. The token is signed for the endpoint "
               "name, which Aurora and RDS Proxy certificates hold.")
        raise InvalidArgumentError(msg)
    host = _text_field(fields, "host")
    if not host:
        msg = f"Secret {arn}: host is empty; set the cluster or proxy endpoint in the connection profile."
        raise InvalidArgumentError(msg)
    return DbLogin(host, _secret_port(fields.get("port"), settings.port, arn), str(fields["username"]), "",
                   _text_field(fields, "database") or settings.database, method="iam")


def _database_secret_login(fields: Mapping[str, Any], settings: ProfileSettings, arn: str) -> DbLogin:
    """databaseSecretArn, and optionally host, port, database (which win over the database secret's own).

    ``SecretStore.complete`` reads the database secret only if the deployer allowed it.
    """
    _require(fields, ("databaseSecretArn",), f"Secret {arn} (CustomAuth {DATABASE_SECRET_AUTH_TYPE})")
    source = _text_field(fields, "databaseSecretArn")
    port = _secret_port(fields.get("port"), 0, arn)  # 0: not in the profile
    return DbLogin(_text_field(fields, "host"), port, "", "", _text_field(fields, "database") or None,
                   method="database-secret", source=source)


def _with_database_secret(login: DbLogin, secret: Mapping[str, Any], settings: ProfileSettings) -> DbLogin:
    """The profile's partial login completed from the database secret (RDS-managed or RDS console format).

    Host, port and database each come from the profile's credentials, else the database secret, else
    the runtime settings.
    """
    where = f"Database secret {login.source}"
    _require(secret, ("username", "password"), where)
    host = login.host or _text_field(secret, "host") or (settings.host or "")
    if not host:
        msg = (f"{where} has no host, and the connection profile names none: set the host (the cluster "
               "endpoint) in the profile.")
        raise InvalidArgumentError(msg)
    return replace(login, host=host, port=login.port or _secret_port(secret.get("port"), settings.port, where),
                   user=str(secret["username"]), password=str(secret["password"]),
                   database=login.database or _text_field(secret, "dbname") or settings.database)
