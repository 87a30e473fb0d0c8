"""Which login exchanges may reveal the password: only to a server whose certificate proved who it is.

MySQL's authentication plugins fall in two kinds. Challenge-response ones send a scramble that
proves the client knows the password without revealing it (``mysql_native_password``, the fast
path of ``caching_sha2_password``, ``client_ed25519``). The others make the client send the
password itself: ``mysql_clear_password`` and ``dialog`` (IAM tokens, LDAP/PAM), ``sha256_password``
and ``caching_sha2_password``'s *full authentication* (in clear text inside TLS, or RSA-encrypted
with a public key the *server* supplies). TLS without a verified certificate stops eavesdroppers,
not impostors, so PyMySQL alone would hand the password to any server that asks (and to a server
without TLS by RSA with the server's own key).

The rule held here: the password or token leaves the function only when the certificate was
verified *and* names the host (tlsMode VERIFY_IDENTITY). Otherwise a request for it is refused
before anything is sent, with the plugin's name.
A greeting that would make PyMySQL put the password in its very first
packet (``sha256_password`` over TLS) is answered with a scramble instead; a server that really
needs the password then switches plugins and is refused.

What the login needs of PyMySQL's insides (the greeting's plugin, TLS state, the next packet, the fast-path
scramble) it takes from connector/wire.py, which lists every private name it uses.
tests/test_login_guard.py pins each of them; tests/test_wire_contract.py pins what the guard assumes of
PyMySQL's authentication loop (a greeting's follow-ups and plugin switches go to ``auth_plugin_map``: on
PyMySQL's 2026-08 GitHub main they did not, and the password went out).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

import pymysql
from pymysql.constants.CR import CR_AUTH_PLUGIN_ERR

from connector import wire

__all__ = ["CHALLENGE_RESPONSE_PLUGINS", "CredentialWithheld", "GuardedConnection", "LoginProtocolError",
           "SessionBounds", "UnsupportedPlugin", "reveals_credentials_to"]

# Plugins whose first answer is a scramble; PyMySQL answers a greeting with any other one differently.
CHALLENGE_RESPONSE_PLUGINS = frozenset({"", "mysql_native_password", "caching_sha2_password", "client_ed25519"})
# What the first answer uses when the greeting names a plugin that would reveal the password there.
_SAFE_FIRST_ANSWER = "caching_sha2_password"
# caching_sha2_password's answers after the fast-path scramble (MySQL's sql-common/client_authentication.cc)
_FAST_AUTH_OK, _FULL_AUTH_NEEDED = 3, 4


def reveals_credentials_to(tls_mode: str) -> bool:
    """Whether this TLS mode proves the server's identity well enough to send it the password: only
    VERIFY_IDENTITY (a trusted CA *and* the host's name). VERIFY_CA accepts any certificate of its CAs
    (with the default trust: every public CA and every RDS instance; with a tlsCaBundle: whatever that
    bundle's CAs signed, which the connector cannot tell apart from a public or RDS CA in every case).

    >>> [reveals_credentials_to(m) for m in ("DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY")]
    [False, False, False, False, True]
    """
    return tls_mode == "VERIFY_IDENTITY"


class CredentialWithheld(pymysql.err.OperationalError):  # noqa: N818 - reads as what happened
    """The server asked for the password itself, and the connection has not proved who the server is."""

    def __init__(self, plugin: str, how: str, *, over_tls: bool) -> None:
        super().__init__(CR_AUTH_PLUGIN_ERR, f"the server asked for the password itself ({how}); refused")
        self.plugin = plugin
        self.how = how
        self.over_tls = over_tls


class LoginProtocolError(pymysql.err.OperationalError):  # noqa: N818 - reads as what happened
    """The server answered the login with a step MySQL's protocol does not have: not MySQL, or a proxy that
    rewrites the login. Nothing was sent for it."""

    def __init__(self, detail: str) -> None:
        super().__init__(CR_AUTH_PLUGIN_ERR, detail)
        self.detail = detail


class UnsupportedPlugin(pymysql.err.OperationalError):  # noqa: N818 - reads as what happened
    """The server asked for a plugin the connector does not take; nothing was sent for it."""

    def __init__(self, plugin: str) -> None:
        super().__init__(CR_AUTH_PLUGIN_ERR, f"authentication plugin {plugin[:60]!r} is not supported")
        self.plugin = plugin


class _Plugin:
    """Base of the handlers PyMySQL builds per login from ``auth_plugin_map`` (``handler(conn)``)."""

    name = ""

    def __init__(self, conn: pymysql.connections.Connection, *, may_reveal: bool) -> None:
        self.conn = conn
        self.may_reveal = may_reveal

    def _revealing_allowed(self) -> bool:
        # belt and braces: a verifying mode cannot reach the login without TLS, but say so here too
        return self.may_reveal and wire.tls_is_up(self.conn)

    def _withhold(self, how: str) -> CredentialWithheld:
        return CredentialWithheld(self.name, how, over_tls=wire.tls_is_up(self.conn))

    def _send(self, data: bytes) -> Any:
        self.conn.write_packet(data)
        packet = wire.next_packet(self.conn)  # the next step of PyMySQL's authentication loop
        packet.check_error()
        return packet

    def _send_password(self, how: str) -> Any:
        if not self._revealing_allowed():
            raise self._withhold(how)
        return self._send(self.conn.password + b"\0")


class _ClearText(_Plugin):
    """``mysql_clear_password`` (Aurora IAM tokens, LDAP): the password as it is."""

    name = "mysql_clear_password"

    def authenticate(self, packet: Any) -> Any:
        return self._send_password("in clear text, mysql_clear_password")


class _Dialog(_ClearText):
    """MariaDB's ``dialog`` (PAM): its first question is the password; any other has no answer here."""

    name = "dialog"

    def authenticate(self, packet: Any) -> Any:
        return self._send_password("in clear text, dialog")

    def prompt(self, echo: bool, prompt: bytes) -> bytes:
        raise pymysql.err.OperationalError(CR_AUTH_PLUGIN_ERR, "the server asked an interactive question (dialog)")


class _Sha256(_Plugin):
    """``sha256_password``: the password in clear text inside TLS, else RSA-encrypted with the server's key."""

    name = "sha256_password"

    def authenticate(self, packet: Any) -> Any:
        return self._send_password("sha256_password, which sends it in clear text inside TLS or encrypted "
                                   "with a public key the server supplies")


class _CachingSha2(_Plugin):
    """``caching_sha2_password``: the scramble (fast path) always; the password itself (full authentication)
    only when revealing is allowed."""

    name = "caching_sha2_password"

    def authenticate(self, packet: Any) -> Any:
        if packet.is_auth_switch_request():  # switched to it: answer with the fast-path scramble
            salt = packet.read_all()
            self.conn.salt = salt[:-1] if salt.endswith(b"\0") else salt
            if not self.conn.password:
                return self._send(b"")
            packet = self._send(wire.scramble_caching_sha2(self.conn.password, self.conn.salt))
        if not packet.is_extra_auth_data():
            return packet  # OK (or an error PyMySQL raises next): nothing more is asked of us
        step = packet.read_all()[1:2]
        if step == bytes([_FAST_AUTH_OK]):
            return self._read_ok()
        if step == bytes([_FULL_AUTH_NEEDED]):
            return self._send_password("caching_sha2_password full authentication, which sends it in clear text "
                                       "inside TLS or encrypted with a public key the server supplies")
        detail = f"a caching_sha2_password step MySQL does not have (0x{step.hex() or 'none'})"
        raise LoginProtocolError(detail)

    def _read_ok(self) -> Any:
        packet = wire.next_packet(self.conn)  # the next step of PyMySQL's authentication loop
        packet.check_error()
        return packet


class _Refused(_Plugin):
    """Any plugin the connector does not take: ``mysql_old_password`` (the pre-4.1 hash, removed in MySQL
    5.7.5, which an eavesdropper can reverse) and every name PyMySQL itself does not know."""

    name = "mysql_old_password"

    def __init__(self, conn: pymysql.connections.Connection, *, may_reveal: bool, name: str = "") -> None:
        super().__init__(conn, may_reveal=may_reveal)
        self.name = name or self.name

    def authenticate(self, packet: Any) -> Any:
        raise UnsupportedPlugin(self.name)

    def prompt(self, echo: bool, prompt: bytes) -> bytes:
        raise UnsupportedPlugin(self.name)


_HANDLERS: tuple[type[_Plugin], ...] = (_ClearText, _Dialog, _Sha256, _CachingSha2, _Refused)
# PyMySQL's own answers to these are challenge-response: left to it.
_PYMYSQL_OWN = frozenset({"mysql_native_password", "client_ed25519"})


class _PluginMap(dict[Any, Any]):
    """PyMySQL's ``auth_plugin_map``, which it reads with ``get(name)`` (bytes, then text): the guard's handler
    for each plugin that may reveal the password, None for PyMySQL's own challenge-response ones, and a
    refusal for any other name, so that no plugin name reaches a code path the guard has not seen."""

    def __init__(self, *, may_reveal: bool) -> None:
        super().__init__({cls.name.encode(): functools.partial(cls, may_reveal=may_reveal) for cls in _HANDLERS})
        self.may_reveal = may_reveal

    def get(self, key: Any, default: Any = None) -> Any:
        found = super().get(key)
        if found is not None:
            return found
        name = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
        if name in _PYMYSQL_OWN:
            return default
        return functools.partial(_Refused, may_reveal=self.may_reveal, name=name or "(none named)")


def plugin_map(*, may_reveal: bool) -> dict[Any, Any]:
    """The ``auth_plugin_map`` for one login."""
    return _PluginMap(may_reveal=may_reveal)


@dataclass(frozen=True)
class SessionBounds:
    """What the session's lock waits and statement time were last set to, and for which call's deadline."""

    deadline_at: float
    seconds: float


class GuardedConnection(wire.GreetingHook):
    """A PyMySQL connection whose first answer never reveals the password to an unproved server.

    It also carries ``session_bounds`` (kept by ``database.bounded``) and when it was opened, so that a warm
    connection's state travels with it instead of living in a table keyed by ``id()``.
    """

    def __init__(self, *args: Any, may_reveal: bool, **kwargs: Any) -> None:
        self.may_reveal = may_reveal
        self.greeting_plugin = ""
        self.session_bounds: SessionBounds | None = None
        self.statement_time_variable: str | None = None  # set when the server refused the greeting's flavour
        self.opened_at = time.monotonic()  # to tell a server restart (uptime shorter than this) from a KILL
        super().__init__(*args, auth_plugin_map=plugin_map(may_reveal=may_reveal), **kwargs)

    def tls_cipher(self) -> str | None:
        """The cipher of this connection's own TLS (None without TLS): what the client saw, which a proxy's
        ``Ssl_cipher`` status variable does not show (RDS Proxy leaves it unset)."""
        return wire.tls_cipher(self)

    def first_answer_plugin(self, greeted: str) -> str:
        self.greeting_plugin = greeted
        if not self.may_reveal and greeted not in CHALLENGE_RESPONSE_PLUGINS:
            # PyMySQL answers a sha256_password greeting over TLS with the password: answer with the scramble
            # whose follow-ups (full authentication) the guard handles
            return _SAFE_FIRST_ANSWER
        return greeted
