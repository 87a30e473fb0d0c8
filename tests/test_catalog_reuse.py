"""A warm connection reuses a table's description while its definition (SHOW CREATE TABLE) is the same text.

Every ALTER must be seen by the next call: the ones that change what a page reads or how it is
ordered (a composite key's column order, a collation, a type, a column added, an index) are each
made between two calls here. Rows written in between (the AUTO_INCREMENT counter moves) must not
cost a fresh read; views are always read anew.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from connector import catalog
from connector.catalog import load_entity
from connector.read_codecs import decoders
from devkit.mariadb import ServerAddress
from tests.conftest import Caller, identifier, profile_caller, scratch_database, sql


@pytest.fixture(scope="module")
def reuse_db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    with scratch_database(mysql_server, "reuse", "SELECT", "ru") as db:
        yield db


@pytest.fixture
def conn(mysql_server: ServerAddress, reuse_db: dict[str, Any]) -> Iterator[pymysql.Connection]:
    """The profile's own login (SELECT on its database only), as the connector connects."""
    tls = {"ssl": {"ca": mysql_server.ca_file}} if mysql_server.ca_file else {}
    connection = pymysql.connect(host=reuse_db["host"], port=reuse_db["port"], user=reuse_db["username"],
                                 password=reuse_db["password"], database=reuse_db["database"], charset="utf8mb4",
                                 conv=decoders("UTC"), autocommit=True, **tls)
    yield connection
    connection.close()


def _shape(entity: catalog.Entity) -> tuple[Any, ...]:
    return (tuple(c.meaning for c in entity.columns), tuple(c.name for c in entity.key),
            tuple(tuple(c.name for c in k) for k in entity.unique_keys), entity.comment, entity.transactional)


_ALTERS = [
    ("ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (b, a)", lambda e: [c.name for c in e.key] == ["b", "a"]),
    ("ALTER TABLE t MODIFY s VARCHAR(20) COLLATE utf8mb4_bin NOT NULL",
     lambda e: e.column("s").collation == "utf8mb4_bin"),
    ("ALTER TABLE t MODIFY n BIGINT", lambda e: e.column("n").data_type == "bigint"),
    ("ALTER TABLE t ADD COLUMN extra INT", lambda e: e.columns[-1].name == "extra"),
    ("ALTER TABLE t ADD UNIQUE KEY u (s)", lambda e: ("s",) in [tuple(c.name for c in k) for k in e.unique_keys]),
    ("ALTER TABLE t MODIFY n BIGINT AFTER a", lambda e: [c.name for c in e.columns][:2] == ["a", "n"]),
    ("ALTER TABLE t COMMENT 'now commented'", lambda e: e.comment == "now commented"),
    ("ALTER TABLE t ENGINE = MyISAM", lambda e: not e.transactional),
    ("ALTER TABLE t RENAME COLUMN extra TO extra2", lambda e: e.columns[-1].name == "extra2"),
]


def test_every_alter_is_seen_by_the_next_call_and_rows_are_not(conn: pymysql.Connection,
                                                                reuse_db: dict[str, Any]) -> None:
    sql(reuse_db, "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, s VARCHAR(20) NOT NULL, n INT, "
                  "id INT AUTO_INCREMENT UNIQUE, PRIMARY KEY (a, b))")
    schema = reuse_db["database"]
    first = load_entity(conn, schema, "t")
    sql(reuse_db, "INSERT INTO t (a, b, s) VALUES (1, 2, 'x'), (2, 1, 'y')")  # AUTO_INCREMENT moves
    assert load_entity(conn, schema, "t") is first  # the same definition: no catalog query
    assert load_entity(conn, schema, "t", tinyint1_as_boolean=False) is not first  # another setting, its own
    previous = first
    for statement, seen in _ALTERS:
        sql(reuse_db, statement)
        entity = load_entity(conn, schema, "t")
        assert entity is not previous and seen(entity), statement
        assert _shape(entity) == _shape(catalog._read_entity(conn, schema, "t", True, None)), statement  # noqa: SLF001
        assert load_entity(conn, schema, "t") is entity, statement
        previous = entity


def test_views_are_read_anew_every_time(conn: pymysql.Connection, reuse_db: dict[str, Any]) -> None:
    sql(reuse_db, "CREATE TABLE base (k INT PRIMARY KEY, v INT)", "CREATE VIEW over_base AS SELECT k, v FROM base")
    schema = reuse_db["database"]
    before = load_entity(conn, schema, "over_base")
    sql(reuse_db, "ALTER TABLE base MODIFY v VARCHAR(10)")  # the view's own text does not change
    after = load_entity(conn, schema, "over_base")
    assert before.column("v").data_type == "int" and after.column("v").data_type == "varchar"


def test_a_table_gone_or_refused_is_answered_by_the_catalog(conn: pymysql.Connection,
                                                             reuse_db: dict[str, Any]) -> None:
    from connector.errors import ResourceNotFoundError

    sql(reuse_db, "CREATE TABLE short_lived (k INT PRIMARY KEY)")
    schema = reuse_db["database"]
    load_entity(conn, schema, "short_lived")
    sql(reuse_db, "DROP TABLE short_lived")
    with pytest.raises(ResourceNotFoundError, match="was not found"):
        load_entity(conn, schema, "short_lived")
    with pytest.raises(ResourceNotFoundError, match="was not found"):
        load_entity(conn, "mysql", "user")  # no privilege there: SHOW CREATE refuses, the catalog explains


def test_a_key_swapped_between_pages_is_refused_through_the_handler(reuse_db: dict[str, Any], aws_env: str) -> None:
    """The trap: PRIMARY KEY (a, b) becomes (b, a) between two pages of one flow on a warm container."""
    call: Caller = profile_caller(reuse_db, aws_env)
    sql(reuse_db, "CREATE TABLE pairs (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b))",
        "INSERT INTO pairs VALUES " + ", ".join(f"({i % 7}, {i})" for i in range(40)))
    first = call("QueryDataRequest", entityIdentifier=identifier(reuse_db, "pairs"), maxResults=10)
    assert first["isSuccess"] and first["nextToken"], first
    same = call("QueryDataRequest", entityIdentifier=identifier(reuse_db, "pairs"), maxResults=10,
                nextToken=first["nextToken"])
    assert same["isSuccess"] and [json.loads(r)["b"] for r in same["records"]], same
    sql(reuse_db, "ALTER TABLE pairs DROP PRIMARY KEY, ADD PRIMARY KEY (b, a)")
    after = call("QueryDataRequest", entityIdentifier=identifier(reuse_db, "pairs"), maxResults=10,
                 nextToken=same["nextToken"])
    assert after["errorDetails"]["errorCode"] == "InvalidArgument", after
    assert "changed" in after["errorDetails"]["errorMessage"], after
