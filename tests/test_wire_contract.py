"""What connector/wire.py assumes of PyMySQL, pinned against the test server.

wire.py is written against one PyMySQL release (``wire.PYMYSQL_VERSION``) and uses its private names (listed
at its top). Each test here checks one assumption as wire.py uses it, so that a PyMySQL upgrade that breaks
one fails in this file, with the name in the test's title, before anything subtler fails elsewhere.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import ssl
import time
from collections.abc import Iterator
from typing import Any

import pymysql
import pymysql.cursors
import pytest
from pymysql.constants import CLIENT, CR

from connector import login_guard, wire
from connector.deadline import Deadline
from devkit.fake_mysql import FakeLoginServer
from devkit.mariadb import ServerAddress

# Rows 1..n as one unbuffered result, on MariaDB and MySQL alike.
_ROWS = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) SELECT n, REPEAT('x', n) FROM s"


_KEPT: list[pymysql.cursors.SSCursor] = []


def _tls(server: ServerAddress) -> dict[str, Any]:
    return {"ssl": {"ca": server.ca_file}} if server.ca_file else {}


@pytest.fixture
def conn(mysql_server: ServerAddress) -> Iterator[pymysql.connections.Connection]:
    conn = mysql_server.connect(**_tls(mysql_server))
    try:
        yield conn
    finally:
        wire.abandon_result(conn)
        if conn.open:
            conn.close()
        _KEPT.clear()


def _streaming(conn: pymysql.connections.Connection, sql: str) -> pymysql.cursors.SSCursor:
    """An unbuffered cursor, kept for the test (PyMySQL reads the rest of the result of one collected)."""
    cur = conn.cursor(pymysql.cursors.SSCursor)
    cur.execute(sql)
    _KEPT.append(cur)
    return cur


def _record(packet: bytes) -> str:
    return repr(wire.field_bytes(packet, "utf8mb4", 2))


def _not_text(packet: bytes) -> Exception:
    return AssertionError(packet)


def test_wire_was_written_against_the_installed_pymysql() -> None:
    """The release wire.py names is the one installed (and pinned): another one passes the tests below or not,
    and either way wire.py's list is re-read and PYMYSQL_VERSION updated by someone who has."""
    installed = importlib.metadata.version("pymysql")
    assert installed == wire.PYMYSQL_VERSION, f"re-read connector/wire.py's private names for PyMySQL {installed}"


def test_the_private_names_exist(conn: pymysql.connections.Connection) -> None:
    """Every name wire.py's list gives, on a connected connection and an unbuffered result."""
    for name in ("_read_packet", "_force_close"):
        assert callable(getattr(conn, name)), name
    for name in ("_rfile", "_sock", "_next_seq_id", "_current_timeout", "_read_timeout", "_write_timeout",
                 "_ssl_required", "_secure", "_result"):
        assert hasattr(conn, name), name
    assert callable(conn._rfile.peek) and callable(conn._rfile.read) and callable(conn._rfile.read1)
    assert not conn.client_flag & CLIENT.DEPRECATE_EOF  # the result's rows end with EOF, not OK
    _streaming(conn, _ROWS.format(n=3))
    result = conn._result
    assert result is not None and result.unbuffered_active is True
    assert callable(result._read_row_from_packet) and callable(result._check_packet_is_eof)
    assert len(result.fields) == 2 and len(result.converters) == 2
    assert result.connection is conn


def test_rows_lie_in_the_buffer_as_packets_and_reading_past_them_keeps_pymysql_in_step(
        conn: pymysql.connections.Connection) -> None:
    """After execute, the buffer starts at the first row packet (header: length, the sequence number PyMySQL
    expects next); taking packets from the buffer and advancing ``_next_seq_id`` leaves PyMySQL reading the
    next row where it should."""
    cur = _streaming(conn, _ROWS.format(n=5))
    data = bytes(conn._rfile.peek(wire.PEEK_BYTES))
    seq = conn._next_seq_id
    start = 0
    for n in (1, 2):
        length = int.from_bytes(data[start:start + 3], "little")
        assert data[start + 3] == seq
        packet = data[start + 4:start + 4 + length]
        assert wire.field_bytes(packet, conn.encoding, 2) == [str(n).encode(), b"x" * n]
        assert conn._result._read_row_from_packet(pymysql.protocol.MysqlPacket(packet, conn.encoding)) == \
            (n, "x" * n)
        start += 4 + length
        seq = (seq + 1) & 0xFF
    conn._rfile.read(start)
    conn._next_seq_id = seq
    assert cur.fetchall() == [(3, "xxx"), (4, "xxxx"), (5, "xxxxx")]
    conn.query("SELECT 1")  # nothing left over of the result


def test_the_result_ends_with_an_eof_packet_that_pymysql_records(conn: pymysql.connections.Connection) -> None:
    """The rows end with an EOF packet (0xFE, shorter than 9 bytes); ``_check_packet_is_eof`` says so, and the
    connection takes the next statement once the reader has recorded the end."""
    _streaming(conn, _ROWS.format(n=2))
    data = bytes(conn._rfile.peek(wire.PEEK_BYTES))
    start = 0
    for _ in range(2):
        start += 4 + int.from_bytes(data[start:start + 3], "little")
    length = int.from_bytes(data[start:start + 3], "little")
    assert data[start + 4] == 0xFE and length < 9
    packets = wire.RowPackets(conn, "contract.rows")
    got = [record for batch, _ in packets.batches(_record, _not_text, Deadline.after(20)) for record in batch]
    assert got == [repr([b"1", b"x"]), repr([b"2", b"xx"])]
    assert conn._result.unbuffered_active is False
    with conn.cursor() as cur:
        cur.execute("SELECT 7")
        assert cur.fetchall() == ((7,),)


@pytest.mark.needs_local_server("MariaDB's max_statement_time")
def test_an_error_mid_stream_is_raised_by_pymysql_and_ends_the_result(conn: pymysql.connections.Connection) -> None:
    """Rows, then an ERR packet (0xFF) in the same result: the rows before it are read, the error is PyMySQL's
    own exception with the server's number, and the connection stays usable."""
    sql = ("SET STATEMENT max_statement_time = 1 FOR WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
           "FROM s WHERE n < 100000) SELECT n, CONCAT(REPEAT('x', 200), SLEEP(0.001)) FROM s")
    _streaming(conn, sql)
    packets = wire.RowPackets(conn, "contract.rows")
    got: list[str] = []
    with pytest.raises(pymysql.err.MySQLError) as caught:
        for batch, _ in packets.batches(_record, _not_text, Deadline.after(20)):
            got += batch
    assert caught.value.args[0] == 1969  # MariaDB's max_statement_time, while rows were being sent
    assert 0 < len(got) < 100000
    assert conn._result.unbuffered_active is False
    conn.query("SELECT 1")


def test_the_read_timeout_is_what_the_socket_waits(conn: pymysql.connections.Connection) -> None:
    """``hold_to`` sets the socket's timeout and PyMySQL's record of it; ``bound_reads`` sets what PyMySQL sets
    the socket to before its next read, and a server silent longer than that fails the read as a lost
    connection (timed out), the connection closed."""
    _streaming(conn, "SELECT 1")
    packets = wire.RowPackets(conn, "contract.rows")
    packets.hold_to(Deadline.after(30))
    assert conn._sock.gettimeout() == pytest.approx(conn._current_timeout)
    assert conn._current_timeout == conn._read_timeout == conn._write_timeout
    assert 29 < conn._read_timeout <= 31
    list(packets.batches(lambda packet: repr(wire.field_bytes(packet, "utf8mb4", 1)), _not_text, Deadline.after(20)))
    wire.bound_reads(conn, Deadline.after(0.5))
    assert conn._read_timeout == conn._write_timeout and 1.0 < conn._read_timeout < 1.5  # the shortest lock wait
    began = time.monotonic()
    with pytest.raises(pymysql.err.OperationalError) as caught:
        conn.query("SELECT SLEEP(10)")
    assert time.monotonic() - began < conn._read_timeout + 1
    assert caught.value.args[0] == CR.CR_SERVER_LOST and "timed out" in str(caught.value)
    assert not conn.open


def test_a_stopped_result_is_not_read_again(conn: pymysql.connections.Connection) -> None:
    """``abandon_result`` then close: PyMySQL does not try to read the rest of the result (it would block)."""
    cur = _streaming(conn, _ROWS.format(n=50000))
    wire.abandon_result(conn)
    conn.close()
    cur.close()  # an unbuffered cursor closing reads the result's rest, unless it is marked inactive
    assert not conn.open


def test_force_close_leaves_the_connection_closed(conn: pymysql.connections.Connection) -> None:
    conn._force_close()
    assert not conn.open and conn._sock is None and conn._rfile is None


def test_tls_is_up_reads_the_socket_state(mysql_server: ServerAddress, conn: pymysql.connections.Connection) -> None:
    plain = mysql_server.connect(ssl_disabled=True)
    try:
        assert wire.tls_is_up(plain) is False
        assert wire.tls_is_up(conn) is isinstance(conn._sock, ssl.SSLSocket)
    finally:
        plain.close()


def test_prefer_tls_clears_what_pymysql_refuses_a_server_without_tls_by() -> None:
    """A context makes PyMySQL refuse a server without TLS through ``_ssl_required`` (read at login)."""
    unopened = pymysql.connections.Connection(host="127.0.0.1", ssl=ssl.create_default_context(), defer_connect=True)
    assert unopened._ssl_required is True and unopened._secure is False
    wire.prefer_tls(unopened)
    assert unopened._ssl_required is False
    assert "_ssl_required" in inspect.getsource(pymysql.connections.Connection._request_authentication)


def test_a_row_longer_than_the_buffer_is_read_whole(conn: pymysql.connections.Connection) -> None:
    """A row of more than PEEK_BYTES: not in the buffer at once; the reader still gives it whole, in step."""
    _streaming(conn, "SELECT 1, REPEAT('y', 300000) UNION ALL SELECT 2, 'z'")
    packets = wire.RowPackets(conn, "contract.rows")
    got = [record for batch, _ in packets.batches(_record, _not_text, Deadline.after(20)) for record in batch]
    assert got == [repr([b"1", b"y" * 300000]), repr([b"2", b"z"])]
    conn.query("SELECT 1")


# --- the login: what connector/login_guard.py assumes of PyMySQL's authentication loop -------------------------
# Tried on PyMySQL's GitHub main of 2026-08 (version 1.2.0 plus 12 commits, older than 1.2.4's socket-timeout
# change): there a caching_sha2_password greeting's full authentication goes to PyMySQL's own code, not to
# auth_plugin_map, and the password went to an unverified server. These tests make such a release fail here.


class _Recording:
    """An auth_plugin_map handler that records the packet it is handed and answers nothing."""

    seen: list[tuple[str, bytes]] = []

    def __init__(self, conn: pymysql.connections.Connection) -> None:
        self.conn = conn

    def authenticate(self, packet: Any) -> Any:
        _Recording.seen.append((type(self).__name__, packet.get_all_data()))
        raise pymysql.err.OperationalError(CR.CR_AUTH_PLUGIN_ERR, "recorded, not answered")


class _RecordingSha2(_Recording):
    pass


class _RecordingClear(_Recording):
    pass


def _login_to(server: FakeLoginServer, plugins: dict[bytes, type[_Recording]]) -> pymysql.err.OperationalError:
    _Recording.seen = []
    with pytest.raises(pymysql.err.OperationalError) as caught:
        pymysql.connect(host="127.0.0.1", port=server.port, user="app", password="contract-secret",
                        connect_timeout=5, ssl_disabled=True, auth_plugin_map=plugins)
    return caught.value


def test_the_greeting_plugins_follow_up_goes_to_the_auth_plugin_map() -> None:
    """caching_sha2_password's "perform full authentication" after the greeting's scramble reaches the map's
    handler for that plugin (login_guard refuses it there), never PyMySQL's own ``caching_sha2_password_auth``."""
    with FakeLoginServer(None, greet="caching_sha2_password", ask="full_auth") as server:
        _login_to(server, {b"caching_sha2_password": _RecordingSha2})
        (login,) = server.logins
    assert [name for name, _ in _Recording.seen] == ["_RecordingSha2"]
    assert _Recording.seen[0][1][:1] == b"\x01"  # the extra-auth-data packet, handed over unread
    assert not login.revealed("contract-secret") and login.decrypted == []


def test_a_plugin_switch_goes_to_the_auth_plugin_map() -> None:
    """An auth switch request reaches the map's handler for the new plugin (looked up by its bytes name)."""
    with FakeLoginServer(None, greet="mysql_native_password", ask="mysql_clear_password") as server:
        _login_to(server, {b"mysql_clear_password": _RecordingClear})
        (login,) = server.logins
    assert [name for name, _ in _Recording.seen] == ["_RecordingClear"]
    assert not login.revealed("contract-secret")


def test_the_greeting_plugin_is_read_before_the_first_answer() -> None:
    """``_get_server_information`` sets ``_auth_plugin_name`` from the greeting, and the first answer is built
    from it afterwards (login_guard rewrites it in between)."""
    seen: list[str] = []

    class Watching(pymysql.connections.Connection):
        def _get_server_information(self) -> None:
            super()._get_server_information()
            seen.append(self._auth_plugin_name)
            self._auth_plugin_name = "mysql_native_password"

    with FakeLoginServer(None, greet="sha256_password", ask="ok") as server:
        Watching(host="127.0.0.1", port=server.port, user="app", password="contract-secret", connect_timeout=5,
                 ssl_disabled=True).close()
        (login,) = server.logins
    assert seen == ["sha256_password"]
    assert login.greeting_plugin == "mysql_native_password"
    assert not login.revealed("contract-secret")


def test_pymysql_still_has_what_the_guard_uses() -> None:
    conn = pymysql.connections.Connection
    for name in ("_get_server_information", "_read_packet", "_request_authentication"):
        assert callable(getattr(conn, name, None)), name
    assert hasattr(conn, "_auth_plugin_name") and conn._auth_plugin_name == ""
    assert importlib.metadata.version("pymysql") == "1.2.4", "re-read wire.py's private names for it"
    guarded = login_guard.GuardedConnection(host="127.0.0.1", user="u", password=b"p", defer_connect=True,
                                            may_reveal=False)
    assert guarded._secure is False  # TLS is not up before connect()
    assert guarded._sock is None and guarded.tls_cipher() is None  # no socket before connect()
    plugins = guarded._auth_plugin_map  # PyMySQL keeps the map it was given and calls .get on it
    assert set(plugins) == {b"mysql_clear_password", b"dialog", b"sha256_password", b"caching_sha2_password",
                            b"mysql_old_password"}
    assert plugins.get(b"mysql_native_password") is None and plugins.get("client_ed25519") is None
    assert plugins.get(b"\xff\xfe") is not None and plugins.get("anything") is not None  # refused, by name


def test_every_command_goes_through_execute_command(conn: pymysql.connections.Connection,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """What tests/test_session_bound_attacks.py counts on: queries, USE, COMMIT, ping all pass ``_execute_command``."""
    seen: list[int] = []
    original = pymysql.connections.Connection._execute_command

    def spy(self: Any, command: int, sql: Any) -> Any:
        seen.append(command)
        return original(self, command, sql)

    monkeypatch.setattr(pymysql.connections.Connection, "_execute_command", spy)
    conn.query("SELECT 1")
    conn.select_db(conn.db.decode() if isinstance(conn.db, bytes) else conn.db or "mysql")
    conn.commit()
    conn.ping(reconnect=False)
    assert seen == [3, 2, 3, 14]


def test_read_timeout_reads_what_bound_reads_set(conn: pymysql.connections.Connection) -> None:
    deadline = Deadline.after(7.0)
    wire.bound_reads(conn, deadline)
    assert wire.read_timeout(conn) == pytest.approx(deadline.socket_timeout(), abs=0.5)
    wire.bound_reads(conn, Deadline.after(30.0))
    assert (wire.read_timeout(conn) or 0) > 29.0
