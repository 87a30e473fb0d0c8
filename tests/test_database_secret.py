"""MySQL-DatabaseSecret: the profile names a secret that is rotated without touching the profile.

Moto's Secrets Manager holds both secrets; the password is rotated on the real server and in
the database secret between two calls of one warm container. Each database secret made here is
also one the deployer allowed (DATABASE_SECRET_ARNS); tests/test_secret_allow_list.py tries the others.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from connector.credentials import DATABASE_SECRETS_ENV
from devkit.mariadb import ServerAddress
from handlers.app import lambda_handler
from tests.conftest import ACCOUNT, KNOWN_PASSWORDS, new_password, put_secret, scratch_database

MakeSecret = Callable[[dict[str, Any]], str]


@pytest.fixture
def db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    with scratch_database(mysql_server, "rotdb", "SELECT", "rot",
                          ["CREATE TABLE {db}.t (id INT PRIMARY KEY)", "INSERT INTO {db}.t VALUES (1), (2)"]) as made:
        yield made


def allow(monkeypatch: pytest.MonkeyPatch, arn: str) -> str:
    """Add ``arn`` to the deployer's list (the stack's DatabaseSecretArn) for this test; return it."""
    listed = os.environ.get(DATABASE_SECRETS_ENV, "")
    monkeypatch.setenv(DATABASE_SECRETS_ENV, f"{listed},{arn}" if listed else arn)
    return arn


@pytest.fixture
def database_secret(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> MakeSecret:
    """Makes a secret like RDS's managed master-user secret (its own name, not AppFlow's), allowed by the stack."""
    return lambda value: allow(monkeypatch, put_secret(aws_env, f"rds!cluster-{uuid.uuid4().hex[:8]}", value))


def profile(make_secret: MakeSecret, source: str, **fields: str) -> str:
    return make_secret({"customAuthenticationType": "MySQL-DatabaseSecret", "databaseSecretArn": source, **fields})


def query(arn: str, db: dict[str, Any]) -> dict[str, Any]:
    return dict(lambda_handler({
        "type": "QueryDataRequest", "entityIdentifier": f"{db['database']}.t", "maxResults": 10,
        "connectorContext": {"apiVersion": "v1", "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                             "connectorRuntimeSettings": {}}}, None))


def validate(arn: str) -> dict[str, Any]:
    return dict(lambda_handler({"type": "ValidateCredentialsRequest",
                                "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"}}, None))


def access_denied_count(db: dict[str, Any]) -> int:
    with db["admin"].cursor() as cur:
        cur.execute("SHOW GLOBAL STATUS LIKE 'Access_denied_errors'")
        return int(cur.fetchone()[1])


@pytest.mark.needs_local_server("KILL of the connector's sessions, and MariaDB's Access_denied_errors status counter")
def test_a_rotation_between_two_calls_of_a_warm_container_needs_no_profile_edit(
        make_secret: MakeSecret, aws_env: str, database_secret: MakeSecret, db: dict[str, Any]) -> None:
    source = database_secret({"username": db["username"], "password": db["password"]})
    arn = profile(make_secret, source, host=db["host"], port=str(db["port"]), database=db["database"])
    first = query(arn, db)
    assert first["isSuccess"] and len(first["records"]) == 2, first
    rotated = new_password("rotated")
    with db["admin"].cursor() as cur:  # what an RDS rotation does: the server, then the secret's AWSCURRENT
        cur.execute(f"ALTER USER '{db['username']}'@'%%' IDENTIFIED BY %s", (rotated,))
        cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s", (db["username"],))
        for (session_id,) in cur.fetchall():  # the warm connection ends (idle timeout, failover)
            cur.execute(f"KILL {int(session_id)}")
    boto3.client("secretsmanager", endpoint_url=aws_env, region_name="us-east-1").put_secret_value(
        SecretId=source, SecretString=json.dumps({"username": db["username"], "password": rotated}))
    denied = access_denied_count(db)
    second = query(arn, db)  # the cached password fails once, the re-read one logs in
    assert second["isSuccess"] and len(second["records"]) == 2, second
    assert access_denied_count(db) == denied + 1


def test_host_port_and_database_may_come_from_the_database_secret(
        make_secret: MakeSecret, database_secret: MakeSecret, db: dict[str, Any]) -> None:
    """The RDS console's secret format: engine, host, port, dbname beside the login."""
    source = database_secret({"engine": "mysql", "host": db["host"], "port": db["port"], "dbname": db["database"],
                              "username": db["username"], "password": db["password"]})
    response = query(profile(make_secret, source), db)
    assert response["isSuccess"], response


def test_the_profile_host_wins_over_the_secret_host(make_secret: MakeSecret, database_secret: MakeSecret,
                                                    db: dict[str, Any]) -> None:
    source = database_secret({"host": "old-writer.invalid", "port": 1, "username": db["username"],
                              "password": db["password"]})
    arn = profile(make_secret, source, host=db["host"], port=str(db["port"]), database=db["database"])
    assert validate(arn)["isSuccess"]


def test_no_host_anywhere_is_named(make_secret: MakeSecret, database_secret: MakeSecret, db: dict[str, Any]) -> None:
    source = database_secret({"username": db["username"], "password": db["password"]})
    response = validate(profile(make_secret, source))
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert source in response["errorDetails"]["errorMessage"] and "host" in response["errorDetails"]["errorMessage"]


def test_a_wrong_password_that_stays_wrong_names_the_secret(make_secret: MakeSecret, database_secret: MakeSecret,
                                                            db: dict[str, Any]) -> None:
    wrong = new_password("wrong")
    source = database_secret({"username": db["username"], "password": wrong})
    response = validate(profile(make_secret, source, host=db["host"], port=str(db["port"])))
    assert response["errorDetails"]["errorCode"] == "InvalidCredentials"
    message = response["errorDetails"]["errorMessage"]
    assert source in message and "rotation" in message
    assert not any(p in json.dumps(response) for p in KNOWN_PASSWORDS)


@pytest.mark.parametrize(("value", "named"), [
    ({"username": "u"}, "password"), ({"password": "p"}, "username")], ids=["no password", "no username"])
def test_an_incomplete_database_secret_names_the_missing_keys(make_secret: MakeSecret, database_secret: MakeSecret,
                                                              value: dict[str, str], named: str) -> None:
    source = database_secret(value)
    response = validate(profile(make_secret, source, host="db.example"))
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert named in response["errorDetails"]["errorMessage"] and source in response["errorDetails"]["errorMessage"]


def test_a_missing_database_secret_is_named(make_secret: MakeSecret, monkeypatch: pytest.MonkeyPatch) -> None:
    source = allow(monkeypatch, f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!cluster-gone-AbCdEf")
    response = validate(profile(make_secret, source, host="db.example"))
    assert response["errorDetails"]["errorCode"] == "ResourceNotFoundError"
    assert source in response["errorDetails"]["errorMessage"]


def test_a_malformed_database_secret_arn_is_refused_before_any_call(make_secret: MakeSecret,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Even one the deployer listed (the stack's pattern would refuse it): its region is named, no call made."""
    malformed = allow(monkeypatch, "arn:aws:secretsmanager:nowhere:1:secret:x")
    response = validate(profile(make_secret, malformed, host="db"))
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "region" in response["errorDetails"]["errorMessage"]


def test_host_port_and_database_follow_one_order_profile_then_secret_then_settings(
        make_secret: MakeSecret, database_secret: MakeSecret, db: dict[str, Any]) -> None:
    """Wrong runtime settings lose to the database secret for all three fields alike."""
    source = database_secret({"username": db["username"], "password": db["password"], "host": db["host"],
                              "port": db["port"], "dbname": db["database"]})
    for wrong in ({"host": "wrong-host.invalid"}, {"port": "1"}, {"database": "no_such_db"}):
        response = dict(lambda_handler({"type": "ValidateCredentialsRequest", "connectorRuntimeSettings": wrong,
                                        "credentials": {"secretArn": profile(make_secret, source),
                                                        "authenticationType": "CustomAuth"}}, None))
        assert response["isSuccess"], (wrong, response)
    settings_only = database_secret({"username": db["username"], "password": db["password"]})
    response = dict(lambda_handler({"type": "ValidateCredentialsRequest", "connectorRuntimeSettings": {
        "host": db["host"], "port": str(db["port"]), "database": db["database"]}, "credentials": {
        "secretArn": profile(make_secret, settings_only), "authenticationType": "CustomAuth"}}, None))
    assert response["isSuccess"], response  # and the settings fill what neither names


@pytest.mark.parametrize("password", [12345.5, True, "", None, {"nested": "x"}])
def test_a_password_that_is_not_text_is_refused_by_name(make_secret: MakeSecret, database_secret: MakeSecret,
                                                       db: dict[str, Any], password: Any) -> None:
    source = database_secret({"username": db["username"], "password": password})
    response = validate(profile(make_secret, source, host=db["host"], port=str(db["port"])))
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "password" in response["errorDetails"]["errorMessage"]
