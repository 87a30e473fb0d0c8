"""A man-in-the-middle in front of a real MariaDB tries to get the password; it must get it only where the
certificate proved who the server is (VERIFY_IDENTITY).

devkit/mitm_mysql.py (asyncio, raw-socket TLS termination, real upstream) relays the spare server's real
greeting and salt, edits it, terminates the client's TLS with its own certificate, injects packets into the
login, then relays whatever the client accepts to the real server. Every case goes through the Lambda entry
point (ValidateCredentials) or ``connector.database.connect``; each asserts what the impostor learnt (password
bytes in any packet, or anything its own RSA key opens), the answer (isSuccess, errorCode, message), that no
exception escapes the handler, and that the password is in no message or log line (conftest's leak detector).
"""

from __future__ import annotations

import json
import ssl
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connector import database
from connector.credentials import DbLogin
from connector.database import RDS_CA_BUNDLE, _tls_context
from connector.errors import ConnectorError, InvalidArgumentError
from connector.settings import parse_settings
from devkit.mariadb import MySQLServer, ServerAddress
from devkit.mitm_mysql import (
    CLIENT_PLUGIN_AUTH,
    CLIENT_PLUGIN_AUTH_LENENC,
    PUBLIC_KEY,
    SALT,
    MitmProxy,
    Trick,
    ask,
    send,
)
from devkit.tls import TestCA
from handlers.app import lambda_handler
from tests.conftest import new_password


def _switch(plugin: bytes, data: bytes = SALT + b"\0") -> bytes:
    return b"\xfe" + plugin + b"\0" + data


CLEAR, DIALOG = _switch(b"mysql_clear_password", b""), _switch(b"dialog", b"\x04Password: ")
SHA256, CACHING = _switch(b"sha256_password"), _switch(b"caching_sha2_password")
FULL_AUTH, FAST_OK, KEY = b"\x01\x04", b"\x01\x03", b"\x01" + PUBLIC_KEY


@dataclass(frozen=True)
class Link:
    """How the client reaches the proxy. ``certificate``: TestCA attribute the proxy terminates TLS with
    (None: it strips TLS from the greeting). ``reveals``: the rule lets the password through (None: the TLS
    handshake must fail before any login)."""

    name: str
    settings: dict[str, str]
    certificate: str | None
    reveals: bool | None
    trust_test_ca_by_default: bool = False


LINKS = [
    Link("DISABLED", {"tlsMode": "DISABLED"}, "self_signed", False),
    Link("PREFERRED-stripped", {"tlsMode": "PREFERRED"}, None, False),
    Link("PREFERRED-self-signed", {"tlsMode": "PREFERRED"}, "self_signed", False),
    Link("REQUIRED-self-signed", {"tlsMode": "REQUIRED"}, "self_signed", False),
    Link("VERIFY_CA-default-trust", {"tlsMode": "VERIFY_CA"}, "wrong_name", False, trust_test_ca_by_default=True),
    Link("VERIFY_CA-rds-bundle", {"tlsMode": "VERIFY_CA", "tlsCaBundle": "CA+RDS"}, "wrong_name", False),
    Link("VERIFY_CA-own-ca", {"tlsMode": "VERIFY_CA", "tlsCaBundle": "CA"}, "wrong_name", False),
    Link("VERIFY_IDENTITY-own-ca", {"tlsMode": "VERIFY_IDENTITY", "tlsCaBundle": "CA"}, "local", True),
    Link("VERIFY_IDENTITY-wrong-name", {"tlsMode": "VERIFY_IDENTITY", "tlsCaBundle": "CA"}, "wrong_name", None),
    Link("VERIFY_IDENTITY-self-signed", {"tlsMode": "VERIFY_IDENTITY"}, "self_signed", None,
         trust_test_ca_by_default=True),
]
UNVERIFIED = [link for link in LINKS if link.reveals is False]
VERIFIED = [link for link in LINKS if link.reveals]
CONNECTING = [link for link in LINKS if link.reveals is not None]

# (trick, the plugin the refusal must name): each asks for the password itself, in some order
REVEALING = [
    (Trick("switch-clear", steps=(ask(CLEAR),)), "mysql_clear_password"),
    (Trick("switch-dialog", steps=(ask(DIALOG),)), "dialog"),
    (Trick("switch-dialog-several-prompts", steps=(ask(_switch(b"dialog", b"\x02Password: ")), ask(b"\x03OTP: "))),
     "dialog"),
    (Trick("switch-sha256", steps=(ask(SHA256),)), "sha256_password"),
    (Trick("switch-sha256-then-own-key", steps=(ask(SHA256), ask(KEY))), "sha256_password"),
    (Trick("switch-caching-then-full-auth", steps=(ask(CACHING), ask(FULL_AUTH))), "caching_sha2_password"),
    (Trick("switch-caching-then-own-key", steps=(ask(CACHING), ask(KEY))), "caching_sha2_password"),
    (Trick("greet-caching-full-auth", greet_plugin=b"caching_sha2_password", steps=(ask(FULL_AUTH),)),
     "caching_sha2_password"),
    (Trick("greet-caching-fast-ok-then-full-auth", greet_plugin=b"caching_sha2_password",
           steps=(send(FAST_OK), ask(FULL_AUTH))), "caching_sha2_password"),
    (Trick("greet-caching-second-round", greet_plugin=b"caching_sha2_password",
           steps=(send(FAST_OK), send(FAST_OK), ask(FULL_AUTH))), "caching_sha2_password"),
    (Trick("greet-caching-fast-ok-then-switch-clear", greet_plugin=b"caching_sha2_password",
           steps=(send(FAST_OK), ask(CLEAR))), "mysql_clear_password"),
    (Trick("greet-caching-switch-caching-full-auth", greet_plugin=b"caching_sha2_password",
           steps=(ask(CACHING), ask(FULL_AUTH))), "caching_sha2_password"),
    (Trick("greet-sha256-full-auth", greet_plugin=b"sha256_password", steps=(ask(FULL_AUTH),)),
     "caching_sha2_password"),
    (Trick("greet-sha256-own-key", greet_plugin=b"sha256_password", steps=(ask(KEY),)), "caching_sha2_password"),
    (Trick("greet-clear-switch-clear", greet_plugin=b"mysql_clear_password", steps=(ask(CLEAR),)),
     "mysql_clear_password"),
    (Trick("greet-dialog-switch-dialog", greet_plugin=b"dialog", steps=(ask(DIALOG),)), "dialog"),
    (Trick("greet-plugin-with-nul-switch-clear", greet_plugin=b"mysql_clear_password\0sha256_password",
           steps=(ask(CLEAR),)), "mysql_clear_password"),
    (Trick("no-lenenc-no-secure-connection-switch-clear",
           clear_caps=CLIENT_PLUGIN_AUTH_LENENC | 0x8000, steps=(ask(CLEAR),)), "mysql_clear_password"),
]
# protocol oddities: no password, no escaped exception, no UnknownError, and the login fails
ODD = [
    Trick("switch-twice", steps=(ask(CACHING), ask(CLEAR))),
    Trick("no-plugin-auth-then-switch-clear", clear_caps=CLIENT_PLUGIN_AUTH, steps=(ask(CLEAR),)),
    Trick("switch-to-empty-plugin-name", steps=(ask(_switch(b"")),)),
    Trick("switch-without-terminator", steps=(ask(b"\xfemysql_clear_password"),)),
    Trick("switch-to-non-utf8-name", steps=(ask(_switch(b"\xff\xfemysql_clear_password")),)),
    Trick("switch-to-name-cut-by-nul", steps=(ask(b"\xfemysql_clear\0password\0"),)),
    Trick("switch-to-old-password", steps=(ask(_switch(b"mysql_old_password")),)),
    Trick("switch-to-ldap-sasl", steps=(ask(_switch(b"authentication_ldap_sasl_client")),)),
    Trick("switch-to-uppercase-clear", steps=(ask(_switch(b"MYSQL_CLEAR_PASSWORD", b"")),)),
    Trick("native-then-full-auth", steps=(ask(FULL_AUTH),)),
    Trick("native-then-own-key", steps=(ask(KEY),)),
    Trick("switch-clear-wrong-seq", steps=(ask(CLEAR, seq=9),)),
    Trick("switch-clear-seq-zero", steps=(ask(CLEAR, seq=0),)),
    Trick("greet-non-utf8-plugin", greet_plugin=b"\xff\xfe"),
    Trick("tls-answered-in-plain-text", before_tls=CLEAR),
]
# a real login through the proxy, oddly dressed: succeeds, reveals nothing where the rule forbids it
HARMLESS = [
    Trick("relay-and-hijack", hijack=b"SELECT CURRENT_USER()"),
    Trick("greet-sha256", greet_plugin=b"sha256_password"),
    Trick("greet-clear", greet_plugin=b"mysql_clear_password"),
    Trick("greet-dialog", greet_plugin=b"dialog"),
    Trick("greet-empty-plugin", greet_plugin=b""),
    Trick("ok-packet-with-extra-data", ok_suffix=b"\xde\xad\xbe\xef" * 8),
]


@pytest.fixture
def ca(spare_server: MySQLServer) -> TestCA:
    assert spare_server.ca is not None
    return spare_server.ca


@pytest.fixture
def upstream(spare_server: MySQLServer) -> ServerAddress:
    assert spare_server.address is not None
    return spare_server.address


@pytest.fixture
def victim(upstream: ServerAddress) -> Iterator[tuple[str, str]]:
    """A real account on the real server (so a relayed login succeeds): its name and (leak-watched) password."""
    user, password = f"mitm_{uuid.uuid4().hex[:8]}", new_password("mitm")
    with upstream.connect() as admin, admin.cursor() as cur:
        cur.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
    yield user, password
    with upstream.connect() as admin, admin.cursor() as cur:
        cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")


def _bundle(ca: TestCA, tmp_path: Path, value: str) -> str:
    if value == "CA":
        return str(ca.ca_file)
    if value == "CA+RDS":
        mixed = tmp_path / "test-ca-and-rds.pem"
        mixed.write_text(ca.ca_file.read_text() + RDS_CA_BUNDLE.read_text())
        return str(mixed)
    return value


@pytest.fixture
def validate(make_secret: Callable[[dict[str, Any]], str], ca: TestCA, monkeypatch: pytest.MonkeyPatch,
             tmp_path: Path) -> Iterator[Callable[..., dict[str, Any]]]:
    """ValidateCredentials through lambda_handler for a profile pointed at the proxy; never lets it raise."""

    def call(link: Link, proxy: MitmProxy, user: str, password: str, *, kind: str = "MySQL",
             settings: dict[str, str] | None = None) -> dict[str, Any]:
        if link.trust_test_ca_by_default:  # the test CA as if it were a public (or RDS) CA
            monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))
        _tls_context.cache_clear()
        raw = {key: _bundle(ca, tmp_path, value) if key == "tlsCaBundle" else value
               for key, value in {**link.settings, **(settings or {})}.items()}
        secret = {"customAuthenticationType": kind, "host": "localhost", "port": str(proxy.port), "username": user}
        if kind == "MySQL":
            secret["password"] = password
        arn = make_secret(secret)
        try:
            response = lambda_handler({"type": "ValidateCredentialsRequest",
                                       "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                                       "connectorRuntimeSettings": {**raw, "connectTimeoutSeconds": "3"}}, None)
        except BaseException as exc:  # noqa: BLE001 - the handler must answer, whatever the server did
            pytest.fail(f"lambda_handler raised {type(exc).__name__}: {exc}")
        proxy.wait_idle()
        text = json.dumps(response)
        assert password not in text, "the password is in the answer"
        return dict(response)

    yield call
    _tls_context.cache_clear()


def _proxy(upstream: ServerAddress, ca: TestCA, link: Link, trick: Trick) -> MitmProxy:
    return MitmProxy((upstream.host, upstream.port), getattr(ca, link.certificate) if link.certificate else None,
                     trick)


def _learnt(proxy: MitmProxy, password: str) -> bool:
    return any(seen.revealed(password) for seen in proxy.sessions)


def _only_over_tls(proxy: MitmProxy, password: str) -> bool:
    return all(seen.over_tls for seen in proxy.sessions if seen.revealed(password))


def _details(response: dict[str, Any]) -> dict[str, Any]:
    assert response["isSuccess"] is False, response
    details = response["errorDetails"]
    assert details["errorCode"] != "UnknownError", details
    return details


# --- the matrix: every trick x every mode -----------------------------------------------------------------------

@pytest.mark.parametrize("link", UNVERIFIED, ids=lambda link: link.name)
@pytest.mark.parametrize(("trick", "plugin"), [pytest.param(t, p, id=t.name) for t, p in REVEALING])
def test_an_unverified_server_never_gets_the_password(validate: Callable[..., dict[str, Any]], upstream: ServerAddress,
                                                      ca: TestCA, victim: tuple[str, str], link: Link, trick: Trick,
                                                      plugin: str) -> None:
    user, password = victim
    with _proxy(upstream, ca, link, trick) as proxy:
        response = validate(link, proxy, user, password)
    assert proxy.sessions, "the client never reached the proxy"
    assert not _learnt(proxy, password)
    assert all(seen.decrypted == [] or not any(password.encode() in d for d in seen.decrypted)
               for seen in proxy.sessions)
    details = _details(response)
    message = details["errorMessage"]
    if plugin == "caching_sha2_password" and trick.name.endswith("own-key"):  # a key nobody asked for: not MySQL
        assert details["errorCode"] == "ServiceUnavailable" and "caching_sha2_password step" in message, details
        return
    assert details["errorCode"] == "InvalidArgument", details
    assert plugin in message and "sent nothing" in message and "VERIFY_IDENTITY" in message, message
    assert link.settings["tlsMode"] in message, message


@pytest.mark.parametrize("link", VERIFIED, ids=lambda link: link.name)
@pytest.mark.parametrize(("trick", "plugin"), [pytest.param(t, p, id=t.name) for t, p in REVEALING])
def test_a_verified_server_gets_the_password_only_inside_tls(validate: Callable[..., dict[str, Any]],
                                                            upstream: ServerAddress, ca: TestCA,
                                                            victim: tuple[str, str], link: Link, trick: Trick,
                                                            plugin: str) -> None:
    user, password = victim
    with _proxy(upstream, ca, link, trick) as proxy:
        response = validate(link, proxy, user, password)
    assert _only_over_tls(proxy, password)
    assert not any(password.encode() in d for seen in proxy.sessions for d in seen.decrypted), \
        "the RSA exchange must never be used"
    if not response["isSuccess"]:
        assert response["errorDetails"]["errorCode"] != "UnknownError", response


@pytest.mark.parametrize(("link", "trick"), [
    pytest.param(link, trick, id=f"{trick.name}-{link.name}") for trick in ODD for link in CONNECTING
    if trick.before_tls is None or (link.certificate and link.settings["tlsMode"] != "DISABLED")])
def test_protocol_oddities_leak_nothing_and_fail_cleanly(validate: Callable[..., dict[str, Any]],
                                                         upstream: ServerAddress, ca: TestCA,
                                                         victim: tuple[str, str], link: Link, trick: Trick) -> None:
    user, password = victim
    with _proxy(upstream, ca, link, trick) as proxy:
        response = validate(link, proxy, user, password)
    if link.reveals:
        assert _only_over_tls(proxy, password)
    else:
        assert not _learnt(proxy, password)
    assert not any(password.encode() in d for seen in proxy.sessions for d in seen.decrypted)
    _details(response)


@pytest.mark.parametrize("link", CONNECTING, ids=lambda link: link.name)
@pytest.mark.parametrize("trick", HARMLESS, ids=lambda trick: trick.name)
def test_a_relayed_login_works_and_reveals_nothing_unverified(validate: Callable[..., dict[str, Any]],
                                                             upstream: ServerAddress, ca: TestCA,
                                                             victim: tuple[str, str], link: Link,
                                                             trick: Trick) -> None:
    """The relay reaches the real server with the client's scramble: the password stays unknown. (In the
    unverified modes the impostor still gets the session itself: docs/security.md's 'stops an impostor: no'.)"""
    user, password = victim
    with _proxy(upstream, ca, link, trick) as proxy:
        response = validate(link, proxy, user, password)
    if link.reveals:  # PyMySQL's own answer to the greeting, inside verified TLS: it may or may not log in
        assert _only_over_tls(proxy, password)
        assert response["isSuccess"] or response["errorDetails"]["errorCode"] != "UnknownError", response
    else:
        assert not _learnt(proxy, password)
        assert response["isSuccess"] is True, response


@pytest.mark.parametrize("link", [link for link in LINKS if link.reveals is None], ids=lambda link: link.name)
@pytest.mark.parametrize("kind", ["MySQL", "MySQL-IAM"])
def test_a_certificate_that_does_not_prove_the_host_gets_no_login_at_all(
        validate: Callable[..., dict[str, Any]], upstream: ServerAddress, ca: TestCA, victim: tuple[str, str],
        link: Link, kind: str) -> None:
    """Not the password, not the IAM token, not even the user name: the handshake fails first."""
    user, password = victim
    with _proxy(upstream, ca, link, Trick("switch-clear", steps=(ask(CLEAR),))) as proxy:
        response = validate(link, proxy, user, password, kind=kind)
    assert proxy.sessions and all(seen.asked_tls and seen.packets == [] for seen in proxy.sessions)
    details = _details(response)
    assert details["errorCode"] == "InvalidArgument" and "certificate" in details["errorMessage"], details


@pytest.mark.parametrize("mode", ["DISABLED", "PREFERRED", "REQUIRED"])
@pytest.mark.parametrize(("trick", "plugin"), [pytest.param(t, p, id=t.name) for t, p in REVEALING[:8]])
def test_connect_itself_refuses_before_sending(upstream: ServerAddress, ca: TestCA, victim: tuple[str, str],
                                               mode: str, trick: Trick, plugin: str) -> None:
    """The same through ``connector.database.connect`` (what every data call uses)."""
    user, password = victim
    with MitmProxy((upstream.host, upstream.port), ca.self_signed, trick) as proxy:
        with pytest.raises(ConnectorError) as refused:
            database.connect(DbLogin("localhost", proxy.port, user, password), parse_settings({"tlsMode": mode}))
        proxy.wait_idle()
    assert not _learnt(proxy, password)
    own_key = plugin == "caching_sha2_password" and trick.name.endswith("own-key")  # not MySQL: no such step
    assert isinstance(refused.value, InvalidArgumentError) is not own_key
    assert plugin in refused.value.message and password not in refused.value.message


# --- findings ---------------------------------------------------------------------------------------------------

def _public_roots() -> Path:
    """The system's public CA bundle (certifi's when the system names none)."""
    found = ssl.get_default_verify_paths().cafile
    if found and Path(found).is_file():
        return Path(found)
    import certifi

    return Path(certifi.where())


def test_verify_ca_with_a_bundle_of_public_roots_sends_no_password(
        validate: Callable[..., dict[str, Any]], upstream: ServerAddress, ca: TestCA, victim: tuple[str, str],
        tmp_path: Path) -> None:
    """Found by review: a tlsCaBundle holding public roots (the system bundle, certifi's, or Amazon Root CA 1
    as RDS Proxy's docs suggest) trusts anyone's public certificate; VERIFY_CA must not hand it the password.
    The test CA stands in for one public CA."""
    bundle = tmp_path / "public-roots-and-one-more.pem"
    bundle.write_text(_public_roots().read_text() + ca.ca_file.read_text())
    link = Link("VERIFY_CA-public-roots", {"tlsMode": "VERIFY_CA", "tlsCaBundle": str(bundle)}, "wrong_name", False)
    user, password = victim
    with _proxy(upstream, ca, link, Trick("switch-clear", steps=(ask(CLEAR),))) as proxy:
        response = validate(link, proxy, user, password)
    assert not _learnt(proxy, password), "an impostor with a public CA's certificate for another name got it"
    assert _details(response)["errorCode"] == "InvalidArgument"


@pytest.mark.parametrize("mode", ["REQUIRED", "PREFERRED", "DISABLED"])
@pytest.mark.parametrize("bundle", ["missing", "directory", "not-pem"])
def test_a_stray_tls_ca_bundle_in_a_mode_that_does_not_verify_is_answered(
        validate: Callable[..., dict[str, Any]], upstream: ServerAddress, ca: TestCA, victim: tuple[str, str],
        tmp_path: Path, mode: str, bundle: str) -> None:
    """Found by review: settings accept a tlsCaBundle that is not a file when the mode does not verify (it is
    unused there); nothing may then escape connect() as an UnknownError."""
    path = {"missing": tmp_path / "gone.pem", "directory": tmp_path, "not-pem": tmp_path / "notes.txt"}[bundle]
    if bundle == "not-pem":
        path.write_text("not a certificate\n")
    link = Link(f"{mode}-stray-bundle", {"tlsMode": mode, "tlsCaBundle": str(path)}, "self_signed", False)
    user, password = victim
    with _proxy(upstream, ca, link, Trick("relay")) as proxy:
        response = validate(link, proxy, user, password)
    assert not _learnt(proxy, password)
    if not response["isSuccess"]:
        assert response["errorDetails"]["errorCode"] != "UnknownError", response


@pytest.mark.parametrize("link", [link for link in UNVERIFIED if link.name.startswith(("REQUIRED", "PREFERRED-s"))],
                         ids=lambda link: link.name)
def test_an_impostor_asking_for_a_local_file_gets_nothing_and_a_clean_answer(
        validate: Callable[..., dict[str, Any]], upstream: ServerAddress, ca: TestCA, victim: tuple[str, str],
        link: Link) -> None:
    """Found by review: after a relayed login, the impostor answers every statement with LOCAL INFILE
    /proc/self/environ (the Lambda's AWS credentials). PyMySQL refuses (local_infile off) with a RuntimeError
    that connect() does not classify: it escapes, and the handler answers UnknownError."""
    user, password = victim
    trick = Trick("local-infile", after_login=b"\xfb/proc/self/environ")
    with _proxy(upstream, ca, link, trick) as proxy:
        response = validate(link, proxy, user, password)
    assert all(b"AWS_" not in seen.session_bytes for seen in proxy.sessions), "a local file was sent"
    _details(response)


def test_connect_raises_only_connector_errors_for_a_local_file_request(upstream: ServerAddress, ca: TestCA,
                                                                       victim: tuple[str, str]) -> None:
    """Found by review: every driver error leaves connect() as a ConnectorError (the module's contract)."""
    user, password = victim
    with MitmProxy((upstream.host, upstream.port), ca.self_signed,
                   Trick("local-infile", after_login=b"\xfb/etc/passwd")) as proxy:
        try:
            database.connect(DbLogin("localhost", proxy.port, user, password), parse_settings({"tlsMode": "REQUIRED"}))
        except ConnectorError:
            pass
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"connect() let {type(exc).__name__} out: {exc}")
        proxy.wait_idle()


@pytest.mark.parametrize(("link_name", "wrong"), [
    ("VERIFY_IDENTITY-own-ca", "tlsMode DISABLED"),
    ("VERIFY_CA-own-ca", "holds Amazon RDS roots"),
    ("PREFERRED-stripped", "encrypts the connection"),
])
def test_a_refusal_describes_the_connection_it_happened_on(validate: Callable[..., dict[str, Any]],
                                                           upstream: ServerAddress, ca: TestCA,
                                                           victim: tuple[str, str], link_name: str,
                                                           wrong: str) -> None:
    """Found by review (message): an impostor sends its own RSA key (or any step the guard does not take).
    The refusal explained it by the mode, wrongly: under VERIFY_IDENTITY it says 'tlsMode DISABLED sends everything in
    clear text' and advises VERIFY_IDENTITY; under VERIFY_CA with the user's own CA it says the bundle 'holds
    Amazon RDS roots'; over a PREFERRED connection the impostor stripped to clear text it says PREFERRED
    'encrypts the connection'."""
    link = next(link for link in LINKS if link.name == link_name)
    user, password = victim
    trick = Trick("greet-caching-own-key", greet_plugin=b"caching_sha2_password", steps=(ask(KEY),))
    with _proxy(upstream, ca, link, trick) as proxy:
        response = validate(link, proxy, user, password)
    assert not _learnt(proxy, password)
    message = _details(response)["errorMessage"]
    assert wrong not in message, message


def test_a_greeting_without_a_plugin_is_not_blamed_on_mysql_old_password(
        validate: Callable[..., dict[str, Any]], upstream: ServerAddress, ca: TestCA,
        victim: tuple[str, str]) -> None:
    """Found by review (message): a greeting naming no plugin (CLIENT_PLUGIN_AUTH off, or an empty name) got
    the guard's 'mysql_old_password' refusal for any extra-data packet, a plugin the server never named."""
    link = next(link for link in LINKS if link.name == "REQUIRED-self-signed")
    user, password = victim
    trick = Trick("no-plugin-then-full-auth", clear_caps=CLIENT_PLUGIN_AUTH, steps=(ask(FULL_AUTH),))
    with _proxy(upstream, ca, link, trick) as proxy:
        response = validate(link, proxy, user, password)
    assert not _learnt(proxy, password)
    assert "mysql_old_password" not in _details(response)["errorMessage"]


# --- the doctor (DiagnoseRequest) meets the same impostor -----------------------------------------------------

def _diagnose(make_secret: Callable[[dict[str, Any]], str], proxy: MitmProxy, user: str, password: str,
              settings: dict[str, str]) -> dict[str, Any]:
    _tls_context.cache_clear()
    arn = make_secret({"customAuthenticationType": "MySQL", "host": "localhost", "port": str(proxy.port),
                       "username": user, "password": password})
    try:
        response = lambda_handler({"type": "DiagnoseRequest", "secretArn": arn, "authenticationType": "CustomAuth",
                                   "connectorRuntimeSettings": {**settings, "connectTimeoutSeconds": "3"}}, None)
    except BaseException as exc:  # noqa: BLE001
        pytest.fail(f"lambda_handler raised {type(exc).__name__}: {exc}")
    proxy.wait_idle()
    assert password not in json.dumps(response)
    return dict(response)


@pytest.mark.parametrize(("trick", "plugin"), [pytest.param(*REVEALING[i], id=REVEALING[i][0].name) for i in (0, 3, 5)])
def test_the_doctor_refuses_too_and_does_not_call_it_a_tls_failure(
        make_secret: Callable[[dict[str, Any]], str], upstream: ServerAddress, ca: TestCA,
        victim: tuple[str, str], trick: Trick, plugin: str) -> None:
    """Found by review (doctor label): its 'TLS and login' check called any InvalidArgument whose message holds
    'TLS' a 'TLS handshake failed'; the sha256/caching_sha2 refusals say 'inside TLS', so a refused password request
    over a TLS connection that worked is reported as a broken TLS handshake."""
    user, password = victim
    with MitmProxy((upstream.host, upstream.port), ca.self_signed, trick) as proxy:
        response = _diagnose(make_secret, proxy, user, password, {"tlsMode": "REQUIRED"})
    assert not _learnt(proxy, password)
    assert response["isSuccess"] is False
    check = next(c for c in response["checks"] if c["ok"] is False)
    assert check["name"] == "TLS and login" and plugin in (check["fix"] or ""), check
    assert "handshake" not in check["detail"], check


def test_the_doctor_answers_a_stray_tls_ca_bundle(make_secret: Callable[[dict[str, Any]], str],
                                                  upstream: ServerAddress, ca: TestCA, victim: tuple[str, str],
                                                  tmp_path: Path) -> None:
    """Found by review (same root as the stray-bundle one): the doctor's checks catch ConnectorError only."""
    user, password = victim
    with MitmProxy((upstream.host, upstream.port), ca.self_signed, Trick("relay")) as proxy:
        response = _diagnose(make_secret, proxy, user, password,
                             {"tlsMode": "REQUIRED", "tlsCaBundle": str(tmp_path / "gone.pem")})
    assert not _learnt(proxy, password)
    assert "UnknownError" not in json.dumps(response), response
