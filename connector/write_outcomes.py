"""Each record's result, the call's outcome, their messages; of the writer imports only record_decoding (Record)."""

from __future__ import annotations

from dataclasses import dataclass

import pymysql

from connector.catalog import Entity
from connector.errors import (
    ConnectorError,
    MySQLTarget,
    ServerError,
    ServiceUnavailableError,
    classify_mysql_error,
    error_number,
    server_message,
    truncated_column,
)
from connector.limits import RETRY_AFTER_SECONDS
from connector.record_decoding import Record
from connector.value_rules import label_choices
from connector.write_codecs import WriteForm

__all__ = ["IDEMPOTENT", "NOT_YET", "RecordResult", "WriteOutcome", "commit_outcome_unknown", "db_failure",
           "nothing_written", "stopped_after_some"]


@dataclass(slots=True)
class RecordResult:
    ok: bool
    record_id: str | None = None
    error: str | None = None


# A record's result until the write decides it: one object for all (results are replaced, never changed).
NOT_YET = RecordResult(False)


@dataclass
class WriteOutcome:
    results: list[RecordResult]
    first_failure: str | None = None  # "record N: reason", when any record failed
    rolled_back: bool = False


def db_failure(record: Record, exc: pymysql.err.MySQLError, entity: Entity) -> RecordResult:
    message = f"{server_message(exc)} (MySQL error {error_number(exc)})"
    return RecordResult(False, record.record_id, message + _labels_hint(entity, exc))


def _labels_hint(entity: Entity, exc: pymysql.err.MySQLError) -> str:
    """What an ENUM or SET column takes, when the server refused a value of it as no label; else ''."""
    name = truncated_column(exc)
    column = next((c for c in entity.columns if c.name == name), None) if name is not None else None
    if column is None or column.type.write_form is not WriteForm.LABEL:
        return ""
    takes = label_choices(column.column_type, of_set=column.type.write.of_set)
    return f": field {column.name!r} ({column.data_type.upper()}) takes {takes}"


def stopped_after_some(results: list[RecordResult], exc: Exception, target: MySQLTarget) -> WriteOutcome:
    """An engine that cannot roll back kept the records written before the call stopped: say which."""
    reason = exc.message if isinstance(exc, ConnectorError) else classify_mysql_error(exc, target).message
    written = sum(r.ok for r in results)
    for index, result in enumerate(results):
        if not result.ok and result.error is None:
            results[index] = RecordResult(False, result.record_id, f"not written: the call stopped: {reason}")
    first = next(i for i, r in enumerate(results) if not r.ok)
    summary = (f"the call stopped after {written} records were written, which stay (the table's engine cannot "
               f"roll back); record {first}: {results[first].error}")
    return WriteOutcome(results, summary)


# Operations that a second run leaves as one run leaves them: by key, with the same values.
IDEMPOTENT: frozenset[str] = frozenset({"UPSERT", "UPDATE", "DELETE"})


def commit_outcome_unknown(operation: str, entity: Entity, sent: int, target: MySQLTarget) -> ConnectorError:
    """The session was lost while MySQL committed: the records may or may not be written."""
    if operation in IDEMPOTENT:
        msg = (f"Outcome unknown: the connection to MySQL at {target.where} was lost during COMMIT of {sent} "
               f"{operation} records to {entity.identifier}, so they may or may not have been written. A retry "
               f"is safe: {operation} by key leaves the same rows however often it runs.")
        return ServiceUnavailableError(msg, retry_after_seconds=RETRY_AFTER_SECONDS)
    msg = (f"Outcome unknown: the connection to MySQL at {target.where} was lost during COMMIT of {sent} "
           f"INSERT records to {entity.identifier}, so they may or may not have been written. Do not simply "
           "retry: an INSERT that did commit would be duplicated. Check the table for these records first "
           "(or write with UPSERT on a key, which is safe to retry).")
    return ServerError(msg)


def nothing_written(results: list[RecordResult]) -> WriteOutcome:
    failed = next(i for i, r in enumerate(results) if not r.ok and r.error)
    reason = f"record {failed}: {results[failed].error}"
    for index, result in enumerate(results):
        if result.ok or not result.error:
            results[index] = RecordResult(False, result.record_id, f"not written: allOrNone is set and {reason}")
    return WriteOutcome(results, reason, rolled_back=True)
