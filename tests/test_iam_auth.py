"""IAM database authentication: the token's form and signature, and where it may travel.

No local server can check an IAM token; the loopback server of ``devkit.fake_mysql`` asks
for it the way Aurora does (``mysql_clear_password``) and records whether it came inside TLS.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from connector.iam_auth import IamTokens, region_of_endpoint
from devkit.fake_mysql import ClearTextLoginServer
from devkit.mariadb import MySQLServer
from handlers.app import lambda_handler
from tests.conftest import KNOWN_PASSWORDS, LEAKS

HOST = "appdb.cluster-c9abcdefgh12.eu-west-1.rds.amazonaws.com"


def _signature(token: str, secret_key: str) -> str:
    """SigV4 of a presigned GET, computed here from the AWS documentation (not by botocore)."""
    parts = urlsplit("https://" + token)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "X-Amz-Signature"]
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query))
    canonical = "\n".join(["GET", "/", canonical_query, f"host:{parts.netloc}", "", "host",
                           hashlib.sha256(b"").hexdigest()])
    fields = dict(query)
    date, scope = fields["X-Amz-Date"], fields["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_the_token_is_a_presigned_connect_for_the_host_user_and_region(aws_env: str) -> None:
    token = IamTokens().token(HOST, 3306, "app_user")
    KNOWN_PASSWORDS.add(token)
    assert token.startswith(f"{HOST}:3306/?Action=connect&DBUser=app_user&")
    fields = dict(parse_qsl(urlsplit("https://" + token).query))
    today = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d")
    assert fields["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert fields["X-Amz-Credential"] == f"testing/{today}/eu-west-1/rds-db/aws4_request"
    assert fields["X-Amz-Expires"] == "900" and fields["X-Amz-SignedHeaders"] == "host"
    assert fields["X-Amz-Signature"] == _signature(token, "testing")


def test_a_token_is_reused_for_less_than_its_life_and_renewed_on_demand(aws_env: str) -> None:
    tokens = IamTokens()
    first = tokens.token(HOST, 3306, "app_user")
    assert tokens.token(HOST, 3306, "app_user") is first
    assert tokens.reuse_seconds < 900
    aged = IamTokens(reuse_seconds=0.0)
    aged.token(HOST, 3306, "app_user")
    made = next(iter(aged._tokens.values()))[0]  # noqa: SLF001 - when the kept token was signed
    aged.token(HOST, 3306, "app_user")
    assert next(iter(aged._tokens.values()))[0] > made  # noqa: SLF001 - signed anew
    assert tokens.token(HOST, 3306, "other_user") != first


@pytest.mark.parametrize(("host", "region"), [
    (HOST, "eu-west-1"), ("p.proxy-abc.us-gov-west-1.rds.amazonaws.com", "us-gov-west-1"),
    ("db.cluster-x.cn-north-1.rds.amazonaws.com.cn", "cn-north-1"), ("10.0.0.5", None), ("mysql.corp.example", None)])
def test_the_region_comes_from_the_endpoint_name(host: str, region: str | None) -> None:
    assert region_of_endpoint(host) == region


# --- the login, end to end through lambda_handler ----------------------------------------------------------------

@pytest.fixture
def iam_server(spare_server: MySQLServer) -> Iterator[ClearTextLoginServer]:
    assert spare_server.ca is not None
    with ClearTextLoginServer(spare_server.ca.local) as server:
        yield server


def _validate(make_secret: Callable[[dict[str, Any]], str], port: int, settings: dict[str, str],
              **secret: str) -> dict[str, Any]:
    arn = make_secret({"customAuthenticationType": "MySQL-IAM", "host": "127.0.0.1", "port": str(port),
                       "username": "iam_user", **secret})
    return dict(lambda_handler({"type": "ValidateCredentialsRequest",
                                "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                                "connectorRuntimeSettings": settings}, None))


def test_the_token_goes_only_inside_verified_tls_and_never_to_the_logs(
        make_secret: Callable[[dict[str, Any]], str], iam_server: ClearTextLoginServer,
        spare_server: MySQLServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert spare_server.ca is not None
    lines_before = len(LEAKS.lines)
    response = _validate(make_secret, iam_server.port, {"tlsCaBundle": str(spare_server.ca.ca_file)})
    assert response["isSuccess"], response
    (login,) = iam_server.logins
    assert login.user == "iam_user" and login.over_tls
    token = (login.clear_text or b"").decode()
    KNOWN_PASSWORDS.add(token)
    assert token.startswith(f"127.0.0.1:{iam_server.port}/?Action=connect&DBUser=iam_user&X-Amz-Algorithm=")
    assert "X-Amz-Signature=" in token
    printed = capsys.readouterr()
    signature = token.rsplit("X-Amz-Signature=", 1)[1]
    assert signature not in printed.out + printed.err + json.dumps(response)
    assert not any(signature in line for line in LEAKS.lines[lines_before:])


@pytest.mark.parametrize("mode", ["VERIFY_CA", "REQUIRED", "PREFERRED", "DISABLED"])
def test_iam_refuses_every_mode_but_verify_identity(
        make_secret: Callable[[dict[str, Any]], str], iam_server: ClearTextLoginServer, mode: str) -> None:
    response = _validate(make_secret, iam_server.port, {"tlsMode": mode})
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    message = response["errorDetails"]["errorMessage"]
    assert "verified TLS" in message and mode in message
    assert iam_server.logins == []  # no connection was even opened


def test_iam_against_a_server_without_tls_sends_nothing(make_secret: Callable[[dict[str, Any]], str]) -> None:
    with ClearTextLoginServer(certificate=None) as plain:
        response = _validate(make_secret, plain.port, {})
        assert response["isSuccess"] is False and "TLS" in response["errorDetails"]["errorMessage"]
        assert plain.logins == []


def test_an_untrusted_server_never_sees_the_token(make_secret: Callable[[dict[str, Any]], str],
                                                  iam_server: ClearTextLoginServer) -> None:
    """The test CA is not in the default trust: the TLS handshake fails before any login is sent."""
    response = _validate(make_secret, iam_server.port, {})
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert all(login.clear_text is None for login in iam_server.logins)


def test_a_rejected_token_names_what_to_check(make_secret: Callable[[dict[str, Any]], str],
                                              mysql_server: Any) -> None:
    """A real MariaDB rejects the token as a wrong password: the answer lists the IAM set-up to check."""
    response = _validate(make_secret, mysql_server.port, {})
    assert response["errorDetails"]["errorCode"] == "InvalidCredentials"
    message = response["errorDetails"]["errorMessage"]
    assert "AWSAuthenticationPlugin" in message and "rds-db:connect" in message and "IamDbUsername" in message


def test_an_iam_secret_needs_host_and_username(make_secret: Callable[[dict[str, Any]], str]) -> None:
    arn = make_secret({"customAuthenticationType": "MySQL-IAM", "host": "db"})
    response = lambda_handler({"type": "ValidateCredentialsRequest",
                               "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"}}, None)
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "username" in response["errorDetails"]["errorMessage"]
