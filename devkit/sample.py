"""A local stand-in for the user's AWS set-up: MariaDB with a sample schema, and the profile secret.

Used by ``make demo`` and ``make invoke``; not shipped.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from appflow_mysql.local_secrets import local_secrets_manager, put_secret
from devkit.mariadb import MySQLServer

__all__ = ["LocalProfile", "local_profile"]

DATABASE = "appdb"
ACCOUNT = "123456789012"

_SCHEMA = [
    f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4",
    f"""CREATE TABLE {DATABASE}.customers (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(100) NOT NULL COMMENT 'Display name',
        email VARCHAR(200) UNIQUE,
        vip TINYINT(1) NOT NULL DEFAULT 0,
        created_at DATETIME(3) NOT NULL
    ) COMMENT 'People who order'""",
    f"""CREATE TABLE {DATABASE}.orders (
        id BIGINT PRIMARY KEY,
        customer_id INT UNSIGNED NOT NULL,
        total DECIMAL(12,2) NOT NULL,
        status ENUM('new','paid','shipped') NOT NULL,
        note TEXT,
        updated_at DATETIME NOT NULL,
        KEY (updated_at),
        FOREIGN KEY (customer_id) REFERENCES {DATABASE}.customers(id)
    )""",
    # The destination of the demo's write step (flow --to-table appdb.orders_copy): same columns, no rows.
    f"CREATE TABLE {DATABASE}.orders_copy LIKE {DATABASE}.orders",
    f"CREATE VIEW {DATABASE}.paid_orders AS SELECT id, total FROM {DATABASE}.orders WHERE status = 'paid'",
]


def _seed_rows() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    names = ["Aiko", "Björn", "Chloé", "Dmitri", "Eun-ji", "Farah", "Gustavo", "Hana"]
    customers: list[tuple[object, ...]]
    orders: list[tuple[object, ...]]
    customers = [(i + 1, name, f"{name.lower()}@example.com", int(i % 3 == 0), f"2024-01-0{i % 9 + 1} 09:00:00.250")
                 for i, name in enumerate(names)]
    orders = [(n, n % 8 + 1, f"{(n * 37) % 500 + 0.99:.2f}", ("new", "paid", "shipped")[n % 3],
               "gift 🎁" if n % 10 == 0 else None, f"2024-01-{n % 28 + 1:02d} {n % 24:02d}:15:00")
              for n in range(1, 121)]
    return customers, orders


@dataclass(frozen=True)
class LocalProfile:
    """What AppFlow would hand the connector for a profile on the local set-up."""

    host: str
    port: int
    database: str
    username: str
    password: str = field(repr=False)
    secret_arn: str = ""
    ca_file: str | None = None  # the throwaway CA that signed the server's certificate
    server_dir: str | None = None  # the private server's folder (data, socket, certificates), removed at the end

    @property
    def tls_settings(self) -> dict[str, str]:
        """The default tlsMode (VERIFY_IDENTITY), trusting the demo server's throwaway CA."""
        return {"tlsCaBundle": self.ca_file} if self.ca_file else {}

    @property
    def settings(self) -> dict[str, str]:
        return {"host": self.host, "port": str(self.port), "database": self.database, **self.tls_settings}


@contextmanager
def local_profile(*, use_url: bool = True) -> Iterator[LocalProfile]:
    """Start MariaDB and moto, seed the schema, store the profile secret; undo it all on exit.

    The server is stopped (and its folder removed) even when start-up itself is interrupted.
    ``use_url=False`` starts a private server even when ``MYSQL_TEST_URL`` names an existing one.
    """
    with ExitStack() as stack:
        private = MySQLServer(use_url=use_url)
        stack.callback(private.stop)
        server = private.start()
        admin = server.connect()
        stack.callback(admin.close)
        customers, orders = _seed_rows()
        password = "demo-" + secrets.token_urlsafe(12)
        with admin.cursor() as cur:
            for statement in _SCHEMA:
                cur.execute(statement)
            cur.executemany(f"INSERT INTO {DATABASE}.customers VALUES (%s, %s, %s, %s, %s)", customers)
            cur.executemany(f"INSERT INTO {DATABASE}.orders VALUES (%s, %s, %s, %s, %s, %s)", orders)
            cur.execute("CREATE USER 'appflow'@'%%' IDENTIFIED BY %s", (password,))
            cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {DATABASE}.* TO 'appflow'@'%'")
        endpoint = stack.enter_context(local_secrets_manager())
        profile = LocalProfile(server.host, server.port, DATABASE, "appflow", password, ca_file=server.ca_file)
        arn = put_secret(endpoint, f"appflow!{ACCOUNT}-mysql-connector-local-profile", {
            "customAuthenticationType": "MySQL", "host": profile.host, "port": str(profile.port),
            "database": DATABASE, "username": profile.username, "password": password})
        yield LocalProfile(profile.host, profile.port, DATABASE, profile.username, password, arn, server.ca_file,
                           str(private.workdir) if private.ca is not None else None)  # None: MYSQL_TEST_URL's
