"""Aurora failover and Serverless v2 resume, on real servers behind a loopback proxy.

The proxy stands for the cluster endpoint: ``fail_over_to`` sends its first connection to the
spare server, read-only like an old writer after a failover, and every later one to the
session's server (the new writer). ``greeting_delay`` holds the server's greeting as a
cluster resuming from 0 ACU does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.mariadb import MySQLServer, ServerAddress
from devkit.network import LoopbackProxy
from handlers.app import lambda_handler
from tests.conftest import new_password, profile_caller, scratch_database, sql

MakeSecret = Callable[[dict[str, Any]], str]
DATABASE = "failoverdb"


def _prepare(address: ServerAddress, password: str) -> None:
    with address.connect() as admin, admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
        cur.execute(f"CREATE TABLE IF NOT EXISTS {DATABASE}.t (id INT PRIMARY KEY, v VARCHAR(20))")
        cur.execute(f"DELETE FROM {DATABASE}.t")
        cur.execute("CREATE USER IF NOT EXISTS 'fo_user'@'%%' IDENTIFIED BY %s", (password,))
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {DATABASE}.* TO 'fo_user'@'%'")


def _set_read_only(address: ServerAddress, on: bool) -> None:
    with address.connect() as admin, admin.cursor() as cur:
        cur.execute(f"SET GLOBAL read_only = {int(on)}")


@pytest.fixture(scope="module")
def clusters(mysql_server: ServerAddress, spare_server: MySQLServer) -> Iterator[dict[str, Any]]:
    """The old writer (spare, read-only) and the new writer (the session's server), same user and table."""
    assert spare_server.address is not None
    password = new_password("failover")
    old, new = spare_server.address, mysql_server
    for address in (old, new):
        _prepare(address, password)
    _set_read_only(old, True)
    try:
        yield {"old": old, "new": new, "password": password}
    finally:
        _set_read_only(old, False)
        for address in (old, new):
            with address.connect() as admin, admin.cursor() as cur:
                cur.execute(f"DROP DATABASE {DATABASE}")
                cur.execute("DROP USER 'fo_user'@'%'")


def _event(request_type: str, arn: str, **fields: Any) -> dict[str, Any]:
    return {"type": request_type, **fields, "connectorContext": {
        "apiVersion": "v1", "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
        "connectorRuntimeSettings": {}}}


def _secret(make_secret: MakeSecret, clusters: dict[str, Any], port: int) -> str:
    return make_secret({"customAuthenticationType": "MySQL", "host": "127.0.0.1", "port": str(port),
                        "database": DATABASE, "username": "fo_user", "password": clusters["password"]})


def _rows(address: ServerAddress) -> list[tuple[Any, ...]]:
    with address.connect() as admin, admin.cursor() as cur:
        cur.execute(f"SELECT id, v FROM {DATABASE}.t ORDER BY id")
        return list(cur.fetchall())


@pytest.fixture
def trust_both(clusters: dict[str, Any], spare_server: MySQLServer, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Both servers' test CAs in the default trust (SSL_CERT_FILE), as two Aurora instances share the RDS CA."""
    from connector.database import _tls_context

    assert spare_server.ca is not None and clusters["new"].ca_file
    bundle = tmp_path / "both.pem"
    bundle.write_bytes(spare_server.ca.ca_file.read_bytes() + Path(clusters["new"].ca_file).read_bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    _tls_context.cache_clear()
    yield
    _tls_context.cache_clear()


def test_a_write_that_reaches_the_old_writer_is_sent_again_to_the_new_one(
        make_secret: MakeSecret, clusters: dict[str, Any], trust_both: None) -> None:
    with LoopbackProxy("127.0.0.1", clusters["old"].port) as endpoint:
        endpoint.fail_over_to("127.0.0.1", clusters["new"].port)
        response = lambda_handler(_event(
            "WriteDataRequest", _secret(make_secret, clusters, endpoint.port), entityIdentifier=f"{DATABASE}.t",
            operation="INSERT", records=[json.dumps({"id": 1, "v": "a"}), json.dumps({"id": 2, "v": "b"})]), None)
        assert endpoint.connections == 2
    assert response["isSuccess"], response
    assert _rows(clusters["new"]) == [(1, "a"), (2, "b")] and _rows(clusters["old"]) == []


def test_a_write_that_reaches_read_only_servers_twice_says_the_writer_moved(
        make_secret: MakeSecret, clusters: dict[str, Any], trust_both: None) -> None:
    with LoopbackProxy("127.0.0.1", clusters["old"].port) as endpoint:
        response = lambda_handler(_event(
            "WriteDataRequest", _secret(make_secret, clusters, endpoint.port), entityIdentifier=f"{DATABASE}.t",
            operation="INSERT", records=[json.dumps({"id": 3, "v": "c"})]), None)
        assert endpoint.connections == 2  # one retry, not more
    details = response["errorDetails"]
    assert details["errorCode"] == "ServiceUnavailable" and details["retryAfterSeconds"]
    assert "writer moved" in details["errorMessage"] and "Nothing was written" in details["errorMessage"]
    assert response["writeRecordResults"][0]["isSuccess"] is False
    assert _rows(clusters["old"]) == []


def test_reads_from_a_read_only_server_are_not_refused(make_secret: MakeSecret, clusters: dict[str, Any],
                                                       trust_both: None) -> None:
    """A reader (or the old writer) serves source calls: they run read-only anyway."""
    with LoopbackProxy("127.0.0.1", clusters["old"].port) as endpoint:
        response = lambda_handler(_event("QueryDataRequest", _secret(make_secret, clusters, endpoint.port),
                                         entityIdentifier=f"{DATABASE}.t"), None)
    assert response["isSuccess"], response


# --- Aurora Serverless v2 resuming from 0 ACU -------------------------------------------------------

RESUME_SECONDS = 15.0  # what Aurora Serverless v2 may take from 0 ACU: longer than a 10 s call can wait


@pytest.fixture
def resuming(mysql_server: ServerAddress) -> Iterator[LoopbackProxy]:
    with LoopbackProxy("127.0.0.1", mysql_server.port) as proxy:
        proxy.greeting_delay = RESUME_SECONDS
        yield proxy


def test_a_30_second_call_waits_for_a_resuming_cluster(make_secret: MakeSecret, clusters: dict[str, Any],
                                                        resuming: LoopbackProxy, trust_both: None) -> None:
    started = time.monotonic()
    response = lambda_handler(_event("QueryDataRequest", _secret(make_secret, clusters, resuming.port),
                                     entityIdentifier=f"{DATABASE}.t"), None)
    assert response["isSuccess"], response
    assert time.monotonic() - started >= RESUME_SECONDS


def test_a_10_second_call_says_the_cluster_may_be_resuming(make_secret: MakeSecret, clusters: dict[str, Any],
                                                            resuming: LoopbackProxy, trust_both: None) -> None:
    started = time.monotonic()
    response = lambda_handler({"type": "ValidateCredentialsRequest",
                               "credentials": {"secretArn": _secret(make_secret, clusters, resuming.port),
                                               "authenticationType": "CustomAuth"},
                               "connectorRuntimeSettings": {}}, None)
    assert time.monotonic() - started < 10
    details = response["errorDetails"]
    assert details["errorCode"] == "ServiceUnavailable" and details["retryAfterSeconds"]
    assert "Serverless" in details["errorMessage"] and "resum" in details["errorMessage"]


# --- writes that must not be sent twice (found by review) --------------------------------------------

READ_ONLY_ON_SECOND = ("CREATE TRIGGER {db}.ro BEFORE INSERT ON {db}.m FOR EACH ROW IF NEW.id = 2 THEN "
                       "SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1290, MESSAGE_TEXT = 'The MySQL server is "
                       "running with the --read-only option so it cannot execute this statement'; END IF")


def test_a_read_only_refusal_after_rows_stayed_in_myisam_is_a_partial_write_not_a_retry(
        mysql_server: ServerAddress, aws_env: str) -> None:
    """Record 1 lands in a MyISAM table (no rollback); record 2 is refused with 1290 (a trigger stands in
    for the server turning read-only mid-call): no second attempt, and the answer says what stayed."""
    statements = ["CREATE TABLE {db}.m (id INT, v VARCHAR(10)) ENGINE=MyISAM", READ_ONLY_ON_SECOND]
    with scratch_database(mysql_server, "myi", "SELECT, INSERT, UPDATE, DELETE", "myi", statements) as db:
        response = profile_caller(db, aws_env)(
            "WriteDataRequest", entityIdentifier=f"{db['database']}.m", operation="INSERT",
            records=[json.dumps({"id": 1, "v": "a"}), json.dumps({"id": 2, "v": "b"}), json.dumps({"id": 3})])
        assert sql(db, "SELECT id, v FROM m ORDER BY id") == [(1, "a")]
    assert response["errorDetails"]["errorCode"] == "PartialWriteFailure"
    assert "stay" in response["errorDetails"]["errorMessage"]
    assert [r["isSuccess"] for r in response["writeRecordResults"]] == [True, False, False]
    assert "not written" in response["writeRecordResults"][2]["errorMessage"]


def test_the_same_refusal_on_innodb_rolls_back_and_is_sent_once_more(mysql_server: ServerAddress,
                                                                      aws_env: str) -> None:
    statements = ["CREATE TABLE {db}.m (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB", READ_ONLY_ON_SECOND]
    with scratch_database(mysql_server, "inno", "SELECT, INSERT, UPDATE, DELETE", "inno", statements) as db:
        response = profile_caller(db, aws_env)(
            "WriteDataRequest", entityIdentifier=f"{db['database']}.m", operation="INSERT",
            records=[json.dumps({"id": 1, "v": "a"}), json.dumps({"id": 2, "v": "b"})])
        assert sql(db, "SELECT id FROM m") == []  # the refusal comes again on the retry: all rolled back
    assert "writer moved" in response["errorDetails"]["errorMessage"]


def test_a_write_cut_mid_statement_is_not_sent_again(mysql_server: ServerAddress, aws_env: str) -> None:
    with scratch_database(mysql_server, "cut", "SELECT, INSERT, UPDATE, DELETE", "cut",
                          ["CREATE TABLE {db}.t (id INT PRIMARY KEY, v VARCHAR(10))"]) as db, \
            LoopbackProxy("127.0.0.1", mysql_server.port) as proxy:
        proxy.cut_after(b"INSERT INTO")
        response = profile_caller({**db, "port": proxy.port}, aws_env)(
            "WriteDataRequest", settings={"tlsMode": "DISABLED"}, entityIdentifier=f"{db['database']}.t",
            operation="INSERT", records=[json.dumps({"id": 1, "v": "a"})])
        assert response["isSuccess"] is False
        assert proxy.cuts == 1 and proxy.connections <= 2  # the write, perhaps the probe asking why; no second write
        assert sql(db, "SELECT id FROM t") == []
