"""ValidateCredentials against the real MariaDB and moto's Secrets Manager: every row of the table."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from devkit.mariadb import ServerAddress, free_port
from devkit.network import blackholed_port
from handlers.app import lambda_handler
from tests.conftest import KNOWN_PASSWORDS, new_password, temporary_login

NO_DB_SETTINGS = {"connectTimeoutSeconds": "2"}


def validate(arn: str, auth: str = "CustomAuth", settings: dict[str, str] | None = None) -> dict[str, Any]:
    event = {
        "type": "ValidateCredentialsRequest",
        "credentials": {"secretArn": arn, "authenticationType": auth},
        "connectorRuntimeSettings": {**NO_DB_SETTINGS, **(settings or {})},
    }
    started = time.monotonic()
    response = lambda_handler(event, None)
    response["_seconds"] = time.monotonic() - started
    return response


def custom_secret(db: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"customAuthenticationType": "MySQL", "host": db["host"], "port": str(db["port"]),
            "database": db["database"], "username": db["username"], "password": db["password"], **overrides}


def assert_failure(response: dict[str, Any], code: str, *must_name: str) -> str:
    assert response["isSuccess"] is False, response
    details = response["errorDetails"]
    assert details["errorCode"] == code, details
    message = details["errorMessage"]
    for text in must_name:
        assert text in message, f"{text!r} not in {message!r}"
    assert not any(p in message for p in KNOWN_PASSWORDS), message
    assert response["_seconds"] < 10, f"took {response['_seconds']:.1f} s"
    return str(message)


def test_good_custom_auth_flat_secret(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    response = validate(make_secret(custom_secret(app_db)))
    assert response["isSuccess"] is True and response["errorDetails"] is None


def test_good_custom_auth_nested_credentials_map(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    arn = make_secret({"customAuthenticationType": "MySQL", "credentialsMap": custom_secret(app_db)})
    assert validate(arn)["isSuccess"] is True


def test_good_basic_auth_reads_host_from_settings(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    arn = make_secret({"username": app_db["username"], "password": app_db["password"]})
    settings = {"host": app_db["host"], "port": str(app_db["port"]), "database": app_db["database"]}
    assert validate(arn, "BasicAuth", settings)["isSuccess"] is True


def test_basic_auth_without_host_setting_says_so(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    arn = make_secret({"username": app_db["username"], "password": app_db["password"]})
    assert_failure(validate(arn, "BasicAuth"), "InvalidArgument", "'host'")


def test_wrong_password_is_invalid_credentials_naming_user_and_host(
    make_secret: Callable[..., str], app_db: dict[str, Any]
) -> None:
    wrong = new_password("wrong")
    response = validate(make_secret(custom_secret(app_db, password=wrong)))
    assert_failure(response, "InvalidCredentials", app_db["username"], f"{app_db['host']}:{app_db['port']}")


def test_refused_port_is_service_unavailable_naming_the_security_group(
    make_secret: Callable[..., str], app_db: dict[str, Any]
) -> None:
    port = free_port()
    response = validate(make_secret(custom_secret(app_db, port=str(port))))
    assert_failure(response, "ServiceUnavailable", f"127.0.0.1:{port}", "security group", f"inbound TCP {port}")


def test_blackholed_port_is_request_timeout_within_budget(
    make_secret: Callable[..., str], app_db: dict[str, Any]
) -> None:
    with blackholed_port() as port:
        response = validate(make_secret(custom_secret(app_db, port=str(port))))
    message = assert_failure(response, "RequestTimeout", f"127.0.0.1:{port}", "security group", "subnets")
    assert "2 s" in message  # the configured connect timeout, not a guess


def test_unknown_host_is_invalid_argument_naming_dns(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    response = validate(make_secret(custom_secret(app_db, host="no-such-db.invalid")))
    assert_failure(response, "InvalidArgument", "no-such-db.invalid", "DNS")


def test_unreachable_secrets_manager_is_request_timeout_naming_the_endpoint_fix(
    monkeypatch: pytest.MonkeyPatch, aws_env: str
) -> None:
    with blackholed_port() as port:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f"http://127.0.0.1:{port}")
        arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-mysql-p-AbCdEf"
        response = validate(arn)
    assert_failure(response, "RequestTimeout", "Secrets Manager", f"127.0.0.1:{port}",
                   "interface VPC endpoint", "private DNS", "DNS hostnames", "DNS resolution", "NAT gateway")


def test_missing_secret_is_resource_not_found_naming_the_arn(aws_env: str) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-mysql-gone-AbCdEf"
    assert_failure(validate(arn), "ResourceNotFoundError", arn)


@pytest.fixture
def iam_enforcing_moto(monkeypatch: pytest.MonkeyPatch, app_db: dict[str, Any]) -> Iterator[str]:
    """A second moto server that authorises requests, holding a secret our new user may not read."""
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:  # readiness: the port accepts a connection
            try:
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
        iam.create_user(UserName="connector")  # unauthenticated action 1
        key = iam.create_access_key(UserName="connector")["AccessKey"]  # 2
        sm = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
        arn = sm.create_secret(Name="appflow!123456789012-mysql-denied",  # 3
                               SecretString='{"username": "u", "password": "p"}')["ARN"]
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        yield str(arn)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_access_denied_names_the_arn_and_the_iam_action(iam_enforcing_moto: str) -> None:
    response = validate(iam_enforcing_moto)
    assert_failure(response, "AccessDenied", iam_enforcing_moto, "secretsmanager:GetSecretValue", "appflow!")


def test_missing_select_grant_is_access_denied_naming_database_and_privilege(
    make_secret: Callable[..., str], insert_only_user: dict[str, Any]
) -> None:
    response = validate(make_secret(custom_secret(insert_only_user)))
    assert_failure(response, "AccessDenied", insert_only_user["database"], "SELECT", "noselect")


def test_no_privileges_on_database_is_access_denied(
    make_secret: Callable[..., str], mysql_server: ServerAddress, app_db: dict[str, Any]
) -> None:
    admin = mysql_server.connect()
    try:
        with temporary_login(admin, "nogrant", label="nogrant") as password:
            response = validate(make_secret(custom_secret(app_db, username="nogrant", password=password)))
        assert_failure(response, "AccessDenied", app_db["database"], "GRANT SELECT")
    finally:
        admin.close()


def test_rotated_password_is_picked_up_after_one_failure(
    make_secret: Callable[..., str], app_db: dict[str, Any], aws_env: str
) -> None:
    stale = new_password("stale")
    arn = make_secret(custom_secret(app_db, password=stale))
    assert validate(arn)["errorDetails"]["errorCode"] == "InvalidCredentials"  # now cached
    sm = boto3.client("secretsmanager", endpoint_url=aws_env, region_name="us-east-1")
    sm.put_secret_value(SecretId=arn, SecretString=__import__("json").dumps(custom_secret(app_db)))
    assert validate(arn)["isSuccess"] is True


@pytest.mark.parametrize(
    ("secret", "names"),
    [
        pytest.param({"customAuthenticationType": "MySQL", "host": "h"}, ["username", "password"], id="missing keys"),
        pytest.param({"customAuthenticationType": "Oracle", "host": "h", "username": "u", "password": "p"},
                     ["Oracle", "MySQL"], id="other custom auth type"),
        pytest.param({"customAuthenticationType": "MySQL", "host": "h", "port": "x", "username": "u",
                      "password": "p"}, ["port"], id="bad port"),
    ],
)
def test_malformed_secret_is_invalid_argument(
    make_secret: Callable[..., str], secret: dict[str, Any], names: list[str]
) -> None:
    assert_failure(validate(make_secret(secret)), "InvalidArgument", *names)


def test_secret_that_is_not_json_is_invalid_argument(aws_env: str) -> None:
    sm = boto3.client("secretsmanager", endpoint_url=aws_env, region_name="us-east-1")
    arn = sm.create_secret(Name="appflow!123456789012-mysql-notjson", SecretString="host=h;pw=x")["ARN"]
    message = assert_failure(validate(arn), "InvalidArgument", "not JSON")
    assert "pw=x" not in message
