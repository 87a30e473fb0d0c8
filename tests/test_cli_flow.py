"""``appflow-mysql flow`` and ``invoke`` end to end on the real server: output files against SELECT rows."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from appflow_mysql.main import cli
from appflow_mysql.progress import FlowReporter
from devkit.mariadb import ServerAddress
from tests.cli_process import run_cli as run_cli_process
from tests.conftest import new_password, scratch_database

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def rows(admin: Any, sql: str) -> list[dict[str, Any]]:
    with admin.cursor() as cur:
        cur.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def execution_dir(out: Path, flow_name: str) -> Path:
    (run,) = (out / flow_name).iterdir()
    uuid.UUID(run.name)  # <flow name>/<execution id>/
    return run


@pytest.fixture
def read_arn(read_db: dict[str, Any], make_secret: Callable[[dict[str, Any]], str]) -> str:
    return make_secret({"customAuthenticationType": "MySQL", "host": read_db["host"], "port": str(read_db["port"]),
                        "database": read_db["database"], "username": read_db["username"],
                        "password": read_db["password"]})


def test_flow_jsonl_pages_equal_the_table(read_db: dict[str, Any], read_arn: str, tmp_path: Path) -> None:
    result = run_cli("flow", f"{read_db['database']}.seq", "--secret-arn", read_arn, "--setting", "tlsMode=PREFERRED",
                     "--page-size", "7", "--out", str(tmp_path), "--flow-name", "seq-flow")
    assert result.exit_code == 0, result.output
    run = execution_dir(tmp_path, "seq-flow")
    files = sorted(run.iterdir())
    assert [f.name for f in files] == [f"part-{n:05d}.jsonl" for n in range(22)]  # 150 rows / 7 per page
    records = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    expected = rows(read_db["admin"], f"SELECT * FROM `{read_db['database']}`.seq ORDER BY id")
    assert records == [{**row, "dt": iso(row["dt"])} for row in expected]
    # CliRunner's stderr is no terminal: plain progress lines, no cursor control
    assert "150 rows  22 pages" in result.stderr and "\x1b[" not in result.stderr
    for step in ("DescribeConnectorConfiguration", "ValidateCredentials", "ListEntities", "DescribeEntity"):
        assert f"ok  {step}" in result.stderr
    assert f"150 records from {read_db['database']}.seq in 22 pages" in result.stdout
    assert str(run) in result.stdout


def test_flow_csv_with_filter_and_fields(read_db: dict[str, Any], read_arn: str, tmp_path: Path) -> None:
    result = run_cli("flow", f"{read_db['database']}.seq", "--secret-arn", read_arn, "--setting", "tlsMode=PREFERRED",
                     "--filter", "grp = 1 and dt between 2024-02-01T00:00:00Z and 2024-04-01T00:00:00Z",
                     "--fields", "v,id", "--format", "csv", "--aggregate", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    (only,) = execution_dir(tmp_path, "local-flow").iterdir()
    table = list(csv.reader(io.StringIO(only.read_text(encoding="utf-8"))))
    expected = rows(read_db["admin"], f"SELECT v, id FROM `{read_db['database']}`.seq "
                                      "WHERE grp = 1 AND dt >= '2024-02-01' ORDER BY id")
    assert table[0] == ["v", "id"]
    assert table[1:] == [[r["v"], str(r["id"])] for r in expected] and len(expected) > 10


def test_flow_parquet_keeps_types(read_db: dict[str, Any], read_arn: str, tmp_path: Path) -> None:
    result = run_cli("flow", f"{read_db['database']}.all_types", "--secret-arn", read_arn,
                     "--setting", "tlsMode=PREFERRED", "--format", "parquet", "--aggregate",
                     "--fields", "id,b,bu,d,d2,db,dt,dtm,vc,js,vb", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    (only,) = execution_dir(tmp_path, "local-flow").iterdir()
    got = pq.read_table(only).to_pylist()
    expected = rows(read_db["admin"], f"SELECT id, b, bu, d, d2, db, vc, vb FROM `{read_db['database']}`.all_types "
                                      "ORDER BY id")
    assert [r["id"] for r in got] == [r["id"] for r in expected] == [1, 2, 3]
    first = got[0]
    assert first["b"] is True and first["bu"] == decimal.Decimal(18446744073709551615)
    assert first["d"] == str(expected[0]["d"])  # DECIMAL(65,30) is wider than Parquet's decimal128: exact text
    assert first["d2"] == expected[0]["d2"] == decimal.Decimal("9.99") and first["db"] == 0.1
    assert first["dt"] == dt.date(2024, 2, 29)
    assert first["dtm"] == dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC)
    assert first["vc"] == expected[0]["vc"] and first["vb"] == expected[0]["vb"]
    assert json.loads(first["js"]) == {"k": "ünï", "n": [1, 2.5, None], "e": "🎉"}
    assert all(value is None for key, value in got[2].items() if key != "id")


@pytest.fixture
def copy_db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    rows = [(i, f"{i * 1.125:.3f}", f"2024-05-{i % 28 + 1:02d} 10:00:00.{i:03d}",
             None if i % 5 == 0 else f"label ü{i}") for i in range(1, 58)]
    with scratch_database(mysql_server, "copydb", "SELECT, INSERT, UPDATE", "copier", [
            "CREATE TABLE {db}.src (id INT PRIMARY KEY, amount DECIMAL(10,3), at DATETIME(3), label VARCHAR(20))",
            "CREATE TABLE {db}.dst LIKE {db}.src"]) as db:
        with db["admin"].cursor() as cur:
            cur.executemany(f"INSERT INTO `{db['database']}`.src VALUES (%s, %s, %s, %s)", rows)
        yield db


def basic_auth_file(db: dict[str, Any], path: Path, password: str | None = None) -> Path:
    path.write_text(json.dumps({"username": db["username"], "password": password or db["password"]}))
    return path


def basic_settings(db: dict[str, Any]) -> list[str]:
    return [arg for key, value in (("host", db["host"]), ("port", str(db["port"])), ("database", db["database"]),
                                   ("tlsMode", "PREFERRED")) for arg in ("--setting", f"{key}={value}")]


def test_flow_to_table_copies_every_row(copy_db: dict[str, Any], tmp_path: Path, aws_env: str) -> None:
    """BasicAuth from a local credentials file; WriteData INSERT into dst, then UPSERT again changes nothing."""
    creds = basic_auth_file(copy_db, tmp_path / "local.json")
    args = ["flow", f"{copy_db['database']}.src", "--credentials-file", str(creds), *basic_settings(copy_db),
            "--page-size", "10", "--out", str(tmp_path / "out"), "--to-table", f"{copy_db['database']}.dst"]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert f"written: 57 records into {copy_db['database']}.dst (INSERT), 0 failed" in result.stdout
    source = rows(copy_db["admin"], f"SELECT * FROM `{copy_db['database']}`.src ORDER BY id")
    assert rows(copy_db["admin"], f"SELECT * FROM `{copy_db['database']}`.dst ORDER BY id") == source
    assert os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] == aws_env  # the file's own moto is gone again

    again = run_cli(*args)  # INSERT of existing keys: per-record failures, exit status 1
    assert again.exit_code == 1 and "written: 0 records" in again.stdout and "57 failed" in again.stdout
    upsert = run_cli(*args, "--write-operation", "UPSERT")
    assert upsert.exit_code == 0, upsert.output
    assert rows(copy_db["admin"], f"SELECT * FROM `{copy_db['database']}`.dst ORDER BY id") == source


def test_flow_failure_names_the_call_and_hides_the_password(copy_db: dict[str, Any], tmp_path: Path) -> None:
    wrong = new_password("wrong")
    creds = basic_auth_file(copy_db, tmp_path / "wrong.json", password=wrong)
    result = run_cli("flow", f"{copy_db['database']}.src", "--credentials-file", str(creds),
                     *basic_settings(copy_db), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "FAILED  ValidateCredentials: InvalidCredentials" in result.stderr
    assert copy_db["username"] in result.stderr
    assert wrong not in result.output and not (tmp_path / "out").exists()


def test_flow_unknown_entity_and_field(read_db: dict[str, Any], read_arn: str, tmp_path: Path) -> None:
    common = ["--secret-arn", read_arn, "--setting", "tlsMode=PREFERRED", "--out", str(tmp_path)]
    missing = run_cli("flow", f"{read_db['database']}.nope", *common)
    assert missing.exit_code == 1 and f"{read_db['database']}.seq" in missing.stderr
    field = run_cli("flow", f"{read_db['database']}.seq", "--fields", "id,nope", *common)
    assert field.exit_code == 1 and "no field 'nope'" in field.stderr


def test_console_script_with_stdout_a_pipe(copy_db: dict[str, Any], tmp_path: Path) -> None:
    """The installed ``appflow-mysql`` in a child process, stdout and stderr pipes (as in CI or `| tee`)."""
    creds = basic_auth_file(copy_db, tmp_path / "local.json")
    completed = run_cli_process("flow", f"{copy_db['database']}.src", "--credentials-file", str(creds),
                                *basic_settings(copy_db), "--page-size", "20", "--format", "csv",
                                "--out", str(tmp_path / "out"))
    assert completed.returncode == 0, completed.stderr
    assert "57 rows  3 pages" in completed.stderr and "\x1b[" not in completed.stderr + completed.stdout
    run = execution_dir(tmp_path / "out", "local-flow")
    lines = [row for f in sorted(run.iterdir()) for row in list(csv.reader(f.open(encoding="utf-8")))[1:]]
    source = rows(copy_db["admin"], f"SELECT id, amount, at, label FROM `{copy_db['database']}`.src ORDER BY id")
    assert lines == [[str(r["id"]), str(r["amount"]), r["at"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                      r["label"] or ""] for r in source]


def test_progress_on_a_terminal_is_a_live_line() -> None:
    buffer = io.StringIO()
    reporter = FlowReporter(Console(file=buffer, force_terminal=True, width=100))
    reporter.start_pages()
    for _ in range(3):
        reporter.page(1000, 0)
    reporter.end_pages()
    text = buffer.getvalue()
    assert "3,000 rows  3 pages" in text and "\x1b[" in text  # rendered in place, with cursor control


def test_invoke_event_file_with_local_credentials(read_db: dict[str, Any], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The response is the whole stdout, even where the Lambda's metrics variable is set in the shell."""
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "AppFlowMySQLConnector")
    secret = {"customAuthenticationType": "MySQL", "host": read_db["host"], "port": str(read_db["port"]),
              "database": read_db["database"], "username": read_db["username"], "password": read_db["password"]}
    creds = tmp_path / "local.json"
    creds.write_text(json.dumps(secret))
    event = json.loads((ROOT / "events/query_data.json").read_text())
    event["entityIdentifier"] = f"{read_db['database']}.seq"
    event["connectorContext"]["credentials"]["authenticationType"] = "CustomAuth"
    event["filterExpression"] = "id <= 3"
    event["selectedFieldNames"] = ["id", "v"]
    event_file = tmp_path / "query.json"
    event_file.write_text(json.dumps(event))
    result = run_cli("invoke", str(event_file), "--credentials-file", str(creds), "--setting", "tlsMode=PREFERRED")
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    expected = rows(read_db["admin"], f"SELECT id, v FROM `{read_db['database']}`.seq WHERE id <= 3 ORDER BY id")
    assert [json.loads(r) for r in response["records"]] == expected and len(expected) == 3

    failed = run_cli("invoke", str(ROOT / "events/validate_credentials.json"), "--credentials-file", str(creds),
                     "--setting", "tlsCaBundle=/no/such/ca.pem")
    assert failed.exit_code == 1 and json.loads(failed.stdout)["isSuccess"] is False


@pytest.mark.parametrize(("missing", "args", "extra"), [
    ("moto", ["doctor", "--credentials-file", "{file}"], "local"),
    ("pyarrow", ["flow", "appdb.orders", "--secret-arn", "arn:aws:secretsmanager:us-east-1:1:secret:x",
                 "--format", "parquet"], "parquet"),
])
def test_a_missing_extra_is_named_with_its_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           missing: str, args: list[str], extra: str) -> None:
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == missing else found(name, *a))
    credentials = tmp_path / "local.json"
    credentials.write_text("{}")
    result = CliRunner().invoke(cli, [arg.format(file=credentials) for arg in args])
    assert result.exit_code == 2, result.output
    assert f"appflow-mysql-connector[{extra}]" in result.output
