"""Inputs and states that once got a wrong answer or an UnknownError; each must now be answered properly."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from devkit.mariadb import ServerAddress
from handlers.app import lambda_handler
from tests.conftest import KNOWN_PASSWORDS, profile_caller, temporary_login

Caller = Callable[..., dict[str, Any]]


def code_of(response: dict[str, Any]) -> str:
    assert response["isSuccess"] is False, response
    return str(response["errorDetails"]["errorCode"])


@pytest.fixture
def own_user(mysql_server: ServerAddress, read_db: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A fresh login with SELECT on read_db and a password outside latin-1."""
    admin = mysql_server.connect()
    try:
        with temporary_login(admin, "own", "SELECT", read_db["database"], "pässwörd€") as password:
            yield {**read_db, "username": "own", "password": password, "admin": admin}
    finally:
        admin.close()


def test_a_non_latin1_password_logs_in(own_user: dict[str, Any], aws_env: str) -> None:
    call = profile_caller(own_user, aws_env)
    assert call("QueryDataRequest", entityIdentifier=f"{own_user['database']}.seq", maxResults=1)["isSuccess"]


def test_a_revoked_grant_is_seen_by_a_warm_container(own_user: dict[str, Any], aws_env: str) -> None:
    call = profile_caller(own_user, aws_env)
    identifier = f"{own_user['database']}.seq"
    assert call("QueryDataRequest", entityIdentifier=identifier, maxResults=1)["isSuccess"]
    with own_user["admin"].cursor() as cur:
        cur.execute(f"REVOKE SELECT ON `{own_user['database']}`.* FROM 'own'@'%'")
    assert code_of(call("QueryDataRequest", entityIdentifier=identifier, maxResults=1)) == "AccessDenied"


def test_validate_credentials_reads_the_secret_as_it_is_now(make_secret: Callable[..., str], app_db: dict[str, Any],
                                                            aws_env: str) -> None:
    secret = {"customAuthenticationType": "MySQL", "host": app_db["host"], "port": str(app_db["port"]),
              "database": app_db["database"], "username": app_db["username"], "password": app_db["password"]}
    arn = make_secret(secret)
    event = {"type": "ValidateCredentialsRequest", "credentials": {"secretArn": arn, "authenticationType":
             "CustomAuth"}, "connectorRuntimeSettings": {"tlsMode": "PREFERRED"}}
    assert lambda_handler(event, None)["isSuccess"]
    boto3.client("secretsmanager", endpoint_url=aws_env, region_name="us-east-1").put_secret_value(
        SecretId=arn, SecretString=json.dumps({**secret, "host": "no-such-host.invalid"}))
    assert code_of(lambda_handler(event, None)) == "InvalidArgument"


def test_doctor_lists_field_names_only(make_secret: Callable[..., str]) -> None:
    arn = make_secret({"customAuthenticationType": "MySQL", "credentialsMap": "s3cr3t-value"})
    response = lambda_handler({"type": "DiagnoseRequest", "secretArn": arn}, None)
    assert "s3cr3t" not in json.dumps(response) and response["firstBroken"] == "Secret content"


@pytest.mark.parametrize(
    ("mutate", "names"),
    [
        pytest.param(lambda e: e["connectorContext"].update(entityDefinition="garbage"), "entityDefinition",
                     id="entityDefinition not an object"),
        pytest.param(lambda e: e["connectorContext"].update(entityDefinition={"entity": 5, "fields": "x"}),
                     "entityDefinition", id="entityDefinition of the wrong shape"),
        pytest.param(lambda e: e.update(maxResults=10**30), "maxResults", id="maxResults beyond any page"),
        pytest.param(lambda e: e["connectorContext"]["credentials"].update(
            secretArn="arn:aws:secretsmanager:not a region!:1:secret:x"), "region", id="ARN with a bad region"),
    ],
)
def test_malformed_inputs_are_invalid_argument(caller: Caller, read_db: dict[str, Any],
                                               mutate: Callable[[dict[str, Any]], None], names: str) -> None:
    event: dict[str, Any] = {
        "type": "QueryDataRequest", "entityIdentifier": f"{read_db['database']}.seq", "maxResults": 5,
        "connectorContext": {"apiVersion": "v1", "connectorRuntimeSettings": {"tlsMode": "PREFERRED"},
                             "credentials": {"secretArn": "arn:aws:secretsmanager:us-east-1:1:secret:x",
                                             "authenticationType": "CustomAuth"}}}
    mutate(event)
    response = lambda_handler(event, None)
    assert code_of(response) == "InvalidArgument" and names in response["errorDetails"]["errorMessage"]


def test_a_filter_too_deep_to_parse_is_invalid_argument(caller: Caller, read_db: dict[str, Any]) -> None:
    response = caller("QueryDataRequest", entityIdentifier=f"{read_db['database']}.seq",
                      filterExpression=" or ".join(["grp = 1"] * 3000))
    assert code_of(response) == "InvalidArgument" and "IN (" in response["errorDetails"]["errorMessage"]


def test_an_invalid_dns_name_is_invalid_argument(make_secret: Callable[..., str], app_db: dict[str, Any]) -> None:
    arn = make_secret({"customAuthenticationType": "MySQL", "host": "db..example.com", "username": "u",
                       "password": app_db["password"]})
    event = {"type": "ValidateCredentialsRequest", "credentials": {"secretArn": arn, "authenticationType":
             "CustomAuth"}, "connectorRuntimeSettings": {"tlsMode": "PREFERRED"}}
    response = lambda_handler(event, None)
    assert code_of(response) == "InvalidArgument" and "db..example.com" in response["errorDetails"]["errorMessage"]
    assert not any(p in json.dumps(response) for p in KNOWN_PASSWORDS)
    diagnosis = lambda_handler({"type": "DiagnoseRequest", "secretArn": arn}, None)
    assert diagnosis["firstBroken"] == "Database DNS"


def test_a_missing_ca_bundle_is_reported_per_field() -> None:
    response = lambda_handler({"type": "ValidateConnectorRuntimeSettingsRequest", "scope": "CONNECTOR_PROFILE",
                               "connectorRuntimeSettings": {"tlsMode": "VERIFY_CA",
                                                            "tlsCaBundle": "/opt/nope/ca.pem"}}, None)
    assert response["isSuccess"] is False and "/opt/nope/ca.pem" in response["errorsByInputField"]["tlsCaBundle"]


def test_a_row_wider_than_a_response_is_named(caller: Caller, read_db: dict[str, Any]) -> None:
    with read_db["admin"].cursor() as cur:
        cur.execute(f"INSERT INTO `{read_db['database']}`.wide VALUES (99, REPEAT('y', 6500000))")
    try:
        response = caller("QueryDataRequest", entityIdentifier=f"{read_db['database']}.wide",
                          filterExpression="id = 99")
        assert code_of(response) == "InvalidArgument"
        assert "id=99" in response["errorDetails"]["errorMessage"]
        assert "selectedFieldNames" in response["errorDetails"]["errorMessage"]
    finally:
        with read_db["admin"].cursor() as cur:
            cur.execute(f"DELETE FROM `{read_db['database']}`.wide WHERE id = 99")


def test_retrieve_data_takes_the_datetimes_query_data_returns(caller: Caller, read_db: dict[str, Any]) -> None:
    identifier = f"{read_db['database']}.all_types"
    for settings, stamp in (({}, "2024-01-02T03:04:05.123456Z"),
                            ({"sourceTimeZone": "Asia/Tokyo"}, "2024-01-02T03:04:05.123456+09:00")):
        response = caller("RetrieveDataRequest", settings=settings, entityIdentifier=identifier, idFieldName="dtm",
                          ids=[stamp], selectedFieldNames=["id", "dtm"])
        assert [json.loads(r) for r in response["records"]] == [{"id": 1, "dtm": stamp}]


def test_mariadb_json_that_json_parsers_refuse_reads_as_parsed_json(caller: Caller, read_db: dict[str, Any]) -> None:
    """A Struct field carries a parsed JSON value in every row, never the text as a string."""
    with read_db["admin"].cursor() as cur:
        cur.execute("SELECT JSON_VALID('1.')")
        if cur.fetchone()[0] != 1:
            pytest.skip("MySQL 8: a real JSON type never holds such text")
        cur.execute(f"INSERT INTO `{read_db['database']}`.all_types (id, js) VALUES (98, '1.'), (97, '[1., 2.e3]')")
    try:
        response = caller("RetrieveDataRequest", entityIdentifier=f"{read_db['database']}.all_types",
                          idFieldName="id", ids=["98", "97"], selectedFieldNames=["id", "js"])
        assert sorted(response["records"]) == ['{"id":97,"js":[1.0, 2.0e3]}', '{"id":98,"js":1.0}']
    finally:
        with read_db["admin"].cursor() as cur:
            cur.execute(f"DELETE FROM `{read_db['database']}`.all_types WHERE id IN (97, 98)")


def test_bit64_is_declared_big_integer(caller: Caller, read_db: dict[str, Any]) -> None:
    with read_db["admin"].cursor() as cur:
        cur.execute(f"CREATE TABLE `{read_db['database']}`.bits (id INT PRIMARY KEY, b BIT(64))")
        cur.execute(f"INSERT INTO `{read_db['database']}`.bits VALUES (1, 18446744073709551615)")
    try:
        identifier = f"{read_db['database']}.bits"
        fields = caller("DescribeEntityRequest", entityIdentifier=identifier)["entityDefinition"]["fields"]
        assert {f["fieldName"]: f["dataType"] for f in fields} == {"id": "Integer", "b": "BigInteger"}
        records = caller("QueryDataRequest", entityIdentifier=identifier)["records"]
        assert records == ['{"id":1,"b":18446744073709551615}']
    finally:
        with read_db["admin"].cursor() as cur:
            cur.execute(f"DROP TABLE `{read_db['database']}`.bits")
