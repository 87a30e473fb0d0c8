"""RecordHandler: reads and writes rows."""

from __future__ import annotations

from custom_connector_sdk.lambda_handler import requests, responses
from custom_connector_sdk.lambda_handler.handlers import RecordHandler

from connector.credentials import SecretStore
from connector.errors import InvalidArgumentError


class MySQLRecordHandler(RecordHandler):
    def __init__(self, secrets: SecretStore) -> None:
        self.secrets = secrets

    def retrieve_data(self, request: requests.RetrieveDataRequest) -> responses.RetrieveDataResponse:
        msg = "RetrieveData is not implemented yet"
        raise InvalidArgumentError(msg)

    def write_data(self, request: requests.WriteDataRequest) -> responses.WriteDataResponse:
        msg = "WriteData is not implemented yet"
        raise InvalidArgumentError(msg)

    def query_data(self, request: requests.QueryDataRequest) -> responses.QueryDataResponse:
        msg = "QueryData is not implemented yet"
        raise InvalidArgumentError(msg)
