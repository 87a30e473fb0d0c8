"""``appflow-mysql doctor``: the checks of ``connector.doctor`` printed as a checklist.

One line per check (PASS/FAIL/SKIP, milliseconds, what was observed), the exact
fix under each FAIL, and a summary line naming the first broken link, after a line
saying where the checks ran. The checks run in-process, inside the Lambda entry point
as a ``DiagnoseRequest`` event (``--via-lambda``), or in the deployed function
(``--function-name``/``--stack-name``, see ``appflow_mysql.remote``).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from typing import Any

import click

from appflow_mysql.runtime import Profile

__all__ = ["diagnose_event", "render", "run_doctor", "run_remote_doctor"]


def diagnose_event(profile: Profile) -> dict[str, Any]:
    """The ``DiagnoseRequest`` event for a profile (events/diagnose.json's shape)."""
    return {"type": "DiagnoseRequest", "secretArn": profile.secret_arn, "authenticationType": profile.auth_type,
            "connectorRuntimeSettings": profile.settings}


def _answered(response: Mapping[str, Any], who: str) -> dict[str, Any]:
    """A DiagnoseRequest's answer, or one line on why there is no diagnosis in it."""
    if not response.get("checks"):
        details = response.get("errorDetails") or {}
        message = str(details.get("errorMessage") or "no checks and no error in the answer")
        if "Unknown request type" in message:
            message += " (the deployed code predates the doctor: deploy this version)"
        msg = f"{who} answered the DiagnoseRequest without a diagnosis: {details.get('errorCode')}: {message}"
        raise click.ClickException(msg)
    return dict(response)


def _diagnosis(profile: Profile, via_lambda: bool) -> dict[str, Any]:
    """The diagnosis as a dict (``Diagnosis.to_dict()``), however it was obtained here."""
    if via_lambda:
        from appflow_mysql.runtime import invoke

        return _answered(invoke(diagnose_event(profile)), "The Lambda entry point")
    from connector.doctor import diagnose

    return dict(diagnose(profile.secret_arn, profile.auth_type, profile.settings, where="here").to_dict())


def _where_lines(profile: Profile, via_lambda: bool) -> list[str]:
    """What was checked from where: this machine is not the function, a local stand-in is not AWS."""
    how = ", through the Lambda entry point in-process (DiagnoseRequest)" if via_lambda else ""
    lines = [f"Checked from this machine ({socket.gethostname()}){how}, not from the Lambda function: its path "
             "from the VPC can differ (appflow-mysql doctor --function-name NAME checks from there)."]
    if profile.source is not None:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER", "?")
        lines.append(f"Secret: the credentials file {profile.source}, served by a local stand-in for Secrets Manager "
                     f"at {endpoint}: the Secrets Manager checks test that stand-in, not AWS.")
    return lines


def _get(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None


def render(diagnosis: Mapping[str, Any]) -> list[str]:
    """The checklist lines of a diagnosis dict.

    >>> print("\\n".join(render({"checks": [
    ...     {"name": "Database TCP", "ok": True, "seconds": 0.0021, "detail": "db:3306 open", "fix": None},
    ...     {"name": "Login", "ok": False, "seconds": 0.012, "detail": "denied for app", "fix": "Check the password."},
    ...     {"name": "SELECT privilege", "ok": None, "seconds": 0, "detail": "", "fix": None}],
    ...     "first_broken": "Login"})))
    PASS  Database TCP          2 ms  db:3306 open
    FAIL  Login                12 ms  denied for app
          fix: Check the password.
    SKIP  SELECT privilege      -     (an earlier link is broken)
    First broken link: Login. 1 of 3 checks passed; fix that link first (the checks after it did not run).
    """
    checks = list(diagnosis.get("checks") or [])
    width = max((len(str(c.get("name"))) for c in checks), default=10)
    lines = []
    for check in checks:
        ok = check.get("ok")
        name = str(check.get("name")).ljust(width)
        if ok is None:
            lines.append(f"SKIP  {name}  {'-':>5}     {check.get('detail') or '(an earlier link is broken)'}")
            continue
        millis = float(check.get("seconds") or 0) * 1000
        lines.append(f"{'PASS' if ok else 'FAIL'}  {name}  {millis:5.0f} ms  {check.get('detail') or ''}".rstrip())
        if not ok and check.get("fix"):
            lines.extend(f"      fix: {line}" if i == 0 else f"           {line}"
                         for i, line in enumerate(str(check["fix"]).splitlines()))
    passed = sum(1 for c in checks if c.get("ok") is True)
    first = _get(diagnosis, "first_broken", "firstBroken")
    if first:
        lines.append(f"First broken link: {first}. {passed} of {len(checks)} checks passed; "
                     f"fix that link first (the checks after it did not run).")
    elif diagnosis.get("summary"):
        lines.append(f"{diagnosis['summary']} ({passed} of {len(checks)} checks passed)")
    else:
        lines.append(f"All {len(checks)} checks passed: the connector can reach and read the database.")
    return lines


def _print(diagnosis: Mapping[str, Any], header: list[str], as_json: bool, profile: Profile) -> int:
    """Print the checklist (or JSON); 0 when every check passed, 1 otherwise."""
    if as_json:
        click.echo(json.dumps(diagnosis, indent=2, ensure_ascii=False))
    else:
        for line in [*header, *render(diagnosis)]:
            click.echo(profile.name_secret(line))
    checks = diagnosis.get("checks") or []
    broken = _get(diagnosis, "first_broken", "firstBroken")
    return 0 if checks and not broken and all(c.get("ok") is True for c in checks) else 1


def run_doctor(profile: Profile, *, via_lambda: bool = False, as_json: bool = False) -> int:
    """Check from this machine and print the checklist; 0 when every check passed, 1 otherwise."""
    return _print(_diagnosis(profile, via_lambda), _where_lines(profile, via_lambda), as_json, profile)


def run_remote_doctor(profile: Profile, *, function: str | None, stack: str | None, timeout: float,
                      as_json: bool = False) -> int:
    """Send the DiagnoseRequest to the deployed function and print its checklist, as ``run_doctor`` does.

    The function is named, or found as the ``FunctionName`` output of the stack. A failed
    invocation raises ``click.ClickException`` with one line.
    """
    from appflow_mysql.remote import RemoteError, diagnose_in_function, function_of_stack, region_for

    try:
        region = region_for(function, profile.secret_arn)
        if function is None:
            assert stack is not None
            function = function_of_stack(stack, region, timeout)
        answer = diagnose_in_function(function, diagnose_event(profile), region, timeout)
    except RemoteError as exc:
        raise click.ClickException(str(exc)) from None
    diagnosis = _answered(answer.diagnosis, f"The function {function}")
    request = f", request id {answer.request_id} in its log" if answer.request_id else ""
    header = [f"Checked from the Lambda function {function} in {region} (its subnets, security group and role: "
              f"the path AppFlow's calls take{request})."]
    return _print(diagnosis, header, as_json, profile)
