"""A minimal MySQL server on loopback that asks for the password each way a real one can.

Not part of the Lambda artifact. It plays Aurora's IAM login (a switch to ``mysql_clear_password``
inside TLS) and an impostor's tricks: it greets naming any plugin, upgrades to TLS with whatever
certificate it is given, then switches the login to any plugin, asks ``caching_sha2_password``'s
full authentication, or hands out an RSA public key whose private half it keeps. It records every
packet the client sent and decrypts what was encrypted for its key, so that a test can say what
the server learnt. After the login it answers every statement with OK, and every SELECT with one
row holding ``1``: enough for ValidateCredentials.

Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from devkit.tls import ServerCertificate

__all__ = ["ClearTextLoginServer", "FakeLoginServer", "ReceivedLogin"]

_CAPABILITIES = (0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000)  # 4.1, plugin auth
_SSL = 0x800
_AUTOCOMMIT = 0x0002
_SALT = b"abcdefgh" + b"ijklmnopqrst"
_OK = b"\x00\x00\x00" + struct.pack("<HH", _AUTOCOMMIT, 0)
_MORE_DATA = b"\x01"  # caching_sha2_password / sha256_password: extra authentication data follows
_FULL_AUTH, _FAST_AUTH_OK = b"\x04", b"\x03"
_KEY_REQUESTS = (b"\x01", b"\x02")  # sha256_password, caching_sha2_password: "send me your public key"


@dataclass
class ReceivedLogin:
    """One login as the server saw it."""

    user: str
    over_tls: bool
    greeting_plugin: str = ""  # the plugin the client named in its first answer
    clear_text: bytes | None = field(default=None, repr=False)  # the answer to a clear-text request
    packets: list[bytes] = field(default_factory=list, repr=False)  # every packet of the login, first answer on
    decrypted: list[bytes] = field(default_factory=list, repr=False)  # what the client encrypted for our key

    def revealed(self, secret: str) -> bool:
        """Whether the server learnt ``secret``: in any packet, or in what it decrypted with its own key."""
        needle = secret.encode()
        return any(needle in packet for packet in self.packets + self.decrypted)


def _packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


def _lenenc(text: bytes) -> bytes:
    return bytes([len(text)]) + text


def _xor(data: bytes, salt: bytes) -> bytes:
    return bytes(b ^ salt[i % len(salt)] for i, b in enumerate(data))


class _Wire:
    """Packets over a socket that may be upgraded to TLS."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock: socket.socket = sock
        self.seq = 0

    def read(self) -> bytes:
        header = self._exactly(4)
        length = int.from_bytes(header[:3], "little")
        self.seq = header[3] + 1
        return self._exactly(length)

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                msg = "client closed"
                raise ConnectionError(msg)
            data += chunk
        return data

    def send(self, payload: bytes, seq: int | None = None) -> None:
        self.sock.sendall(_packet(self.seq if seq is None else seq, payload))
        self.seq = (self.seq if seq is None else seq) + 1


class FakeLoginServer:
    """Serve logins on 127.0.0.1 until closed; ``logins`` lists what each client sent.

    ``greet``: the plugin the greeting names. ``unknown_variables``: names the server
    answers error 1193 for (as MariaDB does for MySQL's, behind a proxy that greets as MySQL). ``ask``: what
    the server does with the client's first
    answer: ``ok`` (accept it), ``full_auth`` (caching_sha2_password: "perform full authentication"),
    or the name of any plugin to switch the login to (``mysql_clear_password``, ``dialog``,
    ``sha256_password``, ``caching_sha2_password`` (then full authentication), ``mysql_old_password``,
    an unknown name...). A client that asks for the public key gets the server's own RSA key.
    """

    def __init__(self, certificate: ServerCertificate | None, handshake: str = "ok", *,
                 greet: str = "mysql_native_password", ask: str = "mysql_clear_password",
                 unknown_variables: tuple[str, ...] = ()) -> None:
        """``certificate``: offer TLS with it; None: a server without TLS. ``handshake``: what the server does
        when the client asks for TLS: ``ok``, or ``close``, ``reset`` (RST) or ``silent`` (a broken TLS set-up,
        a load balancer that does not pass TLS)."""
        self.handshake, self.greet, self.ask = handshake, greet, ask
        self.unknown_variables = unknown_variables  # a statement naming one fails with error 1193
        self.logins: list[ReceivedLogin] = []
        self.statements: list[str] = []  # every COM_QUERY after the logins, in order
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._context: ssl.SSLContext | None = None
        if certificate is not None:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(certificate.cert, certificate.key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # so that close() is noticed at once
        self._stop = threading.Event()
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def __enter__(self) -> FakeLoginServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(10)
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        wire = _Wire(client)
        try:
            if self._login(wire):
                self._commands(wire)
        except (OSError, ConnectionError, ssl.SSLError):
            pass
        finally:
            wire.sock.close()

    def _greeting(self) -> bytes:
        capabilities = _CAPABILITIES | (_SSL if self._context else 0)
        return (b"\x0a" + b"8.0.28-fake-aurora\x00" + struct.pack("<I", 7) + _SALT[:8] + b"\x00"
                + struct.pack("<H", capabilities & 0xFFFF) + b"\x21" + struct.pack("<H", _AUTOCOMMIT)
                + struct.pack("<H", capabilities >> 16) + bytes([21]) + b"\x00" * 10 + _SALT[8:] + b"\x00"
                + self.greet.encode("utf-8", "surrogateescape") + b"\x00")

    def _login(self, wire: _Wire) -> bool:
        wire.send(self._greeting(), seq=0)
        payload = wire.read()
        over_tls = False
        if self._context is not None and struct.unpack("<I", payload[:4])[0] & _SSL and len(payload) == 32:
            if self.handshake == "reset":
                wire.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            if self.handshake in ("close", "reset"):
                wire.sock.close()
                return False
            if self.handshake == "silent":
                self._stop.wait(30)
                return False
            wire.sock = self._context.wrap_socket(wire.sock, server_side=True)
            over_tls = True
            payload = wire.read()
        user_end = payload.index(b"\x00", 32)
        login = ReceivedLogin(payload[32:user_end].decode(), over_tls, _first_answer_plugin(payload, user_end),
                              packets=[payload])
        self.logins.append(login)
        if self.ask == "ok":
            wire.send(_OK)
        elif self.ask == "full_auth":
            self._full_auth(wire, login)
        else:
            self._switch(wire, login)
        return True

    def _receive(self, wire: _Wire, login: ReceivedLogin) -> bytes:
        answer = wire.read()
        login.packets.append(answer)
        return answer

    def _switch(self, wire: _Wire, login: ReceivedLogin) -> None:
        data = b"\x04Password: " if self.ask == "dialog" else _SALT + b"\x00"
        wire.send(b"\xfe" + self.ask.encode("utf-8", "surrogateescape") + b"\x00" + data)
        answer = self._receive(wire, login)
        if self.ask == "caching_sha2_password":
            self._full_auth(wire, login)
            return
        if self.ask == "sha256_password" and answer in _KEY_REQUESTS:
            self._hand_out_key(wire, login)
            return
        login.clear_text = answer.rstrip(b"\x00")
        wire.send(_OK)

    def _full_auth(self, wire: _Wire, login: ReceivedLogin) -> None:
        """caching_sha2_password after the fast-path scramble: the cache is cold, send the password."""
        wire.send(_MORE_DATA + _FULL_AUTH)
        answer = self._receive(wire, login)
        if answer in _KEY_REQUESTS:
            self._hand_out_key(wire, login)
            return
        login.clear_text = answer.rstrip(b"\x00")
        wire.send(_OK)

    def _hand_out_key(self, wire: _Wire, login: ReceivedLogin) -> None:
        """Send our own public key; decrypt what comes back (the password XOR the salt)."""
        pem = self._key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
        wire.send(_MORE_DATA + pem)
        encrypted = self._receive(wire, login)
        try:
            # MySQL's RSA exchange is OAEP with SHA-1, as PyMySQL's sha2_rsa_encrypt sends it
            oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(),  # noqa: S303
                                label=None)
            plain = self._key.decrypt(encrypted, oaep)
        except ValueError:
            plain = b""
        login.decrypted.append(_xor(plain, _SALT).rstrip(b"\x00"))
        wire.send(_OK)

    def _commands(self, wire: _Wire) -> None:
        while True:
            payload = wire.read()
            command, text = payload[:1], payload[1:]
            if command == b"\x01":  # COM_QUIT
                return
            if command == b"\x03":
                self.statements.append(text.decode("utf-8", "replace"))
                unknown = next((name for name in self.unknown_variables if name.encode() in text), None)
                if unknown is not None:
                    wire.send(_error(1193, f"Unknown system variable '{unknown}'"), seq=1)
                    continue
            if command == b"\x03" and text.lstrip().upper().startswith(b"SELECT"):
                self._one_row(wire)
            else:
                wire.send(_OK, seq=1)

    @staticmethod
    def _one_row(wire: _Wire) -> None:
        column = (_lenenc(b"def") + _lenenc(b"") + _lenenc(b"") + _lenenc(b"") + _lenenc(b"1") + _lenenc(b"")
                  + b"\x0c" + struct.pack("<HIBHB", 63, 1, 8, 0x81, 0) + b"\x00\x00")  # BIGINT NOT NULL
        eof = b"\xfe\x00\x00" + struct.pack("<H", _AUTOCOMMIT)
        for seq, payload in enumerate((b"\x01", column, eof, _lenenc(b"1"), eof), start=1):
            wire.send(payload, seq=seq)


def _error(number: int, message: str) -> bytes:
    return b"\xff" + struct.pack("<H", number) + b"#HY000" + message.encode()


def _first_answer_plugin(payload: bytes, user_end: int) -> str:
    """The plugin name at the end of a HandshakeResponse41 (user, auth data, [database], plugin)."""
    flags = struct.unpack("<I", payload[:4])[0]
    at = user_end + 1
    length = payload[at]
    at += 1 + length
    if flags & 0x8:  # CLIENT_CONNECT_WITH_DB
        at = payload.index(b"\x00", at) + 1
    end = payload.find(b"\x00", at)
    return payload[at:end].decode("utf-8", "replace") if end >= 0 else ""


class ClearTextLoginServer(FakeLoginServer):
    """Aurora's IAM login: greet with mysql_native_password, then switch to ``mysql_clear_password``."""

    def __init__(self, certificate: ServerCertificate | None, handshake: str = "ok") -> None:
        super().__init__(certificate, handshake)
