"""A minimal MySQL server on loopback that asks for the password in clear text, as Aurora's IAM login does.

Not part of the Lambda artifact. No local MySQL can check an IAM token, but what the client
does with one can be checked: the server greets (offering TLS or not), upgrades to TLS with
a certificate of the test CA, switches the login to ``mysql_clear_password`` and records what
arrives and whether it arrived inside TLS. After the login it answers every statement with
OK, and every SELECT with one row holding ``1``: enough for ValidateCredentials.

Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType

from devkit.tls import ServerCertificate

__all__ = ["ClearTextLoginServer", "ReceivedLogin"]

_CAPABILITIES = (0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000)  # 4.1, plugin auth
_SSL = 0x800
_AUTOCOMMIT = 0x0002


@dataclass
class ReceivedLogin:
    """One login as the server saw it."""

    user: str
    over_tls: bool
    clear_text: bytes | None = field(default=None, repr=False)  # what the client sent for mysql_clear_password


def _packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


def _lenenc(text: bytes) -> bytes:
    return bytes([len(text)]) + text


class _Wire:
    """Packets over a socket that may be upgraded to TLS."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock: socket.socket = sock

    def read(self) -> tuple[int, bytes]:
        header = self._exactly(4)
        length = int.from_bytes(header[:3], "little")
        return header[3], self._exactly(length)

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                msg = "client closed"
                raise ConnectionError(msg)
            data += chunk
        return data

    def send(self, seq: int, payload: bytes) -> None:
        self.sock.sendall(_packet(seq, payload))


class ClearTextLoginServer:
    """Serve logins on 127.0.0.1 until closed; ``logins`` lists what each client sent."""

    def __init__(self, certificate: ServerCertificate | None, handshake: str = "ok") -> None:
        """``certificate``: offer TLS with it; None: a server without TLS. ``handshake``: what the server does
        when the client asks for TLS: ``ok``, or ``close``, ``reset`` (RST) or ``silent`` (a broken TLS set-up,
        a load balancer that does not pass TLS)."""
        self.handshake = handshake
        self.logins: list[ReceivedLogin] = []
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

    def __enter__(self) -> ClearTextLoginServer:
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
        salt = b"abcdefgh" + b"ijklmnopqrst"
        return (b"\x0a" + b"8.0.28-fake-aurora\x00" + struct.pack("<I", 7) + salt[:8] + b"\x00"
                + struct.pack("<H", capabilities & 0xFFFF) + b"\x21" + struct.pack("<H", _AUTOCOMMIT)
                + struct.pack("<H", capabilities >> 16) + bytes([21]) + b"\x00" * 10 + salt[8:] + b"\x00"
                + b"mysql_native_password\x00")

    def _login(self, wire: _Wire) -> bool:
        wire.send(0, self._greeting())
        seq, payload = wire.read()
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
            seq, payload = wire.read()
        user = payload[32:payload.index(b"\x00", 32)].decode()
        login = ReceivedLogin(user, over_tls)
        self.logins.append(login)
        # Aurora's users IDENTIFIED WITH AWSAuthenticationPlugin switch the login to clear text.
        wire.send(seq + 1, b"\xfe" + b"mysql_clear_password\x00")
        seq, payload = wire.read()
        login.clear_text = payload.rstrip(b"\x00")
        wire.send(seq + 1, b"\x00\x00\x00" + struct.pack("<HH", _AUTOCOMMIT, 0))
        return True

    def _commands(self, wire: _Wire) -> None:
        while True:
            _, payload = wire.read()
            command, text = payload[:1], payload[1:]
            if command == b"\x01":  # COM_QUIT
                return
            if command == b"\x03" and text.lstrip().upper().startswith(b"SELECT"):
                self._one_row(wire)
            else:
                wire.send(1, b"\x00\x00\x00" + struct.pack("<HH", _AUTOCOMMIT, 0))

    @staticmethod
    def _one_row(wire: _Wire) -> None:
        column = (_lenenc(b"def") + _lenenc(b"") + _lenenc(b"") + _lenenc(b"") + _lenenc(b"1") + _lenenc(b"")
                  + b"\x0c" + struct.pack("<HIBHB", 63, 1, 8, 0x81, 0) + b"\x00\x00")  # BIGINT NOT NULL
        eof = b"\xfe\x00\x00" + struct.pack("<H", _AUTOCOMMIT)
        for seq, payload in enumerate((b"\x01", column, eof, _lenenc(b"1"), eof), start=1):
            wire.send(seq, payload)
