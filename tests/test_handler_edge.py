"""The Lambda edge: malformed events, the connector description, settings validation, logging."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import connector
from handlers import app
from handlers.app import lambda_handler
from tests.conftest import LEAKS, new_password

SHARED_EVENTS = Path(__file__).resolve().parents[1] / "events"


def event(name: str) -> dict[str, Any]:
    return dict(json.loads((SHARED_EVENTS / f"{name}.json").read_text()))


def error_of(response: dict[str, Any]) -> tuple[str, str]:
    assert response["isSuccess"] is False
    return response["errorDetails"]["errorCode"], response["errorDetails"]["errorMessage"]


def test_describe_connector_configuration_declares_exactly_what_we_support() -> None:
    response = lambda_handler(event("describe_connector_configuration"), None)
    assert response["isSuccess"] is True
    assert response["connectorVersion"] == connector.__version__
    assert response["connectorModes"] == ["SOURCE", "DESTINATION"]
    assert response["supportedWriteOperations"] == ["INSERT", "UPDATE", "UPSERT", "DELETE"]
    assert set(response["operatorsSupported"]) == {
        "PROJECTION", "EQUAL_TO", "NOT_EQUAL_TO", "LESS_THAN", "LESS_THAN_OR_EQUAL_TO", "GREATER_THAN",
        "GREATER_THAN_OR_EQUAL_TO", "BETWEEN", "CONTAINS", "NO_OP"}
    assert set(response["supportedTriggerTypes"]) == {"ONDEMAND", "SCHEDULED"}
    auth = response["authenticationConfig"]
    assert auth["isBasicAuthSupported"] and auth["isCustomAuthSupported"] and not auth["isOAuth2Supported"]
    forms = {c["authenticationType"]: {p["key"]: p for p in c["authParameters"]} for c in auth["customAuthConfig"]}
    assert set(forms) == {"MySQL", "MySQL-IAM", "MySQL-DatabaseSecret"}
    params = forms["MySQL"]
    assert params["password"]["sensitiveField"] is True
    assert params["host"]["required"] and not params["host"]["sensitiveField"]
    # IAM: no password at all; a database secret: only its ARN is required (host may come from it)
    assert set(forms["MySQL-IAM"]) == {"host", "port", "database", "username"}
    assert [k for k, p in forms["MySQL-DatabaseSecret"].items() if p["required"]] == ["databaseSecretArn"]
    settings = {s["key"]: s for s in response["connectorRuntimeSetting"]}
    assert {"tlsMode", "tlsCaBundle", "connectTimeoutSeconds", "tinyint1AsBoolean", "sourceTimeZone"} <= set(settings)
    assert all(s["description"] and s["label"] for s in settings.values())
    assert "VERIFY_IDENTITY" in settings["tlsMode"]["connectorSuppliedValueOptions"]
    json.dumps(response)  # what Lambda returns must serialise


def test_runtime_settings_errors_are_reported_per_field() -> None:
    response = lambda_handler({
        "type": "ValidateConnectorRuntimeSettingsRequest", "scope": "CONNECTOR_PROFILE",
        "connectorRuntimeSettings": {"host": "db", "port": "99999", "tlsMode": "SOMETIMES",
                                     "sourceTimeZone": "Mars/Olympus", "colour": "blue"}}, None)
    assert response["isSuccess"] is False
    errors = response["errorsByInputField"]
    assert set(errors) == {"port", "tlsMode", "sourceTimeZone", "colour"}
    assert "65535" in errors["port"] and "VERIFY_CA" in errors["tlsMode"] and "IANA" in errors["sourceTimeZone"]


def test_valid_runtime_settings_pass() -> None:
    response = lambda_handler(event("validate_connector_runtime_settings"), None)
    assert response == {"isSuccess": True, "errorsByInputField": {}, "errorDetails": None}


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        pytest.param("invalid/invalid_no_apiversion", ["apiVersion"], id="no apiVersion"),
        pytest.param("invalid/invalid_no_authtype", ["authenticationType"], id="no authenticationType"),
    ],
)
def test_shapes_the_sdk_rejects_get_a_readable_invalid_argument(raw: str, names: list[str]) -> None:
    code, message = error_of(lambda_handler(event(raw), None))
    assert code == "InvalidArgument"
    assert all(name in message for name in names), message


def test_a_null_max_results_means_the_default() -> None:
    """The SDK's own example sends "maxResults": null: not set, so the shape checks let it through."""
    code, message = error_of(lambda_handler(event("invalid/invalid_maxresults_null"), None))
    assert "maxResults" not in message and code != "UnknownError", message


@pytest.mark.parametrize(
    ("payload", "names"),
    [
        pytest.param([], ["JSON object"], id="not an object"),
        pytest.param({"type": "DeleteEverythingRequest"}, ["DeleteEverythingRequest", "QueryDataRequest"],
                     id="unknown type"),
        pytest.param({"type": "ValidateCredentialsRequest"}, ["credentials"], id="no credentials"),
        pytest.param({"type": "ValidateCredentialsRequest",
                      "credentials": {"secretArn": "x", "authenticationType": "Kerberos"}},
                     ["authenticationType", "BasicAuth"], id="unknown auth type"),
        pytest.param({"type": "ValidateConnectorRuntimeSettingsRequest", "scope": "EVERYWHERE",
                      "connectorRuntimeSettings": {}}, ["scope"], id="bad scope"),
        pytest.param({"type": "QueryDataRequest", "entityIdentifier": "a.b", "maxResults": "10",
                      "connectorContext": {"apiVersion": "v1", "credentials": {"secretArn": "x",
                                                                               "authenticationType": "BasicAuth"}}},
                     ["maxResults", "str"], id="maxResults as text"),
    ],
)
def test_malformed_events_get_invalid_argument(payload: Any, names: list[str]) -> None:
    code, message = error_of(lambda_handler(payload, None))
    assert code == "InvalidArgument"
    assert all(name in message for name in names), message


def test_unexpected_failure_is_unknown_error_with_request_id(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(request: Any, deadline: Any) -> Any:
        raise ZeroDivisionError("boom")

    route = app.ROUTES["DescribeConnectorConfigurationRequest"]
    monkeypatch.setitem(app.ROUTES, "DescribeConnectorConfigurationRequest", (route[0], explode, route[2]))
    response = lambda_handler(event("describe_connector_configuration"),
                              SimpleNamespace(aws_request_id="req-1234"))
    code, message = error_of(response)
    assert code == "UnknownError" and "req-1234" in message
    assert any("ZeroDivisionError" in line for line in LEAKS.lines[-5:]), "traceback not logged"


def test_leak_detector_sees_a_leaked_password() -> None:
    """The suite-wide check (conftest) can fail: a password logged anywhere is seen."""
    password = new_password("canary")
    start = len(LEAKS.lines)
    logging.getLogger("connector.canary").warning("oops %s", password)
    seen = [line for line in LEAKS.lines[start:] if password in line]
    del LEAKS.lines[start:]  # keep the autouse check for this test green
    assert seen
