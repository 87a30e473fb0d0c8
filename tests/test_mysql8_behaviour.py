"""What Aurora MySQL 3 (MySQL 8.0) does differently from the throwaway MariaDB, and what the connector makes of it.

Shown here on MariaDB where it has the same thing, argued where it has not:

* **Invisible columns** (MySQL 8.0.23+, MariaDB 10.3+): ``SELECT *`` leaves them out, a statement that names
  them reads and writes them, information_schema.COLUMNS lists them (EXTRA ``INVISIBLE``). The connector
  never says ``SELECT *``: it names every column the catalog lists, so an invisible column is a field like
  any other in DescribeEntity, QueryData, RetrieveData, filters and WriteData. A data engineer pulls the
  table's data, not what an old application's ``SELECT *`` sees. That includes MySQL's generated invisible
  primary key ``my_row_id`` (``BIGINT UNSIGNED NOT NULL AUTO_INCREMENT INVISIBLE PRIMARY KEY``, added with
  sql_generate_invisible_primary_key=ON): it is the primary key, pages are ordered by it, INSERT leaves it to
  the server and answers it as recordId. With show_gipk_in_create_table_and_information_schema=OFF MySQL hides
  it from information_schema.COLUMNS and STATISTICS too; the table is then keyless to the connector (OFFSET
  pages, no id), exactly what information_schema says. MySQL 8.0 Reference Manual, "Invisible Columns",
  https://dev.mysql.com/doc/refman/8.0/en/invisible-columns.html, and "Generated Invisible Primary Keys",
  https://dev.mysql.com/doc/refman/8.0/en/create-table-gipks.html.
* **sql_require_primary_key** (MySQL 8.0.13+ only; refuses CREATE/ALTER TABLE that would leave a table without
  a primary key, error 3750): the connector creates, alters and drops no table, temporary ones included, so it
  never meets the variable (test below reads the connector's sources for DDL). MySQL 8.0 Reference Manual,
  "Server System Variables", sql_require_primary_key,
  https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_sql_require_primary_key
  (WL#11807, https://dev.mysql.com/worklog/task/?id=11807).
* **explicit_defaults_for_timestamp** (ON by default in MySQL 8.0, and in MariaDB 10.10+: the throwaway
  10.11 answers 1): it decides at CREATE TABLE whether ``TIMESTAMP NOT NULL`` gets
  ``DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP`` (first one) or ``DEFAULT '0000-00-00 00:00:00'``
  (OFF), or no default (ON); and at INSERT whether NULL for such a column means "now" (OFF) or an error
  (ON, strict). The connector reads what the table got (COLUMN_DEFAULT) and decides itself: no default is
  a required field, and null for a NOT NULL column without a default fails its record before anything is
  sent, under either setting, so a null never becomes "now" behind a flow's back (MariaDB turns it into
  "now" even with the variable ON). MySQL 8.0 Reference Manual, "Server System Variables",
  explicit_defaults_for_timestamp,
  https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_explicit_defaults_for_timestamp.
* **Integer display widths**: MySQL 8.0.19+ writes COLUMN_TYPE ``int``, ``bigint unsigned``, ``year`` where
  MariaDB writes ``int(11)``, ``bigint(20) unsigned``, ``year(4)``; only signed ``tinyint(1)`` and ZEROFILL
  columns keep a width. The type table maps both spellings alike; ``TINYINT(1) UNSIGNED``, which MySQL 8
  writes ``tinyint unsigned``, is a number on every server (only a signed ``tinyint(1)`` is a flag). MySQL 8.0 Reference
  Manual, "Numeric Data Type Syntax", https://dev.mysql.com/doc/refman/8.0/en/numeric-type-syntax.html (the
  display width attribute deprecated as of 8.0.17; removed from SHOW CREATE TABLE and
  INFORMATION_SCHEMA.COLUMNS in 8.0.19, except for signed TINYINT(1)).
* **JSON** is a binary type in MySQL 8: it answers its own spelling (``{"a": 1, "bb": 2}``: ", " and ": ",
  keys sorted by length, then bytes), keeps the last of duplicate keys, and holds integers past 64 bits as
  DOUBLE. Tests compare JSON as values (json.loads), never as text. The connector writes the JSON it parsed
  (last duplicate key wins, as MySQL does), so MariaDB, which keeps JSON as text, stores the same value.
  MySQL 8.0 Reference Manual, "The JSON Data Type" (Normalization, Merging, and Autowrapping of JSON
  Values), https://dev.mysql.com/doc/refman/8.0/en/json.html.
* **Aurora read-only errors**: a write through a reader endpoint, or to the old writer after a failover,
  is refused with 1290 "The MySQL server is running with the --read-only option" (AWS Knowledge Center,
  "Why do I get a read-only error after an Aurora MySQL-Compatible DB cluster fails over?",
  https://repost.aws/knowledge-center/aurora-mysql-db-cluser-read-only-error); a reader runs with
  innodb_read_only=ON, so a login whose privileges pass read_only is refused by InnoDB itself with 1036
  "Table 't' is read only" (shown below on MariaDB started with --innodb-read-only); a statement under way
  while the old writer shuts down gets 1053 "Server shutdown in progress" (MySQL 8.0 Reference Manual, "The
  Server Shutdown Process", https://dev.mysql.com/doc/refman/8.0/en/server-shutdown.html). All three are in
  the error table: 1290, 1836 and 1036 say the writer moved (and a write is tried once more on a new
  connection), 1053 ends the session (and a read is tried once more).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

from connector.errors import classify_mysql_error, kills_connection, shut_down_mid_statement, writer_moved
from connector.types import column_type, integer_range
from devkit.mariadb import MySQLServer, find_server_binary, free_port
from tests.conftest import Caller, identifier, new_password, pages, profile_caller, sql

GIPK = "my_row_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT INVISIBLE PRIMARY KEY"


def described(call: Caller, db: dict[str, Any], table: str) -> tuple[dict[str, dict[str, Any]], str]:
    """DescribeEntity's fields by name (in their order), and the pageKey custom property."""
    response = call("DescribeEntityRequest", entityIdentifier=identifier(db, table))
    assert response["isSuccess"], response["errorDetails"]
    definition = response["entityDefinition"]
    return {f["fieldName"]: f for f in definition["fields"]}, definition["customProperties"]["pageKey"]


def write(call: Caller, db: dict[str, Any], table: str, operation: str, records: list[dict[str, Any]],
          ids: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    return call("WriteDataRequest", entityIdentifier=identifier(db, table), operation=operation,
                idFieldNames=ids, records=[json.dumps(r) for r in records], **fields)


# --- invisible columns: fields like any other -----------------------------------------------------------

def test_invisible_columns_are_described_read_filtered_and_written(call: Caller, exact_db: dict[str, Any]) -> None:
    sql(exact_db, "CREATE TABLE inv (id INT PRIMARY KEY, a INT, secret VARCHAR(10) INVISIBLE DEFAULT 'dflt', "
                  "n INT NULL INVISIBLE)",
        "INSERT INTO inv (id, a, secret, n) VALUES (1, 10, 's1', 100), (2, 20, 's2', NULL)")
    assert sql(exact_db, "SELECT * FROM inv ORDER BY id") == [(1, 10), (2, 20)]  # what SELECT * sees
    fields, page_key = described(call, exact_db, "inv")
    assert list(fields) == ["id", "a", "secret", "n"] and page_key == "id"
    assert fields["secret"]["defaultValue"] in ("'dflt'", "dflt")  # MariaDB quotes a literal default, MySQL not
    assert fields["secret"]["writeProperties"]["isCreatable"] and fields["n"]["readProperties"]["isQueryable"]

    assert pages(call, identifier(exact_db, "inv"), 1) == [{"id": 1, "a": 10, "secret": "s1", "n": 100},
                                                           {"id": 2, "a": 20, "secret": "s2", "n": None}]
    by_secret = pages(call, identifier(exact_db, "inv"), 10, filterExpression="secret = 's2'",
                      selectedFieldNames=["n", "secret"])
    assert by_secret == [{"n": None, "secret": "s2"}]
    retrieved = call("RetrieveDataRequest", entityIdentifier=identifier(exact_db, "inv"), idFieldName="id",
                     ids=["1"], selectedFieldNames=["secret"])
    assert retrieved["records"] == ['{"secret":"s1"}']

    inserted = write(call, exact_db, "inv", "INSERT", [{"id": 3, "a": 30, "secret": "s3", "n": 300},
                                                       {"id": 4, "a": 40}])
    assert inserted["isSuccess"], inserted
    assert write(call, exact_db, "inv", "UPDATE", [{"id": 1, "secret": "new", "n": None}], ["id"])["isSuccess"]
    assert write(call, exact_db, "inv", "UPSERT", [{"id": 2, "secret": "up"}, {"id": 5, "n": 5}], ["id"])["isSuccess"]
    assert sql(exact_db, "SELECT id, a, secret, n FROM inv ORDER BY id") == [
        (1, 10, "new", None), (2, 20, "up", None), (3, 30, "s3", 300), (4, 40, "dflt", None), (5, None, "dflt", 5)]


def test_a_generated_invisible_primary_key_pages_and_is_assigned_by_the_server(call: Caller,
                                                                               exact_db: dict[str, Any]) -> None:
    """The table as MySQL 8.0.30+ creates it under sql_generate_invisible_primary_key=ON, written out."""
    sql(exact_db, f"CREATE TABLE auto_1 ({GIPK}, c1 VARCHAR(50), c2 INT)",
        "INSERT INTO auto_1 (c1, c2) VALUES " + ", ".join(f"('row {i}', {i % 4})" for i in range(25)))
    fields, page_key = described(call, exact_db, "auto_1")
    assert list(fields) == ["my_row_id", "c1", "c2"] and page_key == "my_row_id"
    gipk = fields["my_row_id"]
    assert gipk["isPrimaryKey"] and gipk["dataType"] == "BigInteger"
    assert not gipk["writeProperties"]["isCreatable"] and gipk["writeProperties"]["isDefaultedOnCreate"]

    for size in (1, 4, 25):
        records = pages(call, identifier(exact_db, "auto_1"), size)
        assert [r["my_row_id"] for r in records] == list(range(1, 26)), size  # every row once, by the key
        assert records[3] == {"my_row_id": 4, "c1": "row 3", "c2": 3}
    one_group = pages(call, identifier(exact_db, "auto_1"), 2, filterExpression="c2 = 1")
    assert [r["my_row_id"] for r in one_group] == [2, 6, 10, 14, 18, 22]

    inserted = write(call, exact_db, "auto_1", "INSERT", [{"c1": "new a", "c2": 9}, {"c1": "new b"}])
    assert inserted["isSuccess"], inserted
    ids = [r["recordId"] for r in inserted["writeRecordResults"]]
    assert sql(exact_db, "SELECT my_row_id, c1 FROM auto_1 WHERE my_row_id > 25 ORDER BY my_row_id") == [
        (int(ids[0]), "new a"), (int(ids[1]), "new b")]
    refused = write(call, exact_db, "auto_1", "INSERT", [{"my_row_id": 99, "c1": "mine"}])
    assert "auto-increment" in refused["writeRecordResults"][0]["errorMessage"]
    assert write(call, exact_db, "auto_1", "UPDATE", [{"my_row_id": int(ids[1]), "c2": 7}], ["my_row_id"])["isSuccess"]
    assert write(call, exact_db, "auto_1", "DELETE", [{"my_row_id": int(ids[0])}], ["my_row_id"])["isSuccess"]
    assert sql(exact_db, "SELECT my_row_id, c1, c2 FROM auto_1 WHERE my_row_id > 25") == [(int(ids[1]), "new b", 7)]


# --- sql_require_primary_key: the connector sends no DDL ------------------------------------------------

def test_the_connector_creates_alters_and_drops_no_table() -> None:
    """sql_require_primary_key refuses only CREATE/ALTER TABLE; no module of the connector or the Lambda glue
    spells one (nor a temporary table, nor a DROP): the connector never meets it."""
    ddl = re.compile(r"(?<!SHOW )\b(?:CREATE|ALTER|DROP|TRUNCATE|RENAME)\s+(?:TEMPORARY\s+)?TABLE\b")  # SQL's case
    sources = [*Path("connector").glob("*.py"), *Path("handlers").glob("*.py")]
    assert len(sources) > 20
    found = {str(path): ddl.findall(path.read_text()) for path in sources}
    assert not any(found.values()), found


# --- explicit_defaults_for_timestamp: what the table got decides, not the session ----------------------------

@pytest.fixture(scope="module")
def stamps(exact_db: dict[str, Any]) -> dict[str, Any]:
    """One table created under each setting (a session value, as a CREATE TABLE sees it); the OFF one as MySQL 8
    can create it only without NO_ZERO_DATE (its second TIMESTAMP's implicit default is the zero date)."""
    with exact_db["admin"].cursor() as cur:
        cur.execute(f"USE `{exact_db['database']}`")
        cur.execute("SET SESSION explicit_defaults_for_timestamp = 1")
        cur.execute("CREATE TABLE ts_on (id INT PRIMARY KEY, ts TIMESTAMP NOT NULL, tn TIMESTAMP)")
        cur.execute("SET SESSION explicit_defaults_for_timestamp = 0, sql_mode = ''")
        cur.execute("CREATE TABLE ts_off (id INT PRIMARY KEY, ts TIMESTAMP NOT NULL, ts2 TIMESTAMP NOT NULL)")
        cur.execute("SET SESSION explicit_defaults_for_timestamp = DEFAULT, sql_mode = DEFAULT")
    return exact_db


def test_timestamp_defaults_are_what_the_table_got(call: Caller, stamps: dict[str, Any]) -> None:
    on, _ = described(call, stamps, "ts_on")
    assert on["ts"]["defaultValue"] is None and not on["ts"]["writeProperties"]["isDefaultedOnCreate"]
    assert not on["ts"]["writeProperties"]["isNullable"] and not on["ts"]["readProperties"]["isNullable"]
    assert on["tn"]["readProperties"]["isNullable"]  # ON: a TIMESTAMP not declared NOT NULL takes NULL
    off, _ = described(call, stamps, "ts_off")
    assert str(off["ts"]["defaultValue"]).lower().startswith("current_timestamp")
    assert "0000-00-00" in str(off["ts2"]["defaultValue"])
    assert all(off[name]["writeProperties"]["isDefaultedOnCreate"] for name in ("ts", "ts2"))


_SETS_GLOBAL = pytest.mark.needs_local_server("SET GLOBAL explicit_defaults_for_timestamp")


@pytest.mark.parametrize("global_setting", [pytest.param(None, id="server default"),
                                            pytest.param(0, id="global OFF", marks=_SETS_GLOBAL),
                                            pytest.param(1, id="global ON", marks=_SETS_GLOBAL)])
def test_a_timestamp_without_default_is_required_whatever_the_session_says(
        stamps: dict[str, Any], aws_env: str, global_setting: int | None) -> None:
    """The connector's session takes the global value when it connects (a new login each run here); the records'
    fate is the same under both: decided from the table before anything is sent."""
    before = sql(stamps, "SELECT @@GLOBAL.explicit_defaults_for_timestamp")[0][0]
    sql(stamps, "DELETE FROM ts_on", "DELETE FROM ts_off")
    if global_setting is not None:
        sql(stamps, f"SET GLOBAL explicit_defaults_for_timestamp = {global_setting}")
    try:
        call = profile_caller(stamps, aws_env)  # a secret of its own: a new connection, the new global
        on = write(call, stamps, "ts_on", "INSERT", [{"id": 1}, {"id": 2, "ts": None},
                                                     {"id": 3, "ts": "2024-06-01T12:00:00Z"}])
        off = write(call, stamps, "ts_off", "INSERT", [{"id": 1}, {"id": 2, "ts": None, "ts2": None}])
        changed = write(call, stamps, "ts_on", "UPDATE", [{"id": 3, "ts": None}], ["id"])
    finally:
        sql(stamps, f"SET GLOBAL explicit_defaults_for_timestamp = {int(before)}")
    results = on["writeRecordResults"]
    assert [r["isSuccess"] for r in results] == [False, False, True]
    assert "lacks the required field(s) ts" in results[0]["errorMessage"]
    assert "NOT NULL" in results[1]["errorMessage"] and "got null" in results[1]["errorMessage"]
    assert not changed["writeRecordResults"][0]["isSuccess"]  # never "now" for a null, nor the zero date
    assert sql(stamps, "SELECT id, CAST(ts AS CHAR), tn FROM ts_on") == [(3, "2024-06-01 12:00:00", None)]
    assert off["isSuccess"], off  # the table's defaults: CURRENT_TIMESTAMP, and the zero date
    rows = sql(stamps, "SELECT id, ts > '2000-01-01', CAST(ts2 AS CHAR) FROM ts_off ORDER BY id")
    assert rows == [(1, 1, "0000-00-00 00:00:00"), (2, 1, "0000-00-00 00:00:00")]


# --- integer display widths: MySQL 8.0.19+'s spelling and MariaDB's ------------------------------------------

# (DATA_TYPE, MariaDB's COLUMN_TYPE, MySQL 8.0.19+'s COLUMN_TYPE) for the same declaration
SPELLINGS = [
    ("tinyint", "tinyint(4)", "tinyint"), ("tinyint", "tinyint(3) unsigned", "tinyint unsigned"),
    ("smallint", "smallint(6)", "smallint"), ("smallint", "smallint(5) unsigned", "smallint unsigned"),
    ("mediumint", "mediumint(9)", "mediumint"), ("mediumint", "mediumint(8) unsigned", "mediumint unsigned"),
    ("int", "int(11)", "int"), ("int", "int(10) unsigned", "int unsigned"),
    ("bigint", "bigint(20)", "bigint"), ("bigint", "bigint(20) unsigned", "bigint unsigned"),
    ("year", "year(4)", "year"),
    ("tinyint", "tinyint(1)", "tinyint(1)"),  # MySQL keeps the width of a signed TINYINT(1)
    ("int", "int(6) unsigned zerofill", "int(6) unsigned zerofill"),  # and of ZEROFILL columns
]


@pytest.mark.parametrize(("data_type", "mariadb", "mysql8"), SPELLINGS, ids=[s[1] for s in SPELLINGS])
@pytest.mark.parametrize("tinyint1_as_boolean", [True, False])
def test_both_spellings_of_an_integer_type_read_write_and_range_alike(data_type: str, mariadb: str, mysql8: str,
                                                                      tinyint1_as_boolean: bool) -> None:
    ours, theirs = (column_type(data_type, text, tinyint1_as_boolean=tinyint1_as_boolean) for text in (mariadb, mysql8))
    assert ours == theirs
    assert integer_range(data_type, mariadb) == integer_range(data_type, mysql8)
    boolean = data_type == "tinyint" and mariadb == "tinyint(1)" and tinyint1_as_boolean
    assert (ours.field_type.name == "Boolean") is boolean
    if data_type == "bigint":
        assert ours.field_type.name == ("BigInteger" if "unsigned" in mariadb else "Long")


def test_only_a_signed_tinyint1_is_a_flag_on_every_server() -> None:
    """MySQL 8.0.19+ drops the width of TINYINT(1) UNSIGNED (only a signed one keeps it): nothing in
    information_schema tells it from TINYINT UNSIGNED. So an unsigned or zerofill TINYINT(1) is a number
    on MariaDB and Aurora 2 as well, and a table keeps its types across an upgrade to Aurora 3."""
    for spelling in ("tinyint unsigned", "tinyint(1) unsigned", "tinyint(1) unsigned zerofill"):
        assert column_type("tinyint", spelling).field_type.name == "Short", spelling
    assert column_type("tinyint", "tinyint(1)").field_type.name == "Boolean"


# --- JSON: values, not spelling ------------------------------------------------------------------------------

def test_json_is_written_as_the_value_mysql_would_keep(call: Caller, exact_db: dict[str, Any]) -> None:
    """Duplicate keys: MySQL 8 keeps the last (RFC 7159's advice); MariaDB would keep the text as sent. The
    connector writes the value it parsed, so both servers hold the same JSON value."""
    sql(exact_db, "CREATE TABLE jv (id INT PRIMARY KEY, j JSON)")
    record = '{"id": 1, "j": {"bb": 1, "a": {"x": 1, "x": 2}, "a": [3, {"k": "v"}]}}'
    response = call("WriteDataRequest", entityIdentifier=identifier(exact_db, "jv"), operation="INSERT",
                    records=[record])
    assert response["isSuccess"], response
    (stored,) = sql(exact_db, "SELECT j FROM jv WHERE id = 1")[0]
    assert json.loads(stored) == {"bb": 1, "a": [3, {"k": "v"}]}
    assert stored.count('"a"') == 1
    read = pages(call, identifier(exact_db, "jv"), 10)
    assert read == [{"id": 1, "j": {"bb": 1, "a": [3, {"k": "v"}]}}]


# --- Aurora: a reader's InnoDB is read-only; the old writer shuts down -----------------------------------

def test_aurora_read_only_and_failover_errors_are_classified() -> None:
    from connector.errors import MySQLTarget

    target = MySQLTarget("c.cluster-x.eu-west-1.rds.amazonaws.com", 3306, "app", "appdb")
    reader = pymysql.err.OperationalError(1290, "The MySQL server is running with the --read-only option so it "
                                                "cannot execute this statement")
    innodb = pymysql.err.OperationalError(1036, "Table 't' is read only")
    innodb_mode = pymysql.err.OperationalError(1874, "Running in read-only mode")
    shutdown = pymysql.err.OperationalError(1053, "Server shutdown in progress")
    for refusal in (reader, innodb, innodb_mode):
        error = classify_mysql_error(refusal, target)
        assert writer_moved(refusal) and not kills_connection(refusal)
        assert error.error_code.name == "ServiceUnavailable" and error.retry_after_seconds
        assert "Nothing was written" in error.message and "writer" in error.message
    error = classify_mysql_error(shutdown, target)
    assert shut_down_mid_statement(shutdown) and kills_connection(shutdown) and not writer_moved(shutdown)
    assert error.error_code.name == "ServiceUnavailable" and "failover" in error.message


@pytest.fixture(scope="module")
def innodb_read_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A private server with a table and a login that may pass read_only, restarted with --innodb-read-only:
    an Aurora reader as such a login meets it."""
    workdir = tmp_path_factory.mktemp("innodb-ro")
    server = MySQLServer(workdir=workdir, use_url=False)
    address = server.start()
    password = new_password("ro")
    with address.connect() as admin, admin.cursor() as cur:
        cur.execute("CREATE DATABASE rodb")
        cur.execute("CREATE TABLE rodb.t (id INT PRIMARY KEY, v VARCHAR(10))")
        cur.execute("INSERT INTO rodb.t VALUES (1, 'kept')")
        cur.execute("CREATE USER 'ro_admin'@'%%' IDENTIFIED BY %s", (password,))
        cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'ro_admin'@'%'")  # passes read_only, as SUPER would
    assert server._process is not None  # noqa: SLF001 - restarted below with one more option
    server._process.terminate()  # noqa: SLF001
    server._process.wait(30)  # noqa: SLF001
    binary, port = find_server_binary(), free_port()
    assert binary is not None
    process = subprocess.Popen(  # noqa: S603 - the same server binary MySQLServer ran, on its own files
        [binary, "--no-defaults", f"--datadir={workdir / 'data'}", f"--socket={workdir / 'ro.sock'}",
         f"--port={port}", "--bind-address=127.0.0.1", f"--tmpdir={workdir / 'tmp'}", "--skip-name-resolve",
         "--innodb-read-only", f"--log-error={workdir / 'ro.log'}", *(["--user=root"] if os.geteuid() == 0 else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                pymysql.connect(host="127.0.0.1", port=port, user="ro_admin", password=password).close()
                break
            except pymysql.err.OperationalError:
                assert process.poll() is None and time.monotonic() < deadline, (workdir / "ro.log").read_text()
                time.sleep(0.05)  # polling the server's readiness, not a guess at how long it takes
        yield {"host": "127.0.0.1", "port": port, "database": "rodb", "username": "ro_admin", "password": password,
               "tls": {"tlsMode": "DISABLED"}}
    finally:
        process.terminate()
        process.wait(30)
        server.stop()


@pytest.mark.needs_local_server("a private server restarted with --innodb-read-only")
def test_a_write_refused_by_a_read_only_innodb_says_the_writer_moved(innodb_read_only: dict[str, Any],
                                                                      aws_env: str) -> None:
    call = profile_caller(innodb_read_only, aws_env)
    response = call("WriteDataRequest", entityIdentifier="rodb.t", operation="INSERT",
                    records=[json.dumps({"id": 2, "v": "a"}), json.dumps({"id": 3, "v": "b"})])
    details = response["errorDetails"]
    assert details["errorCode"] == "ServiceUnavailable" and details["retryAfterSeconds"], details
    assert "read only" in details["errorMessage"] and "writer" in details["errorMessage"]
    assert not any(r["isSuccess"] for r in response["writeRecordResults"])
    read = call("QueryDataRequest", entityIdentifier="rodb.t")  # a reader still serves reads
    assert read["isSuccess"] and [json.loads(r) for r in read["records"]] == [{"id": 1, "v": "kept"}]


# --- DescribeEntity's defaultValue: the value, as MySQL spells it, on both servers ---------------------------

DEFAULTS = [  # (column definition, defaultValue expected: MySQL's COLUMN_DEFAULT)
    ("VARCHAR(20) DEFAULT 'x'", "x"),
    ("VARCHAR(20) DEFAULT 'it''s'", "it's"),
    ("VARCHAR(20) DEFAULT 'it\\'s \\\"q\\\"'", 'it\'s "q"'),
    ("VARCHAR(20) DEFAULT 'a\\%b\\_c\\Zd'", "a\\%b\\_c\x1ad"),
    ("VARCHAR(20) DEFAULT 'a\\\\b'", "a\\b"),
    ("VARCHAR(20) DEFAULT ''", ""),
    ("VARCHAR(20) DEFAULT 'NULL'", "NULL"),
    ("VARCHAR(20) NOT NULL DEFAULT ' '", " "),
    ("VARCHAR(20) NULL", None),
    ("VARCHAR(20) DEFAULT NULL", None),
    ("VARCHAR(20) NOT NULL", None),
    ("INT DEFAULT 5", "5"),
    ("INT DEFAULT -5", "-5"),
    ("DECIMAL(5,2) DEFAULT 1.50", "1.50"),
    ("VARCHAR(20) DEFAULT 'l1\\nl2\\rx\\0'", "l1\nl2\rx\0"),
    ("VARCHAR(20) DEFAULT 'tab\tz\x1a'", "tab\tz\x1a"),
    ("VARCHAR(20) DEFAULT 'q\"q%_\\\\'", 'q"q%_\\'),
]


def test_default_values_read_as_the_value_not_the_servers_quoting(call: Caller, exact_db: dict[str, Any]) -> None:
    """MariaDB's COLUMN_DEFAULT quotes literals and says NULL as text; the field's defaultValue is the value."""
    columns = ", ".join(f"c{i} {definition}" for i, (definition, _) in enumerate(DEFAULTS))
    sql(exact_db, "DROP TABLE IF EXISTS dflt", f"CREATE TABLE dflt (id INT PRIMARY KEY, {columns})")
    fields, _ = described(call, exact_db, "dflt")
    got = {name: field.get("defaultValue") for name, field in fields.items() if name != "id"}
    assert got == {f"c{i}": expected for i, (_, expected) in enumerate(DEFAULTS)}
