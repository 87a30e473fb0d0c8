"""RecordHandler: reads and writes rows."""

from __future__ import annotations

from custom_connector_sdk.lambda_handler import requests, responses
from custom_connector_sdk.lambda_handler.handlers import RecordHandler

from connector.catalog import load_entity, split_identifier
from connector.credentials import DbLogin, SecretStore, with_profile_login
from connector.database import session
from connector.deadline import Deadline
from connector.errors import ConnectorError, InvalidArgumentError
from connector.query import query_page, retrieve_records
from connector.settings import ProfileSettings
from connector.writer import WriteOutcome, write_records


class MySQLRecordHandler(RecordHandler):
    """Pages through tables for QueryData and fetches rows by id for RetrieveData."""

    def __init__(self, secrets: SecretStore) -> None:
        self.secrets = secrets

    def query_data(self, request: requests.QueryDataRequest,
                   deadline: Deadline | None = None) -> responses.QueryDataResponse:
        deadline = deadline or Deadline.for_call("QueryDataRequest")

        def run(login: DbLogin, settings: ProfileSettings) -> responses.QueryDataResponse:
            schema, table = split_identifier(request.entity_identifier, login.database)
            with session(login, settings, deadline=deadline, rows_for_appflow=True) as conn:
                # live on every page: the token checks the table still means what the first page saw
                entity = load_entity(conn, schema, table, tinyint1_as_boolean=settings.tinyint1_as_boolean,
                                     deadline=deadline)
                page = query_page(conn, entity, fields=request.selected_field_names,
                                  filter_expression=request.filter_expression, next_token=request.next_token,
                                  max_results=request.max_results, source_time_zone=settings.source_time_zone,
                                  deadline=deadline)
            return responses.QueryDataResponse(is_success=True, records=page.records, next_token=page.next_token)

        return with_profile_login(self.secrets, request.connector_context, run, deadline)

    def retrieve_data(self, request: requests.RetrieveDataRequest,
                      deadline: Deadline | None = None) -> responses.RetrieveDataResponse:
        if not request.id_field_name:
            msg = "RetrieveDataRequest needs idFieldName (the field the ids belong to)."
            raise InvalidArgumentError(msg)

        def run(login: DbLogin, settings: ProfileSettings) -> responses.RetrieveDataResponse:
            schema, table = split_identifier(request.entity_identifier, login.database)
            with session(login, settings, deadline=deadline, rows_for_appflow=True) as conn:
                entity = load_entity(conn, schema, table, tinyint1_as_boolean=settings.tinyint1_as_boolean,
                                     deadline=deadline)
                records = retrieve_records(conn, entity, fields=request.selected_field_names,
                                           id_field=str(request.id_field_name), ids=request.ids or [],
                                           source_time_zone=settings.source_time_zone, deadline=deadline)
            return responses.RetrieveDataResponse(is_success=True, records=records)

        return with_profile_login(self.secrets, request.connector_context, run, deadline)

    def write_data(self, request: requests.WriteDataRequest,
                   deadline: Deadline | None = None) -> responses.WriteDataResponse:
        deadline = deadline or Deadline.for_call("WriteDataRequest")
        if request.operation is None:
            msg = "WriteDataRequest needs operation: INSERT, UPDATE, UPSERT or DELETE."
            raise InvalidArgumentError(msg)
        operation = request.operation.name

        def run(login: DbLogin, settings: ProfileSettings) -> WriteOutcome:
            schema, table = split_identifier(request.entity_identifier, login.database)
            with session(login, settings, read_only=False, deadline=deadline) as conn:
                entity = load_entity(conn, schema, table, tinyint1_as_boolean=settings.tinyint1_as_boolean,
                                     deadline=deadline)
                return write_records(conn, entity, operation=operation,  # type: ignore[arg-type]
                                     id_fields=request.id_field_names, records=request.records or [],
                                     all_or_none=bool(request.all_or_none),
                                     source_time_zone=settings.source_time_zone,
                                     target=login.target(settings), deadline=deadline)

        try:
            outcome = with_profile_login(self.secrets, request.connector_context, run, deadline)
        except ConnectorError as exc:  # the call as a whole failed: still one result per record
            everyone = [responses.WriteRecordResult(False, None, exc.message) for _ in request.records or []]
            details = responses.ErrorDetails(exc.error_code, exc.message, exc.retry_after_seconds)
            return responses.WriteDataResponse(is_success=False, error_details=details, write_record_results=everyone)
        results = [responses.WriteRecordResult(r.ok, r.record_id, r.error) for r in outcome.results]
        if outcome.first_failure is None:
            return responses.WriteDataResponse(is_success=True, write_record_results=results)
        if outcome.rolled_back:
            details = responses.ErrorDetails(
                responses.ErrorCode.InvalidArgument,
                f"Nothing was written (allOrNone): {outcome.first_failure}")
        else:
            failed = sum(not r.ok for r in outcome.results)
            details = responses.ErrorDetails(
                responses.ErrorCode.PartialWriteFailure,
                f"{failed} of {len(results)} records were not written; first: {outcome.first_failure}")
        return responses.WriteDataResponse(is_success=False, error_details=details, write_record_results=results)
