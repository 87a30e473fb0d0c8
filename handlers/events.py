"""Readable checks of raw AppFlow events before the SDK parses them.

The SDK's ``from_dict`` methods fail with bare ``assert``s and ``KeyError: None``;
these checks name the key, what it should be and what arrived instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connector.errors import InvalidArgumentError
from connector.limits import DEFAULT_MAX_RESULTS, MAX_RESULTS_BOUND

__all__ = ["check_event", "without_nulls"]

AUTH_TYPES = ("BasicAuth", "CustomAuth", "OAuth2", "ApiKey")
SCOPES = ("CONNECTOR_PROFILE", "SOURCE", "DESTINATION", "SOURCE_AND_DESTINATION")
WRITE_OPERATIONS = ("INSERT", "UPDATE", "UPSERT", "DELETE")

Check = Callable[[Any], str | None]  # returns what is wrong, or None


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "a non-empty string"


def _optional_string(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else "a string or null"


def _positive_int(value: Any) -> str | None:
    ok = value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_RESULTS_BOUND)
    return None if ok else (f"a whole number from 1 to {MAX_RESULTS_BOUND}, or null for the default of "
                            f"{DEFAULT_MAX_RESULTS}")


def _string_list(value: Any) -> str | None:
    ok = value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    return None if ok else "a list of strings or null"


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"one of {', '.join(choices)}"

    return check


def _or_null(check: Check) -> Check:
    def optional(value: Any) -> str | None:
        return None if value is None else check(value)

    return optional


def _optional_bool(value: Any) -> str | None:
    return None if value is None or isinstance(value, bool) else "true, false or null"


def _settings(value: Any) -> str | None:
    return None if value is None or isinstance(value, Mapping) else "an object of setting names to values"


def _entity_definition(value: Any) -> str | None:
    """The connector reads the live catalog, but the SDK parses this first: it must have its shape."""
    ok = value is None or (
        isinstance(value, Mapping) and isinstance(value.get("entity"), Mapping)
        and isinstance(value.get("fields"), list) and all(isinstance(f, Mapping) for f in value["fields"]))
    return None if ok else "null or an object with 'entity' (an object) and 'fields' (a list of objects)"


_CREDENTIALS: dict[str, Check] = {"secretArn": _string, "authenticationType": _one_of(AUTH_TYPES)}
_CONTEXT: dict[str, Check] = {"apiVersion": _string}
_DATA: dict[str, Check] = {"entityIdentifier": _string}

# Per request type: required keys and optional keys with their checks.
_SHAPES: dict[str, tuple[dict[str, Check], dict[str, Check]]] = {
    "DescribeConnectorConfigurationRequest": ({}, {"locale": _optional_string}),
    "ValidateConnectorRuntimeSettingsRequest": (
        {"scope": _one_of(SCOPES), "connectorRuntimeSettings": _settings}, {}),
    "ValidateCredentialsRequest": ({}, {"connectorRuntimeSettings": _settings}),
    "ListEntitiesRequest": ({}, {"entitiesPath": _optional_string, "nextToken": _optional_string,
                                 "maxResult": _positive_int}),
    "DescribeEntityRequest": (_DATA, {}),
    "QueryDataRequest": (_DATA, {"selectedFieldNames": _string_list, "filterExpression": _optional_string,
                                 "nextToken": _optional_string, "maxResults": _positive_int}),
    "RetrieveDataRequest": (_DATA, {"selectedFieldNames": _string_list, "idFieldName": _string,
                                    "ids": _string_list}),
    "WriteDataRequest": (_DATA, {"operation": _one_of(WRITE_OPERATIONS), "idFieldNames": _string_list,
                                 "records": _string_list, "allOrNone": _optional_bool}),
    # Not an AppFlow call: `aws lambda invoke` it to diagnose the VPC path from inside the function.
    "DiagnoseRequest": ({"secretArn": _string}, {"authenticationType": _or_null(_one_of(AUTH_TYPES)),
                                                 "connectorRuntimeSettings": _settings}),
}
REQUEST_TYPES = tuple(_SHAPES)


def _check_keys(obj: Any, where: str, required: Mapping[str, Check], optional: Mapping[str, Check]) -> None:
    if not isinstance(obj, Mapping):
        msg = f"{where} must be a JSON object, got {type(obj).__name__}."
        raise InvalidArgumentError(msg)
    for key in required:
        if key not in obj:
            msg = f"{where} lacks the required key '{key}'."
            raise InvalidArgumentError(msg)
    for key, check in (*required.items(), *optional.items()):
        if key in obj and (expected := check(obj[key])) is not None:
            msg = f"{where}.{key} must be {expected}; got {_show(obj[key])}."
            raise InvalidArgumentError(msg)


def _show(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {str(value)[:60]!r}"


def check_event(event: Any) -> str:
    """Return the request type of a well-formed event; raise InvalidArgumentError otherwise."""
    if not isinstance(event, Mapping):
        msg = f"The event must be a JSON object with a 'type' key, got {type(event).__name__}."
        raise InvalidArgumentError(msg)
    request_type = event.get("type")
    if not isinstance(request_type, str) or request_type not in _SHAPES:
        msg = f"Unknown request type {_show(request_type)}; expected one of {', '.join(REQUEST_TYPES)}."
        raise InvalidArgumentError(msg)
    required, optional = _SHAPES[request_type]
    _check_keys(event, request_type, required, optional)
    if request_type == "ValidateCredentialsRequest":
        _check_keys(event, request_type, {"credentials": _settings}, {})
        _check_keys(event["credentials"], f"{request_type}.credentials", _CREDENTIALS, {})
    elif request_type not in ("DescribeConnectorConfigurationRequest", "ValidateConnectorRuntimeSettingsRequest",
                              "DiagnoseRequest"):
        where = f"{request_type}.connectorContext"
        _check_keys(event, request_type, {"connectorContext": _settings}, {})
        context = event["connectorContext"]
        _check_keys(context, where, {**_CONTEXT, "credentials": _settings},
                    {"connectorRuntimeSettings": _settings, "entityDefinition": _entity_definition})
        _check_keys(context["credentials"], f"{where}.credentials", _CREDENTIALS, {})
    return str(request_type)


def without_nulls(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event with its null or blank optional keys left out, so the SDK applies its defaults.

    The SDK's own example events send ``"maxResult": null``; ``request.get(key, default)``
    would then hand None on instead of the default.
    """
    required, _ = _SHAPES[str(event["type"])]
    return {key: value for key, value in event.items()
            if key in required or not (value is None or (isinstance(value, str) and not value.strip()))}
