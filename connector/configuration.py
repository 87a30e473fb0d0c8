"""What the connector declares to AppFlow, and the checks behind a new connection profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custom_connector_sdk.connector.auth import AuthenticationConfig, AuthParameter, CustomAuthConfig
from custom_connector_sdk.connector.configuration import (
    ConnectorModes,
    ConnectorOperator,
    TriggerFrequency,
    TriggerType,
)
from custom_connector_sdk.connector.fields import WriteOperationType
from custom_connector_sdk.connector.settings import ConnectorRuntimeSetting, ConnectorRuntimeSettingScope
from custom_connector_sdk.lambda_handler.responses import DescribeConnectorConfigurationResponse

import connector
from connector.credentials import (
    CUSTOM_AUTH_TYPE,
    DATABASE_SECRET_AUTH_TYPE,
    IAM_AUTH_TYPE,
    DbLogin,
    SecretStore,
)
from connector.database import check_select, session
from connector.deadline import Deadline
from connector.errors import InvalidArgumentError
from connector.filters import supported_operators
from connector.settings import SETTINGS, ProfileSettings, parse_settings

__all__ = [
    "API_VERSION",
    "CONNECTOR_NAME",
    "FILTER_OPERATORS",
    "describe_connector_configuration",
    "validate_credentials",
]

CONNECTOR_NAME = "MySQL"
CONNECTOR_OWNER = "appflow-mysql-connector"
API_VERSION = "v1"

# The filter operators the query translator implements (the union of what each column kind of the type
# table allows); PROJECTION is field selection and NO_OP a plain field mapping.
FILTER_OPERATORS: tuple[ConnectorOperator, ...] = supported_operators()
_OPERATORS = [ConnectorOperator.PROJECTION, *FILTER_OPERATORS, ConnectorOperator.NO_OP]

_PORT = AuthParameter("port", False, "Port", "TCP port (default 3306).", False)
_DATABASE = AuthParameter("database", False, "Database",
                          "Database (schema) to use; empty lists every schema the user can see.", False)
# One entry per custom authentication type: AppFlow shows each as its own form.
_CUSTOM_AUTH = [
    CustomAuthConfig(CUSTOM_AUTH_TYPE, [
        AuthParameter("host", True, "Host", "Database endpoint, e.g. the Aurora cluster endpoint.", False),
        _PORT, _DATABASE,
        AuthParameter("username", True, "User name", "MySQL user the connector logs in as.", False),
        AuthParameter("password", True, "Password", "Password of that user.", True),
    ]),
    CustomAuthConfig(IAM_AUTH_TYPE, [
        AuthParameter("host", True, "Host",
                      "Aurora cluster or RDS Proxy endpoint (the IAM token is signed for this name).", False),
        _PORT, _DATABASE,
        AuthParameter("username", True, "User name",
                      "Database user created IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'; the function's "
                      "role needs rds-db:connect for it. No password: the connector signs a 15-minute token.",
                      False),
    ]),
    CustomAuthConfig(DATABASE_SECRET_AUTH_TYPE, [
        AuthParameter("databaseSecretArn", True, "Database secret ARN",
                      "ARN of the Secrets Manager secret holding username and password (e.g. the RDS-managed "
                      "master user secret); rotations are followed without editing the profile. Give the full "
                      "ARN exactly as the connector's stack lists it (template parameter DatabaseSecretArn); "
                      "no other secret is read.", False),
        AuthParameter("host", False, "Host", "Database endpoint; empty: the secret's host.", False),
        _PORT, _DATABASE,
    ]),
]


def describe_connector_configuration() -> DescribeConnectorConfigurationResponse:
    """The connector's capabilities, set explicitly (the SDK's defaults advertise everything)."""
    return DescribeConnectorConfigurationResponse(
        connector_owner=CONNECTOR_OWNER,
        connector_name=CONNECTOR_NAME,
        connector_version=connector.__version__,
        connector_modes=[ConnectorModes.SOURCE, ConnectorModes.DESTINATION],
        supported_api_versions=[API_VERSION],
        is_success=True,
        operators_supported=_OPERATORS,
        trigger_frequencies_supported=list(TriggerFrequency),
        supported_write_operations=list(WriteOperationType),
        supported_trigger_types=[TriggerType.ONDEMAND, TriggerType.SCHEDULED],
        authentication_config=AuthenticationConfig(
            is_basic_auth_supported=True,
            is_api_key_auth_supported=False,
            is_oauth_2_supported=False,
            is_custom_auth_supported=True,
            custom_auth_config=_CUSTOM_AUTH,
        ),
        connector_runtime_setting=[
            ConnectorRuntimeSetting(
                key=spec.key,
                data_type=spec.data_type,
                required=False,
                label=spec.label,
                description=spec.description,
                scope=ConnectorRuntimeSettingScope.CONNECTOR_PROFILE,
                connector_supplied_value_options=list(spec.options) if spec.options else None,
            )
            for spec in SETTINGS
        ],
    )


def validate_credentials(
    store: SecretStore, secret_arn: str, authentication_type: str, raw_settings: Mapping[str, Any] | None,
    *, deadline: Deadline | None = None,
) -> None:
    """Really log in: TCP, TLS as configured, password, ``SELECT 1``, SELECT on the database.

    Raises:
        ConnectorError: the first link that is broken, classified.
    """
    settings = parse_settings(raw_settings)
    deadline = deadline or Deadline.for_call("ValidateCredentialsRequest")
    store.with_login(secret_arn, authentication_type, settings, lambda login: _probe(login, settings, deadline),
                     fresh=True, deadline=deadline)


def _probe(login: DbLogin, settings: ProfileSettings, deadline: Deadline) -> None:
    if not login.host:
        msg = "The database host is empty: set it in the connection profile."
        raise InvalidArgumentError(msg)
    # a login answers within the connect timeout; a slow one is itself the finding
    probe = Deadline(min(deadline.at, Deadline.after(settings.connect_timeout).at))
    with session(login, settings, deadline=probe, reuse=False) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1", ())
        if login.database:
            check_select(cur, login)
