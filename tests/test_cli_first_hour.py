"""The first hour of a new user (issue 22): each friction point of ``appflow-mysql``, as a user meets it.

Every test runs the console script in a child process against the session's real server, as
typed in a shell: exit status, what stdout and stderr say, the files left behind.
"""

from __future__ import annotations

import json
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.mariadb import ServerAddress, free_port
from tests.cli_process import ROOT, cli_argv, cli_env, one_error_line, run_cli, run_module, wait_until
from tests.conftest import new_password, scratch_database


def custom_secret(db: dict[str, Any], **changes: Any) -> dict[str, Any]:
    secret = {"customAuthenticationType": "MySQL", "host": db["host"], "port": str(db["port"]),
              "database": db["database"], "username": db["username"], "password": db["password"], **changes}
    return {key: value for key, value in secret.items() if value is not None}


def table_rows(admin: Any, sql: str) -> list[tuple[Any, ...]]:
    with admin.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


@pytest.fixture
def read_arn(read_db: dict[str, Any], make_secret: Callable[[dict[str, Any]], str]) -> str:
    return make_secret(custom_secret(read_db))


@pytest.fixture
def creds(read_db: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "local.json"
    path.write_text(json.dumps(custom_secret(read_db)))
    return path


# --- the output folder ----------------------------------------------------------------------------------------


def test_an_unwritable_output_folder_is_refused_before_connecting(read_db: dict[str, Any], read_arn: str,
                                                                  tmp_path: Path) -> None:
    """A folder under a regular file cannot be made, even by root: one line, exit 2, no AppFlow call made."""
    blocker = tmp_path / "somefile"
    blocker.write_text("a file, not a folder")
    done = run_cli("flow", f"{read_db['database']}.seq", "--secret-arn", read_arn, "--setting", "tlsMode=PREFERRED",
                   "--out", str(blocker / "out"))
    assert done.returncode == 2, done.stderr
    line = one_error_line(done.stderr)
    assert line.startswith("Error: cannot write the output folder") and f"{blocker} is a file" in line
    assert len(done.stderr.strip().splitlines()) == 1 and "ok  " not in done.stderr  # before the first call
    assert blocker.read_text() == "a file, not a folder"


# --- Ctrl-C and failures in a flow ----------------------------------------------------------------------------

BIG_ROWS = 40_000


@pytest.fixture(scope="module")
def big_db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    with scratch_database(mysql_server, "bigdb", "SELECT, INSERT", "big", [
            "CREATE TABLE {db}.big (id INT PRIMARY KEY, v VARCHAR(20))",
            "CREATE TABLE {db}.big_copy LIKE {db}.big"]) as db:
        with db["admin"].cursor() as cur:
            cur.executemany(f"INSERT INTO `{db['database']}`.big VALUES (%s, %s)",
                            [(i, f"row {i}") for i in range(1, BIG_ROWS + 1)])
        yield db


def test_ctrl_c_stops_at_a_page_boundary_and_marks_the_run_incomplete(big_db: dict[str, Any],
                                                                      tmp_path: Path) -> None:
    creds = tmp_path / "local.json"
    creds.write_text(json.dumps(custom_secret(big_db)))
    out = tmp_path / "out"
    flow = subprocess.Popen(
        cli_argv("flow", f"{big_db['database']}.big", "--credentials-file", str(creds), "--setting",
                 "tlsMode=PREFERRED", "--page-size", "20", "--out", str(out),
                 "--to-table", f"{big_db['database']}.big_copy"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env())
    try:
        wait_until(lambda: next(out.glob("local-flow/*/part-*.jsonl"), None), flow, what="the first output file")
        flow.send_signal(signal.SIGINT)
        stdout, stderr = flow.communicate(timeout=60)
    finally:
        if flow.poll() is None:
            flow.kill()
    assert flow.returncode == 130, stderr
    assert "Traceback" not in stderr and "(done)" not in stderr + stdout
    (run,) = (out / "local-flow").iterdir()
    files = sorted(run.glob("part-*.jsonl"))
    records = [json.loads(line) for path in files for line in path.read_text(encoding="utf-8").splitlines()]
    assert 0 < len(records) < BIG_ROWS
    assert len(records) == 20 * len(files)  # every file holds a whole page: the stop came between pages
    assert [r["id"] for r in records] == list(range(1, len(records) + 1))
    marker = run / "_INCOMPLETE"
    assert marker.is_file() and "interrupted" in marker.read_text()
    last = one_error_line(stderr)
    files_text = f"{len(files)} file{'' if len(files) == 1 else 's'}"
    assert last.startswith("Interrupted") and f"{files_text} ({len(records):,} records)" in last
    assert f"{run}/" in last and "_INCOMPLETE" in last and f"{len(records):,} written" in last
    copied = table_rows(big_db["admin"], f"SELECT COUNT(*) FROM `{big_db['database']}`.big_copy")[0][0]
    assert copied == len(records)  # the page in flight was written too: files and table agree


def test_a_failure_before_the_first_file_leaves_no_folder(read_db: dict[str, Any], creds: Path,
                                                          tmp_path: Path) -> None:
    done = run_cli("flow", f"{read_db['database']}.seq", "--credentials-file", str(creds), "--setting",
                   "tlsMode=PREFERRED", "--filter", "id ==== 3", "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "FAILED  QueryData page 1: InvalidArgument" in done.stderr and "(done)" not in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()  # no empty <flow>/<execution id>/ folder


def test_a_failure_after_some_files_marks_the_run_incomplete(read_db: dict[str, Any], creds: Path,
                                                             tmp_path: Path) -> None:
    """The read-only login reads page 1, then WriteData of that page fails for want of INSERT."""
    out = tmp_path / "out"
    done = run_cli("flow", f"{read_db['database']}.seq", "--credentials-file", str(creds), "--setting",
                   "tlsMode=PREFERRED", "--page-size", "50", "--out", str(out),
                   "--to-table", f"{read_db['database']}.seq")
    assert done.returncode == 1, done.stderr
    assert f"FAILED  WriteData {read_db['database']}.seq" in done.stderr
    assert "(done)" not in done.stderr and "(failed)" in done.stderr and "Traceback" not in done.stderr
    (run,) = (out / "local-flow").iterdir()
    assert sorted(p.name for p in run.iterdir()) == ["_INCOMPLETE", "part-00000.jsonl"]
    assert "failed" in (run / "_INCOMPLETE").read_text()
    assert f"1 file (50 records) in {run}/" in one_error_line(done.stderr)


# --- the destination table ------------------------------------------------------------------------------------


def test_a_view_as_destination_is_refused_before_reading(read_db: dict[str, Any], creds: Path,
                                                         tmp_path: Path) -> None:
    done = run_cli("flow", f"{read_db['database']}.seq", "--credentials-file", str(creds), "--setting",
                   "tlsMode=PREFERRED", "--out", str(tmp_path / "out"),
                   "--to-table", f"{read_db['database']}.seq_view")
    assert done.returncode == 1
    line = one_error_line(done.stderr)
    assert line.startswith(f"Error: --to-table {read_db['database']}.seq_view") and "isWritable: false" in line
    assert "QueryData" not in done.stderr and not (tmp_path / "out").exists()
    assert "FAILED" not in done.stderr  # the command's own check, not an error AppFlow's calls answered


def test_fields_the_destination_lacks_are_refused_before_reading(read_db: dict[str, Any], creds: Path,
                                                                 tmp_path: Path) -> None:
    done = run_cli("flow", f"{read_db['database']}.seq", "--credentials-file", str(creds), "--setting",
                   "tlsMode=PREFERRED", "--out", str(tmp_path / "out"),
                   "--to-table", f"{read_db['database']}.composite")
    assert done.returncode == 1
    line = one_error_line(done.stderr)
    assert "has no field" in line and "'grp'" in line and "'dt'" in line and "--fields" in line
    assert "QueryData" not in done.stderr and "FAILED" not in done.stderr


def test_unknown_entity_is_the_commands_check_not_an_appflow_error(read_db: dict[str, Any], creds: Path,
                                                                   tmp_path: Path) -> None:
    done = run_cli("flow", f"{read_db['database']}.nope", "--credentials-file", str(creds), "--setting",
                   "tlsMode=PREFERRED", "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    line = one_error_line(done.stderr)
    assert line.startswith(f"Error: no entity '{read_db['database']}.nope'") and f"{read_db['database']}.seq" in line
    assert "FAILED" not in done.stderr and "InvalidArgument" not in done.stderr


@pytest.fixture
def numbered_db(mysql_server: ServerAddress) -> Iterator[dict[str, Any]]:
    with scratch_database(mysql_server, "numdb", "SELECT, INSERT", "num", [
            "CREATE TABLE {db}.src (id INT PRIMARY KEY, v VARCHAR(20))",
            "CREATE TABLE {db}.dst LIKE {db}.src",
            "INSERT INTO {db}.src VALUES " + ", ".join(f"({i}, 'v{i}')" for i in range(1, 61)),
            "INSERT INTO {db}.dst VALUES (15, 'there'), (30, 'there'), (50, 'there'), (55, 'there')"]) as db:
        yield db


def test_every_write_failure_is_reported_with_its_record_number(numbered_db: dict[str, Any],
                                                                tmp_path: Path) -> None:
    """Records are numbered in the flow's order (files' order); with ``id > 10`` record n holds id n + 10."""
    creds = tmp_path / "local.json"
    creds.write_text(json.dumps(custom_secret(numbered_db)))
    out = tmp_path / "out"
    done = run_cli("flow", f"{numbered_db['database']}.src", "--credentials-file", str(creds), "--setting",
                   "tlsMode=PREFERRED", "--filter", "id > 10", "--page-size", "7", "--out", str(out),
                   "--to-table", f"{numbered_db['database']}.dst")
    assert done.returncode == 1, done.stderr
    (run,) = (out / "local-flow").iterdir()
    failures = [json.loads(line) for line in (run / "_write_failures.jsonl").read_text().splitlines()]
    assert [(f["record"], f["id"]) for f in failures] == [(5, {"id": 15}), (20, {"id": 30}), (40, {"id": 50}),
                                                          (45, {"id": 55})]
    assert [f["page"] for f in failures] == [1, 3, 6, 7] and all("Duplicate" in f["error"] for f in failures)
    summary = next(line for line in done.stdout.splitlines() if line.strip().startswith("written:"))
    assert "46 records" in summary and "4 failed" in summary and f"{run}/_write_failures.jsonl" in summary
    assert "record 5 (id=15): " in done.stdout and "record 40 (id=50): " in done.stdout
    assert "... 1 more" in done.stdout
    assert not (run / "_INCOMPLETE").exists()  # the flow read everything: complete, with failed writes


# --- credentials files ----------------------------------------------------------------------------------------


def test_a_credentials_file_is_read_as_its_keys_say(read_db: dict[str, Any], tmp_path: Path) -> None:
    """Without customAuthenticationType, host + password is the MySQL custom type, not BasicAuth."""
    creds = tmp_path / "local.json"
    creds.write_text(json.dumps(custom_secret(read_db, customAuthenticationType=None)))
    done = run_cli("flow", f"{read_db['database']}.seq", "--credentials-file", str(creds), "--setting",
                   "tlsMode=PREFERRED", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "CustomAuth, logged in" in done.stderr and "150 records" in done.stdout


@pytest.mark.parametrize(("content", "expected"), [
    ({"host": "127.0.0.1", "username": "u", "database": "d"}, ["no password", '"customAuthenticationType": '
                                                                            '"MySQL-IAM"']),
    ({"username": "u", "password": "p"}, ["no host", "--setting host="]),
    ({"customAuthenticationType": "MySQL", "host": "127.0.0.1", "password": "p"}, ["lacks username"]),
    ({"databaseSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-AbCdEf"},
     ["MySQL-DatabaseSecret", "--secret-arn"]),
    ({"customAuthenticationType": "Kerberos", "host": "h"}, ["'Kerberos'", "MySQL, MySQL-IAM, MySQL-DatabaseSecret"]),
])
def test_a_credentials_file_that_cannot_log_in_names_the_file_and_the_key(tmp_path: Path, content: dict[str, Any],
                                                                          expected: list[str]) -> None:
    creds = tmp_path / "mine.json"
    creds.write_text(json.dumps(content))
    for command in (["flow", "appdb.orders"], ["doctor"]):
        done = run_cli(*command, "--credentials-file", str(creds), "--out" if command[0] == "flow" else "--json",
                       *([str(tmp_path / "out")] if command[0] == "flow" else []))
        assert done.returncode == 2, done.stderr
        line = one_error_line(done.stderr)
        assert line.startswith(f"Error: credentials file {creds}") and all(e in line for e in expected), line
        assert "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow" not in done.stderr
        assert "ok  " not in done.stderr and done.stdout == ""


def test_the_in_process_secret_is_named_as_the_file(read_db: dict[str, Any], tmp_path: Path) -> None:
    """What the connector says about the secret it read names the file the user wrote, not moto's ARN."""
    wrong = new_password("file-wrong")
    creds = tmp_path / "local.json"
    creds.write_text(json.dumps(custom_secret(read_db, password=wrong, port=str(free_port()))))
    doctor = run_cli("doctor", "--credentials-file", str(creds), "--setting", "tlsMode=PREFERRED")
    assert doctor.returncode == 1
    assert f"read the credentials file {creds} (fields: " in doctor.stdout
    assert "secret:appflow!" not in doctor.stdout and wrong not in doctor.stdout + doctor.stderr


# --- invoke ---------------------------------------------------------------------------------------------------


def test_the_invoke_example_of_the_help_works_as_shown(read_db: dict[str, Any], mysql_server: ServerAddress,
                                                       tmp_path: Path) -> None:
    """The event's BasicAuth and its host (mydb.cluster-abc...) give way to the file, and the command says so."""
    help_text = run_cli("--help").stdout
    example = next(line.strip() for line in help_text.splitlines() if line.strip().startswith("appflow-mysql invoke"))
    (tmp_path / "events").symlink_to(ROOT / "events")
    (tmp_path / "local.json").write_text(json.dumps(custom_secret(read_db)))
    assert mysql_server.ca_file is not None
    (tmp_path / "local-ca.pem").write_bytes(Path(mysql_server.ca_file).read_bytes())  # as make local-db writes it
    done = run_cli(*example.split()[1:], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["isSuccess"] is True
    assert "local.json" in done.stderr and "mydb.cluster-abc.us-east-1.rds.amazonaws.com" in done.stderr
    assert "Traceback" not in done.stderr


def test_invoke_says_which_host_is_used_when_the_file_has_none(read_db: dict[str, Any], tmp_path: Path) -> None:
    creds = tmp_path / "basic.json"
    creds.write_text(json.dumps({"username": read_db["username"], "password": read_db["password"]}))
    done = run_cli("invoke", str(ROOT / "events/validate_credentials.json"), "--credentials-file", str(creds))
    assert done.returncode == 1 and json.loads(done.stdout)["isSuccess"] is False
    note = next(line for line in done.stderr.splitlines() if "has no host" in line)
    assert "mydb.cluster-abc.us-east-1.rds.amazonaws.com" in note and "--setting host=" in note


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_invoke_stdout_is_one_json_document(read_db: dict[str, Any], creds: Path, verbose: list[str]) -> None:
    """`appflow-mysql invoke ... | jq`: the connector's log lines go to stderr, even with -v."""
    done = run_cli(*verbose, "invoke", str(ROOT / "events/validate_credentials.json"), "--credentials-file",
                   str(creds), "--setting", "tlsMode=PREFERRED", env={"POWERTOOLS_METRICS_NAMESPACE": "Ns"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"isSuccess": True, "errorDetails": None}
    assert ('"request succeeded"' in done.stderr) == bool(verbose)


def test_devkit_invoke_stdout_is_one_json_document() -> None:
    """`make invoke` / `python -m devkit.invoke EVENT | jq`: only the response on stdout, logs on stderr."""
    done = run_module("devkit.invoke", "events/validate_credentials.json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"isSuccess": True, "errorDetails": None}
    assert '"request succeeded"' in done.stderr  # the log lines are still shown, on stderr


# --- the doctor, run here --------------------------------------------------------------------------------------


def test_the_local_doctor_says_where_it_ran_and_what_it_checked(read_db: dict[str, Any], tmp_path: Path) -> None:
    port = free_port()
    creds = tmp_path / "local.json"
    creds.write_text(json.dumps(custom_secret(read_db, port=str(port))))
    done = run_cli("doctor", "--credentials-file", str(creds), "--setting", "tlsMode=PREFERRED")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Checked from this machine") and "--function-name" in lines[0]
    assert lines[1].startswith(f"Secret: the credentials file {creds}") and "local stand-in" in lines[1]
    dns = next(line for line in lines if line.startswith("PASS  Secrets Manager DNS"))
    assert "loopback" in dns and "interface VPC endpoint" not in dns
    fix = lines[lines.index(next(line for line in lines if line.startswith(f"FAIL  Database TCP {port}"))) + 1]
    assert f"TCP {port} from this machine" in fix


# --- no traceback, whatever the input --------------------------------------------------------------------------


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, str]:
    files = {"not-json.json": "[1", "list.json": "[]", "unknown-type.json": '{"type": "Nope"}',
             "empty.json": "{}"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "somefile").write_text("x")
    return {name: str(tmp_path / name) for name in [*files, "somefile"]}


ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-mysql-nope-AbCdEf"
BAD_INPUT = [
    (["flow"], 2, "Missing argument 'ENTITY'"),
    (["flow", "a.b"], 2, "exactly one of --secret-arn"),
    (["flow", "a.b", "--credentials-file", "{not-json.json}"], 2, "not JSON"),
    (["flow", "a.b", "--credentials-file", "{list.json}"], 2, "must hold a JSON object"),
    (["flow", "a.b", "--credentials-file", "{empty.json}"], 2, "lacks"),
    (["flow", "a.b", "--credentials-file", "/no/such/file.json"], 2, "does not exist"),
    (["flow", "a.b", "--secret-arn", ARN, "--setting", "tlsMode"], 2, "KEY=VALUE"),
    (["flow", "a.b", "--secret-arn", ARN, "--setting", "tlsMode=BAD"], 1, "tlsMode: must be one of"),
    (["flow", "a.b", "--secret-arn", "not-an-arn"], 1, "not an AppFlow connection profile secret"),
    (["flow", "a.b", "--secret-arn", ARN, "--out", "{somefile}/out"], 2, "is a file"),
    (["flow", "a.b", "--secret-arn", ARN, "--page-size", "0"], 2, "--page-size"),
    (["invoke", "{not-json.json}"], 2, "not JSON"),
    (["invoke", "{list.json}"], 2, "must hold a JSON object"),
    (["invoke", "{unknown-type.json}"], 1, None),  # the connector's answer, as JSON on stdout
    (["invoke", "{list.json}", "--credentials-file", "{list.json}"], 2, "must hold a JSON object"),
    (["doctor"], 2, "exactly one of --secret-arn"),
    (["doctor", "--credentials-file", "{list.json}"], 2, "must hold a JSON object"),
    (["doctor", "--secret-arn", "not-an-arn"], 1, "First broken link: "),
    (["doctor", "--function-name", "f"], 2, "--secret-arn"),
    (["doctor", "--function-name", "f", "--credentials-file", "{empty.json}"], 2, "--secret-arn"),
    (["doctor", "--function-name", "f", "--stack-name", "s", "--secret-arn", ARN], 2, "not both"),
    (["doctor", "--via-lambda", "--function-name", "f", "--secret-arn", ARN], 2, "--via-lambda"),
    (["nope"], 2, "No such command"),
]


@pytest.mark.parametrize(("args", "status", "message"), BAD_INPUT, ids=[" ".join(a) for a, _, _ in BAD_INPUT])
def test_bad_input_ends_with_one_line_and_no_traceback(bad_inputs: dict[str, str], aws_env: str, args: list[str],
                                                       status: int, message: str | None) -> None:
    for name, path in bad_inputs.items():
        args = [arg.replace(f"{{{name}}}", path) for arg in args]
    done = run_cli(*args)
    assert done.returncode == status, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    if message is None:
        assert json.loads(done.stdout)["isSuccess"] is False
    elif args[0] == "doctor" and status == 1:
        assert message in done.stdout.splitlines()[-1]
    else:
        assert message in one_error_line(done.stderr)


def test_an_unexpected_error_is_one_line_and_verbose_shows_the_traceback(tmp_path: Path) -> None:
    """A bug is still no traceback by default, but one line that says how to see it."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"type": "DescribeConnectorConfigurationRequest"}))
    sitecustomize = tmp_path / "site" / "sitecustomize.py"
    sitecustomize.parent.mkdir()
    sitecustomize.write_text("import appflow_mysql.runtime as r\n"
                             f"def broken(*a, **k):\n    raise RuntimeError('boom {uuid.uuid4().int}')\n"
                             "r.invoke = broken\n")
    pythonpath = f"{sitecustomize.parent}"
    done = run_cli("invoke", str(event), env={"PYTHONPATH": pythonpath})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    line = one_error_line(done.stderr)
    assert "internal error" in line and "RuntimeError: boom" in line and "-v" in line
    verbose = run_cli("-v", "invoke", str(event), env={"PYTHONPATH": pythonpath})
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr and "RuntimeError: boom" in verbose.stderr
