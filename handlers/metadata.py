"""MetadataHandler: entities and their fields."""

from __future__ import annotations

from custom_connector_sdk.lambda_handler import requests, responses
from custom_connector_sdk.lambda_handler.handlers import MetadataHandler

from connector.catalog import load_entity, split_identifier
from connector.credentials import DbLogin, SecretStore, with_profile_login
from connector.database import session
from connector.deadline import Deadline
from connector.metadata import CACHE_CONTROL, entity_definition, list_entities
from connector.settings import ProfileSettings


class MySQLMetadataHandler(MetadataHandler):
    """Lists and describes tables and views."""

    def __init__(self, secrets: SecretStore) -> None:
        self.secrets = secrets

    def list_entities(self, request: requests.ListEntitiesRequest,
                      deadline: Deadline | None = None) -> responses.ListEntitiesResponse:
        def run(login: DbLogin, settings: ProfileSettings) -> responses.ListEntitiesResponse:
            with session(login, settings, deadline=deadline) as conn:
                found = list_entities(conn, login.database, request.entities_path, request.max_result,
                                      request.next_token)
            return responses.ListEntitiesResponse(is_success=True, entities=found.entities,
                                                  next_token=found.next_token, cache_control=CACHE_CONTROL)

        return with_profile_login(self.secrets, request.connector_context, run, deadline)

    def describe_entity(self, request: requests.DescribeEntityRequest,
                        deadline: Deadline | None = None) -> responses.DescribeEntityResponse:
        def run(login: DbLogin, settings: ProfileSettings) -> responses.DescribeEntityResponse:
            schema, table = split_identifier(request.entity_identifier, login.database)
            with session(login, settings, deadline=deadline) as conn:
                entity = load_entity(conn, schema, table, tinyint1_as_boolean=settings.tinyint1_as_boolean,
                                     deadline=deadline)
            return responses.DescribeEntityResponse(is_success=True, entity_definition=entity_definition(entity),
                                                    cache_control=CACHE_CONTROL)

        return with_profile_login(self.secrets, request.connector_context, run, deadline)
