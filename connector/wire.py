"""PyMySQL's internals and the MySQL packet format, behind one small adapter.

Written against PyMySQL 1.2.4 (pinned in pyproject.toml). This is the only module that uses PyMySQL's
private names or reads MySQL packets itself; tests/test_wire_contract.py pins every assumption below against
a real server, so that a PyMySQL upgrade that breaks one fails there. The private names:

``Connection._result``
    the result being read (its column definitions read, its rows not), and its attributes
    ``unbuffered_active``, ``connection``, ``rows``, ``fields``, ``converters`` (public names on a private
    object), ``_read_row_from_packet`` (a row packet to PyMySQL's values) and ``_check_packet_is_eof``
    (the end of the result: records it, and any warnings, on the result).
``Connection._rfile``
    the socket's buffered reader (``peek``, ``read``, ``read1``): rows are parsed where they lie in it.
``Connection._next_seq_id``
    the sequence number the next packet must carry (PyMySQL checks it; the row reader keeps it in step).
``Connection._read_packet``
    the next packet, read and checked by PyMySQL (errors raised, the result's end recorded).
``Connection._force_close``
    close the socket after a broken read, as PyMySQL does.
``Connection._sock``, ``Connection._current_timeout``
    the socket, and the timeout PyMySQL last set on it (it sets it again only when ``_read_timeout`` differs).
``Connection._read_timeout``, ``Connection._write_timeout``
    what PyMySQL sets the socket's timeout to before each read and write (no public setter or getter).
``Connection._execute_command``
    not used here: tests/test_session_bound_attacks.py wraps it to count the commands a warm page sends (every
    command goes through it); tests/test_wire_contract.py pins that.
``Connection._ssl_required``
    whether a server without TLS is refused (PyMySQL sets it from ``ssl``; PREFERRED clears it).
``Connection._secure``
    TLS is up on the socket.
``Connection._get_server_information``, ``Connection._auth_plugin_name``
    reads the greeting; the plugin it named, which PyMySQL's first answer uses (``GreetingHook`` may change it
    in between: connector/login_guard.py answers a revealing plugin's greeting with a scramble).
``pymysql._auth.scramble_caching_sha2``
    caching_sha2_password's fast-path proof (login_guard answers that plugin itself).
PyMySQL's authentication loop hands a greeting's follow-up packets and every plugin switch to the handler
``auth_plugin_map`` gives for the plugin (login_guard's handlers decide there what may be sent).

The packet format read here (MySQL's client/server protocol, text resultset): a 4-byte header (3-byte
little-endian payload length, 1-byte sequence number); a payload of 0xFFFFFF bytes continues in the next
packet; an ERR packet starts with 0xFF, an EOF packet with 0xFE and is shorter than 9 bytes (PyMySQL does
not ask for CLIENT_DEPRECATE_EOF, so a result's rows end with EOF, not OK); a row is its fields as
length-encoded strings (0xFB is NULL; 0xFC, 0xFD, 0xFE: the length in the next 2, 3 or 8 bytes).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from typing import Any

import pymysql
from pymysql._auth import scramble_caching_sha2
from pymysql.constants import CLIENT, CR
from pymysql.protocol import MysqlPacket

from connector.deadline import Deadline
from connector.errors import RETRY_AFTER_SECONDS, RequestTimeoutError

__all__ = ["PYMYSQL_VERSION", "GreetingHook", "RowPackets", "SlowRowError", "abandon_result", "bound_reads",
           "field_bytes", "long_field", "next_packet", "prefer_tls", "read_timeout", "scramble_caching_sha2",
           "tls_cipher", "tls_is_up"]

PYMYSQL_VERSION = "1.2.4"

# Bytes asked of the socket's buffer per look (it holds what one read brought, 8 KiB by default), and the most
# read at once of a row longer than that.
PEEK_BYTES = 1 << 16
_MAX_PACKET = 0xFFFFFF  # a payload this long continues in the next packet
_EOF = 0xFE
_ERROR = 0xFF
# The shortest wait for a piece of a long row: a socket timeout of 0 would make the socket non-blocking.
_SHORTEST_PIECE_WAIT = 0.05

def long_field(data: bytes, p: int, first: int) -> tuple[bytes, int]:
    """A field of 251 bytes or more (its length in the next 2, 3 or 8 bytes), and the position after it."""
    width = 2 if first == 0xFC else 3 if first == 0xFD else 8
    n = int.from_bytes(data[p:p + width], "little")
    p += width
    return data[p:p + n], p + n


def field_bytes(packet: bytes, encoding: str, count: int) -> list[bytes | None]:
    """The first ``count`` fields of a row packet as their bytes (None for NULL)."""
    fields = MysqlPacket(packet, encoding)
    return [fields.read_length_coded_string() for _ in range(count)]


class SlowRowError(RequestTimeoutError):
    """A row too long to arrive before the call's time ran out (``received`` bytes of it had)."""

    def __init__(self, entity: str, received: int) -> None:
        self.received = received
        msg = (f"The network between the connector and MySQL is too slow for a row of {entity}: "
               f"{received / 1e6:.1f} MB of it had arrived when the call's time ran out. Leave its widest fields "
               "out with selectedFieldNames, or run the connector nearer the database.")
        super().__init__(msg, retry_after_seconds=RETRY_AFTER_SECONDS)


# --- the connection -------------------------------------------------------------------------


def bound_reads(conn: pymysql.connections.Connection, deadline: Deadline) -> None:
    """Hold the socket's reads and writes to the call's deadline (PyMySQL reads these before each exchange)."""
    conn._read_timeout = conn._write_timeout = deadline.socket_timeout()


def read_timeout(conn: pymysql.connections.Connection) -> float | None:
    """What the connection's next socket read may wait (set by ``bound_reads``; None: no limit)."""
    return conn._read_timeout  # type: ignore[no-any-return]


def prefer_tls(conn: pymysql.connections.Connection) -> None:
    """PyMySQL's own PREFERRED on an unconnected connection made with an SSL context: TLS when the server offers
    it, clear text when it does not (the context is kept: PyMySQL would make one anew, ~30 ms)."""
    conn._ssl_required = False


def tls_is_up(conn: pymysql.connections.Connection) -> bool:
    """Whether TLS is up on the connection's socket (no public flag)."""
    return bool(conn._secure)


def tls_cipher(conn: pymysql.connections.Connection) -> str | None:
    """The cipher of the connection's own TLS (None without TLS)."""
    sock = conn._sock
    cipher = sock.cipher() if isinstance(sock, ssl.SSLSocket) else None
    return cipher[0] if cipher else None


class GreetingHook(pymysql.connections.Connection):
    """A connection that may change which plugin its first answer uses, after the greeting named one."""

    def first_answer_plugin(self, greeted: str) -> str:
        """The plugin to answer the greeting with (``greeted``: the one it named); the greeting's by default."""
        return greeted

    def _get_server_information(self) -> None:
        super()._get_server_information()
        greeted: str = self._auth_plugin_name  # type: ignore[has-type]  # PyMySQL sets it, untyped
        self._auth_plugin_name = self.first_answer_plugin(greeted)


def next_packet(conn: pymysql.connections.Connection) -> Any:
    """The next packet of the exchange under way (the login's next step), as PyMySQL's own loop reads it."""
    return conn._read_packet()


def abandon_result(conn: pymysql.connections.Connection) -> None:
    """Tell PyMySQL not to read the rest of the result being read (it would, when the result is collected)."""
    result = conn._result
    if result is not None:
        result.unbuffered_active = False


def _lost(conn: pymysql.connections.Connection, exc: BaseException | None = None) -> pymysql.err.OperationalError:
    """The connection closed, and the error PyMySQL itself raises for a read that lost the server."""
    conn._force_close()
    detail = f" ({exc})" if exc is not None else ""
    return pymysql.err.OperationalError(CR.CR_SERVER_LOST, f"Lost connection to MySQL server during query{detail}")


# --- rows -----------------------------------------------------------------------------------


class RowPackets:
    """The row packets of the unbuffered result ``conn`` is reading, from the socket's buffer where they lie.

    PyMySQL still sends the statement, reads the column definitions, and reads every packet that is not a
    complete row in the buffer (errors, the end of the result), with its own error handling; a row longer
    than the buffer is read here in pieces, the call's deadline checked between them.
    """

    def __init__(self, conn: pymysql.connections.Connection, entity: str) -> None:
        result = conn._result
        if result is None or not result.unbuffered_active:
            msg = "RowPackets needs an unbuffered result whose rows are still unread"
            raise RuntimeError(msg)
        if conn.client_flag & CLIENT.DEPRECATE_EOF:  # rows would end with an OK packet, not EOF
            msg = "RowPackets reads results that end with an EOF packet (PyMySQL without CLIENT_DEPRECATE_EOF)"
            raise RuntimeError(msg)
        self._conn, self._result, self._entity = conn, result, entity
        self.fields: list[Any] = list(result.fields)
        self.converters: list[tuple[str | None, Any]] = list(result.converters)

    def batches(self, row: Callable[[bytes], str], not_text: Callable[[bytes], Exception],
                deadline: Deadline) -> Iterator[tuple[list[str], list[bytes]]]:
        """``row`` of each row packet, and the packets, a buffer's worth at a time, to the end of the result.

        ``not_text(packet)`` is raised for a row whose ``row`` raises UnicodeDecodeError. Every socket read is
        held to the time ``deadline`` leaves; a caller that stops early must close the connection (the rest of
        the result is still on its way).
        """
        conn, result = self._conn, self._result
        rfile = conn._rfile
        seq = conn._next_seq_id
        while result.unbuffered_active:
            self.hold_to(deadline)
            data = self._peek()
            records: list[str] = []
            packets: list[bytes] = []
            start, size = 0, len(data)
            while start + 4 <= size:
                length = data[start] | data[start + 1] << 8 | data[start + 2] << 16
                end = start + 4 + length
                if end > size or length in (0, _MAX_PACKET) or data[start + 3] != seq or \
                        data[start + 4] == _ERROR or (data[start + 4] == _EOF and length < 9):
                    break  # read below: the end of the result, an error, a row longer than the buffer
                packet = data[start + 4:end]
                try:
                    records.append(row(packet))
                except UnicodeDecodeError:
                    raise not_text(packet) from None
                packets.append(packet)
                seq = (seq + 1) & 0xFF
                start = end
            if start:
                rfile.read(start)  # from the buffer: no socket read
                conn._next_seq_id = seq
            else:
                # a row longer than the look-ahead: in pieces, against the deadline (a row split across reads,
                # the common case, is PyMySQL's to read, as every other packet)
                length = data[0] | data[1] << 8 | data[2] << 16 if size > 4 else 0
                if length > PEEK_BYTES and data[3] == seq and data[4] != _ERROR:
                    read: bytes | None = self._long_row(deadline)
                else:
                    read = self._read_packet()
                if read is not None:
                    try:
                        records.append(row(read))
                    except UnicodeDecodeError:
                        raise not_text(read) from None
                    packets.append(read)
                seq = conn._next_seq_id
            if records:
                yield records, packets

    def values(self, packet: bytes) -> tuple[Any, ...]:
        """A row's fields as PyMySQL decodes them (before the columns' fix-ups)."""
        return tuple(self._result._read_row_from_packet(MysqlPacket(packet, self._conn.encoding)))

    def hold_to(self, deadline: Deadline) -> None:
        """The socket's read timeout set to the time left (PyMySQL's own reads take it from the same fields)."""
        self._set_timeout(deadline.socket_timeout())

    def _set_timeout(self, timeout: float) -> None:
        conn = self._conn
        conn._read_timeout = conn._write_timeout = timeout
        conn._sock.settimeout(timeout)
        conn._current_timeout = timeout

    def _read_packet(self) -> bytes | None:
        """The next packet, read by PyMySQL (errors raised, the end of the result recorded): a row's, or None."""
        packet = self._conn._read_packet()
        if self._result._check_packet_is_eof(packet):
            self._result.unbuffered_active = False
            self._result.connection = self._result.rows = None
            return None
        return bytes(packet.get_all_data())

    def _peek(self) -> bytes:
        """What the socket's buffer holds (one socket read when it is empty), lost connections as PyMySQL's."""
        conn = self._conn
        try:
            data = conn._rfile.peek(PEEK_BYTES)
        except OSError as exc:
            raise _lost(conn, exc) from exc
        except BaseException:
            conn._force_close()
            raise
        if not data:
            raise _lost(conn)
        return bytes(data)

    def _long_row(self, deadline: Deadline) -> bytes:
        """A row longer than the buffer (its first packet's header checked), read in pieces of at most
        PEEK_BYTES with the deadline checked between them: a socket timeout applies to one receive, and a row
        trickling in over a slow network would otherwise take as long as it takes.

        Raises SlowRowError (the connection closed) when the time runs out before the row is in.
        """
        conn = self._conn
        parts: list[bytes] = []
        received = 0
        while True:
            header = self._pieces(4, deadline, received)
            length = header[0] | header[1] << 8 | header[2] << 16
            if header[3] != conn._next_seq_id:  # only a continuation can be out of step: the first was checked
                conn._force_close()
                msg = f"Packet sequence number wrong - got {header[3]} expected {conn._next_seq_id}"
                raise pymysql.err.InternalError(msg)
            conn._next_seq_id = (conn._next_seq_id + 1) & 0xFF
            parts.append(self._pieces(length, deadline, received))
            received += length
            if length < _MAX_PACKET:
                break
        self.hold_to(deadline)
        return b"".join(parts)

    def _pieces(self, n: int, deadline: Deadline, received: int) -> bytes:
        """``n`` bytes, read in pieces with the deadline checked before each (``received``: of the row so far)."""
        conn = self._conn
        rfile = conn._rfile
        parts: list[bytes] = []
        got = 0
        while got < n:
            left = deadline.left()
            if left <= 0:
                conn._force_close()
                raise SlowRowError(self._entity, received + got)
            self._set_timeout(max(_SHORTEST_PIECE_WAIT, left))
            try:
                piece = rfile.read1(min(n - got, PEEK_BYTES))
            except TimeoutError:
                conn._force_close()
                raise SlowRowError(self._entity, received + got) from None
            except OSError as exc:
                raise _lost(conn, exc) from exc
            except BaseException:
                conn._force_close()
                raise
            if not piece:
                raise _lost(conn)
            parts.append(piece)
            got += len(piece)
        return b"".join(parts)
