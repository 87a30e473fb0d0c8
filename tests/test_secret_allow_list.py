"""A profile reads only the database secrets the deployer allowed, and never another profile's login.

The function's role may read every profile secret of the connector. Here moto's Secrets Manager
holds two AppFlow profiles and database secrets; every GetSecretValue the server answers is
recorded (moto's backend, patched in this test only), so "refused before it is read" is what the
server saw, not what the connector says. Each refusal goes through ``handlers.app.lambda_handler``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connector.credentials import DATABASE_SECRETS_ENV
from handlers.app import lambda_handler
from tests.conftest import ACCOUNT, LEAKS, new_password, put_secret

MakeSecret = Callable[[dict[str, Any]], str]
ATTACKER_HOST = "attacker.invalid"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SecretId of every GetSecretValue (or BatchGetSecretValue) moto's server answers during the test."""
    from moto.secretsmanager.models import SecretsManagerBackend

    seen: list[str] = []
    single, batch = SecretsManagerBackend.get_secret_value, SecretsManagerBackend.batch_get_secret_value

    def get_secret_value(self: Any, secret_id: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(secret_id)
        return single(self, secret_id, *args, **kwargs)

    def batch_get_secret_value(self: Any, secret_id_list: list[str] | None = None, *args: Any, **kwargs: Any) -> Any:
        seen.extend(secret_id_list or ["<batch by filter>"])
        return batch(self, secret_id_list, *args, **kwargs)

    monkeypatch.setattr(SecretsManagerBackend, "get_secret_value", get_secret_value)
    monkeypatch.setattr(SecretsManagerBackend, "batch_get_secret_value", batch_get_secret_value)
    yield seen


@pytest.fixture
def victim(make_secret: MakeSecret) -> dict[str, str]:
    """Another team's AppFlow profile: its own MySQL login, which no other profile may use."""
    login = {"host": "victim-db.invalid", "username": f"victim_{uuid.uuid4().hex[:8]}",
             "password": new_password("victim")}
    return {**login, "arn": make_secret({"customAuthenticationType": "MySQL", **login})}


@pytest.fixture
def rds_secret(aws_env: str) -> Callable[[str], dict[str, str]]:
    """Makes a database secret (RDS's naming) with a login of its own; returns it with its ARN."""

    def make(label: str) -> dict[str, str]:
        login = {"username": f"{label}_{uuid.uuid4().hex[:8]}", "password": new_password(label)}
        return {**login, "arn": put_secret(aws_env, f"rds!cluster-{uuid.uuid4().hex[:8]}", login)}

    return make


def borrower(make_secret: MakeSecret, source: str) -> str:
    """A profile of the one who wants a login: it names ``source`` and the host it chose."""
    return make_secret({"customAuthenticationType": "MySQL-DatabaseSecret", "databaseSecretArn": source,
                        "host": ATTACKER_HOST, "port": "3306", "database": "app"})


def validate(arn: str) -> dict[str, Any]:
    return dict(lambda_handler({"type": "ValidateCredentialsRequest",
                                "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"}}, None))


def query(arn: str) -> dict[str, Any]:
    return dict(lambda_handler({
        "type": "QueryDataRequest", "entityIdentifier": "app.t", "maxResults": 10,
        "connectorContext": {"apiVersion": "v1", "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                             "connectorRuntimeSettings": {}}}, None))


def diagnose(arn: str, auth: str = "CustomAuth", settings: dict[str, str] | None = None) -> dict[str, Any]:
    return dict(lambda_handler({"type": "DiagnoseRequest", "secretArn": arn, "authenticationType": auth,
                                "connectorRuntimeSettings": settings or {}}, None))


def refusal(response: dict[str, Any]) -> str:
    """The message of an InvalidArgument answer (the test fails on any other)."""
    assert response["isSuccess"] is False, response
    assert response["errorDetails"]["errorCode"] == "InvalidArgument", response["errorDetails"]
    return str(response["errorDetails"]["errorMessage"])


def assert_nothing_of(login: dict[str, str], response: dict[str, Any], log_start: int) -> None:
    """Neither the response nor any log line since ``log_start`` holds the login's user name or password."""
    text = json.dumps(response)
    assert login["username"] not in text and login["password"] not in text
    for line in LEAKS.lines[log_start:]:
        assert login["username"] not in line and login["password"] not in line, line[:300]


@pytest.mark.parametrize("listed", [False, True], ids=["not listed", "listed by mistake"])
def test_a_profile_naming_another_profiles_secret_is_refused_unread(
        make_secret: MakeSecret, victim: dict[str, str], rds_secret: Callable[[str], dict[str, str]],
        reads: list[str], monkeypatch: pytest.MonkeyPatch, listed: bool) -> None:
    """Even a deployer who listed a profile secret cannot make it a database secret."""
    allowed = [rds_secret("allowed")["arn"], *([victim["arn"]] if listed else [])]
    monkeypatch.setenv(DATABASE_SECRETS_ENV, ",".join(allowed))
    arn = borrower(make_secret, victim["arn"])
    log_start = len(LEAKS.lines)
    for response in (validate(arn), query(arn)):
        message = refusal(response)
        assert victim["arn"] in message and "AppFlow connection profile secret" in message
        assert "DatabaseSecretArn" in message and "never" in message
        assert_nothing_of(victim, response, log_start)
    doctor = diagnose(arn)
    assert doctor["isSuccess"] is False and doctor["firstBroken"] == "Secret content"
    assert_nothing_of(victim, doctor, log_start)
    assert victim["arn"] not in reads and set(reads) == {arn}  # only the borrower's own profile secret


def test_a_database_secret_the_stack_does_not_list_is_refused_unread(
        make_secret: MakeSecret, rds_secret: Callable[[str], dict[str, str]], reads: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret the role may well read (here: any in moto) but the deployer did not name."""
    allowed, other = rds_secret("allowed"), rds_secret("unlisted")
    monkeypatch.setenv(DATABASE_SECRETS_ENV, allowed["arn"])
    arn = borrower(make_secret, other["arn"])
    log_start = len(LEAKS.lines)
    for response in (validate(arn), query(arn)):
        message = refusal(response)
        assert other["arn"] in message and "not a database secret this connector's stack allows" in message
        assert "DatabaseSecretArn" in message and "profile secrets can never be used" in message
        assert allowed["arn"] not in message  # the allowed ARNs are not shown to whoever writes a profile
        assert_nothing_of(other, response, log_start)
    assert set(reads) == {arn}  # the profile's own secret only (QueryData may take it from the cache)


def _near_misses(allowed: str) -> dict[str, str]:
    name = allowed.split(":secret:", 1)[1]
    return {
        "partial ARN (no suffix)": allowed[:-7],
        "name with suffix": name,
        "name": name[:-7],
        "letter case of the name": allowed.replace("rds!cluster", "RDS!cluster"),
        "letter case of all": allowed.upper(),
        "a character appended": allowed + "x",
        "a character prepended": "x" + allowed,
        "whitespace inside": allowed.replace(":secret:", ":secret: "),
        "a staging label appended": allowed + ":AWSPREVIOUS",
        "a version id appended": allowed + "?versionId=00000000-0000-0000-0000-000000000000",
        "another region": allowed.replace(":us-east-1:", ":us-west-2:"),
        "another account": allowed.replace(f":{ACCOUNT}:", ":210987654321:"),
        "another partition": allowed.replace("arn:aws:", "arn:aws-cn:"),
        "two ARNs in one value": f"{allowed},{allowed}",
        "a wildcard": allowed[:-6] + "*",
    }


NEAR_MISSES = list(_near_misses("arn:aws:secretsmanager:us-east-1:1:secret:rds!cluster-x-AbCdEf"))


@pytest.mark.parametrize("kind", NEAR_MISSES)
def test_a_near_miss_of_an_allowed_arn_is_refused_unread(
        make_secret: MakeSecret, rds_secret: Callable[[str], dict[str, str]], reads: list[str],
        monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """The profile's value must equal a listed ARN exactly: no name, partial ARN or variant is resolved."""
    allowed = rds_secret("allowed")
    monkeypatch.setenv(DATABASE_SECRETS_ENV, allowed["arn"])
    near = _near_misses(allowed["arn"])[kind]
    assert near.strip() != allowed["arn"]
    arn = borrower(make_secret, near)
    log_start = len(LEAKS.lines)
    response = validate(arn)
    message = refusal(response)
    assert "not a database secret this connector's stack allows" in message and "DatabaseSecretArn" in message
    assert "6-character suffix" in message
    assert_nothing_of(allowed, response, log_start)
    assert reads == [arn]


@pytest.mark.parametrize("configured", [None, "", " , ,"], ids=["unset", "empty", "only separators"])
def test_with_no_allowed_secret_every_database_secret_profile_is_refused_unread(
        make_secret: MakeSecret, rds_secret: Callable[[str], dict[str, str]], reads: list[str],
        monkeypatch: pytest.MonkeyPatch, configured: str | None) -> None:
    if configured is None:
        monkeypatch.delenv(DATABASE_SECRETS_ENV, raising=False)
    else:
        monkeypatch.setenv(DATABASE_SECRETS_ENV, configured)
    secret = rds_secret("nolist")
    arn = borrower(make_secret, secret["arn"])
    log_start = len(LEAKS.lines)
    for response in (validate(arn), query(arn)):
        message = refusal(response)
        assert "allows no database secret" in message and "set the stack parameter DatabaseSecretArn" in message
        assert_nothing_of(secret, response, log_start)
    assert set(reads) == {arn}  # the profile's own secret only (QueryData may take it from the cache)


def test_any_listed_arn_is_read_and_surrounding_whitespace_is_ignored(
        make_secret: MakeSecret, aws_env: str, app_db: dict[str, Any], reads: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The allowed path end to end; it also shows that ``reads`` does see a database secret being read."""
    first = put_secret(aws_env, f"rds!cluster-{uuid.uuid4().hex[:8]}", {"username": "u", "password": "p"})
    second = put_secret(aws_env, f"rds!cluster-{uuid.uuid4().hex[:8]}", {
        "username": app_db["username"], "password": app_db["password"], "host": app_db["host"],
        "port": app_db["port"], "dbname": app_db["database"]})
    monkeypatch.setenv(DATABASE_SECRETS_ENV, f" {first} ,\t{second} ,")
    arn = make_secret({"customAuthenticationType": "MySQL-DatabaseSecret", "databaseSecretArn": f"  {second}\t"})
    response = validate(arn)
    assert response["isSuccess"], response
    assert reads == [arn, second]


def test_the_database_secret_as_the_profile_secret_is_refused_unread(
        rds_secret: Callable[[str], dict[str, str]], reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller that is not AppFlow (a direct invoke, a DiagnoseRequest) may not pass the database secret
    itself as the profile: BasicAuth takes the host from the settings, so its login would go there."""
    secret = rds_secret("direct")
    monkeypatch.setenv(DATABASE_SECRETS_ENV, secret["arn"])
    settings = {"host": ATTACKER_HOST, "tlsMode": "PREFERRED"}
    log_start = len(LEAKS.lines)
    response = dict(lambda_handler({"type": "ValidateCredentialsRequest", "connectorRuntimeSettings": settings,
                                    "credentials": {"secretArn": secret["arn"], "authenticationType": "BasicAuth"}},
                                   None))
    message = refusal(response)
    assert secret["arn"] in message and "not an AppFlow connection profile secret" in message
    assert_nothing_of(secret, response, log_start)
    doctor = diagnose(secret["arn"], "BasicAuth", settings)
    assert doctor["isSuccess"] is False and doctor["firstBroken"] == "GetSecretValue"
    (check,) = [c for c in doctor["checks"] if c["name"] == "GetSecretValue"]
    assert "not an AppFlow connection profile secret" in check["fix"]
    assert_nothing_of(secret, doctor, log_start)
    assert reads == []
