"""``make demo``: what AppFlow does when a connection profile is created and a flow runs, locally.

Starts a throwaway MariaDB with a sample schema and moto's Secrets Manager
holding an AppFlow-style profile secret, calls the Lambda entry point the way
AppFlow does while creating a profile, then runs ``appflow-mysql flow``: pages
to files in AppFlow's S3 layout and, through WriteData, into appdb.orders_copy.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pymysql

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # the JSON logs would drown the demo's output

from appflow_mysql.context import LocalLambdaContext  # noqa: E402
from appflow_mysql.local_secrets import ENDPOINT_ENV, put_secret  # noqa: E402
from devkit.network import blackholed_port  # noqa: E402
from devkit.sample import LocalProfile, local_profile  # noqa: E402


def call(title: str, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke the Lambda entry point and print a readable verdict."""
    from handlers.app import lambda_handler

    started = time.monotonic()
    response = lambda_handler(event, LocalLambdaContext())
    elapsed = time.monotonic() - started
    verdict = "OK    " if response.get("isSuccess") else "FAILED"
    print(f"\n[{verdict}] {title}  ({elapsed * 1000:.0f} ms)")
    if response.get("errorDetails"):
        print(f"         errorCode:    {response['errorDetails']['errorCode']}")
        print(f"         errorMessage: {response['errorDetails']['errorMessage']}")
    for key, reason in (response.get("errorsByInputField") or {}).items():
        print(f"         {key}: {reason}")
    return response


def validate_event(arn: str, profile: LocalProfile) -> dict[str, Any]:
    return {"type": "ValidateCredentialsRequest",
            "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
            "connectorRuntimeSettings": profile.tls_settings}


def connection_checks(profile: LocalProfile) -> None:
    """The calls AppFlow makes while registering the connector and creating a profile."""
    config = call("DescribeConnectorConfiguration (registering the connector)",
                  {"type": "DescribeConnectorConfigurationRequest"})
    print(f"         connector {config['connectorName']} {config['connectorVersion']}, "
          f"modes {config['connectorModes']}, auth: BasicAuth and CustomAuth "
          + ", ".join(repr(c["authenticationType"]) for c in config["authenticationConfig"]["customAuthConfig"]))
    print("         settings: " + ", ".join(s["key"] for s in config["connectorRuntimeSetting"]))
    call("ValidateConnectorRuntimeSettings with typos",
         {"type": "ValidateConnectorRuntimeSettingsRequest", "scope": "CONNECTOR_PROFILE",
          "connectorRuntimeSettings": {"tlsMode": "VERIFY", "port": "33o6"}})
    call("ValidateCredentials with the right password", validate_event(profile.secret_arn, profile))
    wrong = put_secret(os.environ[ENDPOINT_ENV], "appflow!123456789012-mysql-connector-wrong-password", {
        "customAuthenticationType": "MySQL", "host": profile.host, "port": str(profile.port),
        "database": profile.database, "username": profile.username, "password": "not-the-password"})
    call("ValidateCredentials with a wrong password", validate_event(wrong, profile))
    call("ValidateCredentials with a deleted secret",
         validate_event(profile.secret_arn.replace("local-profile", "deleted-profile"), profile))
    endpoint = os.environ[ENDPOINT_ENV]
    with blackholed_port() as port:
        os.environ[ENDPOINT_ENV] = f"http://127.0.0.1:{port}"
        call("ValidateCredentials with no network path to Secrets Manager",
             validate_event(profile.secret_arn.replace("local-profile", "other-profile"), profile))
    os.environ[ENDPOINT_ENV] = endpoint


FLOW_FILTER = "status = 'paid' and updated_at between 2024-01-05T00:00:00Z and 2024-01-20T23:59:59Z"


def _appflow_mysql() -> list[str]:
    """The console script next to this interpreter (the venv's), else the module."""
    script = Path(sys.executable).parent / "appflow-mysql"
    return [str(script)] if script.exists() else [sys.executable, "-m", "appflow_mysql.main"]


def _quoted(arg: str) -> str:
    """Shell quoting that reads well for the filter: double quotes around single quotes."""
    if "'" in arg and not any(c in arg for c in '"$`\\!'):
        return f'"{arg}"'
    return shlex.quote(arg)


def _tls_options(profile: LocalProfile) -> list[str]:
    """The default tlsMode (VERIFY_IDENTITY) needs only the throwaway CA that signed the demo server's certificate."""
    return [arg for key, value in profile.tls_settings.items() for arg in ("--setting", f"{key}={value}")]


def run_doctor(profile: LocalProfile) -> None:
    """``appflow-mysql doctor`` on the profile: every link from the function to the database, timed."""
    args = ["doctor", "--secret-arn", profile.secret_arn, *_tls_options(profile)]
    print("$ appflow-mysql " + " ".join(_quoted(arg) for arg in args), flush=True)
    subprocess.run([*_appflow_mysql(), *args], check=False)


def run_flow(profile: LocalProfile, out_dir: Path) -> Path | None:
    """``appflow-mysql flow`` as a user types it: to files in AppFlow's S3 layout and into appdb.orders_copy.

    A separate process, reaching this demo's Secrets Manager through the environment
    (AWS_ENDPOINT_URL_SECRETS_MANAGER), exactly as the connector reaches AWS's.
    """
    flow_name = "demo-orders"
    args = ["flow", "appdb.orders", "--secret-arn", profile.secret_arn, *_tls_options(profile),
            "--filter", FLOW_FILTER, "--page-size", "5", "--out", str(out_dir), "--flow-name", flow_name,
            "--to-table", "appdb.orders_copy"]
    print("$ appflow-mysql " + " ".join(_quoted(arg) for arg in args), flush=True)
    code = subprocess.run([*_appflow_mysql(), *args], check=False).returncode
    if code != 0:
        print(f"appflow-mysql flow exited with status {code}")
        return None
    runs = [path for path in (out_dir / flow_name).iterdir() if path.is_dir()]
    target = max(runs, key=lambda path: path.stat().st_mtime)
    files = sorted(target.iterdir())
    print(f"\nThe output files are in {target}/ (AppFlow's S3 layout: <flow>/<execution id>/):")
    print("  " + "  ".join(path.name for path in files[:6]) + ("  ..." if len(files) > 6 else ""))
    print(f"First lines of {files[0].name}:")
    for line in files[0].read_text(encoding="utf-8").splitlines()[:3]:
        print("  " + line)
    records = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in files)
    with pymysql.connect(host=profile.host, port=profile.port, user=profile.username, password=profile.password,
                         database=profile.database, ssl={"ca": profile.ca_file}) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*), SUM(total), MIN(id), MAX(id) FROM orders_copy")
        count, total, low, high = cur.fetchone()
    print(f"\nappdb.orders_copy now holds {count} rows (ids {low}..{high}, total {total}), written through "
          f"WriteData; the files hold {records} records.")
    return target


def run() -> int:
    print("Starting a throwaway MariaDB and moto's Secrets Manager ...")
    with local_profile() as profile:
        print(f"  MariaDB  {profile.host}:{profile.port}, database {profile.database!r}, user {profile.username!r}")
        print(f"  secret   {profile.secret_arn}")
        print("\n=== Creating the connection profile")
        connection_checks(profile)
        print("\n=== The doctor: every link of the profile's path, checked in order")
        run_doctor(profile)
        print("\n=== Running a flow to (local) S3 and into a destination table")
        target = run_flow(profile, Path(os.environ.get("DEMO_OUT", "out")))
        print("\nEvery answer above came from handlers.app.lambda_handler, which answers each call AppFlow makes "
              "(Lambda runs it through handlers.lambda_entry).")
    return 0 if target is not None else 1


if __name__ == "__main__":
    sys.exit(run())
