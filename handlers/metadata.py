"""MetadataHandler: entities and their fields."""

from __future__ import annotations

from custom_connector_sdk.lambda_handler import requests, responses
from custom_connector_sdk.lambda_handler.handlers import MetadataHandler

from connector.credentials import SecretStore
from connector.errors import InvalidArgumentError


class MySQLMetadataHandler(MetadataHandler):
    def __init__(self, secrets: SecretStore) -> None:
        self.secrets = secrets

    def list_entities(self, request: requests.ListEntitiesRequest) -> responses.ListEntitiesResponse:
        msg = "ListEntities is not implemented yet"
        raise InvalidArgumentError(msg)

    def describe_entity(self, request: requests.DescribeEntityRequest) -> responses.DescribeEntityResponse:
        msg = "DescribeEntity is not implemented yet"
        raise InvalidArgumentError(msg)
