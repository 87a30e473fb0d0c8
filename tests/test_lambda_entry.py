"""handlers.lambda_entry, what Lambda runs: Powertools' Lambda context in the logs, and gc.freeze() there only.

Each case runs in a fresh interpreter: whether the heap is frozen, and which call is the cold start, are facts
of a whole process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.sam_tools import ROOT
from tests.test_template import Stack

CONTEXT = """
from types import SimpleNamespace
def context(request_id):
    return SimpleNamespace(function_name="conn-ConnectorFunction-AbC", memory_limit_in_mb=1024,
                           invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:conn-ConnectorFunction-AbC",
                           aws_request_id=request_id, get_remaining_time_in_millis=lambda: 30000)
"""


def _run(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter of this venv, importing this work tree's packages."""
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=False, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    assert run.returncode == 0, run.stderr[-4000:]
    return run


def _last_json(run: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_template_runs_the_entry_module() -> None:
    assert Stack(VpcId="vpc-0abc", SubnetIds=["subnet-0a"]).props("ConnectorFunction")["Handler"] == \
        "handlers.lambda_entry.lambda_handler"
    assert (ROOT / "handlers" / "lambda_entry.py").is_file()


def test_importing_handlers_app_freezes_nothing_the_lambda_entry_freezes_the_imports() -> None:
    code = """
import gc, json
import handlers.app
after_app = gc.get_freeze_count()
import handlers.lambda_entry
print(json.dumps({"after_app": after_app, "after_entry": gc.get_freeze_count()}))
"""
    counts = _last_json(_run(code))
    assert counts["after_app"] == 0
    assert counts["after_entry"] > 10_000  # every module the handler imported, and their objects


def test_the_command_answers_through_handlers_app_without_freezing() -> None:
    """appflow-mysql imports handlers.app in-process (appflow_mysql.runtime.invoke): its heap stays collectable."""
    code = """
import gc, json
from appflow_mysql.runtime import invoke
answer = invoke({"type": "DescribeConnectorConfigurationRequest"})
print(json.dumps({"ok": answer["isSuccess"], "frozen": gc.get_freeze_count(),
                  "entry_loaded": "handlers.lambda_entry" in __import__("sys").modules}))
"""
    assert _last_json(_run(code)) == {"ok": True, "frozen": 0, "entry_loaded": False}


def _log_lines(stdout: str) -> list[dict[str, Any]]:
    lines = []
    for line in stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "level" in record:
            lines.append(record)
    return lines


def test_every_log_line_carries_the_lambda_context_and_the_cold_start_once() -> None:
    event = ROOT / "events" / "describe_connector_configuration.json"
    code = CONTEXT + f"""
import json, logging
import handlers.app
from handlers.lambda_entry import lambda_handler
answer = handlers.app._answer
def logging_answer(event, context):  # a line of the connector's own logger, during the call
    logging.getLogger("connector.types").warning("from the connector")
    return answer(event, context)
handlers.app._answer = logging_answer
event = json.load(open({str(event)!r}))
first = lambda_handler(event, context("req-1"))
second = lambda_handler(event, context("req-2"))
print(json.dumps({{"answers": [first["isSuccess"], second["isSuccess"]]}}))
"""
    run = _run(code, {"POWERTOOLS_LOG_LEVEL": "INFO"})
    assert _last_json(run) == {"answers": [True, True]}
    lines = _log_lines(run.stdout)
    assert [(line["message"], line["function_request_id"], line["cold_start"]) for line in lines] == [
        ("from the connector", "req-1", True), ("request succeeded", "req-1", True),
        ("from the connector", "req-2", False), ("request succeeded", "req-2", False)]
    for line in lines:
        assert line["function_name"] == "conn-ConnectorFunction-AbC"
        assert line["function_memory_size"] == 1024
        assert line["function_arn"].endswith(":function:conn-ConnectorFunction-AbC")
        assert line["service"] == "appflow-mysql-connector"
    assert [line["request_type"] for line in lines[1::2]] == ["DescribeConnectorConfigurationRequest"] * 2


def test_the_event_is_never_logged_even_when_powertools_is_told_to(tmp_path: Path) -> None:
    """POWERTOOLS_LOGGER_LOG_EVENT=true would print every WriteData record: the entry's log_event=False wins."""
    canary = "pw-canary-7f3a9c1e-record-value"
    event = json.loads((ROOT / "events" / "write_data.json").read_text())
    event["records"] = [json.dumps({"id": 3, "secret_note": canary})]
    (tmp_path / "event.json").write_text(json.dumps(event))
    with socket.socket() as s:  # a port that refuses: Secrets Manager unreachable, answered fast
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = CONTEXT + f"""
import json
from handlers.lambda_entry import lambda_handler
answer = lambda_handler(json.load(open({str(tmp_path / "event.json")!r})), context("req-9"))
print(json.dumps({{"success": answer["isSuccess"]}}))
"""
    run = _run(code, {"POWERTOOLS_LOGGER_LOG_EVENT": "true", "POWERTOOLS_LOG_LEVEL": "DEBUG",
                      "AWS_ENDPOINT_URL_SECRETS_MANAGER": f"http://127.0.0.1:{port}",
                      "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                      "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"})
    assert _last_json(run) == {"success": False}
    lines = _log_lines(run.stdout)
    assert any(line.get("function_request_id") == "req-9" for line in lines), run.stdout[-2000:]
    assert canary not in run.stdout + run.stderr
