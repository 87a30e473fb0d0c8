"""The command's stand-in for the Lambda context: a request id and the time left of the call's budget."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

from connector.limits import LAMBDA_TIMEOUT_SECONDS

__all__ = ["LocalLambdaContext"]


class LocalLambdaContext(SimpleNamespace):
    """The attributes of Lambda's context object that the connector reads."""

    def __init__(self, budget_ms: int = LAMBDA_TIMEOUT_SECONDS * 1000) -> None:
        deadline = time.monotonic() + budget_ms / 1000
        super().__init__(aws_request_id=str(uuid.uuid4()), function_name="appflow-mysql-local",
                         get_remaining_time_in_millis=lambda: int((deadline - time.monotonic()) * 1000))
