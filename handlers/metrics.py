"""CloudWatch metrics of each AppFlow call, printed as EMF lines (Powertools Metrics).

Lambda's log pipeline turns the lines into metrics: no API call and no extra network path from
the private subnets. Dimensions have fixed names and bounded values (the request type, the
AppFlow error code, the connector label from the stack); entity names, filters, ids and anything
from a secret never become a dimension or a value. Printed only when POWERTOOLS_METRICS_NAMESPACE
is set (template.yaml sets it), so local runs (appflow-mysql, make demo, the benchmarks) keep a
clean stdout.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from custom_connector_sdk.lambda_handler.responses import ErrorCode

from handlers.events import REQUEST_TYPES

__all__ = ["NAMESPACE", "SERVICE", "record_call"]

NAMESPACE = "AppFlowMySQLConnector"
SERVICE = "appflow-mysql-connector"
LABEL_VARIABLE = "APPFLOW_CONNECTOR_LABEL"  # the stack's ConnectorLabel: two stacks' metrics stay apart
CONNECTOR_DIMENSION, OPERATION_DIMENSION, ERROR_CODE_DIMENSION = "connector", "operation", "errorCode"
FAILURES = "Failures"
_ERROR_CODES = frozenset(code.name for code in ErrorCode)

logger = logging.getLogger(SERVICE)  # the Powertools Logger of handlers/app.py

Volume = tuple[str, MetricUnit, float]


def record_call(event: Any, response: Mapping[str, Any], seconds: float) -> None:
    """Print this call's metrics; never raise: a metric must not turn an answer into a failure."""
    try:
        namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
        if namespace:
            _emit(namespace, event, response, seconds)
    except Exception as exc:
        logger.warning("metrics not emitted", extra={"reason": type(exc).__name__})


def operation_of(event: Any) -> str:
    """The request type without 'Request'; 'Invalid' for anything unknown (never echo what arrived)."""
    request_type = event.get("type") if isinstance(event, Mapping) else None
    return request_type.removesuffix("Request") if request_type in REQUEST_TYPES else "Invalid"


def error_code_of(response: Mapping[str, Any]) -> str:
    """AppFlow's error code of a failed answer (settings refused per field have none: InvalidArgument)."""
    details = response.get("errorDetails")
    code = details.get("errorCode") if isinstance(details, Mapping) else None
    if code in _ERROR_CODES:
        return str(code)
    return "InvalidArgument" if response.get("errorsByInputField") else "UnknownError"


def _emit(namespace: str, event: Any, response: Mapping[str, Any], seconds: float) -> None:
    label = os.environ.get(LABEL_VARIABLE) or "unlabelled"
    operation = operation_of(event)
    ok = response.get("isSuccess") is True

    call = EphemeralMetrics(namespace=namespace, service=SERVICE)
    call.add_dimension(CONNECTOR_DIMENSION, label)
    call.add_dimension(OPERATION_DIMENSION, operation)
    call.add_dimensions(service=SERVICE, connector=label)  # all operations together: what the alarm watches
    call.add_metric("Calls", MetricUnit.Count, 1)
    call.add_metric(FAILURES, MetricUnit.Count, 0 if ok else 1)
    call.add_metric("Latency", MetricUnit.Milliseconds, round(seconds * 1000, 3))
    for name, unit, value in _volume(operation, event, response):
        call.add_metric(name, unit, value)
    call.flush_metrics()

    if not ok:  # one more line: the failure by its error code
        failure = EphemeralMetrics(namespace=namespace, service=SERVICE)
        failure.add_dimension(CONNECTOR_DIMENSION, label)
        failure.add_dimension(OPERATION_DIMENSION, operation)
        failure.add_dimension(ERROR_CODE_DIMENSION, error_code_of(response))
        failure.add_metric(FAILURES, MetricUnit.Count, 1)
        failure.flush_metrics()


def _volume(operation: str, event: Any, response: Mapping[str, Any]) -> Iterator[Volume]:
    """Rows, bytes and pages of the data calls."""
    if operation in ("QueryData", "RetrieveData"):
        records = _strings(response.get("records"))
        yield "Rows", MetricUnit.Count, len(records)
        yield "Bytes", MetricUnit.Bytes, utf8_bytes(records)
        if operation == "QueryData" and response.get("isSuccess") is True:
            yield "Pages", MetricUnit.Count, 1
    elif operation == "WriteData":
        results = response.get("writeRecordResults")
        results = results if isinstance(results, list) else []
        written = sum(1 for r in results if isinstance(r, Mapping) and r.get("isSuccess") is True)
        yield "Rows", MetricUnit.Count, written
        yield "RecordFailures", MetricUnit.Count, len(results) - written
        yield "Bytes", MetricUnit.Bytes, utf8_bytes(_strings(event.get("records")))


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def utf8_bytes(records: list[str]) -> int:
    """Bytes of the JSON records as sent on the wire (a lone surrogate counts as one replaced character).

    >>> utf8_bytes(['{"a":1}', '{"n":"ü"}'])
    17
    """
    return sum(len(r) if r.isascii() else len(r.encode("utf-8", "replace")) for r in records)
