"""``appflow-mysql doctor``: the checks of ``connector.doctor`` printed as a checklist.

One line per check (PASS/FAIL/SKIP, milliseconds, what was observed), the exact
fix under each FAIL, and a summary line naming the first broken link. The checks
run in-process, or inside the Lambda entry point as a ``DiagnoseRequest`` event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click

from appflow_mysql.runtime import Profile

__all__ = ["render", "run_doctor"]


def _diagnosis(profile: Profile, via_lambda: bool) -> dict[str, Any]:
    """The diagnosis as a dict (``Diagnosis.to_dict()``), however it was obtained."""
    if via_lambda:
        from appflow_mysql.runtime import invoke

        response = invoke({"type": "DiagnoseRequest", "secretArn": profile.secret_arn,
                           "authenticationType": profile.auth_type,
                           "connectorRuntimeSettings": profile.settings})
        if "checks" not in response:
            details = response.get("errorDetails") or {}
            msg = f"DiagnoseRequest failed: {details.get('errorCode')}: {details.get('errorMessage')}"
            raise click.ClickException(msg)
        return response
    from connector.doctor import diagnose

    return dict(diagnose(profile.secret_arn, profile.auth_type, profile.settings).to_dict())


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


def run_doctor(profile: Profile, *, via_lambda: bool = False, as_json: bool = False) -> int:
    """Print the checklist; 0 when every check passed, 1 otherwise."""
    diagnosis = _diagnosis(profile, via_lambda)
    if as_json:
        click.echo(json.dumps(diagnosis, indent=2, ensure_ascii=False))
    else:
        for line in render(diagnosis):
            click.echo(line)
    checks = diagnosis.get("checks") or []
    broken = _get(diagnosis, "first_broken", "firstBroken")
    return 0 if checks and not broken and all(c.get("ok") is True for c in checks) else 1
