"""``appflow-mysql doctor --function-name/--stack-name``: the doctor inside the deployed function.

The console script runs in a child process with the caller's (fake) AWS credentials; Lambda's
Invoke API is a loopback stand-in that calls the real handler in-process with the posted event
(``tests/lambda_standin.py``), CloudFormation is moto's. What is asserted is what a user sees:
the same checklist as the local doctor, from the function, and one line for each way the
invocation can fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from devkit.mariadb import free_port
from tests.cli_process import ROOT, one_error_line, run_cli
from tests.lambda_standin import CONNECTOR, CRASHING, DENIED, HANGING, TIMING_OUT, StandIn, lambda_standin

SETTINGS = ["--setting", "tlsMode=PREFERRED"]


@pytest.fixture(scope="module")
def standin() -> Iterator[StandIn]:
    with lambda_standin() as running:
        yield running


@pytest.fixture
def env(standin: StandIn, aws_env: str) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL_LAMBDA": standin.endpoint, "AWS_ENDPOINT_URL_CLOUDFORMATION": aws_env}


def secret_for(db: dict[str, Any], **changes: str) -> dict[str, str]:
    return {"customAuthenticationType": "MySQL", "host": db["host"], "port": str(db["port"]),
            "database": db["database"], "username": db["username"], "password": db["password"], **changes}


def checks(stdout: str) -> list[tuple[str, str]]:
    """(verdict, check name) of each checklist line."""
    return [(line[:4], line[6:].split("  ")[0].strip()) for line in stdout.splitlines()
            if line[:4] in ("PASS", "FAIL", "SKIP")]


def test_the_function_answers_the_same_checklist(read_db: dict[str, Any], make_secret: Callable[..., str],
                                                 standin: StandIn, env: dict[str, str]) -> None:
    arn = make_secret(secret_for(read_db))
    remote = run_cli("doctor", "--function-name", CONNECTOR, "--secret-arn", arn, *SETTINGS, env=env)
    assert remote.returncode == 0, remote.stdout + remote.stderr
    first, *_, last = remote.stdout.splitlines()
    assert first.startswith(f"Checked from the Lambda function {CONNECTOR} in us-east-1")
    assert "request id standin-request-1" in first
    assert last.startswith("All links work")
    local = run_cli("doctor", "--secret-arn", arn, *SETTINGS)
    assert checks(remote.stdout) == checks(local.stdout) and len(checks(local.stdout)) == 10
    assert all(verdict == "PASS" for verdict, _ in checks(remote.stdout))
    sent = standin.events[-1]  # the events/diagnose.json shape, with the profile's values
    assert sent.keys() == json.loads((ROOT / "events/diagnose.json").read_text()).keys()
    assert sent == {"type": "DiagnoseRequest", "secretArn": arn, "authenticationType": "CustomAuth",
                    "connectorRuntimeSettings": {"tlsMode": "PREFERRED"}}


def test_a_broken_link_is_fixed_from_the_functions_side(read_db: dict[str, Any], make_secret: Callable[..., str],
                                                        env: dict[str, str]) -> None:
    port = free_port()
    arn = make_secret(secret_for(read_db, port=str(port)))
    done = run_cli("doctor", "--function-name", CONNECTOR, "--secret-arn", arn, *SETTINGS, env=env)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    failed = next(i for i, line in enumerate(lines) if line.startswith("FAIL"))
    assert lines[failed].startswith(f"FAIL  Database TCP {port}") and "refused" in lines[failed]
    assert f"TCP {port} from the function's security group" in lines[failed + 1]  # fixed where it ran
    assert "this machine" not in done.stdout.split("\n", 1)[1]
    assert lines[-1].startswith(f"First broken link: Database TCP {port}")
    as_json = run_cli("doctor", "--function-name", CONNECTOR, "--secret-arn", arn, *SETTINGS, "--json", env=env)
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["firstBroken"] == f"Database TCP {port}"


def test_the_stack_names_the_function(read_db: dict[str, Any], make_secret: Callable[..., str], aws_env: str,
                                      env: dict[str, str]) -> None:
    cloudformation = boto3.client("cloudformation", endpoint_url=aws_env, region_name="us-east-1")
    cloudformation.create_stack(StackName="appflow-mysql-connector", TemplateBody=json.dumps({
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"FunctionName": {"Value": CONNECTOR}}}))
    arn = make_secret(secret_for(read_db))
    done = run_cli("doctor", "--stack-name", "appflow-mysql-connector", "--secret-arn", arn, *SETTINGS, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"Checked from the Lambda function {CONNECTOR} in us-east-1")
    missing = run_cli("doctor", "--stack-name", "no-such-stack", "--secret-arn", arn, env=env)
    assert missing.returncode == 1 and missing.stdout == ""
    assert one_error_line(missing.stderr) == ("Error: no CloudFormation stack 'no-such-stack' in us-east-1: check "
                                              "--stack-name and the region (AWS_REGION)")


@pytest.mark.parametrize(("function", "extra", "expected"), [
    ("no-such-fn", [], ["no Lambda function no-such-fn in us-east-1", "--function-name"]),
    (DENIED, [], [f"not allowed to invoke {DENIED}", "lambda:InvokeFunction"]),
    (CRASHING, [], [f"the function {CRASHING} failed (Unhandled): Runtime.ImportModuleError: Unable to import",
                    "build and deploy again"]),
    (TIMING_OUT, [], ["failed (Unhandled): Sandbox.Timedout:", "Task timed out after 30.00 seconds",
                      "ran out of its timeout"]),
    (HANGING, ["--timeout", "1"], [f"no answer from {HANGING} within 1 s (--timeout)"]),
], ids=["not-found", "access-denied", "function-error", "function-timeout", "no-answer"])
def test_each_failure_to_ask_the_function_is_one_line(function: str, extra: list[str], expected: list[str],
                                                      env: dict[str, str]) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-mysql-p-AbCdEf"
    done = run_cli("doctor", "--function-name", function, "--secret-arn", arn, *extra, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    line = one_error_line(done.stderr)
    assert line.startswith("Error: ") and all(text in line for text in expected), line
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""
