"""The Lambda entry point, called in-process exactly as the Lambda runtime calls it.

``invoke`` hands an event to ``handlers.app.lambda_handler`` with a Lambda-like
context and returns what the runtime would return (the response after a JSON round
trip). ``secret_from_file`` serves a local credentials file as a profile secret from
moto's Secrets Manager, so even local runs read credentials the way AWS does.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

__all__ = ["AuthType", "Profile", "auth_type_of", "invoke", "parse_settings_option", "read_credentials_file",
           "secret_from_file"]

from connector.limits import LAMBDA_TIMEOUT_SECONDS

AuthType = Literal["CustomAuth", "BasicAuth"]

# botocore logs request and response bodies (secret values) at DEBUG: never let it (as handlers.app).
logging.getLogger("botocore").setLevel(logging.INFO)
LOCAL_ACCOUNT = "123456789012"


def invoke(event: Mapping[str, Any], budget_ms: int = LAMBDA_TIMEOUT_SECONDS * 1000) -> dict[str, Any]:
    """Answer one event through ``handlers.app.lambda_handler``; the response as Lambda would serialise it."""
    from appflow_mysql.context import LocalLambdaContext
    from handlers.app import lambda_handler

    response = lambda_handler(dict(event), LocalLambdaContext(budget_ms))
    return dict(json.loads(json.dumps(response)))


def point_at(event: dict[str, Any], secret_arn: str | None, settings: Mapping[str, str]) -> dict[str, Any]:
    """The event with its secret ARN (and runtime settings) replaced, wherever the event carries them."""
    if secret_arn and isinstance(event.get("secretArn"), str):  # DiagnoseRequest
        event["secretArn"] = secret_arn
    for holder in (event, event.get("connectorContext") or {}):
        if secret_arn and isinstance(holder.get("credentials"), dict):
            holder["credentials"]["secretArn"] = secret_arn
        if settings and isinstance(holder.get("connectorRuntimeSettings"), dict):
            holder["connectorRuntimeSettings"].update(settings)
    return event


class Profile:
    """What a connection profile hands the connector: the secret ARN, auth type and runtime settings."""

    def __init__(self, secret_arn: str, auth_type: AuthType, settings: Mapping[str, str]) -> None:
        self.secret_arn = secret_arn
        self.auth_type = auth_type
        self.settings = dict(settings)

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


def auth_type_of(secret: Mapping[str, Any]) -> AuthType:
    """CustomAuth when the secret names the custom auth type (flat or under ``credentialsMap``), else BasicAuth.

    >>> auth_type_of({"customAuthenticationType": "MySQL", "host": "h"})
    'CustomAuth'
    >>> auth_type_of({"username": "u", "password": "p"})
    'BasicAuth'
    """
    nested = secret.get("credentialsMap")
    if "customAuthenticationType" in secret or (isinstance(nested, dict) and "host" in nested):
        return "CustomAuth"
    return "BasicAuth"


def read_credentials_file(path: Path) -> dict[str, Any]:
    """The file's JSON object; errors name the file, never its content."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"cannot read credentials file {path}: {type(exc).__name__}"
        raise ValueError(msg) from exc
    if not isinstance(value, dict):
        msg = f"credentials file {path} must hold a JSON object (the profile secret), not {type(value).__name__}"
        raise ValueError(msg)
    return value


@contextmanager
def secret_from_file(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Serve the file as a profile secret from an in-process moto Secrets Manager; yield (ARN, secret).

    The connector then reads it through botocore exactly as in Lambda (the
    standard ``AWS_ENDPOINT_URL_SECRETS_MANAGER`` points at moto for the duration).
    """
    from appflow_mysql.local_secrets import FAKE_AWS_ENV, local_secrets_manager, put_secret

    secret = read_credentials_file(path)
    with local_secrets_manager() as endpoint:
        arn = put_secret(endpoint, f"appflow!{LOCAL_ACCOUNT}-mysql-connector-local-{uuid.uuid4().hex[:8]}",
                         secret, region=FAKE_AWS_ENV["AWS_REGION"])
        yield arn, secret
