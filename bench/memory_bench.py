"""Memory of a warm container: resident set size over many QueryData calls with ~5.5 MB responses.

    python -m bench.memory_bench [--calls 1000] [--rows-per-page 1000] [--row-bytes 5400]

A Lambda container answers call after call in one process; anything a call leaves behind
(caches that grow, connections, buffers) shows as RSS that keeps rising. This runs
``--calls`` QueryData calls through ``handlers.app.lambda_handler`` in this process, cycling
through the pages of a table sized so that every page fills the response budget, serialises
each response as the Lambda runtime does, and reads the process's RSS (``/proc/self/statm``)
after every call. Target: no growth after the first 50 calls (the growth from call 50 to the
last, as a share of the RSS at call 50, stays under 5%), and a peak under the template's
``MemorySize``. Not shipped in the Lambda.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from appflow_mysql.context import LocalLambdaContext
from appflow_mysql.local_secrets import local_secrets_manager, put_secret
from bench.read_bench import ACCOUNT, silence_handler_logs
from devkit.mariadb import MySQLServer

DATABASE = "membench"
WARM_CALLS = 50
GROWTH_TARGET = 0.05
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_SIZE


def template_memory_mb() -> int:
    """The connector function's MemorySize in template.yaml (what its container may use)."""
    text = (Path(__file__).resolve().parent.parent / "template.yaml").read_text()
    function = text[text.index("\n  ConnectorFunction:"):]
    found = re.search(r"^\s+MemorySize:\s*(\d+)", function, re.MULTILINE)
    return int(found.group(1)) if found else 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="QueryData calls (default 1000)")
    parser.add_argument("--rows-per-page", type=int, default=1000, help="maxResults (default 1000)")
    parser.add_argument("--row-bytes", type=int, default=5400, help="bytes of text per row (default 5400)")
    parser.add_argument("--pages", type=int, default=12, help="pages in the table, cycled (default 12)")
    args = parser.parse_args(argv)
    if args.calls <= WARM_CALLS:
        parser.error(f"--calls must be more than {WARM_CALLS}")
    silence_handler_logs()
    from handlers.app import lambda_handler

    with ExitStack() as stack:
        address = stack.enter_context(MySQLServer(buffer_pool="512M"))
        admin = address.connect()
        stack.callback(admin.close)
        password = "mem-" + uuid.uuid4().hex[:12]
        rows = args.pages * args.rows_per_page
        print(f"building {rows:,} rows of {args.row_bytes:,} B ...", file=sys.stderr, flush=True)
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE {DATABASE}")
            cur.execute(f"CREATE TABLE {DATABASE}.wide (id INT PRIMARY KEY, payload MEDIUMTEXT NOT NULL)")
            for start in range(0, rows, 1000):
                cur.executemany(f"INSERT INTO {DATABASE}.wide VALUES (%s, %s)",
                                [(i, f"{i:08d}" + "x" * (args.row_bytes - 8))
                                 for i in range(start, min(rows, start + 1000))])
            cur.execute("CREATE USER 'mem'@'%%' IDENTIFIED BY %s", (password,))
            cur.execute(f"GRANT SELECT ON {DATABASE}.* TO 'mem'@'%'")
        endpoint = stack.enter_context(local_secrets_manager())
        arn = put_secret(endpoint, f"appflow!{ACCOUNT}-mysql-connector-mem", {
            "customAuthenticationType": "MySQL", "host": address.host, "port": str(address.port),
            "database": DATABASE, "username": "mem", "password": password})
        settings = {"tlsCaBundle": address.ca_file} if address.ca_file else {}

        samples: list[int] = []
        sizes: list[int] = []
        token: str | None = None
        started = time.perf_counter()
        for call in range(args.calls):
            event = {"type": "QueryDataRequest", "entityIdentifier": f"{DATABASE}.wide", "nextToken": token,
                     "maxResults": args.rows_per_page, "connectorContext": {
                         "apiVersion": "v1", "credentials": {"secretArn": arn, "authenticationType": "CustomAuth"},
                         "connectorRuntimeSettings": settings}}
            response = lambda_handler(event, LocalLambdaContext())
            if not response.get("isSuccess"):
                raise RuntimeError(f"call {call}: {response.get('errorDetails')}")
            sizes.append(len(json.dumps(response)))
            token = response.get("nextToken")
            del response
            samples.append(rss_bytes())
            if (call + 1) % 100 == 0:
                print(f"{call + 1:5} calls  RSS {samples[-1] / 2**20:7.1f} MiB", file=sys.stderr, flush=True)
        seconds = time.perf_counter() - started

    print(report(args, samples, sizes, seconds))
    return 0


def report(args: argparse.Namespace, samples: list[int], sizes: list[int], seconds: float) -> str:
    mib = 2**20
    at_warm, last = samples[WARM_CALLS - 1], samples[-1]
    after_warm_peak = max(samples[WARM_CALLS - 1:])
    growth = (after_warm_peak - at_warm) / at_warm
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    memory = template_memory_mb()
    flat = growth < GROWTH_TARGET
    under = peak_mib < memory
    return "\n".join([
        f"Memory benchmark: {args.calls:,} QueryData calls in one process (a warm container), pages of "
        f"{args.rows_per_page} rows, responses of median {statistics.median(sizes) / 1e6:.2f} MB "
        f"(largest {max(sizes) / 1e6:.2f} MB), {seconds:.0f} s",
        "",
        f"RSS after call 1          {samples[0] / mib:8.1f} MiB",
        f"RSS after call {WARM_CALLS}         {at_warm / mib:8.1f} MiB",
        f"RSS after call {args.calls:<10,} {last / mib:8.1f} MiB",
        f"highest RSS after call {WARM_CALLS} {after_warm_peak / mib:6.1f} MiB  (+{growth * 100:.1f}% over call "
        f"{WARM_CALLS})",
        f"peak RSS of the process   {peak_mib:8.1f} MiB  (template MemorySize {memory} MB)",
        "",
        f"Targets: no growth after the first {WARM_CALLS} calls (< {GROWTH_TARGET * 100:.0f}%): "
        f"{'met' if flat else 'NOT met'} ({growth * 100:+.1f}%); peak under MemorySize: "
        f"{'met' if under else 'NOT met'} ({peak_mib:.0f} of {memory} MB)",
    ])


if __name__ == "__main__":
    sys.exit(main())
