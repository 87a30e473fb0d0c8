"""RecordHandler: reads (and, with the write issue, writes) rows."""

from __future__ import annotations

import time
from typing import Any

from custom_connector_sdk.lambda_handler import requests, responses
from custom_connector_sdk.lambda_handler.handlers import RecordHandler

from connector.catalog import load_entity, split_identifier
from connector.credentials import DbLogin, SecretStore, with_profile_login
from connector.database import session
from connector.errors import InvalidArgumentError
from connector.query import query_page, retrieve_records
from connector.settings import ProfileSettings
from connector.types import decoders

# Stop filling a page this long before Lambda's (and AppFlow's) 30 s run out.
SAFETY_SECONDS = 5.0


class MySQLRecordHandler(RecordHandler):
    """Pages through tables for QueryData and fetches rows by id for RetrieveData."""

    def __init__(self, secrets: SecretStore) -> None:
        self.secrets = secrets
        self.context: Any = None  # the Lambda context of the call in progress (for its remaining time)

    def _deadline(self) -> float | None:
        remaining = getattr(self.context, "get_remaining_time_in_millis", None)
        return time.monotonic() + remaining() / 1000 - SAFETY_SECONDS if remaining else None

    def query_data(self, request: requests.QueryDataRequest) -> responses.QueryDataResponse:
        deadline = self._deadline()

        def run(login: DbLogin, settings: ProfileSettings) -> responses.QueryDataResponse:
            schema, table = split_identifier(request.entity_identifier, login.database)
            with session(login, settings, conv=decoders(settings.source_time_zone)) as conn:
                entity = load_entity(conn, schema, table, tinyint1_as_boolean=settings.tinyint1_as_boolean)
                page = query_page(conn, entity, fields=request.selected_field_names,
                                  filter_expression=request.filter_expression, next_token=request.next_token,
                                  max_results=request.max_results, source_time_zone=settings.source_time_zone,
                                  deadline=deadline)
            return responses.QueryDataResponse(is_success=True, records=page.records, next_token=page.next_token)

        return with_profile_login(self.secrets, request.connector_context, run)

    def retrieve_data(self, request: requests.RetrieveDataRequest) -> responses.RetrieveDataResponse:
        if not request.id_field_name:
            msg = "RetrieveDataRequest needs idFieldName (the field the ids belong to)."
            raise InvalidArgumentError(msg)

        def run(login: DbLogin, settings: ProfileSettings) -> responses.RetrieveDataResponse:
            schema, table = split_identifier(request.entity_identifier, login.database)
            with session(login, settings, conv=decoders(settings.source_time_zone)) as conn:
                entity = load_entity(conn, schema, table, tinyint1_as_boolean=settings.tinyint1_as_boolean)
                records = retrieve_records(conn, entity, fields=request.selected_field_names,
                                           id_field=str(request.id_field_name), ids=request.ids or [])
            return responses.RetrieveDataResponse(is_success=True, records=records)

        return with_profile_login(self.secrets, request.connector_context, run)

    def write_data(self, request: requests.WriteDataRequest) -> responses.WriteDataResponse:
        msg = "WriteData is not supported yet: this connector is a SOURCE (DESTINATION comes with the write path)."
        raise InvalidArgumentError(msg)
