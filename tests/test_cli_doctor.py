"""``appflow-mysql doctor`` on the real server and moto: the checklist, the fixes, the exit status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from appflow_mysql.main import cli
from devkit.mariadb import free_port
from tests.conftest import new_password


def doctor(*args: str) -> Result:
    return CliRunner().invoke(cli, ["doctor", *args], catch_exceptions=False)


def custom_secret(db: dict[str, Any], **changes: str) -> dict[str, str]:
    return {"customAuthenticationType": "MySQL", "host": db["host"], "port": str(db["port"]),
            "database": db["database"], "username": db["username"], "password": db["password"], **changes}


def test_every_link_passes(read_db: dict[str, Any], make_secret: Callable[[dict[str, Any]], str]) -> None:
    arn = make_secret(custom_secret(read_db))
    result = doctor("--secret-arn", arn, "--setting", "tlsMode=PREFERRED")
    assert result.exit_code == 0, result.output
    where, *checks, summary = result.stdout.splitlines()
    assert where.startswith("Checked from this machine")
    names = [c["name"] for c in json.loads(doctor("--secret-arn", arn, "--setting", "tlsMode=PREFERRED",
                                                  "--json").stdout)["checks"]]
    assert len(checks) == len(names) >= 8
    for line, name in zip(checks, names, strict=True):
        assert line.startswith(f"PASS  {name}") and " ms  " in line
    assert {"GetSecretValue", "Database DNS", "SELECT privilege"} <= set(names)
    assert summary.startswith("All links work") and f"({len(names)} of {len(names)} checks passed)" in summary


def test_wrong_password_names_login_and_skips_the_rest(read_db: dict[str, Any], tmp_path: Path) -> None:
    wrong = new_password("doctor-wrong")
    creds = tmp_path / "local.json"
    creds.write_text(json.dumps(custom_secret(read_db, password=wrong)))
    result = doctor("--credentials-file", str(creds), "--setting", "tlsMode=PREFERRED")
    assert result.exit_code == 1
    where, secret, *lines = result.stdout.splitlines()
    assert where.startswith("Checked from this machine") and secret.startswith(f"Secret: the credentials file {creds}")
    failed = next(i for i, line in enumerate(lines) if line.startswith("FAIL"))
    assert lines[failed].startswith("FAIL  TLS and login")
    assert lines[failed + 1].startswith("      fix: ") and "password" in lines[failed + 1]
    assert all(line.startswith("PASS") for line in lines[:failed])
    assert lines[failed + 2].startswith("SKIP  SELECT privilege")
    assert lines[-1].startswith("First broken link: TLS and login")
    assert wrong not in result.output


def test_closed_port_with_basic_auth(read_db: dict[str, Any], tmp_path: Path) -> None:
    creds = tmp_path / "basic.json"
    creds.write_text(json.dumps({"username": read_db["username"], "password": read_db["password"]}))
    port = free_port()
    result = doctor("--credentials-file", str(creds), "--setting", "host=127.0.0.1", "--setting", f"port={port}",
                    "--setting", "tlsMode=PREFERRED")
    assert result.exit_code == 1
    assert f"FAIL  Database TCP {port}" in result.stdout and "refused" in result.stdout
    assert f"inbound rule to the database's security group: TCP {port}" in result.stdout
    assert result.stdout.splitlines()[-1].startswith(f"First broken link: Database TCP {port}")


def test_via_lambda_gives_the_same_checklist(read_db: dict[str, Any],
                                             make_secret: Callable[[dict[str, Any]], str]) -> None:
    arn = make_secret(custom_secret(read_db, database="no_such_db"))
    local = doctor("--secret-arn", arn, "--setting", "tlsMode=PREFERRED", "--json")
    remote = doctor("--secret-arn", arn, "--setting", "tlsMode=PREFERRED", "--json", "--via-lambda")
    assert local.exit_code == remote.exit_code == 1
    first, second = json.loads(local.stdout), json.loads(remote.stdout)
    assert [(c["name"], c["ok"]) for c in first["checks"]] == [(c["name"], c["ok"]) for c in second["checks"]]
    assert first["firstBroken"] == second["firstBroken"] is not None


def test_needs_exactly_one_credentials_source() -> None:
    result = doctor()
    assert result.exit_code == 2 and "exactly one of --secret-arn ARN and --credentials-file FILE" in result.output
