"""Database logins from the Secrets Manager secret AppFlow keeps for a profile.

The secret is read through Powertools' parameters provider (a TTL cache that
warm Lambda containers reuse) with a botocore client whose timeouts and
attempt count keep an unreachable Secrets Manager well inside AppFlow's 10 s.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from connector.deadline import Deadline
from connector.errors import (
    InvalidArgumentError,
    InvalidCredentialsError,
    MySQLTarget,
    classify_aws_error,
)
from connector.limits import (
    SECRET_CACHE_SECONDS,
    SECRETS_MANAGER_ATTEMPTS,
    SECRETS_MANAGER_CONNECT_SECONDS,
    SECRETS_MANAGER_READ_SECONDS,
)
from connector.settings import ProfileSettings, parse_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

__all__ = ["CUSTOM_AUTH_TYPE", "DbLogin", "SecretStore", "login_from_secret", "with_profile_login"]

CUSTOM_AUTH_TYPE = "MySQL"
_ENDPOINT_ENV = "AWS_ENDPOINT_URL_SECRETS_MANAGER"
T = TypeVar("T")


@dataclass(frozen=True)
class DbLogin:
    """Where and as whom to connect. The password never appears in repr()."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str | None = None

    def target(self, settings: ProfileSettings) -> MySQLTarget:
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


class SecretStore:
    """Reads and caches profile secrets; one botocore client per region and endpoint."""

    def __init__(self, max_age: int = SECRET_CACHE_SECONDS) -> None:
        self.max_age = max_age
        self._providers: dict[tuple[str, str | None, int], tuple[SecretsProvider, str]] = {}

    def _provider(self, region: str, attempts: int = SECRETS_MANAGER_ATTEMPTS) -> tuple[SecretsProvider, str]:
        key = (region, os.environ.get(_ENDPOINT_ENV), attempts)
        if key not in self._providers:
            import boto3
            from aws_lambda_powertools.utilities.parameters import SecretsProvider
            from botocore.config import Config

            config = Config(
                connect_timeout=SECRETS_MANAGER_CONNECT_SECONDS,
                read_timeout=SECRETS_MANAGER_READ_SECONDS,
                retries={"total_max_attempts": attempts, "mode": "standard"},
            )
            client = boto3.session.Session().client("secretsmanager", region_name=region, config=config)
            self._providers[key] = (SecretsProvider(boto3_client=client), client.meta.endpoint_url)
        return self._providers[key]

    @staticmethod
    def _attempts(deadline: Deadline | None) -> int:
        """Two tries when the call has time for both (a blackholed endpoint costs connect + read each), else one."""
        each = SECRETS_MANAGER_CONNECT_SECONDS + SECRETS_MANAGER_READ_SECONDS
        return SECRETS_MANAGER_ATTEMPTS if deadline is None or deadline.left() >= SECRETS_MANAGER_ATTEMPTS * each else 1

    def endpoint_for(self, arn: str) -> tuple[str, str]:
        """The region of ``arn`` and the Secrets Manager endpoint URL the connector would call."""
        region = _secret_region(arn)
        return region, self._provider(region)[1]

    def read(self, arn: str, *, refresh: bool = False, deadline: Deadline | None = None) -> dict[str, Any]:
        """Return the secret's JSON object; ``refresh`` bypasses the cache (after a rotation)."""
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        if not isinstance(arn, str) or not arn:
            msg = "credentials.secretArn is missing: the event names no Secrets Manager secret to read."
            raise InvalidArgumentError(msg)
        region = _secret_region(arn)
        provider, endpoint = self._provider(region, self._attempts(deadline))
        try:
            raw = provider.get(arn, max_age=self.max_age, force_fetch=refresh)
        except GetParameterError as exc:
            # Powertools wraps every SDK error; the botocore one is its context.
            cause = exc.__cause__ or exc.__context__ or exc
            raise classify_aws_error(cause, arn=arn, endpoint=endpoint, region=region) from exc
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
        """Call ``use(login)``; after InvalidCredentials, re-read the secret once in case it was rotated.

        ``fresh`` skips the cache (ValidateCredentials must judge the secret as it is now).
        """
        secret = self.read(arn, refresh=fresh, deadline=deadline)
        try:
            return use(login_from_secret(secret, authentication_type, settings, arn))
        except InvalidCredentialsError:
            if deadline is not None and deadline.passed():
                raise
            rotated = self.read(arn, refresh=True, deadline=deadline)
            if rotated == secret:
                raise
            return use(login_from_secret(rotated, authentication_type, settings, arn))


def with_profile_login(
    store: SecretStore, context: Any, use: Callable[[DbLogin, ProfileSettings], T], deadline: Deadline | None = None,
) -> T:
    """Parse an AppFlow ConnectorContext's settings and call ``use(login, settings)`` with its secret."""
    settings = parse_settings(context.connector_runtime_settings)
    credentials = context.credentials
    return store.with_login(credentials.secret_arn, credentials.authentication_type.name, settings,
                            lambda login: use(login, settings), deadline=deadline)


def _require(values: Mapping[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [key for key in keys if not isinstance(values.get(key), str | int) or str(values.get(key)) == ""]
    if missing:
        msg = f"{where} lacks {', '.join(missing)}; expected keys: {', '.join(keys)}."
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


def login_from_secret(
    secret: Mapping[str, Any], authentication_type: str, settings: ProfileSettings, arn: str = "the secret"
) -> DbLogin:
    """Build a DbLogin from AppFlow's secret for BasicAuth or CustomAuth ``MySQL``.

    CustomAuth secrets are flat or nest the fields under ``credentialsMap``;
    their host/port/database win over the runtime settings. BasicAuth secrets
    hold only username and password; host, port and database are settings.

    >>> s = ProfileSettings(host="db", database="app")
    >>> login_from_secret({"username": "u", "password": "p"}, "BasicAuth", s)
    DbLogin(host='db', port=3306, user='u', database='app')
    """
    if authentication_type == "CustomAuth":
        fields: Mapping[str, Any] = secret.get("credentialsMap") or secret
        if not isinstance(fields, Mapping):
            msg = f"{arn}: credentialsMap must be an object of credential fields."
            raise InvalidArgumentError(msg)
        kind = secret.get("customAuthenticationType", fields.get("customAuthenticationType", CUSTOM_AUTH_TYPE))
        if kind != CUSTOM_AUTH_TYPE:
            msg = f"{arn} is for custom authentication type {kind!r}; this connector supports {CUSTOM_AUTH_TYPE!r}."
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
        _require(secret, ("username", "password"), f"Secret {arn} (BasicAuth)")
        if not settings.host:
            msg = "Basic authentication needs the 'host' connector runtime setting (the database endpoint)."
            raise InvalidArgumentError(msg)
        return DbLogin(settings.host, settings.port, str(secret["username"]), str(secret["password"]),
                       settings.database)
    msg = (f"Authentication type {authentication_type!r} is not supported; use BasicAuth or CustomAuth "
           f"({CUSTOM_AUTH_TYPE}).")
    raise InvalidArgumentError(msg)

