"""The answer to every AppFlow request: ``handlers.app.lambda_handler``.

Lambda runs it through ``handlers.lambda_entry`` (template.yaml's Handler), which adds Powertools'
Lambda context to the logs and freezes the import-time heap; the appflow-mysql command, the tests
and the benchmarks import this module and call the same function without either.

One table maps each request type to its SDK request class and handler
method. Expected failures come back as ``isSuccess: false`` with
``errorDetails``; the SDK's own base class would turn them into an opaque
RuntimeError ("Connector failed with error Unhandled").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from custom_connector_sdk.lambda_handler import requests, responses

from connector.credentials import SecretStore
from connector.deadline import Deadline
from connector.errors import ConnectorError, InvalidArgumentError
from handlers.configuration import MySQLConfigurationHandler
from handlers.events import check_event, without_nulls
from handlers.metadata import MySQLMetadataHandler
from handlers.metrics import record_call
from handlers.records import MySQLRecordHandler

__all__ = ["lambda_handler"]

logger = Logger(service="appflow-mysql-connector")
copy_config_to_registered_loggers(source_logger=logger, include={"connector"})
# botocore logs response bodies (secret values) at DEBUG: never let it.
logging.getLogger("botocore").setLevel(logging.INFO)

# Module level so that warm invocations reuse the secret cache and AWS clients.
_secrets = SecretStore()
_configuration = MySQLConfigurationHandler(_secrets)
_metadata = MySQLMetadataHandler(_secrets)
_records = MySQLRecordHandler(_secrets)

Route = tuple[Any, Callable[[Any, Deadline], Any], Callable[[responses.ErrorDetails], Any]]


def _failed(response_class: Any) -> Callable[[responses.ErrorDetails], Any]:
    return lambda details: response_class(is_success=False, error_details=details)


def _failed_configuration(details: responses.ErrorDetails) -> Any:
    response = _configuration.describe_connector_configuration(requests.DescribeConnectorConfigurationRequest())
    response.is_success, response.error_details = False, details
    return response


class DiagnoseRequest:
    """The doctor's event: ``{"type": "DiagnoseRequest", "secretArn": ..., ...}``."""

    def __init__(self, event: dict[str, Any]) -> None:
        self.secret_arn = str(event["secretArn"])
        self.authentication_type = str(event.get("authenticationType") or "CustomAuth")
        self.runtime_settings = event.get("connectorRuntimeSettings") or {}

    @classmethod
    def from_dict(cls, event: dict[str, Any]) -> DiagnoseRequest:
        return cls(event)


class _DiagnoseFailure:
    def __init__(self, details: responses.ErrorDetails) -> None:
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"isSuccess": False, "errorDetails": self.details.to_dict(), "checks": []}


def _diagnose(request: DiagnoseRequest, deadline: Deadline) -> Any:
    from connector.doctor import diagnose

    return diagnose(request.secret_arn, request.authentication_type, request.runtime_settings, store=_secrets)


ROUTES: dict[str, Route] = {
    "DescribeConnectorConfigurationRequest": (
        requests.DescribeConnectorConfigurationRequest, _configuration.describe_connector_configuration,
        _failed_configuration),
    "ValidateConnectorRuntimeSettingsRequest": (
        requests.ValidateConnectorRuntimeSettingsRequest, _configuration.validate_connector_runtime_settings,
        _failed(responses.ValidateConnectorRuntimeSettingsResponse)),
    "ValidateCredentialsRequest": (
        requests.ValidateCredentialsRequest, _configuration.validate_credentials,
        _failed(responses.ValidateCredentialsResponse)),
    "ListEntitiesRequest": (
        requests.ListEntitiesRequest, _metadata.list_entities, _failed(responses.ListEntitiesResponse)),
    "DescribeEntityRequest": (
        requests.DescribeEntityRequest, _metadata.describe_entity, _failed(responses.DescribeEntityResponse)),
    "QueryDataRequest": (requests.QueryDataRequest, _records.query_data, _failed(responses.QueryDataResponse)),
    "RetrieveDataRequest": (
        requests.RetrieveDataRequest, _records.retrieve_data, _failed(responses.RetrieveDataResponse)),
    "WriteDataRequest": (requests.WriteDataRequest, _records.write_data, _failed(responses.WriteDataResponse)),
    "DiagnoseRequest": (DiagnoseRequest, _diagnose, _DiagnoseFailure),
}


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    """Answer one AppFlow request; never raise for an expected failure. Each answer is counted (metrics.py)."""
    started = time.perf_counter()
    response = _answer(event, context)
    record_call(event, response, time.perf_counter() - started)
    return response


def _answer(event: Any, context: Any) -> dict[str, Any]:
    request_type = event.get("type") if isinstance(event, dict) else None
    request_id = getattr(context, "aws_request_id", None)
    logger.append_keys(request_type=request_type, request_id=request_id,
                       entity=event.get("entityIdentifier") if isinstance(event, dict) else None)
    route = ROUTES.get(request_type) if isinstance(request_type, str) else None
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    deadline = Deadline.for_call(request_type if isinstance(request_type, str) else None,
                                 remaining() if callable(remaining) else None)
    try:
        check_event(event)
        assert route is not None  # check_event accepts only routed types
        request_class, handle, _ = route
        try:
            request = request_class.from_dict(without_nulls(event))
        except (AssertionError, AttributeError, KeyError, TypeError, ValueError) as exc:
            msg = f"Malformed {request_type} event: {exc}"
            raise InvalidArgumentError(msg) from exc
        response = handle(request, deadline)
    except UnicodeEncodeError:  # a JSON \ud800 escape in a name, a filter or an id: no text MySQL can take
        bad = InvalidArgumentError(
            "The request holds text that is not valid Unicode (a lone UTF-16 surrogate such as \\ud800 in an "
            "entity name, filter, id or field name); send the text with both halves of the pair, or without it.")
        logger.warning("request failed", extra={"error_code": bad.error_code.name, "reason": bad.message})
        return _error_response(route, responses.ErrorDetails(bad.error_code, bad.message, None))
    except ConnectorError as exc:
        logger.warning("request failed", extra={"error_code": exc.error_code.name, "reason": exc.message})
        details = responses.ErrorDetails(exc.error_code, exc.message, exc.retry_after_seconds)
        return _error_response(route, details)
    except Exception:
        logger.exception("unexpected failure")
        details = responses.ErrorDetails(
            responses.ErrorCode.UnknownError,
            f"Unexpected connector failure (Lambda request id {request_id}); the function's CloudWatch log "
            "has the traceback.",
        )
        return _error_response(route, details)
    logger.info("request succeeded", extra={"is_success": getattr(response, "is_success", None)})
    return dict(response.to_dict())


def _error_response(route: Route | None, details: responses.ErrorDetails) -> dict[str, Any]:
    if route is None:
        return {"isSuccess": False, "errorDetails": details.to_dict()}
    return dict(route[2](details).to_dict())
