"""``make demo``: what AppFlow does when a connection profile is created, run locally.

Starts a throwaway MariaDB with a sample schema and moto's Secrets Manager
holding an AppFlow-style profile secret, then calls the Lambda entry point
the way AppFlow does and prints the answers.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # the JSON logs would drown the demo's output

from devkit.invoke import FakeLambdaContext  # noqa: E402
from devkit.network import blackholed_port  # noqa: E402
from devkit.sample import LocalProfile, local_profile  # noqa: E402
from devkit.secrets import ENDPOINT_ENV, put_secret  # noqa: E402


def call(title: str, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke the Lambda entry point and print a readable verdict."""
    from handlers.app import lambda_handler

    started = time.monotonic()
    response = lambda_handler(event, FakeLambdaContext())
    elapsed = time.monotonic() - started
    verdict = "OK    " if response.get("isSuccess") else "FAILED"
    print(f"\n[{verdict}] {title}  ({elapsed * 1000:.0f} ms)")
    if response.get("errorDetails"):
        print(f"         errorCode:    {response['errorDetails']['errorCode']}")
        print(f"         errorMessage: {response['errorDetails']['errorMessage']}")
    for key, reason in (response.get("errorsByInputField") or {}).items():
        print(f"         {key}: {reason}")
    return response


def validate_event(arn: str) -> dict[str, Any]:
    return {"type": "ValidateCredentialsRequest",
            "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
            "connectorRuntimeSettings": {"tlsMode": "PREFERRED"}}


def connection_checks(profile: LocalProfile) -> None:
    """The calls AppFlow makes while registering the connector and creating a profile."""
    config = call("DescribeConnectorConfiguration (registering the connector)",
                  {"type": "DescribeConnectorConfigurationRequest"})
    print(f"         connector {config['connectorName']} {config['connectorVersion']}, "
          f"modes {config['connectorModes']}, auth: CustomAuth 'MySQL' and BasicAuth")
    print("         settings: " + ", ".join(s["key"] for s in config["connectorRuntimeSetting"]))
    call("ValidateConnectorRuntimeSettings with typos",
         {"type": "ValidateConnectorRuntimeSettingsRequest", "scope": "CONNECTOR_PROFILE",
          "connectorRuntimeSettings": {"tlsMode": "VERIFY", "port": "33o6"}})
    call("ValidateCredentials with the right password", validate_event(profile.secret_arn))
    wrong = put_secret(os.environ[ENDPOINT_ENV], "appflow!123456789012-mysql-connector-wrong-password", {
        "customAuthenticationType": "MySQL", "host": profile.host, "port": str(profile.port),
        "database": profile.database, "username": profile.username, "password": "not-the-password"})
    call("ValidateCredentials with a wrong password", validate_event(wrong))
    call("ValidateCredentials with a deleted secret",
         validate_event(profile.secret_arn.replace("local-profile", "deleted-profile")))
    endpoint = os.environ[ENDPOINT_ENV]
    with blackholed_port() as port:
        os.environ[ENDPOINT_ENV] = f"http://127.0.0.1:{port}"
        call("ValidateCredentials with no network path to Secrets Manager",
             validate_event(profile.secret_arn.replace("local-profile", "other-profile")))
    os.environ[ENDPOINT_ENV] = endpoint


def run() -> int:
    print("Starting a throwaway MariaDB and moto's Secrets Manager ...")
    with local_profile() as profile:
        print(f"  MariaDB  {profile.host}:{profile.port}, database {profile.database!r}, user {profile.username!r}")
        print(f"  secret   {profile.secret_arn}")
        connection_checks(profile)
        print("\nEvery answer above came from handlers.app.lambda_handler, the function AppFlow invokes.")
    return 0


if __name__ == "__main__":
    sys.exit(run())
