"""Metrics: the CloudWatch EMF lines lambda_handler prints, read back from captured stdout.

Real events through the entry point, against the throwaway MariaDB and moto's Secrets Manager.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_lambda_powertools.metrics import EphemeralMetrics

from handlers import metrics
from handlers.app import lambda_handler
from tests.conftest import KNOWN_PASSWORDS, profile_caller, sql

LABEL = "metrics-connector"
Caller = Callable[..., dict[str, Any]]


@pytest.fixture(autouse=True)
def _deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment template.yaml gives the function."""
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", metrics.NAMESPACE)
    monkeypatch.setenv(metrics.LABEL_VARIABLE, LABEL)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)


def emf(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The EMF objects printed since the last read; no line may hold a password."""
    out = capsys.readouterr().out
    leaked = [p for p in KNOWN_PASSWORDS if p in out]
    assert not leaked, "a password reached stdout"
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" in line]


def dimension_sets(line: dict[str, Any]) -> list[list[str]]:
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == metrics.NAMESPACE
    return [sorted(d) for d in directive["Dimensions"]]


def value(line: dict[str, Any], name: str) -> float:
    """A metric's one value (Powertools writes EMF values as lists: one per add_metric)."""
    (single,) = line[name]
    return float(single)


def values(line: dict[str, Any], *names: str) -> tuple[float, ...]:
    return tuple(value(line, name) for name in names)


def metric_names(line: dict[str, Any]) -> dict[str, str]:
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    return {m["Name"]: m["Unit"] for m in directive["Metrics"]}


@pytest.fixture
def app_call(app_db: dict[str, Any], aws_env: str) -> Caller:
    return profile_caller(app_db, aws_env)


def test_a_page_is_counted_with_rows_bytes_latency_under_the_connector_and_operation(
        app_call: Caller, app_db: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    response = app_call("QueryDataRequest", entityIdentifier=f"{app_db['database']}.orders", maxResults=1)
    assert response["isSuccess"] and len(response["records"]) == 1
    (line,) = emf(capsys)
    assert dimension_sets(line) == [["connector", "operation", "service"], ["connector", "service"]]
    assert (line["service"], line["connector"], line["operation"]) == (metrics.SERVICE, LABEL, "QueryData")
    assert metric_names(line) == {"Calls": "Count", "Failures": "Count", "Latency": "Milliseconds",
                                  "Rows": "Count", "Bytes": "Bytes", "Pages": "Count"}
    assert values(line, "Calls", "Failures", "Rows", "Pages") == (1, 0, 1, 1)
    assert value(line, "Bytes") == len(response["records"][0].encode())
    assert 0 < value(line, "Latency") < 30_000


def test_a_failure_is_counted_once_more_by_its_error_code(
        app_call: Caller, app_db: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    response = app_call("QueryDataRequest", entityIdentifier=f"{app_db['database']}.no_such_table")
    assert not response["isSuccess"]
    call, by_code = emf(capsys)
    assert values(call, "Failures", "Rows", "Bytes") == (1, 0, 0)
    assert "Pages" not in call  # no page was served
    assert dimension_sets(by_code) == [["connector", "errorCode", "operation", "service"]]
    assert metric_names(by_code) == {"Failures": "Count"}
    assert (by_code["errorCode"], by_code["operation"], value(by_code, "Failures")) == (
        response["errorDetails"]["errorCode"], "QueryData", 1)
    # The entity the user asked for is no dimension (unbounded, and may be sensitive).
    assert "no_such_table" not in json.dumps(call) + json.dumps(by_code)


def test_a_refused_login_shows_its_code_and_no_secret(
        app_db: dict[str, Any], aws_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = profile_caller({**app_db, "password": app_db["password"] + "-wrong"}, aws_env)
    KNOWN_PASSWORDS.add(app_db["password"] + "-wrong")
    capsys.readouterr()
    response = wrong("DescribeEntityRequest", entityIdentifier=f"{app_db['database']}.orders")
    assert response["errorDetails"]["errorCode"] == "InvalidCredentials"
    call, by_code = emf(capsys)  # emf() fails on any password in stdout
    assert (call["operation"], by_code["errorCode"]) == ("DescribeEntity", "InvalidCredentials")
    assert app_db["username"] not in json.dumps([call, by_code])


@pytest.fixture
def write_table(exact_db: dict[str, Any]) -> Iterator[str]:
    table = f"m_{uuid.uuid4().hex[:6]}"
    sql(exact_db, f"CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR(5) NOT NULL)")
    yield f"{exact_db['database']}.{table}"
    sql(exact_db, f"DROP TABLE {table}")


def test_a_write_counts_written_rows_failed_records_and_the_bytes_sent(
        call: Caller, write_table: str, capsys: pytest.CaptureFixture[str]) -> None:
    records = [json.dumps({"id": 1, "v": "ü"}), json.dumps({"id": 2, "v": "much too long"}),
               json.dumps({"id": 3, "v": "ok"})]
    capsys.readouterr()
    response = call("WriteDataRequest", entityIdentifier=write_table, operation="INSERT", records=records,
                    allOrNone=False)
    assert [r["isSuccess"] for r in response["writeRecordResults"]] == [True, False, True]
    call_line, by_code = emf(capsys)
    assert call_line["operation"] == "WriteData"
    assert values(call_line, "Rows", "RecordFailures", "Failures") == (2, 1, 1)
    assert value(call_line, "Bytes") == sum(len(r.encode()) for r in records)
    assert by_code["errorCode"] == response["errorDetails"]["errorCode"] == "PartialWriteFailure"


def test_metadata_calls_are_counted_without_volume(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    response = lambda_handler({"type": "DescribeConnectorConfigurationRequest"}, None)
    assert response["isSuccess"]
    (line,) = emf(capsys)
    assert line["operation"] == "DescribeConnectorConfiguration"
    assert set(metric_names(line)) == {"Calls", "Failures", "Latency"}


def test_an_unknown_request_type_is_counted_as_invalid_never_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    response = lambda_handler({"type": "DropAllTablesRequest"}, None)
    assert response["errorDetails"]["errorCode"] == "InvalidArgument"
    call, by_code = emf(capsys)
    assert (call["operation"], by_code["operation"], by_code["errorCode"]) == ("Invalid", "Invalid",
                                                                               "InvalidArgument")
    assert "DropAllTables" not in json.dumps([call, by_code])
    capsys.readouterr()
    lambda_handler(["not", "an", "object"], None)
    assert emf(capsys)[0]["operation"] == "Invalid"


def test_refused_runtime_settings_count_as_invalid_argument(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    response = lambda_handler({"type": "ValidateConnectorRuntimeSettingsRequest", "scope": "CONNECTOR_PROFILE",
                               "connectorRuntimeSettings": {"port": "33o6"}}, None)
    assert not response["isSuccess"] and response["errorsByInputField"]
    _, by_code = emf(capsys)
    assert by_code["errorCode"] == "InvalidArgument"


def test_a_metric_that_cannot_be_printed_changes_no_answer(
        app_call: Caller, app_db: dict[str, Any], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    identifier = f"{app_db['database']}.orders"
    expected = app_call("QueryDataRequest", entityIdentifier=identifier)

    def broken(self: EphemeralMetrics, raise_on_empty_metrics: bool = False) -> None:
        raise BrokenPipeError("stdout is gone")

    monkeypatch.setattr(EphemeralMetrics, "flush_metrics", broken)
    capsys.readouterr()
    with caplog.at_level("WARNING"):
        assert app_call("QueryDataRequest", entityIdentifier=identifier) == expected
    assert emf(capsys) == []
    assert [r.reason for r in caplog.records if r.getMessage() == "metrics not emitted"] == ["BrokenPipeError"]


def test_no_metrics_outside_lambda(app_call: Caller, app_db: dict[str, Any], capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """appflow-mysql, make demo and the benchmarks run lambda_handler locally: their stdout stays theirs."""
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE")
    capsys.readouterr()
    assert app_call("QueryDataRequest", entityIdentifier=f"{app_db['database']}.orders")["isSuccess"]
    assert emf(capsys) == []


def test_the_label_dimension_falls_back_when_the_stack_gives_none(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(metrics.LABEL_VARIABLE)
    capsys.readouterr()
    lambda_handler({"type": "DescribeConnectorConfigurationRequest"}, None)
    assert emf(capsys)[0]["connector"] == "unlabelled"
