"""ConfigurationHandler: connector description, runtime settings, credentials."""

from __future__ import annotations

from custom_connector_sdk.lambda_handler import requests, responses
from custom_connector_sdk.lambda_handler.handlers import ConfigurationHandler

from connector.configuration import describe_connector_configuration, validate_credentials
from connector.credentials import SecretStore
from connector.deadline import Deadline
from connector.settings import setting_errors


class MySQLConfigurationHandler(ConfigurationHandler):
    """Answers the calls AppFlow makes while a connector is registered and a profile created."""

    def __init__(self, secrets: SecretStore) -> None:
        self.secrets = secrets

    def describe_connector_configuration(
        self, request: requests.DescribeConnectorConfigurationRequest, deadline: Deadline | None = None
    ) -> responses.DescribeConnectorConfigurationResponse:
        return describe_connector_configuration()

    def validate_connector_runtime_settings(
        self, request: requests.ValidateConnectorRuntimeSettingsRequest, deadline: Deadline | None = None
    ) -> responses.ValidateConnectorRuntimeSettingsResponse:
        errors = setting_errors(request.connector_runtime_settings)
        return responses.ValidateConnectorRuntimeSettingsResponse(is_success=not errors, errors_by_input_field=errors)

    def validate_credentials(
        self, request: requests.ValidateCredentialsRequest, deadline: Deadline | None = None
    ) -> responses.ValidateCredentialsResponse:
        validate_credentials(
            self.secrets,
            request.credentials.secret_arn,
            request.credentials.authentication_type.name,
            request.connector_runtime_settings,
            deadline=deadline or Deadline.for_call("ValidateCredentialsRequest"),
        )
        return responses.ValidateCredentialsResponse(is_success=True)
