"""``make invoke``: raw AppFlow events answered by the Lambda entry point against the local sample set-up.

The Docker-less twin of ``sam local invoke -e EVENT``: a throwaway MariaDB with the sample
schema and its profile secret in an in-process Secrets Manager; each event's secret ARN and
runtime settings are pointed at them, then ``handlers.app.lambda_handler`` answers it exactly
as in Lambda. The rig imports the command (``appflow_mysql``), never the reverse.

Only the responses go to stdout (``make -s invoke EVENT=... | jq``); the connector's log
lines and the event names go to stderr.

    python -m devkit.invoke events/validate_credentials.json [more.json ...]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from appflow_mysql.context import LocalLambdaContext
from appflow_mysql.runtime import invoke, point_at

__all__ = ["LocalLambdaContext", "main"]


def main(argv: list[str]) -> int:
    """Print each event's response; exit status 1 when one has isSuccess false."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    events = []
    for name in argv:
        try:
            events.append(json.loads(Path(name).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            print(f"Error: event file {name}: {exc}", file=sys.stderr)
            return 2
    os.environ.pop("POWERTOOLS_METRICS_NAMESPACE", None)  # CloudWatch metric lines belong in Lambda's log
    from devkit.sample import local_profile

    ok = True
    with local_profile() as local:
        for name, event in zip(argv, events, strict=True):
            # the local profile secret is a CustomAuth one (host and login together), whatever the event says
            response = invoke(point_at(event, local.secret_arn, local.settings, "CustomAuth"))
            if len(argv) > 1:
                print(f"# {name}", file=sys.stderr)
            print(json.dumps(response, indent=2, ensure_ascii=False))
            ok = ok and response.get("isSuccess", True) is not False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
