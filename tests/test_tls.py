"""TLS modes against a real MariaDB presenting certificates of a CA made by the test.

The spare server presents, in turn, a certificate for 127.0.0.1/localhost, one for a name no
test connects to, and a self-signed one (``FLUSH SSL`` between them). Its CA is not in the
default trust, so each test says what it trusts. A loopback server without TLS covers the
servers that offer none.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.credentials import DbLogin
from connector.database import RDS_CA_BUNDLE, connect
from connector.errors import InvalidArgumentError
from connector.settings import DEFAULT_TLS_MODE, parse_settings
from devkit.fake_mysql import ClearTextLoginServer
from devkit.mariadb import MySQLServer
from handlers.app import lambda_handler
from tests.conftest import new_password

Validate = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def tls_db(spare_server: MySQLServer) -> Iterator[dict[str, Any]]:
    assert spare_server.address is not None and spare_server.ca is not None
    password = new_password("tls")
    with spare_server.address.connect() as admin, admin.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS tlsdb")
        cur.execute("CREATE USER 'tls_user'@'%%' IDENTIFIED BY %s", (password,))
        cur.execute("GRANT SELECT ON tlsdb.* TO 'tls_user'@'%'")
    try:
        yield {"host": "127.0.0.1", "port": spare_server.address.port, "username": "tls_user",
               "password": password, "database": "tlsdb", "ca": str(spare_server.ca.ca_file)}
    finally:
        spare_server.present(spare_server.ca.local)
        with spare_server.address.connect() as admin, admin.cursor() as cur:
            cur.execute("DROP USER 'tls_user'@'%'")


@pytest.fixture
def presenting(spare_server: MySQLServer) -> Iterator[Callable[[str], None]]:
    """``presenting("wrong_name")``: the server's certificate for new connections; the local one after."""
    assert spare_server.ca is not None
    ca = spare_server.ca
    yield lambda which: spare_server.present(getattr(ca, which))
    spare_server.present(ca.local)


@pytest.fixture
def validate(make_secret: Callable[[dict[str, Any]], str], tls_db: dict[str, Any]) -> Validate:
    def call(settings: dict[str, str], host: str = "127.0.0.1") -> dict[str, Any]:
        arn = make_secret({"customAuthenticationType": "MySQL", "host": host, "port": str(tls_db["port"]),
                           "database": tls_db["database"], "username": tls_db["username"],
                           "password": tls_db["password"]})
        return dict(lambda_handler({"type": "ValidateCredentialsRequest",
                                    "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                                    "connectorRuntimeSettings": settings}, None))

    return call


def _trusting(tls_db: dict[str, Any], **settings: str) -> dict[str, str]:
    return {"tlsCaBundle": tls_db["ca"], **settings}


# (certificate presented, settings beyond the CA, outcome: None = success, else words of the message)
CASES = [
    ("local", {}, None),
    ("local", {"tlsMode": "VERIFY_CA"}, None),
    ("wrong_name", {}, ("does not name the host '127.0.0.1'", "VERIFY_CA")),
    ("wrong_name", {"tlsMode": "VERIFY_CA"}, None),
    ("self_signed", {}, ("not signed by a CA the connector trusts", "tlsCaBundle", "REQUIRED")),
    ("self_signed", {"tlsMode": "VERIFY_CA"}, ("not signed by a CA the connector trusts",)),
]


@pytest.mark.parametrize(("certificate", "settings", "refused"), CASES,
                         ids=[f"{c}-{s.get('tlsMode', 'default')}" for c, s, _ in CASES])
def test_verifying_modes_against_each_certificate(validate: Validate, presenting: Callable[[str], None],
                                                  tls_db: dict[str, Any], certificate: str,
                                                  settings: dict[str, str], refused: tuple[str, ...] | None) -> None:
    presenting(certificate)
    response = validate(_trusting(tls_db, **settings))
    if refused is None:
        assert response["isSuccess"], response
        return
    assert response["errorDetails"]["errorCode"] == "InvalidArgument", response
    message = response["errorDetails"]["errorMessage"]
    assert all(words in message for words in refused), message
    assert tls_db["password"] not in json.dumps(response)


@pytest.mark.parametrize("certificate", ["local", "wrong_name", "self_signed"])
@pytest.mark.parametrize("mode", ["REQUIRED", "PREFERRED"])
def test_unverified_modes_accept_any_certificate(validate: Validate, presenting: Callable[[str], None],
                                                 certificate: str, mode: str) -> None:
    presenting(certificate)
    assert validate({"tlsMode": mode})["isSuccess"]


def test_the_default_trust_is_the_system_and_rds_cas_not_a_private_ca(validate: Validate) -> None:
    """Without tlsCaBundle the test CA is unknown: the default mode refuses, and says how to trust it."""
    response = validate({})
    message = response["errorDetails"]["errorMessage"]
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "system CAs and the Amazon RDS CAs" in message and "tlsCaBundle" in message


def test_localhost_is_a_name_the_certificate_holds(validate: Validate, tls_db: dict[str, Any]) -> None:
    assert validate(_trusting(tls_db), host="localhost")["isSuccess"]


def _session_cipher(tls_db: dict[str, Any], **settings: str) -> str:
    login = DbLogin(tls_db["host"], tls_db["port"], tls_db["username"], tls_db["password"], tls_db["database"])
    conn = connect(login, parse_settings(settings))
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            return str(cur.fetchone()[1])
    finally:
        conn.close()


@pytest.mark.parametrize("mode", ["VERIFY_IDENTITY", "VERIFY_CA", "REQUIRED", "PREFERRED"])
def test_every_mode_but_disabled_encrypts(tls_db: dict[str, Any], mode: str) -> None:
    assert _session_cipher(tls_db, tlsMode=mode, tlsCaBundle=tls_db["ca"])  # the server says which cipher


def test_disabled_is_clear_text(tls_db: dict[str, Any]) -> None:
    assert _session_cipher(tls_db, tlsMode="DISABLED") == ""


def test_the_default_mode_verifies_the_certificate_and_the_name() -> None:
    assert DEFAULT_TLS_MODE == "VERIFY_IDENTITY" and parse_settings({}).tls_mode == "VERIFY_IDENTITY"


def test_a_ca_bundle_that_is_not_pem_is_named(validate: Validate, tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate")
    response = validate({"tlsCaBundle": str(bogus)})
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert str(bogus) in response["errorDetails"]["errorMessage"]


# --- tlsCaBundle names a file in the function: only a PEM certificate file, never its content shown ----------

CONTENT = "do-not-echo-7f3a9c"  # stands for what a file might hold (a key, the role's credentials)


def _not_a_certificate(tmp_path: Path) -> str:
    path = tmp_path / "key.pem"
    path.write_text(f"-----BEGIN PRIVATE KEY-----\n{CONTENT}\n-----END PRIVATE KEY-----\n")
    return str(path)


def _link_to_proc(tmp_path: Path) -> str:
    (tmp_path / "ca.pem").symlink_to("/proc/self/environ")
    return str(tmp_path / "ca.pem")


def _fifo(tmp_path: Path) -> str:
    os.mkfifo(tmp_path / "ca.pem")  # opening it would wait for a writer for ever
    return str(tmp_path / "ca.pem")


def _too_large(tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n" + CONTENT * 100_000)
    return str(path)


def _through_a_file(tmp_path: Path) -> str:
    (tmp_path / "ca.pem").write_text(f"-----BEGIN CERTIFICATE-----\n{CONTENT}\n")
    return str(tmp_path / "ca.pem" / "inner.pem")


BUNDLE_REFUSALS = {
    "process environment": (lambda _: "/proc/self/environ", "system path"),
    "a link into /proc": (_link_to_proc, "system path"),
    "a private key": (_not_a_certificate, "holds no PEM certificate"),
    "a directory": (lambda tmp_path: str(tmp_path), "not a regular file"),
    "a named pipe": (_fifo, "not a regular file"),
    "over 1 MiB": (_too_large, "larger than 1,048,576 bytes"),
    "a path through a file": (_through_a_file, "cannot be read by the function"),
}


@pytest.mark.parametrize("kind", list(BUNDLE_REFUSALS))
def test_a_ca_bundle_that_is_no_pem_certificate_file_is_refused_without_its_content(tmp_path: Path, kind: str) -> None:
    """A profile may name any path the function can reach; only a readable PEM certificate file is loaded."""
    make, reason = BUNDLE_REFUSALS[kind]
    path = make(tmp_path)
    response = lambda_handler({"type": "ValidateConnectorRuntimeSettingsRequest", "scope": "CONNECTOR_PROFILE",
                               "connectorRuntimeSettings": {"tlsCaBundle": path}}, None)
    assert response["isSuccess"] is False
    message = response["errorsByInputField"]["tlsCaBundle"]
    assert reason in message and repr(path) in message
    text = json.dumps(response)
    assert CONTENT not in text and os.environ["PATH"] not in text
    with pytest.raises(InvalidArgumentError, match="tlsCaBundle"):
        parse_settings({"tlsCaBundle": path})


def test_a_bundle_that_only_looks_like_pem_is_named_without_its_content(validate: Validate, tmp_path: Path) -> None:
    """It passes the settings check; OpenSSL's refusal names the file and its own reason only."""
    path = tmp_path / "ca.pem"
    path.write_text(f"-----BEGIN CERTIFICATE-----\n{CONTENT}\n-----END CERTIFICATE-----\n")
    response = validate({"tlsCaBundle": str(path)})
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert str(path) in response["errorDetails"]["errorMessage"] and CONTENT not in json.dumps(response)


def test_a_ca_bundle_is_only_checked_where_it_is_used() -> None:
    """Without verification the bundle is not read, so a wrong path does not fail an unverified profile."""
    assert parse_settings({"tlsMode": "REQUIRED", "tlsCaBundle": "/proc/self/environ"}).tls_mode == "REQUIRED"


def test_the_rds_bundle_is_loaded_by_the_default_context() -> None:
    """The shipped bundle is what the default trust adds: its 102 roots are in the context's store."""
    from connector.database import _tls_context

    _tls_context.cache_clear()
    context = _tls_context("VERIFY_IDENTITY", None)
    assert context is not None
    subjects = {dict(pair[0] for pair in ca["subject"]).get("commonName", "") for ca in context.get_ca_certs()}
    assert sum("Amazon RDS" in name for name in subjects) >= 100
    assert RDS_CA_BUNDLE.is_file()


# --- a server without TLS ------------------------------------------------------------------------

@pytest.fixture
def plain_server() -> Iterator[ClearTextLoginServer]:
    with ClearTextLoginServer(certificate=None) as server:
        yield server


@pytest.mark.parametrize("mode", ["VERIFY_IDENTITY", "VERIFY_CA", "REQUIRED"])
def test_a_server_without_tls_is_refused_before_the_login(make_secret: Callable[[dict[str, Any]], str],
                                                          plain_server: ClearTextLoginServer, mode: str) -> None:
    password = new_password("plain")
    arn = make_secret({"customAuthenticationType": "MySQL", "host": "127.0.0.1", "port": str(plain_server.port),
                       "username": "u", "password": password})
    response = lambda_handler({"type": "ValidateCredentialsRequest",
                               "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                               "connectorRuntimeSettings": {"tlsMode": mode}}, None)
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "TLS" in response["errorDetails"]["errorMessage"] and "tlsMode" in response["errorDetails"]["errorMessage"]
    assert plain_server.logins == []  # not even the user name was sent


def test_preferred_never_sends_a_password_in_clear_text_without_tls(
        make_secret: Callable[[dict[str, Any]], str], plain_server: ClearTextLoginServer) -> None:
    """PREFERRED falls back to a plain connection; a server asking for the password in clear text then
    gets nothing (PyMySQL alone would send it)."""
    password = new_password("plain")
    arn = make_secret({"customAuthenticationType": "MySQL", "host": "127.0.0.1", "port": str(plain_server.port),
                       "username": "u", "password": password})
    response = lambda_handler({"type": "ValidateCredentialsRequest",
                               "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                               "connectorRuntimeSettings": {"tlsMode": "PREFERRED"}}, None)
    assert response["isSuccess"] is False
    assert "clear text" in response["errorDetails"]["errorMessage"]
    assert [login.clear_text for login in plain_server.logins] == [None]


# --- impostors and broken TLS (found by review) -------------------------------------------------------

def _password_profile(make_secret: Callable[[dict[str, Any]], str], port: int, password: str) -> str:
    return make_secret({"customAuthenticationType": "MySQL", "host": "127.0.0.1", "port": str(port),
                        "username": "u", "password": password})


def _validate_at(arn: str, settings: dict[str, str]) -> dict[str, Any]:
    return dict(lambda_handler({"type": "ValidateCredentialsRequest",
                                "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                                "connectorRuntimeSettings": settings}, None))


@pytest.mark.parametrize("mode", ["REQUIRED", "PREFERRED"])
def test_an_unverified_server_asking_for_clear_text_gets_no_password(
        make_secret: Callable[[dict[str, Any]], str], spare_server: MySQLServer, mode: str) -> None:
    """An impostor with any certificate switches the login to mysql_clear_password: in a mode that does not
    verify the server, the connector refuses (mysql_native_password would only have given it a scramble)."""
    assert spare_server.ca is not None
    password = new_password("impostor")
    with ClearTextLoginServer(spare_server.ca.self_signed) as impostor:
        response = _validate_at(_password_profile(make_secret, impostor.port, password), {"tlsMode": mode})
    assert [login.clear_text for login in impostor.logins] == [None]
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "clear text" in response["errorDetails"]["errorMessage"]


@pytest.mark.parametrize("handshake", ["close", "reset", "silent"])
def test_a_tls_handshake_that_breaks_after_the_greeting_is_named(
        make_secret: Callable[[dict[str, Any]], str], spare_server: MySQLServer, handshake: str) -> None:
    """The server greeted and offered TLS, then closed, reset or went silent: a TLS problem, not the network."""
    assert spare_server.ca is not None
    with ClearTextLoginServer(spare_server.ca.local, handshake=handshake) as broken:
        arn = _password_profile(make_secret, broken.port, new_password("handshake"))
        response = _validate_at(arn, {"tlsCaBundle": str(spare_server.ca.ca_file), "connectTimeoutSeconds": "2"})
    details = response["errorDetails"]
    assert details["errorCode"] == "ServiceUnavailable", details
    assert "TLS handshake" in details["errorMessage"] and "security group" not in details["errorMessage"]
