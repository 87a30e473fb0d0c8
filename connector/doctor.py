"""The network doctor: the user's checklist, automated, one link at a time.

Secrets Manager endpoint DNS and TCP, GetSecretValue, the secret's content,
database DNS, TCP, TLS, login and the SELECT privilege: each check passes or
fails with what was observed and, when it fails, the exact fix; the checks after
the first broken link are skipped. The same function answers the CLI's
``appflow-mysql doctor`` and the Lambda's ``DiagnoseRequest`` event, so the
VPC path can be diagnosed from where the connector really runs.

What an address means and what to fix depend on where the checks run (``where``): inside the
function (``lambda``: its subnets, its security group) or on another machine (``here``: a
laptop or a bastion, whose path to the database is not the function's). A loopback address
is named as such: a local stand-in (moto, a tunnel), not an AWS endpoint.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import urlparse

import pymysql

from connector.credentials import DbLogin, SecretStore, login_from_secret
from connector.database import check_select, connect
from connector.errors import ConnectorError, InvalidArgumentError, PasswordWithheldError, classify_mysql_error
from connector.login_guard import GuardedConnection
from connector.settings import ProfileSettings, parse_settings

__all__ = ["Check", "Diagnosis", "Where", "diagnose", "where_this_runs"]

_TCP_TIMEOUT = 3.0
Where = Literal["lambda", "here"]


def where_this_runs() -> Where:
    """``lambda`` inside a Lambda function (the runtime sets AWS_LAMBDA_FUNCTION_NAME), else ``here``."""
    return "lambda" if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") else "here"


@dataclass(frozen=True)
class Check:
    """One link of the path: passed (True), broken (False) or skipped (None)."""

    name: str
    ok: bool | None
    seconds: float
    detail: str
    fix: str | None = None


@dataclass(frozen=True)
class Diagnosis:
    checks: list[Check]
    first_broken: str | None

    @property
    def is_success(self) -> bool:
        return self.first_broken is None

    @property
    def summary(self) -> str:
        if self.first_broken is None:
            return "All links work: the connector can read the secret and reach the database."
        broken = next(c for c in self.checks if c.name == self.first_broken)
        return f"First broken link: {broken.name}. {broken.fix or broken.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {"isSuccess": self.is_success, "firstBroken": self.first_broken, "summary": self.summary,
                "checks": [asdict(c) for c in self.checks]}


class _Broken(Exception):
    """A check failed: what was seen and how to fix it."""

    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail, self.fix = detail, fix


class _Run:
    """Runs checks in order, skipping all after the first failure."""

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.broken: str | None = None

    def check(self, name: str, probe: Callable[[], str]) -> bool:
        if self.broken is not None:
            self.checks.append(Check(name, None, 0.0, f"skipped: {self.broken} failed"))
            return False
        started = time.monotonic()
        try:
            detail, ok, fix = probe(), True, None
        except _Broken as exc:
            detail, ok, fix = exc.detail, False, exc.fix
        except ConnectorError as exc:
            detail, ok, fix = type(exc).__name__.removesuffix("Error"), False, exc.message
        self.checks.append(Check(name, ok, round(time.monotonic() - started, 3), detail, fix))
        if not ok:
            self.broken = name
        return ok


def _resolve(host: str, port: int, what: str, fix: str, meaning: Mapping[str, str] | None = None) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        msg = f"{host} does not resolve ({exc.strerror})"
        raise _Broken(msg, fix) from None
    except UnicodeError:
        msg = f"{host[:80]!r} is not a valid DNS name"
        raise _Broken(msg, fix) from None
    addresses = sorted({str(info[4][0]) for info in infos})
    ips = [ipaddress.ip_address(a.partition("%")[0]) for a in addresses]
    if all(ip.is_loopback for ip in ips):
        kind = "loopback"
    else:
        kind = "private" if all(ip.is_private for ip in ips) else "public"
    explained = f"{kind}: {meaning[kind]}" if meaning and kind in meaning else kind
    return f"{what} {host} resolves to {', '.join(addresses)} ({explained})"


def _tcp(host: str, port: int, timeout: float, refused_fix: str, silent_fix: str) -> str:
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        msg = f"{host}:{port} refused the connection"
        raise _Broken(msg, refused_fix) from None
    except TimeoutError:
        msg = f"no answer from {host}:{port} within {timeout:g} s (packets dropped)"
        raise _Broken(msg, silent_fix) from None
    except OSError as exc:
        msg = f"{host}:{port}: {exc.strerror or exc}"
        raise _Broken(msg, silent_fix) from None
    return f"{host}:{port} accepts connections ({(time.monotonic() - started) * 1000:.0f} ms)"


@dataclass(frozen=True)
class _Advice:
    """What an address's kind means and what to fix when a link to it breaks, worded for where the checks run."""

    meaning: dict[str, str]
    dns_fix: str
    refused_fix: str
    silent_fix: str


def _secrets_manager_advice(region: str, endpoint: str, port: int, host: str, here: bool) -> _Advice:
    route_fix = (f"Give the function's subnets a route to Secrets Manager: an interface VPC endpoint "
                 f"com.amazonaws.{region}.secretsmanager with private DNS enabled (the VPC needs 'DNS hostnames' "
                 f"and 'DNS resolution' on), or a NAT gateway.")
    meaning = {"private": "an interface VPC endpoint with private DNS answers",
               "public": "from a VPC this needs a NAT gateway, or an interface endpoint with private DNS",
               "loopback": "a stand-in beside the function, such as moto; not AWS"}
    refused = f"The endpoint's security group must allow inbound TCP {port} from the function's security group."
    silent = (route_fix + f" Check the endpoint's security group admits TCP {port} from the function's "
              "security group, and the function's security group allows that egress.")
    if here:
        route_fix = (f"Check that this machine reaches {endpoint} (its network, proxy and firewall; "
                     "AWS_ENDPOINT_URL_SECRETS_MANAGER, when set, names the endpoint). The function needs its own "
                     f"route: an interface VPC endpoint com.amazonaws.{region}.secretsmanager with private DNS "
                     "enabled, or a NAT gateway; appflow-mysql doctor --function-name checks from there.")
        meaning = {"private": "a private address, reached through this machine's VPC, VPN or peering",
                   "public": "reached over the internet from here; the function, in a VPC, needs a NAT gateway "
                             "or an interface endpoint with private DNS",
                   "loopback": "a local stand-in on this machine, such as moto; not AWS"}
        refused = (f"Nothing accepts TCP {port} at {host} from this machine: check the endpoint URL; an "
                   f"interface endpoint's security group must allow inbound TCP {port} from this machine.")
        silent = route_fix + f" A VPC endpoint's security group must admit TCP {port} from this machine."
    return _Advice(meaning, route_fix + " Without VPC DNS resolution no name resolves at all.", refused, silent)


def _database_advice(host: str, port: int, here: bool) -> _Advice:
    sg_rule = (f"Add an inbound rule to the database's security group: TCP {port} from the function's "
               "security group (and allow that egress in the function's security group).")
    dns_fix = ("Check the host in the connection profile (the cluster endpoint) and that the VPC has DNS resolution "
               "and DNS hostnames enabled.")
    silent_fix = (f"{sg_rule} Also check that the function's subnets route to the database's subnets and the "
                  "network ACLs.")
    meaning = {"loopback": "beside the function"}
    if here:
        meaning = {"loopback": "this machine"}
        sg_rule = (f"Add an inbound rule to the database's security group: TCP {port} from this machine's address "
                   "(on a bastion: from its security group). The function needs one from its own security group.")
        dns_fix = ("Check the host in the connection profile (the cluster endpoint), and that this machine can "
                   "resolve it: a private hosted zone answers only inside the VPC (use a bastion, a VPN, or "
                   "appflow-mysql doctor --function-name); the VPC needs DNS resolution and DNS hostnames enabled.")
        silent_fix = (f"{sg_rule} Also check that this machine has a route to the database (VPN, bastion, "
                      "peering) and the network ACLs.")
    refused = (f"Nothing listens on {host}:{port}, or it rejects us: check the port and that the database runs. "
               f"{sg_rule}")
    return _Advice(meaning, dns_fix, refused, silent_fix)


class _Links:
    """The links that are not plain DNS or TCP, one method each, in the checklist's order.

    Each returns what it saw or raises what broke; what a link learns (the settings, the
    secret's endpoint, the secret, the login, the connection) is kept for the links after it.
    """

    def __init__(self, secret_arn: str, authentication_type: str, runtime_settings: Mapping[str, Any] | None,
                 store: SecretStore) -> None:
        self.secret_arn, self.authentication_type = secret_arn, authentication_type
        self.runtime_settings, self.store = runtime_settings, store
        self.settings: ProfileSettings | None = None
        self.region, self.endpoint = "?", "?"
        self.secret: dict[str, Any] | None = None
        self.login: DbLogin | None = None
        self.conn: Any = None

    def runtime_settings_link(self) -> str:
        self.settings = parse_settings(self.runtime_settings)
        return "runtime settings are valid"

    def secret_arn_link(self) -> str:
        self.region, self.endpoint = self.store.endpoint_for(self.secret_arn)
        return f"secret in {self.region}; Secrets Manager endpoint {self.endpoint}"

    def get_secret_value_link(self) -> str:
        secret = self.store.read_profile(self.secret_arn, refresh=True)
        self.secret = secret
        nested = secret.get("credentialsMap")
        fields = sorted(str(key) for key in (nested if isinstance(nested, dict) else secret))  # names, never values
        return f"read {self.secret_arn} (fields: {', '.join(str(f) for f in fields)})"

    def secret_content_link(self) -> str:
        settings = self.settings
        assert settings is not None and self.secret is not None  # the links before passed
        self.login = self.store.complete(
            login_from_secret(self.secret, self.authentication_type, settings, self.secret_arn), settings, fresh=True)
        login = self.login
        return f"user '{login.user}' at {login.host}:{login.port}, database {login.database or '(none)'}"

    def tls_and_login_link(self, settings: ProfileSettings) -> str:
        try:
            return self._session(settings)
        except PasswordWithheldError as exc:
            detail = "login refused: the server asked for the password itself"
            raise _Broken(detail, exc.message) from None
        except InvalidArgumentError as exc:
            if "TLS" in exc.message:
                detail = "TLS handshake failed"
                raise _Broken(detail, exc.message) from None
            raise

    def _session(self, settings: ProfileSettings) -> str:
        """Connect and log in; the client socket's own cipher decides "TLS in use" (a proxy's session
        variables may say nothing)."""
        assert self.login is not None
        conn = connect(self.login, settings, read_timeout=settings.connect_timeout)
        self.conn = conn
        cipher = conn.tls_cipher() if isinstance(conn, GuardedConnection) else None
        checked = {"VERIFY_IDENTITY": "certificate and host name verified", "VERIFY_CA": "certificate verified",
                   }.get(settings.tls_mode, "certificate not checked")
        if cipher:
            return f"TLS in use ({cipher}; tlsMode {settings.tls_mode}: {checked})"
        return f"no TLS (tlsMode {settings.tls_mode}; the server offers none)"

    def select_privilege_link(self, settings: ProfileSettings) -> str:
        login = self.login
        assert login is not None
        try:
            with self.conn.cursor() as cur:
                cur.execute("SELECT 1", ())
                if login.database:
                    check_select(cur, login)
        except pymysql.err.MySQLError as exc:
            raise classify_mysql_error(exc, login.target(settings)) from exc
        return f"SELECT works in {login.database}" if login.database else "SELECT 1 works (no database configured)"

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def diagnose(
    secret_arn: str,
    authentication_type: str = "CustomAuth",
    runtime_settings: Mapping[str, Any] | None = None,
    *,
    store: SecretStore | None = None,
    where: Where | None = None,
) -> Diagnosis:
    """Check every link between the connector, Secrets Manager and the database.

    ``where`` the checks run decides the wording of meanings and fixes (default: ``where_this_runs()``).
    """
    links = _Links(secret_arn, authentication_type, runtime_settings, store or SecretStore())
    here = (where or where_this_runs()) == "here"
    run = _Run()
    run.check("Runtime settings", links.runtime_settings_link)
    run.check("Secret ARN", links.secret_arn_link)
    parsed = urlparse(links.endpoint)
    sm_host, sm_port = parsed.hostname or links.endpoint, parsed.port or (443 if parsed.scheme == "https" else 80)
    sm = _secrets_manager_advice(links.region, links.endpoint, sm_port, sm_host, here)
    run.check("Secrets Manager DNS", lambda: _resolve(sm_host, sm_port, "endpoint", sm.dns_fix, sm.meaning))
    run.check(f"Secrets Manager TCP {sm_port}", lambda: _tcp(sm_host, sm_port, _TCP_TIMEOUT, sm.refused_fix,
                                                              sm.silent_fix))
    run.check("GetSecretValue", links.get_secret_value_link)
    run.check("Secret content", links.secret_content_link)
    host = links.login.host if links.login else "?"
    port = links.login.port if links.login else 3306
    db = _database_advice(host, port, here)
    run.check("Database DNS", lambda: _resolve(host, port, "database host", db.dns_fix, db.meaning))
    settings = links.settings or ProfileSettings()
    run.check(f"Database TCP {port}", lambda: _tcp(host, port, settings.connect_timeout, db.refused_fix,
                                                   db.silent_fix))
    run.check("TLS and login", lambda: links.tls_and_login_link(settings))
    try:
        run.check("SELECT privilege", lambda: links.select_privilege_link(settings))
    finally:
        links.close()
    return Diagnosis(run.checks, run.broken)
