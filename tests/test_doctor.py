"""The doctor (DiagnoseRequest) on the real server and moto: each broken link named, each in under 10 s."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from devkit.mariadb import free_port
from devkit.network import blackholed_port
from handlers.app import lambda_handler
from tests.conftest import KNOWN_PASSWORDS, new_password

SETTINGS = {"tlsMode": "PREFERRED", "connectTimeoutSeconds": "2"}


def diagnose(arn: str, auth: str = "CustomAuth", settings: dict[str, str] | None = None) -> dict[str, Any]:
    started = time.monotonic()
    response = lambda_handler({"type": "DiagnoseRequest", "secretArn": arn, "authenticationType": auth,
                               "connectorRuntimeSettings": {**SETTINGS, **(settings or {})}}, None)
    assert time.monotonic() - started < 10
    text = json.dumps(response)
    assert not any(p in text for p in KNOWN_PASSWORDS)
    return dict(response)


def secret_for(db: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"customAuthenticationType": "MySQL", "host": db["host"], "port": str(db["port"]),
            "database": db["database"], "username": db["username"], "password": db["password"], **overrides}


def broken(response: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assert response["isSuccess"] is False
    check = next(c for c in response["checks"] if c["ok"] is False)
    assert check["name"] == response["firstBroken"] and check["fix"]
    after = response["checks"][response["checks"].index(check) + 1:]
    assert all(c["ok"] is None for c in after)  # everything after the first broken link is skipped
    return str(check["name"]), check


def test_a_healthy_path_passes_every_check(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    response = diagnose(make_secret(secret_for(app_db)))
    assert response["isSuccess"] is True, response
    names = [c["name"] for c in response["checks"]]
    assert names[:3] == ["Runtime settings", "Secret ARN", "Secrets Manager DNS"]
    assert names[3].startswith("Secrets Manager TCP ") and names[-2:] == ["TLS and login", "SELECT privilege"]
    assert all(c["ok"] for c in response["checks"]) and "All links work" in response["summary"]
    assert "password" in next(c["detail"] for c in response["checks"] if c["name"] == "GetSecretValue")


def test_blackholed_secrets_manager(monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    with blackholed_port() as port:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f"http://127.0.0.1:{port}")
        name, check = broken(diagnose("arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!1-x-AbC"))
    assert name == f"Secrets Manager TCP {port}"
    assert "private DNS" in check["fix"] and "NAT gateway" in check["fix"] and "no answer" in check["detail"]


def test_missing_secret(aws_env: str) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-mysql-missing-AbCdEf"
    name, check = broken(diagnose(arn))
    assert name == "GetSecretValue" and arn in check["fix"]


def test_refused_database_port(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    port = free_port()
    name, check = broken(diagnose(make_secret(secret_for(app_db, port=str(port)))))
    assert name == f"Database TCP {port}" and "refused" in check["detail"]
    assert f"inbound rule to the database's security group: TCP {port}" in check["fix"]


def test_blackholed_database(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    with blackholed_port() as port:
        name, check = broken(diagnose(make_secret(secret_for(app_db, port=str(port)))))
    assert name == f"Database TCP {port}" and "no answer" in check["detail"] and "route" in check["fix"]


def test_wrong_password(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    name, check = broken(diagnose(make_secret(secret_for(app_db, password=new_password("doctor-wrong")))))
    assert name == "TLS and login" and check["detail"] == "InvalidCredentials" and app_db["username"] in check["fix"]


def test_missing_select_grant(make_secret: Callable[..., str], insert_only_user: dict[str, Any]) -> None:
    name, check = broken(diagnose(make_secret(secret_for(insert_only_user))))
    assert name == "SELECT privilege" and "GRANT SELECT" in check["fix"]


def test_unknown_database_host(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    name, check = broken(diagnose(make_secret(secret_for(app_db, host="db.invalid"))))
    assert name == "Database DNS" and "DNS resolution" in check["fix"]
