"""One side of a differential run (devkit.differential): answer a list of AppFlow events with one tree's code.

``devkit.differential`` runs this file's text with ``python -c`` in a subprocess whose working directory and
``PYTHONPATH`` are the tree under test, so ``handlers`` and ``connector`` are that tree's, never the caller's
(the runner checks). It imports nothing of the project but ``handlers.app`` of that tree: the older revisions it
runs against need not have this file.

    python -c "$(cat devkit/differential_runner.py)" CONFIG.json    # cwd and PYTHONPATH: the tree

CONFIG.json holds ``events`` (a JSON-lines file), ``responses`` (where to write them), ``secretArn`` and
``database``. Each event is an AppFlow event without its ``connectorContext``; the runner adds one for the profile
secret, with the event's ``_settings`` as its runtime settings, replaces ``@DB@`` in every string with the
database name, and, when the event says ``_follow``, asks again with each answer's ``nextToken`` until there is
none. Each answer becomes one line ``{"event": i, "page": n, "response": ...}``; an exception that escapes
``lambda_handler`` becomes ``{"raised": "Type: message"}`` in its place.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

PLACEHOLDER = "@DB@"
MAX_PAGES = 500


def _substitute(value: Any, database: str) -> Any:
    if isinstance(value, str):
        return value.replace(PLACEHOLDER, database)
    if isinstance(value, list):
        return [_substitute(item, database) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, database) for key, item in value.items()}
    return value


def _check_tree(tree: Path) -> Any:
    """Import the tree's handler, and refuse to run another copy's (an editable install, a stale path)."""
    import connector
    import handlers.app

    for module in (connector, handlers.app):
        where = Path(str(module.__file__)).resolve()
        if tree not in where.parents:
            sys.exit(f"differential runner: {module.__name__} was imported from {where}, not from {tree}")
    return handlers.app.lambda_handler


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    tree = Path.cwd().resolve()
    lambda_handler = _check_tree(tree)
    database = config["database"]
    context = {"apiVersion": "v1", "credentials": {"secretArn": config["secretArn"],
                                                   "authenticationType": "CustomAuth"}}
    started = time.monotonic()
    answered = 0
    with open(config["events"], encoding="utf-8") as events, \
            open(config["responses"], "w", encoding="utf-8") as out:
        for index, line in enumerate(events):
            event = _substitute(json.loads(line), database)
            settings = event.pop("_settings", {})
            follow = event.pop("_follow", False)
            event["connectorContext"] = {**context, "connectorRuntimeSettings": settings}
            for page in range(MAX_PAGES):
                try:
                    response: Any = lambda_handler(event, None)
                except Exception as exc:  # what escapes the handler is behaviour too
                    response = {"raised": f"{type(exc).__name__}: {exc}"}
                answered += 1
                out.write(json.dumps({"event": index, "page": page, "response": response}, sort_keys=True,
                                     default=repr) + "\n")
                token = response.get("nextToken") if isinstance(response, dict) else None
                if not follow or not token:
                    break
                event = {**event, "nextToken": token}
    print(json.dumps({"answers": answered, "seconds": round(time.monotonic() - started, 3), "pid": os.getpid()}),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
