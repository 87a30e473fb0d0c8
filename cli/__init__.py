"""``appflow-mysql``: run the connector locally the way AppFlow runs it (not part of the Lambda artifact).

* ``cli.main`` — the click commands: ``flow``, ``invoke``, ``doctor``.
* ``cli.runtime`` — the Lambda entry point called in-process, profile secrets from a file.
* ``cli.flow`` — a flow: AppFlow's call sequence, pages to files and optionally to a table.
* ``cli.output`` — files laid out like AppFlow's S3 destination (JSON lines, CSV, Parquet).
"""
