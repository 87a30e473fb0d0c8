"""A throwaway MariaDB/MySQL server for tests, the demo and the benchmarks.

Not part of the Lambda artifact. It starts ``mariadbd`` (or ``mysqld``) on its
own data directory and TCP port on 127.0.0.1, waits until it answers a real
login, and removes everything on stop. It offers TLS with certificates from a
throwaway CA (``devkit.tls``) so that clients use the connector's default, verified mode.
``MYSQL_TEST_URL`` points at an existing server instead (MySQL 8, Aurora), e.g.
``mysql://root:pw@127.0.0.1:3306`` (add ``?ssl-ca=/path/ca.pem`` when its CA is not a public or
RDS one: the connector verifies certificates by default).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pymysql

from devkit.tls import ServerCertificate, TestCA, make_test_ca

__all__ = ["MISSING_SERVER_ADVICE", "MySQLServer", "ServerAddress", "find_server_binary", "free_port"]

MISSING_SERVER_ADVICE = (
    "No MariaDB/MySQL server binary (mariadbd or mysqld) was found on PATH or in /usr/sbin. "
    "Install one, e.g. on Debian/Ubuntu: sudo apt-get install -y mariadb-server "
    "(the service does not need to run: the tests start their own throwaway server), "
    "or set MYSQL_TEST_URL=mysql://user:password@host:port to use an existing MySQL 8 / Aurora."
)


def find_server_binary() -> str | None:
    """Return the path of mariadbd/mysqld, looking in /usr/sbin too (not on a user's PATH)."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    for name in ("mariadbd", "mysqld"):
        found = shutil.which(name, path=search)
        if found:
            return found
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ServerAddress:
    """Where an administrative login reaches the server."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    ca_file: str | None = None  # the CA that signed the server's certificate, when not a public or RDS one

    def tls_settings(self) -> dict[str, str]:
        """Connector runtime settings under which the default (verifying) TLS mode trusts this server."""
        return {"tlsCaBundle": self.ca_file} if self.ca_file else {}

    def connect(self, database: str | None = None, **kwargs: object) -> pymysql.Connection:
        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=database,
            charset="utf8mb4",
            autocommit=True,
            **kwargs,  # type: ignore[arg-type]
        )

    @classmethod
    def from_url(cls, url: str) -> ServerAddress:
        parsed = urlparse(url)
        query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return cls(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 3306,
            user=unquote(parsed.username or "root"),
            password=unquote(parsed.password or ""),
            ca_file=query.get("ssl-ca"),
        )


class MySQLServer:
    """Start and stop a private server; use as a context manager."""

    def __init__(self, workdir: Path | None = None, buffer_pool: str = "256M", *, use_url: bool = True) -> None:
        """``use_url=False`` starts a private server even when ``MYSQL_TEST_URL`` is set (tests that
        must change server-wide settings, such as the certificate it presents)."""
        self._own_dir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="appflow-mysql-"))
        self.buffer_pool = buffer_pool
        self.use_url = use_url
        self.address: ServerAddress | None = None
        self.ca: TestCA | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerAddress:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> ServerAddress:
        url = os.environ.get("MYSQL_TEST_URL") if self.use_url else None
        if url:
            self.address = ServerAddress.from_url(url)
            return self.address
        binary = find_server_binary()
        if binary is None:
            raise RuntimeError(MISSING_SERVER_ADVICE)
        datadir = self.workdir / "data"
        datadir.mkdir(parents=True, exist_ok=True)
        tmpdir = self.workdir / "tmp"  # its own: temporary tables in a shared /tmp can be swept by other programs
        tmpdir.mkdir(exist_ok=True)
        as_root = ["--user=root"] if os.geteuid() == 0 else []
        install = shutil.which("mariadb-install-db", path="/usr/bin:/usr/local/bin:" + os.environ["PATH"])
        if install:
            subprocess.run(
                [install, "--no-defaults", f"--datadir={datadir}", "--auth-root-authentication-method=socket",
                 "--skip-test-db", *as_root],
                check=True, capture_output=True,
            )
        else:  # MySQL 8's own initialiser
            subprocess.run([binary, "--no-defaults", "--initialize-insecure", f"--datadir={datadir}", *as_root],
                           check=True, capture_output=True)
        port = free_port()
        sock = self.workdir / "mysqld.sock"
        self.ca = make_test_ca(self.workdir / "tls")
        self._present_files(self.ca.local)
        self._process = subprocess.Popen(
            [binary, "--no-defaults", f"--datadir={datadir}", f"--socket={sock}", f"--port={port}",
             "--bind-address=127.0.0.1", f"--pid-file={self.workdir / 'mysqld.pid'}",
             f"--log-error={self.workdir / 'error.log'}", f"--innodb-buffer-pool-size={self.buffer_pool}",
             f"--tmpdir={tmpdir}",
             "--skip-name-resolve", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
             "--max-connections=500",
             # a login may wait for its greeting as long as a resuming Aurora Serverless cluster makes it
             "--connect-timeout=60", f"--ssl-ca={self.ca.ca_file}", f"--ssl-cert={self._active_cert}",
             f"--ssl-key={self._active_key}", *as_root],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        admin = self._wait_for_socket(sock, timeout)
        # A TCP admin login with a password, like every client the connector has.
        password = "admin-" + os.urandom(6).hex()
        with admin.cursor() as cur:
            if install:  # anonymous accounts would shadow password logins over TCP
                cur.execute("DELETE FROM mysql.global_priv WHERE User=''")
            cur.execute("CREATE USER 'admin'@'%%' IDENTIFIED BY %s", (password,))
            cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION")
            cur.execute("FLUSH PRIVILEGES")
        admin.close()
        self.address = ServerAddress("127.0.0.1", port, "admin", password, ca_file=str(self.ca.ca_file))
        return self.address

    @property
    def _active_cert(self) -> Path:
        return self.workdir / "tls" / "active.pem"

    @property
    def _active_key(self) -> Path:
        return self.workdir / "tls" / "active-key.pem"

    def _present_files(self, certificate: ServerCertificate) -> None:
        self._active_cert.write_bytes(certificate.cert.read_bytes())
        self._active_key.write_bytes(certificate.key.read_bytes())
        self._active_key.chmod(0o600)

    def present(self, certificate: ServerCertificate) -> None:
        """Make a running private server present ``certificate`` to new connections (``FLUSH SSL``)."""
        assert self.address is not None and self._process is not None, "only a server this object started"
        self._present_files(certificate)
        with self.address.connect() as admin, admin.cursor() as cur:
            cur.execute("FLUSH SSL")

    def _wait_for_socket(self, sock: Path, timeout: float) -> pymysql.Connection:
        """Poll until the server accepts a root login over its socket (readiness, not a sleep)."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                log = (self.workdir / "error.log").read_text(errors="replace")[-3000:]
                msg = f"mariadbd exited with code {self._process.returncode}:\n{log}"
                raise RuntimeError(msg)
            try:
                return pymysql.connect(unix_socket=str(sock), user="root", autocommit=True)
            except pymysql.err.OperationalError as exc:
                last = exc
                time.sleep(0.05)
        msg = f"server did not accept logins within {timeout}s: {last}"
        raise RuntimeError(msg)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)
