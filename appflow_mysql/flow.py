"""A flow, run locally the way AppFlow runs it, every call through the Lambda entry point.

DescribeConnectorConfiguration -> ValidateConnectorRuntimeSettings -> ValidateCredentials
-> ListEntities -> DescribeEntity -> QueryData pages (following ``nextToken``), each page
written to files laid out like AppFlow's S3 destination and, with a destination table,
to that table through WriteData (what AppFlow does when the connector is a flow's
destination).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from appflow_mysql.output import Format, PageSink
from appflow_mysql.runtime import Profile, invoke
from connector.limits import DEFAULT_MAX_RESULTS

__all__ = ["FlowFailedError", "FlowOptions", "FlowResult", "Reporter", "WriteOperation", "run_flow"]

WriteOperation = Literal["INSERT", "UPSERT", "UPDATE"]


@dataclass(frozen=True)
class FlowOptions:
    entity: str
    out: Path = Path("out")
    flow_name: str = "local-flow"
    filter: str | None = None
    fields: Sequence[str] | None = None
    page_size: int = DEFAULT_MAX_RESULTS
    format: Format = "jsonl"
    aggregate: bool = False
    to_table: str | None = None
    write_operation: WriteOperation = "INSERT"


@dataclass
class FlowResult:
    execution_id: str
    directory: Path
    files: list[Path] = field(default_factory=list)
    records: int = 0
    pages: int = 0
    seconds: float = 0.0
    written: int = 0
    write_failures: list[str] = field(default_factory=list)


class FlowFailedError(Exception):
    """A call answered ``isSuccess: false``: which call, AppFlow's error code and the connector's message."""

    def __init__(self, message: str, *, step: str, error_code: str) -> None:
        super().__init__(f"{step} failed: {error_code}: {message}")
        self.step, self.error_code, self.message = step, error_code, message


class Reporter(Protocol):
    """Where a flow tells what it is doing (a progress bar on a terminal, plain lines otherwise)."""

    def step(self, name: str, seconds: float, detail: str) -> None: ...

    def start_pages(self) -> None: ...

    def page(self, rows: int, written: int) -> None: ...

    def end_pages(self) -> None: ...


def _call(step: str, event: dict[str, Any], reporter: Reporter, detail: Any = None) -> dict[str, Any]:
    started = time.monotonic()
    response = invoke(event)
    if not response.get("isSuccess"):
        errors = response.get("errorsByInputField") or {}
        details = response.get("errorDetails") or {}
        message = details.get("errorMessage") or "; ".join(f"{k}: {v}" for k, v in errors.items()) or "no message"
        raise FlowFailedError(message, step=step, error_code=str(details.get("errorCode") or "InvalidArgument"))
    if detail is not None:
        reporter.step(step, time.monotonic() - started, detail(response) if callable(detail) else str(detail))
    return response


def _find_entity(profile: Profile, entity: str, reporter: Reporter, role: str = "source") -> None:
    """ListEntities as AppFlow's entity picker does, descending into the schema when entities are nested."""
    listed = _call(f"ListEntities ({role})", {"type": "ListEntitiesRequest", "connectorContext": profile.context()},
                   reporter, lambda r: f"{len(r['entities'])} entities")
    names = [e["entityIdentifier"] for e in listed["entities"]]
    if entity in names:
        return
    schema = entity.partition(".")[0]
    if schema in names:  # no database in the profile: schemas are nested entities
        nested = _call(f"ListEntities {schema}", {"type": "ListEntitiesRequest", "entitiesPath": schema,
                                        "connectorContext": profile.context()},
                       reporter, lambda r: f"{len(r['entities'])} entities in {schema}")
        names = [e["entityIdentifier"] for e in nested["entities"]]
        if entity in names:
            return
    shown = ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
    msg = f"no entity {entity!r}; the profile lists: {shown}"
    raise FlowFailedError(msg, step="ListEntities", error_code="InvalidArgument")


def _describe(profile: Profile, entity: str, reporter: Reporter) -> dict[str, Any]:
    described = _call(f"DescribeEntity {entity}", {"type": "DescribeEntityRequest", "entityIdentifier": entity,
                                                   "connectorContext": profile.context()},
                      reporter, lambda r: f"{len(r['entityDefinition']['fields'])} fields")
    return dict(described["entityDefinition"])


def _selected_fields(definition: dict[str, Any], wanted: Sequence[str] | None) -> list[dict[str, Any]]:
    fields = list(definition["fields"])
    if not wanted:
        return fields
    by_name = {f["fieldName"]: f for f in fields}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        msg = f"no field {', '.join(map(repr, unknown))} in {definition['entity']['entityIdentifier']}; " \
              f"fields: {', '.join(by_name)}"
        raise FlowFailedError(msg, step="DescribeEntity", error_code="InvalidArgument")
    return [by_name[name] for name in wanted]


def run_flow(profile: Profile, options: FlowOptions, reporter: Reporter) -> FlowResult:
    """Run the flow; raise FlowFailedError at the first call that fails (files written so far stay)."""
    _call("DescribeConnectorConfiguration", {"type": "DescribeConnectorConfigurationRequest"}, reporter,
          lambda r: f"{r['connectorName']} {r['connectorVersion']}, modes {', '.join(r['connectorModes'])}")
    _call("ValidateConnectorRuntimeSettings", {
        "type": "ValidateConnectorRuntimeSettingsRequest", "scope": "CONNECTOR_PROFILE",
        "connectorRuntimeSettings": profile.settings}, reporter, f"{len(profile.settings)} settings valid")
    _call("ValidateCredentials", {"type": "ValidateCredentialsRequest", "credentials": profile.credentials,
                                  "connectorRuntimeSettings": profile.settings},
          reporter, f"{profile.auth_type}, logged in")
    _find_entity(profile, options.entity, reporter)
    definition = _describe(profile, options.entity, reporter)
    fields = _selected_fields(definition, options.fields)
    destination: dict[str, Any] | None = None
    id_fields: list[str] = []
    if options.to_table:
        _find_entity(profile, options.to_table, reporter, role="destination")
        destination = _describe(profile, options.to_table, reporter)
        id_fields = [f["fieldName"] for f in destination["fields"] if f.get("isPrimaryKey")]

    execution_id = str(uuid.uuid4())
    result = FlowResult(execution_id, options.out / options.flow_name / execution_id)
    sink = PageSink(result.directory, options.format, fields, aggregate=options.aggregate)
    query = {"type": "QueryDataRequest", "entityIdentifier": options.entity, "maxResults": options.page_size,
             "selectedFieldNames": [f["fieldName"] for f in fields], "filterExpression": options.filter,
             "connectorContext": profile.context(definition)}
    started = time.monotonic()
    reporter.start_pages()
    try:
        token: str | None = None
        while True:
            page = _call(f"QueryData page {result.pages + 1}", {**query, "nextToken": token}, reporter)
            records = list(page.get("records") or [])
            sink.write_page(records)
            written = 0
            if destination is not None and records:
                written = _write(profile, options, destination, id_fields, records, result)
            result.pages, result.records = result.pages + 1, result.records + len(records)
            reporter.page(len(records), written)
            token = page.get("nextToken")
            if token is None:
                break
    finally:
        sink.close()
        reporter.end_pages()
        result.files = list(sink.files)
        result.seconds = time.monotonic() - started
    return result


def _write(profile: Profile, options: FlowOptions, destination: dict[str, Any], id_fields: list[str],
           records: list[str], result: FlowResult) -> int:
    """WriteData one page into the destination table; per-record failures are collected, not fatal."""
    entity = destination["entity"]["entityIdentifier"]
    response = invoke({"type": "WriteDataRequest", "entityIdentifier": entity, "operation": options.write_operation,
                       "idFieldNames": id_fields, "records": records, "allOrNone": False,
                       "connectorContext": profile.context(destination)})
    if not response.get("isSuccess"):
        details = response.get("errorDetails") or {}
        if details.get("errorCode") != "PartialWriteFailure":  # the call itself failed: login, grants, table
            raise FlowFailedError(str(details.get("errorMessage")), step=f"WriteData {entity}",
                                  error_code=str(details.get("errorCode")))
    results = response.get("writeRecordResults") or []
    ok = sum(1 for r in results if r.get("isSuccess"))
    result.written += ok
    result.write_failures += [str(r.get("errorMessage")) for r in results if not r.get("isSuccess")]
    return ok
