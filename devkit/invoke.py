"""Run raw AppFlow events through the Lambda entry point against the local sample set-up.

The Docker-less twin of ``sam local invoke -e EVENT``: the event's secret ARN and
host/port/database are pointed at the local MariaDB and moto, then
``handlers.app.lambda_handler`` answers it exactly as in Lambda. The command is
``appflow-mysql invoke --sample`` (``make invoke``); this module keeps the
Lambda-like context and the old entry point.

    python -m devkit.invoke events/validate_credentials.json [more.json ...]
"""

from __future__ import annotations

import sys
import uuid
from types import SimpleNamespace

__all__ = ["FakeLambdaContext", "main"]


class FakeLambdaContext(SimpleNamespace):
    """The attributes of Lambda's context object that the connector reads."""

    def __init__(self, budget_ms: int = 30_000) -> None:
        import time

        deadline = time.monotonic() + budget_ms / 1000
        super().__init__(aws_request_id=str(uuid.uuid4()), function_name="appflow-mysql-local",
                         get_remaining_time_in_millis=lambda: int((deadline - time.monotonic()) * 1000))


def main(argv: list[str]) -> int:
    """``appflow-mysql invoke --sample EVENT...`` (kept for ``python -m devkit.invoke``)."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    from cli.main import cli

    return int(cli.main(args=["invoke", "--sample", *argv], prog_name="appflow-mysql", standalone_mode=False) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
