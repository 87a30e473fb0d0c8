"""A flow, run locally the way AppFlow runs it, every call through the Lambda entry point.

DescribeConnectorConfiguration -> ValidateConnectorRuntimeSettings -> ValidateCredentials
-> ListEntities -> DescribeEntity -> QueryData pages (following ``nextToken``), each page
written to files laid out like AppFlow's S3 destination and, with a destination table,
to that table through WriteData (what AppFlow does when the connector is a flow's
destination).

What the command checks itself (the entity is listed, the fields exist, the destination can
take the records) fails with ``FlowCheckError`` before the first page is read; a call that
answers ``isSuccess: false`` fails with ``FlowFailedError``. Ctrl-C stops the flow after the
page in flight (a second Ctrl-C at once). A run that did not finish keeps the files it wrote,
with an ``_INCOMPLETE`` marker beside them; every record WriteData refused is listed, with its
number in the flow, in ``_write_failures.jsonl``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from appflow_mysql.output import INCOMPLETE_MARKER, WRITE_FAILURES_FILE, Format, PageSink
from appflow_mysql.runtime import Profile, invoke
from connector.limits import DEFAULT_MAX_RESULTS

__all__ = ["FlowCheckError", "FlowFailedError", "FlowInterruptedError", "FlowOptions", "FlowResult", "Outcome",
           "Reporter", "WriteFailure", "WriteOperation", "run_flow"]

WriteOperation = Literal["INSERT", "UPSERT", "UPDATE"]
Outcome = Literal["done", "interrupted", "failed"]


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


@dataclass(frozen=True)
class WriteFailure:
    """One record WriteData refused: its number in the flow (1-based, the files' order), page, key and why."""

    record: int
    page: int
    id: dict[str, Any] | None
    error: str

    def label(self) -> str:
        key = ", ".join(f"{name}={value}" for name, value in (self.id or {}).items())
        return f"record {self.record}" + (f" ({key})" if key else "")


@dataclass
class FlowResult:
    execution_id: str
    directory: Path
    files: list[Path] = field(default_factory=list)
    records: int = 0
    pages: int = 0
    seconds: float = 0.0
    written: int = 0
    write_failures: list[WriteFailure] = field(default_factory=list)
    outcome: Outcome = "done"
    failures_file: Path | None = None  # every WriteFailure, one JSON object a line
    marker: Path | None = None  # _INCOMPLETE, when the run did not finish


class FlowFailedError(Exception):
    """A call answered ``isSuccess: false``: which call, AppFlow's error code and the connector's message.

    ``result`` is the run so far when the failure came after the pages began (files may exist).
    """

    def __init__(self, message: str, *, step: str, error_code: str) -> None:
        super().__init__(f"{step} failed: {error_code}: {message}")
        self.step, self.error_code, self.message = step, error_code, message
        self.result: FlowResult | None = None


class FlowCheckError(Exception):
    """A check the command makes itself (not an answer of the connector), e.g. a destination that is a view."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.result: FlowResult | None = None


class FlowInterruptedError(Exception):
    """Ctrl-C: the run stopped after ``result.pages`` pages (its files whole, marked incomplete)."""

    def __init__(self, result: FlowResult | None) -> None:
        super().__init__("interrupted")
        self.result = result


class Reporter(Protocol):
    """Where a flow tells what it is doing (a progress bar on a terminal, plain lines otherwise)."""

    def step(self, name: str, seconds: float, detail: str) -> None: ...

    def notice(self, text: str) -> None: ...

    def start_pages(self) -> None: ...

    def page(self, rows: int, written: int) -> None: ...

    def end_pages(self, outcome: Outcome = "done") -> None: ...


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
    what = "--to-table" if role == "destination" else "ENTITY"
    msg = f"no entity {entity!r} ({what}) among those ListEntities lists for the profile: {shown or '(none)'}"
    raise FlowCheckError(msg)


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
        msg = f"no field {', '.join(map(repr, unknown))} in {definition['entity']['entityIdentifier']} (--fields); " \
              f"its fields: {', '.join(by_name)}"
        raise FlowCheckError(msg)
    return [by_name[name] for name in wanted]


def _check_destination(destination: dict[str, Any], fields: list[dict[str, Any]], options: FlowOptions) -> list[str]:
    """Refuse, before the first page is read, a destination that cannot take the records; its key fields.

    What DescribeEntity says decides: isWritable, the fields the records carry, and for UPSERT and
    UPDATE a primary key whose fields support the operation and are among the fields read.
    """
    name = destination["entity"]["entityIdentifier"]
    entity = destination["entity"]
    if entity.get("isWritable") is False:
        kind = f" ({entity['description']})" if entity.get("description") else ""
        msg = (f"--to-table {name}: DescribeEntity says isWritable: false{kind}; AppFlow writes only to base tables. "
               "Nothing was read.")
        raise FlowCheckError(msg)
    by_name = {f["fieldName"]: f for f in destination["fields"]}
    missing = [f["fieldName"] for f in fields if f["fieldName"] not in by_name]
    if missing:
        msg = (f"--to-table {name} has no field {', '.join(map(repr, missing))} of {options.entity}; choose the "
               f"fields to copy with --fields (the destination has: {', '.join(by_name)}). Nothing was read.")
        raise FlowCheckError(msg)
    keys = [f["fieldName"] for f in destination["fields"] if f.get("isPrimaryKey")]
    operation = options.write_operation
    if operation != "INSERT":
        if not keys:
            msg = (f"--write-operation {operation} matches records on the primary key, and --to-table {name} has "
                   "none; use INSERT, or give the table a primary key. Nothing was read.")
            raise FlowCheckError(msg)
        unsupported = [k for k in keys if operation not in
                       ((by_name[k].get("writeProperties") or {}).get("supportedWriteOperations") or [])]
        if unsupported:
            msg = (f"--write-operation {operation}: DescribeEntity of {name} does not list it for its key "
                   f"{', '.join(unsupported)} (supportedWriteOperations); use INSERT. Nothing was read.")
            raise FlowCheckError(msg)
        read = {f["fieldName"] for f in fields}
        if any(k not in read for k in keys):
            msg = (f"--write-operation {operation} matches on {name}'s primary key {', '.join(keys)}, which "
                   "--fields leaves out; add it. Nothing was read.")
            raise FlowCheckError(msg)
    return keys


class _StopRequest:
    requested = False


@contextlib.contextmanager
def _stop_between_pages(notice: Callable[[str], None]) -> Iterator[_StopRequest]:
    """The first Ctrl-C asks the flow to stop after the page in flight; a second one stops it at once."""
    stop = _StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(_signum: int, _frame: Any) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True
        notice("Ctrl-C: stopping after this page (Ctrl-C again stops at once)")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def run_flow(profile: Profile, options: FlowOptions, reporter: Reporter) -> FlowResult:
    """Run the flow.

    Raises FlowCheckError or FlowFailedError at the first check or call that fails, and
    FlowInterruptedError after Ctrl-C; once pages were read, their ``result`` is the partial run
    (its files stay, marked ``_INCOMPLETE``).
    """
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
        id_fields = _check_destination(destination, fields, options)

    execution_id = str(uuid.uuid4())
    result = FlowResult(execution_id, options.out / options.flow_name / execution_id)
    sink = PageSink(result.directory, options.format, fields, aggregate=options.aggregate)
    query = {"type": "QueryDataRequest", "entityIdentifier": options.entity, "maxResults": options.page_size,
             "selectedFieldNames": [f["fieldName"] for f in fields], "filterExpression": options.filter,
             "connectorContext": profile.context(definition)}
    started = time.monotonic()
    reporter.start_pages()
    outcome: Outcome = "failed"
    reason = "it failed"
    try:
        with _stop_between_pages(reporter.notice) as stop:
            token: str | None = None
            while True:
                page = _call(f"QueryData page {result.pages + 1}", {**query, "nextToken": token}, reporter)
                records = list(page.get("records") or [])
                try:
                    sink.write_page(records)
                except OSError as exc:
                    msg = f"cannot write the output file in {result.directory}: {exc.strerror or exc}"
                    raise FlowCheckError(msg) from None
                offset = result.records  # pages and records count what the files hold
                result.pages, result.records = result.pages + 1, result.records + len(records)
                written = 0
                if destination is not None and records:
                    written = _write(profile, options, destination, id_fields, records, offset, result)
                reporter.page(len(records), written)
                token = page.get("nextToken")
                if token is None:
                    outcome = "done"
                    break
                if stop.requested:
                    outcome, reason = "interrupted", f"interrupted (Ctrl-C) after page {result.pages}"
                    break
    except KeyboardInterrupt:
        outcome, reason = "interrupted", f"interrupted (Ctrl-C, twice) after page {result.pages}"
    except (FlowFailedError, FlowCheckError) as exc:
        reason = f"failed: {exc}"
        exc.result = result
        raise
    except Exception as exc:
        reason = f"failed: {type(exc).__name__}: {exc}"
        raise
    finally:
        sink.close()
        result.files = list(sink.files)
        result.seconds = time.monotonic() - started
        result.outcome = outcome
        reporter.end_pages(outcome)
        if outcome == "done":
            sink.finish()
        _leave_notes(result, options, reason)
    if outcome == "interrupted":
        raise FlowInterruptedError(result)
    return result


def _leave_notes(result: FlowResult, options: FlowOptions, reason: str) -> None:
    """Beside the files: every refused record (``_write_failures.jsonl``), and ``_INCOMPLETE`` for an unfinished run."""
    with contextlib.suppress(OSError):
        if result.write_failures:
            path = result.directory / WRITE_FAILURES_FILE
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps({"record": f.record, "page": f.page, "id": f.id, "error": f.error},
                                               ensure_ascii=False, default=str) + "\n"
                                    for f in result.write_failures), encoding="utf-8")
            result.failures_file = path
        if result.outcome != "done" and result.directory.is_dir():
            written = f"; {result.written:,} of them were written into {options.to_table}" if options.to_table else ""
            marker = result.directory / INCOMPLETE_MARKER
            marker.write_text(
                f"This run did not finish: {reason}.\n"
                f"It holds {len(result.files)} files with {result.records:,} records of {options.entity}, "
                f"pages 1 to {result.pages} (each file whole){written}; the rest was never read.\n",
                encoding="utf-8")
            result.marker = marker


def _write(profile: Profile, options: FlowOptions, destination: dict[str, Any], id_fields: list[str],
           records: list[str], offset: int, result: FlowResult) -> int:
    """WriteData one page (its first record is number ``offset + 1`` of the flow) into the destination table;
    per-record failures are collected, not fatal."""
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
    for index, answer in enumerate(results):
        if not answer.get("isSuccess"):
            result.write_failures.append(WriteFailure(
                offset + index + 1, result.pages,
                _key_of(records[index], id_fields) if index < len(records) else None,
                str(answer.get("errorMessage"))))
    return ok


def _key_of(record: str, id_fields: list[str]) -> dict[str, Any] | None:
    """The record's primary key values (as the connector sent them), or None without a key."""
    if not id_fields:
        return None
    try:
        values = json.loads(record)
    except ValueError:
        return None
    return {name: values.get(name) for name in id_fields} if isinstance(values, dict) else None
