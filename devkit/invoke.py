"""Run raw AppFlow events through the Lambda entry point against the local sample set-up.

The Docker-less twin of ``sam local invoke -e EVENT``: the event's secret ARN and
host/port/database are pointed at the local MariaDB and moto, then
``handlers.app.lambda_handler`` answers it exactly as in Lambda.

    python -m devkit.invoke events/validate_credentials.json [more.json ...]
"""

from __future__ import annotations

import copy
import json
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from devkit.sample import LocalProfile, local_profile

__all__ = ["FakeLambdaContext", "localise", "main"]


class FakeLambdaContext(SimpleNamespace):
    """The attributes of Lambda's context object that the connector reads."""

    def __init__(self, budget_ms: int = 30_000) -> None:
        import time

        deadline = time.monotonic() + budget_ms / 1000
        super().__init__(aws_request_id=str(uuid.uuid4()), function_name="appflow-mysql-local",
                         get_remaining_time_in_millis=lambda: int((deadline - time.monotonic()) * 1000))


def localise(event: dict[str, Any], profile: LocalProfile) -> dict[str, Any]:
    """Point an event's credentials and settings at the local profile."""
    event = copy.deepcopy(event)
    for holder in (event, event.get("connectorContext") or {}):
        if isinstance(holder.get("credentials"), dict):
            holder["credentials"]["secretArn"] = profile.secret_arn
        if isinstance(holder.get("connectorRuntimeSettings"), dict):
            holder["connectorRuntimeSettings"].update(profile.settings)
    return event


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    from handlers.app import lambda_handler

    with local_profile() as profile:
        for path in argv:
            event = localise(json.loads(Path(path).read_text()), profile)
            response = lambda_handler(event, FakeLambdaContext())
            print(f"# {path}")
            print(json.dumps(response, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
