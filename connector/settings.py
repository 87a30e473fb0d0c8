"""The connector's runtime settings: one table of keys, labels, parsers.

AppFlow shows each setting in the connection profile form and sends the
values (as strings) with every call. The same table drives
DescribeConnectorConfiguration, ValidateConnectorRuntimeSettings and the
parsing that every other operation does.
"""

from __future__ import annotations

import os
import stat
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from custom_connector_sdk.connector.settings import ConnectorRuntimeSettingDataType as SettingType

from connector.errors import InvalidArgumentError
from connector.limits import CA_BUNDLE_MAX_BYTES, CONNECT_TIMEOUT_DEFAULT, CONNECT_TIMEOUT_RANGE, SHORT_BUDGET_SECONDS

__all__ = ["DEFAULT_TLS_MODE", "SETTINGS", "VERIFYING_TLS_MODES",
           "ProfileSettings", "SettingSpec", "TlsMode", "parse_settings", "setting_errors"]

TlsMode = Literal["DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"]
TLS_MODES: tuple[TlsMode, ...] = ("DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY")
# Aurora's certificates chain to the Amazon RDS CAs (shipped in connector/certs) and name the endpoint.
DEFAULT_TLS_MODE: TlsMode = "VERIFY_IDENTITY"
VERIFYING_TLS_MODES: frozenset[str] = frozenset({"VERIFY_CA", "VERIFY_IDENTITY"})


def _port(value: str) -> int:
    if not (value.strip().isascii() and value.strip().isdigit()) or not 1 <= int(value) <= 65535:
        msg = "must be a TCP port between 1 and 65535"
        raise ValueError(msg)
    return int(value)


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    low, high = CONNECT_TIMEOUT_RANGE
    if not low <= seconds <= high:
        # AppFlow gives validation calls 10 s in all; the secret read needs its share.
        msg = (f"must be between {low:g} and {high:g} seconds (AppFlow allows {SHORT_BUDGET_SECONDS:g} s for a "
               "validation call)")
        raise ValueError(msg)
    return seconds


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        msg = "must be true or false"
        raise ValueError(msg)
    return lowered == "true"


def _tls_mode(value: str) -> str:
    mode = value.strip().upper()
    if mode not in TLS_MODES:
        msg = f"must be one of {', '.join(TLS_MODES)}"
        raise ValueError(msg)
    return mode


def _time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        msg = "must be an IANA time zone name such as UTC or Asia/Tokyo"
        raise ValueError(msg) from exc
    return value


def _text(value: str) -> str:
    if not value.strip():
        msg = "must not be empty"
        raise ValueError(msg)
    return value.strip()


@dataclass(frozen=True)
class SettingSpec:
    """One runtime setting as AppFlow shows it and as we parse it."""

    key: str
    attr: str
    label: str
    description: str
    data_type: SettingType
    parse: Callable[[str], Any]
    default: Any = None
    options: tuple[str, ...] | None = None


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("host", "host", "Host",
                "Database endpoint, e.g. the Aurora cluster endpoint. Needed with Basic authentication; "
                "with the MySQL authentication type it is part of the credentials.",
                SettingType.String, _text),
    SettingSpec("port", "port", "Port", "TCP port of the database (default 3306).", SettingType.Integer, _port, 3306),
    SettingSpec("database", "database", "Database",
                "Database (schema) to read and write. Empty: every schema the user can see is listed.",
                SettingType.String, _text),
    SettingSpec("tlsMode", "tls_mode", "TLS mode",
                "VERIFY_IDENTITY (default): the server's certificate must chain to a trusted CA (the system CAs "
                "and the Amazon RDS CAs shipped with the connector) and name the host. VERIFY_CA: trusted "
                "certificate, any name (a custom DNS name, an IP address, a tunnel). REQUIRED: encrypted, "
                "certificate not checked (self-signed servers). PREFERRED: TLS when offered. DISABLED.",
                SettingType.String, _tls_mode, DEFAULT_TLS_MODE, TLS_MODES),
    SettingSpec("tlsCaBundle", "tls_ca_bundle", "TLS CA bundle",
                "Path of a PEM file in the function (e.g. in a layer under /opt) holding the CA that signed "
                "the server's certificate, for a server whose CA is neither public nor Amazon RDS. Replaces "
                "the default trust (system CAs and the RDS bundle). Empty: the default. Only a PEM "
                "certificate file of at most 1 MiB outside /proc, /sys and /dev is accepted.",
                SettingType.String, _text),
    SettingSpec("connectTimeoutSeconds", "connect_timeout", "Connect timeout (s)",
                f"Seconds to wait for the database to answer a connection attempt, {CONNECT_TIMEOUT_RANGE[0]:g} to "
                f"{CONNECT_TIMEOUT_RANGE[1]:g} (default {CONNECT_TIMEOUT_DEFAULT:g}).",
                SettingType.Integer, _timeout, CONNECT_TIMEOUT_DEFAULT),
    SettingSpec("tinyint1AsBoolean", "tinyint1_as_boolean", "Read TINYINT(1) as Boolean",
                "true (default): TINYINT(1) columns are Boolean. false: Integer, keeping values like 2.",
                SettingType.Boolean, _boolean, True, ("true", "false")),
    SettingSpec("sourceTimeZone", "source_time_zone", "Time zone of DATETIME values",
                "IANA zone in which DATETIME columns are stored (default UTC); TIMESTAMP is always UTC.",
                SettingType.String, _time_zone, "UTC"),
)
_BY_KEY = {spec.key: spec for spec in SETTINGS}


@dataclass(frozen=True)
class ProfileSettings:
    """Parsed runtime settings with defaults applied."""

    host: str | None = None
    port: int = 3306
    database: str | None = None
    tls_mode: TlsMode = DEFAULT_TLS_MODE
    tls_ca_bundle: str | None = None
    connect_timeout: float = CONNECT_TIMEOUT_DEFAULT
    tinyint1_as_boolean: bool = True
    source_time_zone: str = "UTC"


def _unset(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def setting_errors(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """Return ``{key: reason}`` for every unknown or invalid setting (empty when all are good)."""
    errors: dict[str, str] = {}
    for key, value in (raw or {}).items():
        spec = _BY_KEY.get(key)
        if spec is None:
            errors[key] = f"unknown setting; known settings are {', '.join(_BY_KEY)}"
            continue
        if _unset(value):  # null or blank means "not set": the default applies
            continue
        scalar = isinstance(value, str | int | float) and (
            not isinstance(value, bool) or spec.data_type == SettingType.Boolean)
        if not scalar:
            errors[key] = f"must be text (AppFlow sends runtime settings as strings), got {type(value).__name__}"
            continue
        try:
            spec.parse(str(value))
        except ValueError as exc:
            errors[key] = f"{exc} (got {str(value)[:80]!r})"
    if not errors:
        errors.update(_cross_field_errors(raw or {}))
    return errors


def _cross_field_errors(raw: Mapping[str, Any]) -> dict[str, str]:
    mode = str(raw.get("tlsMode") or DEFAULT_TLS_MODE).strip().upper()
    bundle = str(raw.get("tlsCaBundle") or "").strip()
    problem = _ca_bundle_problem(bundle) if bundle and mode in VERIFYING_TLS_MODES else None
    return {"tlsCaBundle": problem} if problem else {}


_SYSTEM_DIRECTORIES = ("/proc", "/sys", "/dev")
_PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


def _ca_bundle_problem(path: str) -> str | None:
    """Why the file at ``path`` cannot serve as tlsCaBundle, or None when it can.

    A profile may name any path, and the function can read more than CA files (``/proc/self/environ``
    holds the role's session credentials). So only a regular file outside /proc, /sys and /dev, of at
    most CA_BUNDLE_MAX_BYTES, holding a PEM certificate is handed to OpenSSL; and a reason names the
    path and what is wrong with the file, never anything the file holds.
    """
    shown = repr(path[:120])
    real = os.path.realpath(path)
    if any(real == top or real.startswith(top + "/") for top in _SYSTEM_DIRECTORIES):
        return (f"{shown} is a system path, not a CA file: put the CA's PEM file in the function (the artifact, "
                "or a layer under /opt)")
    ship = "ship it in the artifact or a layer"
    try:
        found = os.stat(real)  # before open: opening a FIFO would wait for a writer
        if not stat.S_ISREG(found.st_mode):
            return f"{shown} is not a regular file; name the CA's PEM file ({ship})"
        if found.st_size > CA_BUNDLE_MAX_BYTES:
            return f"{shown} is larger than {CA_BUNDLE_MAX_BYTES:,} bytes, too large for a CA bundle"
        with open(real, "rb") as file:
            head = file.read(CA_BUNDLE_MAX_BYTES)
    except FileNotFoundError:
        return f"no file {shown} in the function ({ship})"
    except OSError as exc:  # no permission, a path through a file
        return f"{shown} cannot be read by the function ({exc.strerror or type(exc).__name__}); {ship}, readable"
    if _PEM_CERTIFICATE not in head:
        return (f"{shown} holds no PEM certificate (a line {_PEM_CERTIFICATE.decode()}); give the CA's certificate "
                "in PEM form")
    return None


def parse_settings(raw: Mapping[str, Any] | None) -> ProfileSettings:
    """Parse ``connectorRuntimeSettings``; raise InvalidArgumentError naming every bad key."""
    errors = setting_errors(raw)
    if errors:
        details = "; ".join(f"{key}: {reason}" for key, reason in errors.items())
        msg = f"Invalid connector runtime settings: {details}"
        raise InvalidArgumentError(msg)
    values: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if _unset(value):
            continue
        values[_BY_KEY[key].attr] = _BY_KEY[key].parse(str(value))
    return ProfileSettings(**values)
