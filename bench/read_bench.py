"""Read-path benchmark: the handler's QueryData against raw PyMySQL, and keyset against OFFSET pages.

    python -m bench.read_bench [--rows 1000000] [--page 1000] [--repeat 3] [--samples 15] [--profile FILE]

Starts a throwaway MariaDB (or uses ``MYSQL_TEST_URL``) and moto's Secrets
Manager, builds a table of ~245-byte rows (BIGINT auto-increment key, INT,
VARCHAR(64), DECIMAL(12,2), DATETIME, TIMESTAMP, TINYINT(1), a nullable TEXT,
DATE), then measures in one run, rounds interleaved so that machine noise hits
every variant alike:

* rows/s of a full pass through ``handlers.app.lambda_handler`` with
  QueryDataRequest events (pages of ``--page``, following nextToken to the end),
  each response serialised with ``json.dumps`` as the Lambda runtime does, without TLS
  and over TLS (the default, verified) against raw PyMySQL over the same transport;
* rows/s of raw PyMySQL (SSCursor, default conversions) fetching the same rows
  in one query, alone and with per-row ``json.dumps`` / ``orjson.dumps``, and
  two ceilings: all-string decoders + orjson, and the connector's row reader
  (``connector.rows``: row packets straight to JSON records) without the per-page work,
  without TLS and over TLS;
* the median time of one page at depth 0 and at depth 0.9 N: the handler's
  keyset page (a nextToken for that depth, checked to be the token the handler
  itself issues) versus ``ORDER BY id LIMIT n OFFSET d`` through PyMySQL.

Medians over ``--repeat`` rounds (full passes) and ``--samples`` pages; ratios
are of medians measured in this same run. Not shipped in the Lambda.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import logging
import os
import platform
import pstats
import statistics
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import pymysql
import pymysql.cursors

from appflow_mysql.context import LocalLambdaContext
from appflow_mysql.local_secrets import local_secrets_manager, put_secret
from devkit.mariadb import MySQLServer, ServerAddress

DATABASE = "bench"
TABLE = "events"
ACCOUNT = "123456789012"

_DDL = f"""CREATE TABLE {DATABASE}.{TABLE} (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id INT NOT NULL,
    customer VARCHAR(64) NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    active TINYINT(1) NOT NULL,
    note TEXT NULL,
    due_date DATE NOT NULL
) ENGINE=InnoDB"""

# One row per n: ~40-char names, a ~60-char note on 4 rows in 5, dates spread over years.
_ROW_SELECT = """SELECT
    seq % 50000,
    CONCAT('customer ', seq, ' ', SUBSTRING(MD5(seq), 1, 24)),
    (seq * 7919 % 100000000) / 100,
    TIMESTAMP('2019-01-01 00:00:00') + INTERVAL (seq * 7919 % 157680000) SECOND,
    TIMESTAMP('2023-01-01 00:00:00') + INTERVAL (seq * 104729 % 31536000) SECOND,
    seq % 3 = 0,
    IF(seq % 5 = 0, NULL, CONCAT('note ', MD5(seq), ' ', LPAD(seq % 99991, 5, '0'), ' ok ', seq % 7)),
    DATE('2020-01-01') + INTERVAL (seq % 3000) DAY"""
_COLUMNS = "account_id, customer, amount, created_at, updated_at, active, note, due_date"


# --- set-up ----------------------------------------------------------------------

def build_table(admin: pymysql.Connection, rows: int) -> float:
    """Create and fill the table; seconds taken."""
    started = time.perf_counter()
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4")
        cur.execute(_DDL)
        cur.execute(f"USE {DATABASE}")
        cur.execute("SET SESSION time_zone = '+00:00'")
        try:  # MariaDB's SEQUENCE engine
            cur.execute("SELECT seq FROM seq_1_to_1 LIMIT 1")
            source = "seq_1_to_{hi} WHERE seq >= {lo}"
        except pymysql.err.MySQLError:  # MySQL 8: a recursive CTE per chunk
            cur.execute("SET SESSION cte_max_recursion_depth = 200000")
            source = None
        step = 200_000
        for lo in range(1, rows + 1, step):
            hi = min(lo + step - 1, rows)
            if source:
                cur.execute(f"INSERT INTO {DATABASE}.{TABLE} ({_COLUMNS}) {_ROW_SELECT} "
                            f"FROM {source.format(lo=lo, hi=hi)}")
            else:
                cur.execute(f"INSERT INTO {DATABASE}.{TABLE} ({_COLUMNS}) "
                            f"WITH RECURSIVE s(seq) AS (SELECT {lo} UNION ALL SELECT seq + 1 FROM s WHERE seq < {hi}) "
                            f"{_ROW_SELECT} FROM s")
        cur.execute(f"ANALYZE TABLE {DATABASE}.{TABLE}")
        cur.fetchall()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Setup:
    address: ServerAddress
    user: str
    password: str
    secret_arn: str
    server_version: str


@contextmanager
def environment(rows: int) -> Iterator[Setup]:
    """Server + table + read-only user + moto secret; everything removed on exit."""
    with ExitStack() as stack:
        address = stack.enter_context(MySQLServer(buffer_pool="1G"))
        admin = address.connect()
        stack.callback(admin.close)
        print(f"building {rows:,} rows ...", file=sys.stderr, flush=True)
        seconds = build_table(admin, rows)
        print(f"built in {seconds:.1f} s", file=sys.stderr, flush=True)
        yield bench_profile(stack, address, admin, "SELECT", "bench")


def bench_profile(stack: ExitStack, address: ServerAddress, admin: pymysql.Connection, grants: str,
                  label: str) -> Setup:
    """The 'bench' user with ``grants`` on the bench database, and its profile secret on moto."""
    password = "bench-" + uuid.uuid4().hex[:12]
    with admin.cursor() as cur:
        cur.execute("CREATE USER 'bench'@'%%' IDENTIFIED BY %s", (password,))
        cur.execute(f"GRANT {grants} ON {DATABASE}.* TO 'bench'@'%'")
        cur.execute("SELECT VERSION()")
        version = str(cur.fetchone()[0])
    stack.callback(_drop, admin)
    endpoint = stack.enter_context(local_secrets_manager())
    arn = put_secret(endpoint, f"appflow!{ACCOUNT}-mysql-connector-{label}", {
        "customAuthenticationType": "MySQL", "host": address.host, "port": str(address.port),
        "database": DATABASE, "username": "bench", "password": password})
    return Setup(address, "bench", password, arn, version)


def _drop(admin: pymysql.Connection) -> None:
    with admin.cursor() as cur:  # matters only with MYSQL_TEST_URL (a throwaway server is deleted)
        cur.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        cur.execute("DROP USER IF EXISTS 'bench'@'%'")


def raw_connect(setup: Setup, tls: bool = False, **kwargs: Any) -> pymysql.Connection:
    """The same login, transport (TLS verified against the server's CA, or none) and session time zone as
    the handler's connection."""
    if tls:
        kwargs["ssl"] = {"ca": setup.address.ca_file} if setup.address.ca_file else {"check_hostname": False}
    conn = pymysql.connect(host=setup.address.host, port=setup.address.port, user=setup.user,
                           password=setup.password, database=DATABASE, charset="utf8mb4", autocommit=True,
                           **kwargs)
    with conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00'")
    return conn


# --- the handler path ------------------------------------------------------------

def tls_settings(setup: Setup, tls: bool) -> dict[str, str]:
    """The default verified mode trusting the bench server's CA, or no TLS (as the plain raw baseline)."""
    if not tls:
        return {"tlsMode": "DISABLED"}
    return {"tlsCaBundle": setup.address.ca_file} if setup.address.ca_file else {}


def query_event(setup: Setup, page: int, token: str | None, tls: bool = False) -> dict[str, Any]:
    return {"type": "QueryDataRequest", "entityIdentifier": f"{DATABASE}.{TABLE}", "nextToken": token,
            "maxResults": page, "connectorContext": {
                "apiVersion": "v1", "credentials": {"secretArn": setup.secret_arn, "authenticationType": "CustomAuth"},
                "connectorRuntimeSettings": tls_settings(setup, tls)}}


def call_page(setup: Setup, page: int, token: str | None, tls: bool = False) -> tuple[int, int, str | None]:
    """One QueryData call as AppFlow makes it: (records, response bytes, nextToken)."""
    from handlers.app import lambda_handler

    response = lambda_handler(query_event(setup, page, token, tls), LocalLambdaContext())
    body = json.dumps(response)  # what the Lambda runtime puts on the wire to AppFlow
    if not response.get("isSuccess"):
        raise RuntimeError(f"QueryData failed: {response.get('errorDetails')}")
    return len(response["records"]), len(body), response.get("nextToken")


def handler_pass(setup: Setup, page: int, tls: bool = False) -> tuple[int, float, int, int]:
    """Every page to the end: (rows, seconds, response bytes, pages)."""
    rows = size = pages = 0
    token: str | None = None
    started = time.perf_counter()
    while True:
        n, nbytes, token = call_page(setup, page, token, tls)
        rows, size, pages = rows + n, size + nbytes, pages + 1
        if not token:
            break
    return rows, time.perf_counter() - started, size, pages


def token_at(setup: Setup, conn: pymysql.Connection, depth: int, page: int) -> str | None:
    """The nextToken the handler issues after ``depth`` rows, built as connector.query builds it.

    Checked against a real token: the one the handler returns after its first page must equal
    the one built here for depth ``page``.
    """
    if depth == 0:
        return None
    from connector.catalog import load_entity
    from connector.paging import PageState, encode_token
    from connector.query import page_binding, query_fingerprint

    entity = load_entity(conn, DATABASE, TABLE)
    bound_to = page_binding(entity, entity.columns, frozenset(), query_fingerprint(entity, None, None))

    def build(rows_before: int) -> str:
        with conn.cursor() as cur:
            cur.execute(f"SELECT id FROM {TABLE} ORDER BY id LIMIT 1 OFFSET %s", (rows_before - 1,))
            key = cur.fetchone()[0]
        return encode_token(PageState(after=(str(key),), left=None), bound_to)

    issued = call_page(setup, page, None)[2]
    if issued != build(page):
        raise RuntimeError("the token built for a depth differs from the handler's own; the bench needs updating")
    return build(depth)


# --- raw PyMySQL baselines ---------------------------------------------------------

SQL_ALL = f"SELECT * FROM {TABLE} ORDER BY id"


def raw_pass(setup: Setup, per_row: Callable[[list[str]], Callable[[Any], Any]] | None,
             conv: dict[Any, Any] | None = None, tls: bool = False) -> tuple[int, float]:
    """One query streaming every row through an SSCursor; ``per_row`` serialises each row."""
    conn = raw_connect(setup, tls, **({"conv": conv} if conv is not None else {}))
    try:
        started = time.perf_counter()
        rows = 0
        with conn.cursor(pymysql.cursors.SSCursor) as cur:
            cur.execute(SQL_ALL)
            names = [d[0] for d in cur.description]
            work = per_row(names) if per_row else None
            while chunk := cur.fetchmany(1000):
                rows += len(chunk)
                if work is not None:
                    for row in chunk:
                        work(row)
        return rows, time.perf_counter() - started
    finally:
        conn.close()


def with_json(names: list[str]) -> Callable[[Any], Any]:
    dumps = json.dumps
    return lambda row: dumps(dict(zip(names, row, strict=True)), default=str)


def with_orjson(names: list[str]) -> Callable[[Any], Any]:
    dumps = orjson.dumps
    return lambda row: dumps(dict(zip(names, row, strict=True)), default=str)


def connector_reader_pass(setup: Setup, tls: bool = False) -> tuple[int, float]:
    """The connector's row reader over one query: the handler's per-row work only."""
    from connector.catalog import load_entity
    from connector.deadline import Deadline
    from connector.read_codecs import decoders
    from connector.rows import RowReader

    conn = raw_connect(setup, tls, conv=decoders("UTC"))
    try:
        entity = load_entity(conn, DATABASE, TABLE)
        started = time.perf_counter()
        rows = 0
        with conn.cursor(pymysql.cursors.SSCursor) as cur:
            cur.execute(SQL_ALL)
            reader = RowReader(conn, entity.identifier, [c.name for c in entity.columns],
                               [c.type.fixup for c in entity.columns], "UTC")
            for records, _ in reader.batches(Deadline.after(600)):
                rows += len(records)
        return rows, time.perf_counter() - started
    finally:
        conn.close()


def raw_page(conn: pymysql.Connection, sql: str, params: tuple[Any, ...]) -> float:
    started = time.perf_counter()
    with conn.cursor(pymysql.cursors.SSCursor) as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    elapsed = time.perf_counter() - started
    if not rows:
        raise RuntimeError("empty page")
    return elapsed


# --- measuring -------------------------------------------------------------------

def silence_handler_logs() -> None:
    """The handler still formats its INFO line per call (as in Lambda), but into /dev/null, not the table."""
    import handlers.app  # noqa: F401  (creates the loggers)

    sink = open(os.devnull, "w")  # noqa: SIM115  (lives as long as the process)
    for name in ("appflow-mysql-connector", "connector"):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)


def machine(setup: Setup, transport: str = "no TLS") -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{dt.date.today().isoformat()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
            f"{setup.server_version}, PyMySQL {pymysql.VERSION_STRING}, orjson {orjson.__version__}; "
            f"server and client on the same machine, loopback TCP, {transport}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="table size (default 1,000,000)")
    parser.add_argument("--page", type=int, default=1000, help="maxResults per QueryData call (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of full passes (median; default 3)")
    parser.add_argument("--samples", type=int, default=15, help="pages timed per depth (median; default 15)")
    parser.add_argument("--profile", metavar="FILE", help="also run one handler pass under cProfile, stats to FILE")
    parser.add_argument("--chart", metavar="PNG", help="also draw rows/s per variant into PNG (needs matplotlib: "
                                                       "pip install -e '.[bench]')")
    args = parser.parse_args(argv)
    if args.rows < 10 * args.page:
        parser.error("--rows must be at least 10 pages")

    silence_handler_logs()
    with environment(args.rows) as setup:
        passes: dict[str, list[tuple[int, float]]] = {}
        extra: dict[str, Any] = {}
        variants: list[tuple[str, Callable[[], tuple[int, float]]]] = [
            ("pymysql SSCursor, default conversions", lambda: raw_pass(setup, None)),
            ("  + json.dumps per row", lambda: raw_pass(setup, with_json)),
            ("  + orjson.dumps per row", lambda: raw_pass(setup, with_orjson)),
            ("pymysql all-string decoders + orjson", lambda: raw_pass(setup, with_orjson, conv={})),
            ("connector row reader, 1 query", lambda: connector_reader_pass(setup)),
        ]

        def handler() -> tuple[int, float]:
            rows, seconds, size, pages = handler_pass(setup, args.page)
            extra.update(bytes=size, pages=pages)
            return rows, seconds

        def handler_tls() -> tuple[int, float]:
            rows, seconds, _, _ = handler_pass(setup, args.page, tls=True)
            return rows, seconds

        variants.insert(0, (f"handler QueryData, pages of {args.page}", handler))
        # TLS is the default transport (VERIFY_IDENTITY); each is compared with raw PyMySQL over the same.
        variants += [(f"TLS: handler QueryData, pages of {args.page}", handler_tls),
                     ("TLS: connector row reader, 1 query", lambda: connector_reader_pass(setup, tls=True)),
                     ("TLS: pymysql SSCursor, default conversions", lambda: raw_pass(setup, None, tls=True))]
        # moto's Secrets Manager runs in this process; a Lambda's heap does not hold it, so neither do the
        # collector's full passes here, as the Lambda entry
        # (handlers.lambda_entry) keeps its imports out of them.
        gc.freeze()
        raw_pass(setup, None)  # warm the buffer pool and caches once, untimed
        for round_ in range(args.repeat):
            for label, run in variants:
                rows, seconds = run()
                if rows != args.rows:
                    raise RuntimeError(f"{label}: {rows} rows, expected {args.rows}")
                passes.setdefault(label, []).append((rows, seconds))
                print(f"round {round_ + 1}: {label.strip():45} {rows / seconds:>10,.0f} rows/s",
                      file=sys.stderr, flush=True)

        depth = int(args.rows * 0.9)
        conn = raw_connect(setup)
        keyset_sql = f"SELECT * FROM {TABLE} WHERE id > %s ORDER BY id LIMIT {args.page}"
        offset_sql = f"SELECT * FROM {TABLE} ORDER BY id LIMIT {args.page} OFFSET %s"
        tokens = {0: token_at(setup, conn, 0, args.page), depth: token_at(setup, conn, depth, args.page)}
        with conn.cursor() as cur:
            cur.execute(f"SELECT id FROM {TABLE} ORDER BY id LIMIT 1 OFFSET %s", (depth - 1,))
            after_key = {0: 0, depth: cur.fetchone()[0]}
        pages: dict[tuple[str, int], list[float]] = {}
        for _ in range(args.samples):
            for d in (0, depth):
                started = time.perf_counter()
                n = call_page(setup, args.page, tokens[d])[0]
                pages.setdefault(("handler", d), []).append(time.perf_counter() - started)
                if n != args.page:
                    raise RuntimeError(f"handler page at depth {d}: {n} records")
                pages.setdefault(("keyset", d), []).append(raw_page(conn, keyset_sql, (after_key[d],)))
                pages.setdefault(("offset", d), []).append(raw_page(conn, offset_sql, (d,)))
        conn.close()

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            handler_pass(setup, args.page)
            profiler.disable()
            profiler.dump_stats(args.profile)
            pstats.Stats(args.profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)

        print(report(args, setup, passes, pages, depth, extra))
        if args.chart:
            draw_chart(args.chart, passes, f"{args.rows:,} rows, pages of {args.page}; "
                                           f"{machine(setup, 'no TLS, and TLS 1.3 verified where labelled TLS')}")
    return 0


def draw_chart(path: str, passes: dict[str, list[tuple[int, float]]], subtitle: str) -> None:
    """A bar per variant: median rows/s, the handler's bars first (the PNG the README shows)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(passes)
    rates = [statistics.median(r / s for r, s in passes[label]) for label in labels]
    colours = ["#d9534f" if "handler" in label else "#5b8db8" for label in labels]
    figure, axes = plt.subplots(figsize=(10, 0.45 * len(labels) + 1.4))
    axes.barh([label.strip() for label in labels][::-1], rates[::-1], color=colours[::-1])
    for y, rate in enumerate(rates[::-1]):
        axes.text(rate, y, f" {rate:,.0f}", va="center", fontsize=8)
    axes.set_xlim(0, max(rates) * 1.15)
    axes.set_xlabel("rows/s (median of the rounds; higher is better)")
    axes.set_title("QueryData full pass vs raw PyMySQL, one run\n" + "\n".join(textwrap.wrap(subtitle, 100)),
                   fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# Lambda list prices, arm64, us-east-1, first pricing tier (AWS's pricing page as quoted by several
# copies, 2024-2026; not fetched live): duration per GB-second, and per request.
ARM64_GB_SECOND_USD = 0.0000133334
REQUEST_USD = 0.20 / 1_000_000
# Lambda gives a function one full vCPU at 1,769 MB, and a share in proportion below that.
FULL_VCPU_MB = 1769


def lambda_cost(rows_per_second: float, page: int) -> str:
    """Dollars per million rows read through QueryData at the template's MemorySize, and the assumption."""
    from bench.memory_bench import template_memory_mb

    memory = template_memory_mb()
    share = min(1.0, memory / FULL_VCPU_MB)
    seconds = 1_000_000 / rows_per_second / share
    duration = seconds * memory / 1024 * ARM64_GB_SECOND_USD
    requests = 1_000_000 / page * REQUEST_USD
    return (f"Lambda cost per million rows (over TLS) at MemorySize {memory} MB: ${duration + requests:.5f} "
            f"(${duration:.5f} duration: {seconds:.1f} s at {share:.2f} of a vCPU, if a Lambda vCPU runs this code as "
            f"fast as one core here; ${requests:.5f} for {1_000_000 // page:,} calls), at arm64 us-east-1 list "
            f"prices (${ARM64_GB_SECOND_USD:.10f} per GB-s, $0.20 per million requests; checked 2026-12-04)")


def report(args: argparse.Namespace, setup: Setup, passes: dict[str, list[tuple[int, float]]],
           pages: dict[tuple[str, int], list[float]], depth: int, extra: dict[str, Any]) -> str:
    rate = {label: statistics.median(r / s for r, s in runs) for label, runs in passes.items()}
    labels = list(passes)
    handler_label, base_label = labels[0], labels[1]
    base = rate[base_label]
    lines = [
        f"Read benchmark: {args.rows:,} rows of ~{extra['bytes'] / args.rows:.0f} B as AppFlow receives them "
        f"(JSON record in the response), pages of {args.page}",
        f"machine: {machine(setup, 'no TLS, and TLS 1.3 verified where labelled TLS')}",
        "",
        f"Full pass, median of {args.repeat} rounds           rows/s   vs raw pymysql",
        "-" * 72,
    ]
    plain = [label for label in labels if not label.startswith("TLS:")]
    lines += [f"{label:45} {rate[label]:>10,.0f}   {rate[label] / base:5.2f}x" for label in plain]
    tls_labels = [label for label in labels if label.startswith("TLS:")]
    if tls_labels:
        tls_base = rate[tls_labels[-1]]
        lines += ["(over TLS, verified; vs raw pymysql over TLS)"]
        lines += [f"{label:45} {rate[label]:>10,.0f}   {rate[label] / tls_base:5.2f}x" for label in tls_labels]
    full_pass = args.rows / rate[handler_label]
    lines += [
        f"(handler: {extra['pages']} QueryData calls, full pass {full_pass:.1f} s; each call reads the cached "
        "secret, reuses the warm connection, checks the table's definition (SHOW CREATE TABLE; the catalog "
        "query only when it changed), runs one keyset SELECT)",
        "",
        f"One page of {args.page}, median of {args.samples}    depth 0   depth {depth:,}   {depth:,} / 0",
        "-" * 72,
    ]
    names = {"handler": "handler QueryData (keyset nextToken)", "keyset": "pymysql keyset (WHERE id > k)",
             "offset": "pymysql OFFSET baseline"}
    med = {key: statistics.median(values) * 1000 for key, values in pages.items()}
    for kind, name in names.items():
        at0, deep = med[(kind, 0)], med[(kind, depth)]
        lines.append(f"{name:37} {at0:7.1f} ms {deep:9.1f} ms {deep / at0:9.2f}x")
    offset_pass = sum(med[("offset", 0)] + (med[("offset", depth)] - med[("offset", 0)]) * (d / depth)
                      for d in range(0, args.rows, args.page)) / 1000
    lines += [
        f"(OFFSET full pass, interpolated from these two depths: ~{offset_pass:.0f} s, vs the handler's "
        f"{full_pass:.1f} s)",
        "",
        "Targets: handler full pass >= 1.0x raw pymysql: "
        f"{'met' if rate[handler_label] >= base else 'NOT met'} ({rate[handler_label] / base:.2f}x), over TLS "
        f"{rate[tls_labels[0]] / rate[tls_labels[-1]]:.2f}x; "
        f"handler page at depth {depth:,} <= 1.5x depth 0: "
        f"{'met' if med[('handler', depth)] <= 1.5 * med[('handler', 0)] else 'NOT met'} "
        f"({med[('handler', depth)] / med[('handler', 0)]:.2f}x)",
    ]
    over_tls = rate[tls_labels[0]] / rate[tls_labels[-1]]
    per_call = med[("handler", 0)] - med[("keyset", 0)]
    lines += [
        f"Faster-per-row targets: QueryData over TLS >= 1.5x raw pymysql over TLS: "
        f"{'met' if over_tls >= 1.5 else 'NOT met'} ({over_tls:.2f}x); per-call overhead (handler page minus the "
        f"same raw keyset page) <= 1 ms: {'met' if per_call <= 1.0 else 'NOT met'} ({per_call:.1f} ms)",
        "",
        lambda_cost(rate[tls_labels[0]], args.page),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
