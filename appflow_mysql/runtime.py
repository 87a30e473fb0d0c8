"""The Lambda entry point, called in-process exactly as the Lambda runtime calls it.

``invoke`` hands an event to ``handlers.app.lambda_handler`` with a Lambda-like
context and returns what the runtime would return (the response after a JSON round
trip); the connector's log lines go to stderr, so stdout holds only what a command prints.
``secret_from_file`` serves a local credentials file as a profile secret from
moto's Secrets Manager, so even local runs read credentials the way AWS does;
``profile_secret_from_file`` first reads the file as what its keys say, and names the
file and the missing key when it cannot log in.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from connector.credentials import CUSTOM_AUTH_TYPE, CUSTOM_AUTH_TYPES, DATABASE_SECRET_AUTH_TYPE, IAM_AUTH_TYPE
from connector.limits import LAMBDA_TIMEOUT_SECONDS

__all__ = ["AuthType", "Profile", "event_auth_and_settings", "invoke", "parse_settings_option", "point_at",
           "profile_secret_from_file", "read_credentials_file", "secret_from_file", "settings_the_secret_overrides"]

AuthType = Literal["CustomAuth", "BasicAuth"]

# botocore logs request and response bodies (secret values) at DEBUG: never let it (as handlers.app).
logging.getLogger("botocore").setLevel(logging.INFO)
LOCAL_ACCOUNT = "123456789012"


def invoke(event: Mapping[str, Any], budget_ms: int = LAMBDA_TIMEOUT_SECONDS * 1000) -> dict[str, Any]:
    """Answer one event through ``handlers.app.lambda_handler``; the response as Lambda would serialise it."""
    from appflow_mysql.context import LocalLambdaContext
    from handlers.app import lambda_handler

    _logs_to_stderr()
    response = lambda_handler(dict(event), LocalLambdaContext(budget_ms))
    return dict(json.loads(json.dumps(response)))


def _logs_to_stderr() -> None:
    """The connector's log lines (Powertools writes them to stdout, for CloudWatch) go to stderr here.

    Pointed again at each call: a test runner may have swapped ``sys.stderr`` since the last one.
    """
    for name in ("appflow-mysql-connector", "connector"):
        for handler in logging.getLogger(name).handlers:
            if type(handler) is logging.StreamHandler and handler.stream is not sys.stderr:
                handler.setStream(sys.stderr)


def _holders(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The event itself and its connectorContext: where an event carries credentials and runtime settings."""
    context = event.get("connectorContext")
    return [event, *([context] if isinstance(context, dict) else [])]


def point_at(event: Any, secret_arn: str | None, settings: Mapping[str, str],
             auth_type: AuthType | None = None) -> Any:
    """The event with its secret ARN, runtime settings (and auth type) replaced, wherever the event carries them.

    Anything but a JSON object is returned as it is: the connector answers it as Lambda would.
    """
    if not isinstance(event, dict):
        return event
    if secret_arn and isinstance(event.get("secretArn"), str):  # DiagnoseRequest
        event["secretArn"] = secret_arn
        if auth_type:
            event["authenticationType"] = auth_type
    for holder in _holders(event):
        credentials = holder.get("credentials")
        if secret_arn and isinstance(credentials, dict):
            credentials["secretArn"] = secret_arn
            if auth_type:
                credentials["authenticationType"] = auth_type
        if settings and isinstance(holder.get("connectorRuntimeSettings"), dict):
            holder["connectorRuntimeSettings"].update(settings)
    return event


def event_auth_and_settings(event: Any) -> tuple[str | None, dict[str, Any]]:
    """The authentication type and runtime settings an event carries (None and {} when it has none)."""
    auth: str | None = None
    settings: dict[str, Any] = {}
    if isinstance(event, dict):
        if isinstance(event.get("authenticationType"), str):
            auth = event["authenticationType"]
        for holder in _holders(event):
            credentials = holder.get("credentials")
            if isinstance(credentials, dict) and isinstance(credentials.get("authenticationType"), str):
                auth = credentials["authenticationType"]
            if isinstance(holder.get("connectorRuntimeSettings"), dict):
                settings.update(holder["connectorRuntimeSettings"])
    return auth, settings


class Profile:
    """What a connection profile hands the connector: the secret ARN, auth type and runtime settings.

    ``source`` is the credentials file served as the secret, when there is one.
    """

    def __init__(self, secret_arn: str, auth_type: AuthType, settings: Mapping[str, str],
                 source: Path | None = None) -> None:
        self.secret_arn = secret_arn
        self.auth_type = auth_type
        self.settings = dict(settings)
        self.source = source

    def name_secret(self, text: str) -> str:
        """``text`` with the in-process secret's ARN, which the user never saw, named as their file."""
        if self.source is None:
            return text
        return text.replace(self.secret_arn, f"the credentials file {self.source}")

    @property
    def credentials(self) -> dict[str, str]:
        return {"secretArn": self.secret_arn, "authenticationType": self.auth_type}

    def context(self, entity_definition: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``connectorContext`` AppFlow sends with every data call."""
        context: dict[str, Any] = {"apiVersion": "v1", "credentials": self.credentials,
                                   "connectorRuntimeSettings": dict(self.settings)}
        if entity_definition is not None:
            context["entityDefinition"] = dict(entity_definition)
        return context


def parse_settings_option(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``("tlsMode=PREFERRED", "port=3307")`` -> ``{"tlsMode": "PREFERRED", "port": "3307"}``.

    >>> parse_settings_option(["tlsMode=PREFERRED", "host=db=1"])
    {'tlsMode': 'PREFERRED', 'host': 'db=1'}
    """
    settings: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            msg = f"--setting takes KEY=VALUE, got {pair!r}"
            raise ValueError(msg)
        settings[key.strip()] = value
    return settings


def read_credentials_file(path: Path) -> dict[str, Any]:
    """The file's JSON object; errors name the file, never its content."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:  # where, never what: the text may hold the password
        msg = f"credentials file {path} is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        raise ValueError(msg) from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        msg = f"credentials file {path} cannot be read: {reason}"
        raise ValueError(msg) from None
    if not isinstance(value, dict):
        msg = f"credentials file {path} must hold a JSON object (the profile secret), not {type(value).__name__}"
        raise ValueError(msg)
    return value


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""


_NEEDS = {CUSTOM_AUTH_TYPE: ("host", "username", "password"), IAM_AUTH_TYPE: ("host", "username"),
          DATABASE_SECRET_AUTH_TYPE: ("databaseSecretArn",)}


def profile_secret_from_file(path: Path) -> tuple[dict[str, Any], AuthType]:
    """The secret to serve for a credentials file, and its authentication type, read from what its keys say.

    Without ``customAuthenticationType``: ``databaseSecretArn`` is MySQL-DatabaseSecret, ``host`` with
    a ``password`` the MySQL type (the served secret says so), ``username`` and ``password`` alone
    BasicAuth. ValueError names the file and the missing key; never a value.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     _ = f.write('{"host": "db", "username": "u", "password": "p"}')
    >>> secret, auth = profile_secret_from_file(Path(f.name)); os.unlink(f.name)
    >>> auth, secret["customAuthenticationType"]
    ('CustomAuth', 'MySQL')
    """
    secret = read_credentials_file(path)
    nested = secret.get("credentialsMap")
    fields: Mapping[str, Any] = nested if isinstance(nested, dict) else secret
    kind = secret.get("customAuthenticationType", fields.get("customAuthenticationType"))
    if kind is None:
        if "databaseSecretArn" in fields:
            kind = DATABASE_SECRET_AUTH_TYPE
        elif "host" in fields:
            if not _text(fields.get("password")):
                msg = (f'credentials file {path} has a host but no password: add "password", or '
                       f'"customAuthenticationType": "{IAM_AUTH_TYPE}" to log in with an IAM token')
                raise ValueError(msg)
            kind = CUSTOM_AUTH_TYPE
        else:
            missing = [key for key in ("username", "password") if not _text(fields.get(key))]
            if missing:
                msg = (f"credentials file {path} lacks {', '.join(missing)}: it holds what the profile's secret "
                       'holds, {"host", "port", "database", "username", "password"} (or {"username", "password"} '
                       "with --setting host=...)")
                raise ValueError(msg)
            return secret, "BasicAuth"
        secret = {**secret, "customAuthenticationType": kind}
    if kind not in CUSTOM_AUTH_TYPES:
        msg = (f"credentials file {path}: customAuthenticationType {str(kind)[:60]!r} is none of "
               f"{', '.join(CUSTOM_AUTH_TYPES)}")
        raise ValueError(msg)
    missing = [key for key in _NEEDS[str(kind)] if not _text(fields.get(key))]
    if missing:
        msg = (f"credentials file {path} lacks {', '.join(missing)} (customAuthenticationType {kind} needs "
               f"{', '.join(_NEEDS[str(kind)])})")
        raise ValueError(msg)
    if kind == DATABASE_SECRET_AUTH_TYPE:
        msg = (f"credentials file {path} is a {DATABASE_SECRET_AUTH_TYPE} profile (databaseSecretArn): the "
               "connector reads that second secret from Secrets Manager, for which a credentials file cannot stand "
               "in; store the profile secret in Secrets Manager and give --secret-arn ARN")
        raise ValueError(msg)
    return secret, "CustomAuth"


def settings_the_secret_overrides(secret: Mapping[str, Any], auth_type: str,
                                  settings: Mapping[str, Any]) -> dict[str, str]:
    """The runtime settings (host, port, database) a CustomAuth secret's own values win over, with those values."""
    if auth_type != "CustomAuth":
        return {}
    nested = secret.get("credentialsMap")
    fields: Mapping[str, Any] = nested if isinstance(nested, dict) else secret
    return {key: _text(fields.get(key)) for key in ("host", "port", "database")
            if _text(fields.get(key)) and _text(settings.get(key)) and _text(settings.get(key)) != _text(fields[key])}


@contextmanager
def secret_from_file(path: Path, secret: dict[str, Any] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Serve the file (or ``secret``, read from it) as a profile secret from an in-process moto Secrets Manager;
    yield (ARN, secret).

    The connector then reads it through botocore exactly as in Lambda (the
    standard ``AWS_ENDPOINT_URL_SECRETS_MANAGER`` points at moto for the duration).
    """
    from appflow_mysql.local_secrets import FAKE_AWS_ENV, local_secrets_manager, put_secret

    if secret is None:
        secret = read_credentials_file(path)
    with local_secrets_manager() as endpoint:
        arn = put_secret(endpoint, f"appflow!{LOCAL_ACCOUNT}-mysql-connector-local-{uuid.uuid4().hex[:8]}",
                         secret, region=FAKE_AWS_ENV["AWS_REGION"])
        yield arn, secret
