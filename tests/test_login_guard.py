"""An impostor asks for the password every way MySQL allows; it learns it only over verified TLS.

The fake server (devkit/fake_mysql.py) greets naming a plugin, upgrades to TLS with the certificate
a case gives it, then switches the login to a plugin, asks caching_sha2_password's full
authentication or hands out its own RSA key, and records every packet and what it could decrypt.
For every tlsMode x certificate x request, the test asserts what it learnt: the password only where
the certificate was verified for the host name (VERIFY_IDENTITY); elsewhere nothing, and an answer
that names the plugin and the fix.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connector import login_guard
from connector.database import RDS_CA_BUNDLE, _tls_context
from devkit.fake_mysql import FakeLoginServer, ReceivedLogin
from devkit.tls import TestCA, make_test_ca
from handlers.app import lambda_handler
from tests.conftest import LEAKS, new_password


@dataclass(frozen=True)
class Link:
    """How the client reaches the fake server: its settings, the certificate served, and whether the rule
    lets the password through (None: the TLS handshake itself must fail, so no login is sent)."""

    name: str
    settings: dict[str, str]
    certificate: str | None  # TestCA attribute, None: the server offers no TLS
    trust_test_ca_by_default: bool
    reveals: bool | None


LINKS = [
    Link("DISABLED", {"tlsMode": "DISABLED"}, "self_signed", False, False),
    Link("PREFERRED-no-tls", {"tlsMode": "PREFERRED"}, None, False, False),
    Link("PREFERRED-self-signed", {"tlsMode": "PREFERRED"}, "self_signed", False, False),
    Link("REQUIRED-self-signed", {"tlsMode": "REQUIRED"}, "self_signed", False, False),
    Link("REQUIRED-trusted", {"tlsMode": "REQUIRED"}, "local", True, False),
    # a trusted CA's certificate for another host: with the default trust, any RDS instance's is one
    Link("VERIFY_CA-default-trust-other-host", {"tlsMode": "VERIFY_CA"}, "wrong_name", True, False),
    Link("VERIFY_CA-default-trust-right-host", {"tlsMode": "VERIFY_CA"}, "local", True, False),
    # the user's own CA, a certificate for another name: VERIFY_CA cannot tell an own CA from one that signs
    # for others (a public or regional RDS root), so it never sends the password
    Link("VERIFY_CA-own-ca", {"tlsMode": "VERIFY_CA", "tlsCaBundle": "CA"}, "wrong_name", False, False),
    Link("VERIFY_IDENTITY-other-host", {"tlsMode": "VERIFY_IDENTITY", "tlsCaBundle": "CA"}, "wrong_name",
         False, None),
    Link("VERIFY_IDENTITY-self-signed", {"tlsMode": "VERIFY_IDENTITY"}, "self_signed", True, None),
    Link("VERIFY_IDENTITY-own-ca", {"tlsMode": "VERIFY_IDENTITY", "tlsCaBundle": "CA"}, "local", False, True),
    Link("VERIFY_IDENTITY-default-trust", {"tlsMode": "VERIFY_IDENTITY"}, "local", True, True),
]

# (greeting plugin, what the server asks next): every way to make the client send the password itself
REVEALING = [
    ("mysql_native_password", "mysql_clear_password"),
    ("mysql_native_password", "dialog"),
    ("mysql_native_password", "sha256_password"),
    ("mysql_native_password", "caching_sha2_password"),
    ("caching_sha2_password", "full_auth"),
    ("caching_sha2_password", "sha256_password"),
    ("sha256_password", "sha256_password"),
    ("sha256_password", "full_auth"),
    ("mysql_clear_password", "mysql_clear_password"),
    ("dialog", "dialog"),
]
# greetings naming each plugin, then the server accepts whatever the first answer was
GREETINGS = ["mysql_native_password", "caching_sha2_password", "sha256_password", "mysql_clear_password",
             "dialog", "client_ed25519", "mysql_old_password", "authentication_kerberos_client", ""]
# plugins refused in every mode: PyMySQL does not know them, or they reveal too much
NEVER = ["mysql_old_password", "authentication_ldap_sasl_client", "auth_gssapi_client",
         "authentication_webauthn_client", "no such plugin \u00e9"]


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    """A throwaway CA of the module's own: the fake server presents its certificates, no real server is needed
    (so these run against MYSQL_TEST_URL too)."""
    return make_test_ca(tmp_path_factory.mktemp("guard-ca"))


@pytest.fixture
def reach(make_secret: Callable[[dict[str, Any]], str], ca: TestCA, monkeypatch: pytest.MonkeyPatch,
          ) -> Iterator[Callable[[Link, FakeLoginServer, str], dict[str, Any]]]:
    """ValidateCredentials through the handler, as a profile with ``password`` pointed at the fake server."""

    def call(link: Link, server: FakeLoginServer, password: str) -> dict[str, Any]:
        if link.trust_test_ca_by_default:  # the test CA as if it were public (or an RDS CA)
            monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))
        _tls_context.cache_clear()
        settings = {key: str(ca.ca_file) if value == "CA" else value for key, value in link.settings.items()}
        arn = make_secret({"customAuthenticationType": "MySQL", "host": "localhost", "port": str(server.port),
                           "username": "app", "password": password})
        return dict(lambda_handler({"type": "ValidateCredentialsRequest",
                                    "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                                    "connectorRuntimeSettings": {**settings, "connectTimeoutSeconds": "3"}}, None))

    yield call
    _tls_context.cache_clear()


def _serve(ca: TestCA, link: Link, greet: str, ask: str) -> FakeLoginServer:
    return FakeLoginServer(getattr(ca, link.certificate) if link.certificate else None, greet=greet, ask=ask)


def _only_login(server: FakeLoginServer) -> ReceivedLogin:
    (login,) = server.logins
    return login


def _learnt(login: ReceivedLogin, password: str) -> bool:
    return login.revealed(password)


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.name)
@pytest.mark.parametrize(("greet", "ask"), REVEALING, ids=lambda value: value or "none")
def test_the_password_reaches_only_a_verified_server(reach: Callable[..., dict[str, Any]], ca: TestCA,
                                                     link: Link, greet: str, ask: str) -> None:
    password = new_password("guard")
    with _serve(ca, link, greet, ask) as server:
        response = reach(link, server, password)
    if link.reveals is None:  # the certificate was refused: not even the user name was sent
        assert server.logins == []
        assert response["errorDetails"]["errorCode"] == "InvalidArgument"
        return
    login = _only_login(server)
    if link.reveals:
        assert _learnt(login, password), "a verified server should get the password it asked for"
        assert response["isSuccess"] is True, response
        assert login.over_tls
        return
    assert not _learnt(login, password)
    assert login.decrypted == [], "the client answered an RSA key request"
    details = response["errorDetails"]
    assert details["errorCode"] == "InvalidArgument", details
    message = details["errorMessage"]
    asked = "caching_sha2_password" if ask == "full_auth" else ask
    assert asked in message and "sent nothing" in message and "VERIFY_IDENTITY" in message
    assert link.settings["tlsMode"] in message
    assert password not in json.dumps(response)


@pytest.mark.parametrize("link", [link for link in LINKS if link.reveals is False], ids=lambda link: link.name)
@pytest.mark.parametrize("greet", GREETINGS, ids=lambda value: value or "none")
def test_a_greeting_never_makes_the_first_answer_reveal_the_password(
        reach: Callable[..., dict[str, Any]], ca: TestCA, link: Link, greet: str) -> None:
    """PyMySQL answers a sha256_password greeting over TLS with the password itself; the guard answers with a
    scramble, and a server that accepts the scramble is logged in as usual."""
    password = new_password("greet")
    with _serve(ca, link, greet, "ok") as server:
        response = reach(link, server, password)
    login = _only_login(server)
    assert not _learnt(login, password)
    assert len(login.packets) == 1  # nothing but the first answer
    assert login.greeting_plugin in ("mysql_native_password", "caching_sha2_password", ""), login.greeting_plugin
    assert response["isSuccess"] is True, response


@pytest.mark.parametrize("greet", ["sha256_password", "mysql_native_password"])
def test_a_verified_server_greeting_with_sha256_password_gets_it_inside_tls(
        reach: Callable[..., dict[str, Any]], ca: TestCA, greet: str) -> None:
    link = next(link for link in LINKS if link.name == "VERIFY_IDENTITY-own-ca")
    password = new_password("verified")
    with _serve(ca, link, greet, "ok") as server:
        response = reach(link, server, password)
    login = _only_login(server)
    assert response["isSuccess"] is True
    assert login.over_tls and _learnt(login, password) == (greet == "sha256_password")


@pytest.mark.parametrize("link", [link for link in LINKS if link.reveals is not None], ids=lambda link: link.name)
@pytest.mark.parametrize("plugin", NEVER)
def test_a_plugin_the_connector_does_not_take_is_refused_by_name_in_every_mode(
        reach: Callable[..., dict[str, Any]], ca: TestCA, link: Link, plugin: str) -> None:
    password = new_password("never")
    with _serve(ca, link, "mysql_native_password", plugin) as server:
        response = reach(link, server, password)
    login = _only_login(server)
    assert not _learnt(login, password)
    assert len(login.packets) == 1  # the switch got no answer
    details = response["errorDetails"]
    assert details["errorCode"] == "InvalidArgument", details
    assert plugin in details["errorMessage"] and "does not support" in details["errorMessage"]


def test_the_refusal_leaves_no_password_in_the_logs(reach: Callable[..., dict[str, Any]], ca: TestCA) -> None:
    link = next(link for link in LINKS if link.name == "REQUIRED-self-signed")
    password = new_password("logs")
    before = len(LEAKS.lines)
    with _serve(ca, link, "caching_sha2_password", "full_auth") as server:
        response = reach(link, server, password)
    assert response["isSuccess"] is False
    assert server.logins and not any(password in line for line in LEAKS.lines[before:])


@pytest.mark.parametrize(("mode", "expected"), [
    ("DISABLED", False), ("PREFERRED", False), ("REQUIRED", False), ("VERIFY_CA", False), ("VERIFY_IDENTITY", True)])
def test_the_rule_in_one_place(mode: str, expected: bool) -> None:
    assert login_guard.reveals_credentials_to(mode) is expected


def test_verify_ca_with_the_rds_bundle_sends_no_password(reach: Callable[..., dict[str, Any]], ca: TestCA,
                                                          tmp_path: Path) -> None:
    """docs/security.md's custom-DNS-name set-up (VERIFY_CA with the RDS bundle) trusts every RDS instance: a server
    whose certificate passes it (here: the test CA beside the RDS roots, as if the impostor ran its own RDS
    instance) gets no password."""
    bundle = tmp_path / "test-ca-and-rds.pem"
    bundle.write_text(ca.ca_file.read_text() + RDS_CA_BUNDLE.read_text())
    link = Link("VERIFY_CA-rds-bundle", {"tlsMode": "VERIFY_CA", "tlsCaBundle": str(bundle)}, "wrong_name",
                False, False)
    password = new_password("rds-bundle")
    with _serve(ca, link, "mysql_native_password", "sha256_password") as server:
        response = reach(link, server, password)
    assert not _only_login(server).revealed(password)
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    assert "VERIFY_CA checks the certificate's CA but not that it names this host" in \
        response["errorDetails"]["errorMessage"]
