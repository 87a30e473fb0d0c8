"""``appflow-mysql``: run the connector locally the way AppFlow runs it (not part of the Lambda artifact).

* ``appflow_mysql.main`` — the click commands: ``flow``, ``invoke``, ``doctor``; exit statuses, no tracebacks.
* ``appflow_mysql.runtime`` — the Lambda entry point called in-process, profile secrets from a file.
* ``appflow_mysql.flow`` — a flow: AppFlow's call sequence, pages to files and optionally to a table.
* ``appflow_mysql.output`` — files laid out like AppFlow's S3 destination (JSON lines, CSV, Parquet).
* ``appflow_mysql.doctor`` — the doctor's checklist, run here or (``appflow_mysql.remote``) in the deployed function.
"""
