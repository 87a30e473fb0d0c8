"""What Lambda runs: ``handlers.lambda_entry.lambda_handler`` (template.yaml's Handler).

``handlers.app.lambda_handler`` answers every request. This module adds what only a Lambda container
wants, so that whoever else imports ``handlers.app`` (the appflow-mysql command, the tests, the
benchmarks) gets neither:

* Powertools' Lambda context on every log line, as ``@logger.inject_lambda_context`` gives it:
  ``cold_start``, ``function_name``, ``function_memory_size``, ``function_arn`` and
  ``function_request_id``. The event itself is never logged (``log_event=False`` wins over
  ``POWERTOOLS_LOGGER_LOG_EVENT``): WriteData events carry the records.
* ``gc.freeze()`` once the imports are done. What import built lives as long as the container: frozen,
  the collector's full passes no longer walk it again every twenty-odd WriteData calls of 1000 records
  (refcounting still frees it as ever). In a process that merely imports ``handlers.app`` the heap is
  that process's business.
"""

from __future__ import annotations

import gc
from typing import Any

from handlers.app import lambda_handler as _answer
from handlers.app import logger

__all__ = ["lambda_handler"]


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda's entry: ``handlers.app.lambda_handler`` with the Lambda context in the logs."""
    return _answer(event, context)


# Last: everything this module and its imports built is in the frozen generation.
gc.freeze()
