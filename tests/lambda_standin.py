"""A loopback stand-in for Lambda's Invoke API, reached through the standard ``AWS_ENDPOINT_URL_LAMBDA``.

``POST /2015-03-31/functions/{name}/invocations`` is answered as the service answers it: the
function ``connector-fn`` by calling ``handlers.app.lambda_handler`` in-process with the posted
event (inside a Lambda-like environment: ``AWS_LAMBDA_FUNCTION_NAME`` set, a Lambda context);
the other names by the failures a caller meets: a function error (a crash, a timeout inside
the function), access denied, no such function, and no answer at all.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

__all__ = ["CONNECTOR", "CRASHING", "DENIED", "HANGING", "TIMING_OUT", "StandIn", "lambda_standin"]

CONNECTOR, CRASHING, TIMING_OUT, DENIED, HANGING = "connector-fn", "crashing-fn", "timing-out-fn", "denied-fn", \
    "hanging-fn"
_PREFIX, _SUFFIX = "/2015-03-31/functions/", "/invocations"


@dataclass
class StandIn:
    endpoint: str
    events: list[dict[str, Any]] = field(default_factory=list)  # what the connector function received
    release: threading.Event = field(default_factory=threading.Event)  # lets HANGING answer (at the end)


def _call_connector(event: dict[str, Any]) -> dict[str, Any]:
    from appflow_mysql.context import LocalLambdaContext
    from handlers.app import lambda_handler

    saved = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = CONNECTOR  # what the Lambda runtime sets
    try:
        return dict(json.loads(json.dumps(lambda_handler(event, LocalLambdaContext()))))
    finally:
        if saved is None:
            os.environ.pop("AWS_LAMBDA_FUNCTION_NAME", None)
        else:
            os.environ["AWS_LAMBDA_FUNCTION_NAME"] = saved


@contextmanager
def lambda_standin() -> Iterator[StandIn]:
    state: dict[str, StandIn] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:  # no access log on the test's stderr
            return

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "standin-request-1")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            standin = state["standin"]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not (self.path.startswith(_PREFIX) and self.path.endswith(_SUFFIX)):
                self._answer(404, {"message": f"no route {self.path}"})
                return
            name = unquote(self.path[len(_PREFIX):-len(_SUFFIX)])
            if name == CONNECTOR:
                event = json.loads(body)
                standin.events.append(event)
                self._answer(200, _call_connector(event), {"X-Amz-Executed-Version": "$LATEST"})
            elif name == CRASHING:
                self._answer(200, {"errorMessage": "Unable to import module 'handlers.app': No module named "
                                                   "'pymysql'", "errorType": "Runtime.ImportModuleError"},
                             {"X-Amz-Function-Error": "Unhandled"})
            elif name == TIMING_OUT:
                self._answer(200, {"errorMessage": "2024-05-01T10:00:00.000Z 3f1c Task timed out after 30.00 seconds",
                                   "errorType": "Sandbox.Timedout"}, {"X-Amz-Function-Error": "Unhandled"})
            elif name == DENIED:
                self._answer(403, {"Type": "User", "Message": "User: arn:aws:sts::123456789012:assumed-role/dev/me "
                                   f"is not authorized to perform: lambda:InvokeFunction on resource: {name}"},
                             {"x-amzn-ErrorType": "AccessDeniedException"})
            elif name == HANGING:
                standin.release.wait(120)
                self._answer(200, {})
            else:
                self._answer(404, {"Type": "User", "Message": f"Function not found: arn:aws:lambda:us-east-1:"
                                                              f"123456789012:function:{name}"},
                             {"x-amzn-ErrorType": "ResourceNotFoundException"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["standin"] = StandIn(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["standin"]
    finally:
        state["standin"].release.set()
        server.shutdown()
        server.server_close()
