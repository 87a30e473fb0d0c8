"""``make demo``: what AppFlow does when a connection profile is created, run locally.

Starts a throwaway MariaDB with a sample schema and moto's Secrets Manager
holding an AppFlow-style profile secret, then calls the Lambda entry point
the way AppFlow does and prints the answers.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path
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


def _context(profile: LocalProfile) -> dict[str, Any]:
    return {"apiVersion": "v1", "credentials": {"secretArn": profile.secret_arn, "authenticationType": "CustomAuth"},
            "connectorRuntimeSettings": {"tlsMode": "PREFERRED"}}


FLOW_FILTER = "status = 'paid' and updated_at between 2024-01-05T00:00:00Z and 2024-01-20T23:59:59Z"


def run_flow(profile: LocalProfile, out_dir: Path) -> Path:
    """A flow to S3, locally: list, describe, then QueryData pages written the way AppFlow lays out files."""
    listed = call("ListEntities", {"type": "ListEntitiesRequest", "connectorContext": _context(profile)})
    print("         entities: " + ", ".join(e["entityIdentifier"] for e in listed["entities"]))
    described = call("DescribeEntity appdb.orders", {"type": "DescribeEntityRequest",
                                                     "entityIdentifier": "appdb.orders",
                                                     "connectorContext": _context(profile)})
    for field in described["entityDefinition"]["fields"]:
        print(f"         {field['fieldName']:<12} {field['dataTypeLabel']:<32} -> {field['dataType']}")
    execution = uuid.uuid4().hex
    target = out_dir / "local-flow" / execution
    target.mkdir(parents=True)
    token, pages, rows = None, 0, 0
    print(f"\nQueryData appdb.orders with filter: {FLOW_FILTER}")
    while True:
        response = call(f"QueryData page {pages + 1}", {
            "type": "QueryDataRequest", "entityIdentifier": "appdb.orders", "maxResults": 5,
            "filterExpression": FLOW_FILTER, "nextToken": token, "connectorContext": _context(profile)})
        if not response["isSuccess"]:
            break
        part = target / f"part-{pages:05d}-{uuid.uuid4().hex[:8]}.jsonl"
        part.write_text("".join(record + "\n" for record in response["records"]), encoding="utf-8")
        pages, rows, token = pages + 1, rows + len(response["records"]), response["nextToken"]
        if token is None:
            break
    print(f"\nWrote {rows} records in {pages} files to {target}/ (AppFlow's S3 layout: <flow>/<execution id>/)")
    first = sorted(target.iterdir())[0]
    print(f"First lines of {first.name}:")
    for line in first.read_text(encoding="utf-8").splitlines()[:3]:
        print("  " + line)
    return target


def run() -> int:
    print("Starting a throwaway MariaDB and moto's Secrets Manager ...")
    with local_profile() as profile:
        print(f"  MariaDB  {profile.host}:{profile.port}, database {profile.database!r}, user {profile.username!r}")
        print(f"  secret   {profile.secret_arn}")
        print("\n=== Creating the connection profile")
        connection_checks(profile)
        print("\n=== Running a flow to (local) S3")
        run_flow(profile, Path(os.environ.get("DEMO_OUT", "out")))
        print("\nEvery answer above came from handlers.app.lambda_handler, the function AppFlow invokes.")
    return 0


if __name__ == "__main__":
    sys.exit(run())
