"""Write-path benchmark: the handler's WriteData (INSERT, UPSERT) against raw PyMySQL inserts.

    python -m bench.write_bench [--records 50000] [--batch 1000] [--repeat 4] [--profile FILE]

Starts a throwaway MariaDB (or uses ``MYSQL_TEST_URL``) and moto's Secrets
Manager, creates a table of ~250-byte rows (INT auto-increment key, a
VARCHAR(64) unique key, VARCHAR(64), DECIMAL(12,2), DATETIME, TINYINT(1), a
nullable TEXT), then measures records/s in one run, rounds interleaved so that
machine noise hits every variant alike; the table is emptied (untimed) before
every pass:

* ``handlers.app.lambda_handler`` with WriteDataRequest events of ``--batch``
  records (JSON strings, allOrNone false), each response ``json.dumps``-ed as
  the Lambda runtime does: INSERT into the empty table, and UPSERT by the
  unique key where every call is half existing rows, half new ones;
* raw PyMySQL from ready-made Python tuples: row by row with autocommit (one
  statement and one commit per row: the baseline), row by row with one
  transaction per ``--batch`` rows, and ``executemany`` per ``--batch`` rows
  (which PyMySQL rewrites into one multi-row INSERT), the last also from the
  JSON strings (``json.loads`` per record) and as ``INSERT ... ON DUPLICATE KEY
  UPDATE`` over the same half-existing rows as the handler's UPSERT.

Medians over ``--repeat`` rounds; ratios are of medians measured in this same
run. Each target's two variants (handler INSERT and executemany INSERT, handler
UPSERT and executemany UPSERT) run back to back, in alternating order, and
their ratio is also shown round by round: on a shared host the speed of the
whole machine drifts over seconds to minutes. Not shipped in the Lambda.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pymysql

from appflow_mysql.context import LocalLambdaContext
from bench.read_bench import DATABASE, Setup, bench_profile, machine, raw_connect, silence_handler_logs
from connector.write_statements import BATCH_ROWS
from devkit.mariadb import MySQLServer

TABLE = "writes"
KEY = "sku"

_DDL = f"""CREATE TABLE {DATABASE}.{TABLE} (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    sku VARCHAR(64) NOT NULL,
    customer VARCHAR(64) NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    created_at DATETIME NOT NULL,
    active TINYINT(1) NOT NULL,
    note TEXT NULL,
    UNIQUE KEY uk_sku (sku)
) ENGINE=InnoDB"""
_FIELDS = ("sku", "customer", "amount", "created_at", "active", "note")
_COLUMNS = ", ".join(_FIELDS)
_PLACEHOLDERS = ", ".join(["%s"] * len(_FIELDS))
SQL_INSERT = f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES ({_PLACEHOLDERS})"
SQL_UPSERT = SQL_INSERT + " ON DUPLICATE KEY UPDATE " + ", ".join(
    f"{name} = VALUES({name})" for name in _FIELDS if name != KEY)


# --- the records -----------------------------------------------------------------

def record(n: int, version: int = 0) -> dict[str, Any]:
    """Record n as AppFlow sends it (JSON values); ``version`` 1 changes every non-key field (UPSERT)."""
    seed = n * 7919 + version * 104729
    return {
        "sku": f"sku-{n:08d}-{uuid.UUID(int=n * 2654435761 % 2**128).hex[:20]}",
        "customer": f"customer {seed % 50000} {uuid.UUID(int=seed * 40503 % 2**128).hex[:24]}",
        "amount": (seed % 100_000_000) / 100,
        "created_at": (dt.datetime(2019, 1, 1) + dt.timedelta(seconds=seed % 157_680_000)).isoformat(),
        "active": n % 3 == version,
        "note": None if n % 5 == 0 else
        f"note {uuid.UUID(int=seed * 69069 % 2**128).hex} {seed % 99991:05d} ok {n % 7} v{version}"
        + " " * (n % 40),
    }


def as_row(fields: dict[str, Any]) -> tuple[Any, ...]:
    """The bound parameters a hand-written PyMySQL loader would pass for a record."""
    return (fields["sku"], fields["customer"], Decimal(repr(fields["amount"])),
            dt.datetime.fromisoformat(fields["created_at"]), int(fields["active"]), fields["note"])


@dataclass(frozen=True)
class Workload:
    insert_json: list[str]  # record 0..N-1, version 0
    upsert_json: list[str]  # record 0..N-1, version 1
    insert_rows: list[tuple[Any, ...]]
    upsert_rows: list[tuple[Any, ...]]
    existing_rows: list[tuple[Any, ...]]  # the even records (version 0): present before every UPSERT pass

    @classmethod
    def build(cls, count: int) -> Workload:
        old = [record(n) for n in range(count)]
        new = [record(n, 1) for n in range(count)]
        insert_rows = [as_row(r) for r in old]
        return cls([json.dumps(r) for r in old], [json.dumps(r) for r in new], insert_rows,
                   [as_row(r) for r in new], insert_rows[::2])


# --- set-up ----------------------------------------------------------------------

@contextmanager
def environment() -> Iterator[tuple[Setup, pymysql.Connection]]:
    """Server + empty table + read-write user + moto secret; everything removed on exit."""
    with ExitStack() as stack:
        address = stack.enter_context(MySQLServer(buffer_pool="512M"))
        admin = address.connect()
        stack.callback(admin.close)
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4")
            cur.execute(_DDL)
        yield bench_profile(stack, address, admin, "SELECT, INSERT, UPDATE, DELETE", "write-bench"), admin


def reset(admin: pymysql.Connection, existing: Sequence[tuple[Any, ...]] = ()) -> None:
    """Empty the table (auto-increment back to 1), then load ``existing`` rows; untimed."""
    with admin.cursor() as cur:
        cur.execute(f"TRUNCATE TABLE {DATABASE}.{TABLE}")
        cur.execute(f"USE {DATABASE}")
        for chunk in _chunks(existing, 5000):
            cur.executemany(SQL_INSERT, chunk)


def row_count(admin: pymysql.Connection) -> int:
    with admin.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {DATABASE}.{TABLE}")
        return int(cur.fetchone()[0])


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- the handler path ------------------------------------------------------------

def write_event(setup: Setup, operation: str, records: Sequence[str]) -> dict[str, Any]:
    # tlsMode DISABLED: loopback, and the raw baselines connect without TLS too.
    return {"type": "WriteDataRequest", "entityIdentifier": f"{DATABASE}.{TABLE}", "operation": operation,
            "idFieldNames": [KEY] if operation == "UPSERT" else None, "records": list(records),
            "allOrNone": False, "connectorContext": {
                "apiVersion": "v1", "credentials": {"secretArn": setup.secret_arn, "authenticationType": "CustomAuth"},
                "connectorRuntimeSettings": {"tlsMode": "DISABLED"}}}


def call_write(setup: Setup, operation: str, records: Sequence[str]) -> int:
    """One WriteData call as AppFlow makes it; the number of records written."""
    from handlers.app import lambda_handler

    response = lambda_handler(write_event(setup, operation, records), LocalLambdaContext())
    json.dumps(response)  # what the Lambda runtime puts on the wire to AppFlow
    if not response.get("isSuccess"):
        raise RuntimeError(f"WriteData {operation} failed: {response.get('errorDetails')}")
    return sum(1 for r in response["writeRecordResults"] if r["isSuccess"])


def handler_pass(setup: Setup, operation: str, records: Sequence[str], batch: int) -> tuple[int, float]:
    written = 0
    started = time.perf_counter()
    for chunk in _chunks(records, batch):
        written += call_write(setup, operation, chunk)
    return written, time.perf_counter() - started


# --- raw PyMySQL baselines ---------------------------------------------------------

def row_by_row_autocommit(setup: Setup, rows: Sequence[tuple[Any, ...]], batch: int) -> tuple[int, float]:
    """One INSERT and one commit per row: what a naive loader does."""
    conn = raw_connect(setup)  # autocommit on
    try:
        started = time.perf_counter()
        with conn.cursor() as cur:
            for row in rows:
                cur.execute(SQL_INSERT, row)
        return len(rows), time.perf_counter() - started
    finally:
        conn.close()


def row_by_row_transaction(setup: Setup, rows: Sequence[tuple[Any, ...]], batch: int) -> tuple[int, float]:
    """One INSERT per row, one commit per ``batch`` rows (as the handler commits per call)."""
    conn = raw_connect(setup)
    try:
        started = time.perf_counter()
        with conn.cursor() as cur:
            for chunk in _chunks(rows, batch):
                conn.begin()
                for row in chunk:
                    cur.execute(SQL_INSERT, row)
                conn.commit()
        return len(rows), time.perf_counter() - started
    finally:
        conn.close()


def executemany_pass(sql: str) -> Callable[[Setup, Sequence[Any], int], tuple[int, float]]:
    def run(setup: Setup, rows: Sequence[Any], batch: int) -> tuple[int, float]:
        """``executemany`` per ``batch`` rows (one multi-row statement), one commit each."""
        conn = raw_connect(setup)
        try:
            started = time.perf_counter()
            with conn.cursor() as cur:
                for chunk in _chunks(rows, batch):
                    conn.begin()
                    cur.executemany(sql, chunk)
                    conn.commit()
            return len(rows), time.perf_counter() - started
        finally:
            conn.close()

    return run


def executemany_from_json(setup: Setup, records: Sequence[str], batch: int) -> tuple[int, float]:
    """As ``executemany`` but starting from AppFlow's JSON strings: ``json.loads`` per record, no checks."""
    conn = raw_connect(setup)
    loads = json.loads
    try:
        started = time.perf_counter()
        with conn.cursor() as cur:
            for chunk in _chunks(records, batch):
                rows = []
                for text in chunk:
                    fields = loads(text, parse_float=Decimal)
                    rows.append(tuple(fields.get(name) for name in _FIELDS))
                conn.begin()
                cur.executemany(SQL_INSERT, rows)
                conn.commit()
        return len(records), time.perf_counter() - started
    finally:
        conn.close()


# --- measuring -------------------------------------------------------------------

INSERT = "handler WriteData INSERT, call per batch"
UPSERT = "handler WriteData UPSERT (1/2 new), call per batch"
ROW_BY_ROW = "pymysql row by row, autocommit"
ROW_BY_ROW_TX = "pymysql row by row, 1 transaction per batch"
MANY = "pymysql executemany INSERT, a batch per commit"
MANY_JSON = "  + json.loads per record"
MANY_UPSERT = "pymysql executemany UPSERT (1/2 new), per commit"
# Each target's two variants run back to back, first one then the other in alternate rounds, so that the
# machine's drift (seconds to minutes on a shared host) falls on both alike; their ratio is also taken per round.
PAIRS = ((INSERT, MANY), (UPSERT, MANY_UPSERT))


def run_order(round_: int) -> list[str]:
    order = []
    for pair in PAIRS:
        order += pair if round_ % 2 == 0 else pair[::-1]
    return [*order, MANY_JSON, ROW_BY_ROW, ROW_BY_ROW_TX]


@dataclass(frozen=True)
class Variant:
    label: str
    run: Callable[[], tuple[int, float]]
    existing: Sequence[tuple[Any, ...]] = ()  # rows present before the pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=50_000, help="records written per variant (default 50,000)")
    parser.add_argument("--batch", type=int, default=1000, help="records per WriteData call / commit (default 1000)")
    parser.add_argument("--repeat", type=int, default=4,
                        help="rounds (median; default 4, even: each of a pair goes first as often as the other)")
    parser.add_argument("--profile", metavar="FILE", help="also profile a handler INSERT pass, stats to FILE")
    args = parser.parse_args(argv)
    if args.records < 2 * args.batch:
        parser.error("--records must be at least 2 batches")

    silence_handler_logs()
    work = Workload.build(args.records)
    row_bytes = sum(map(len, work.insert_json)) / args.records
    with environment() as (setup, admin):
        b = args.batch
        variants = [
            Variant(INSERT, lambda: handler_pass(setup, "INSERT", work.insert_json, b)),
            Variant(UPSERT, lambda: handler_pass(setup, "UPSERT", work.upsert_json, b), work.existing_rows),
            Variant(ROW_BY_ROW, lambda: row_by_row_autocommit(setup, work.insert_rows, b)),
            Variant(ROW_BY_ROW_TX, lambda: row_by_row_transaction(setup, work.insert_rows, b)),
            Variant(MANY, lambda: executemany_pass(SQL_INSERT)(setup, work.insert_rows, b)),
            Variant(MANY_JSON, lambda: executemany_from_json(setup, work.insert_json, b)),
            Variant(MANY_UPSERT, lambda: executemany_pass(SQL_UPSERT)(setup, work.upsert_rows, b),
                    work.existing_rows),
        ]
        by_label = {variant.label: variant for variant in variants}
        # moto's Secrets Manager runs in this process; a Lambda's heap does not hold it, so neither do the
        # collector's full passes here (0.1 s each over it), as the Lambda entry
        # (handlers.lambda_entry) keeps its imports out of them.
        gc.freeze()
        # Warm imports, the secret cache and the server once, untimed.
        reset(admin)
        call_write(setup, "INSERT", work.insert_json[:b])
        passes: dict[str, list[tuple[int, float]]] = {variant.label: [] for variant in variants}
        for round_ in range(args.repeat):
            for label in run_order(round_):
                variant = by_label[label]
                reset(admin, variant.existing)
                written, seconds = variant.run()
                rows = row_count(admin)
                if written != args.records or rows != args.records:
                    raise RuntimeError(f"{variant.label}: {written} written, {rows} rows, expected {args.records}")
                passes[variant.label].append((written, seconds))
                print(f"round {round_ + 1}: {variant.label.strip():50} {written / seconds:>10,.0f} records/s",
                      file=sys.stderr, flush=True)

        if args.profile:
            reset(admin)
            profiler = cProfile.Profile()
            profiler.enable()
            handler_pass(setup, "INSERT", work.insert_json, b)
            profiler.disable()
            profiler.dump_stats(args.profile)
            pstats.Stats(args.profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
            pstats.Stats(args.profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)

        print(report(args, setup, passes, row_bytes))
    return 0


def paired(passes: dict[str, list[tuple[int, float]]], label: str, baseline: str) -> list[float]:
    """The ratio of ``label`` to ``baseline`` in each round (the two ran back to back)."""
    return [(r / s) / (rb / sb) for (r, s), (rb, sb) in zip(passes[label], passes[baseline], strict=True)]


def report(args: argparse.Namespace, setup: Setup, passes: dict[str, list[tuple[int, float]]],
           row_bytes: float) -> str:
    rate = {label: statistics.median(r / s for r, s in runs) for label, runs in passes.items()}
    labels = [INSERT, UPSERT, ROW_BY_ROW, ROW_BY_ROW_TX, MANY, MANY_JSON, MANY_UPSERT]
    lines = [
        f"Write benchmark: {args.records:,} records of ~{row_bytes:.0f} B (JSON) per variant, "
        f"batches of {args.batch}, allOrNone false",
        f"machine: {machine(setup)}",
        "",
        f"{f'Median of {args.repeat} rounds':52}records/s  vs row by row  vs executemany",
        "-" * 92,
    ]
    lines += [f"{label:50} {rate[label]:>10,.0f}   {rate[label] / rate[ROW_BY_ROW]:11.2f}x   "
              f"{rate[label] / rate[MANY]:12.2f}x" for label in labels]
    calls = -(-args.records // args.batch)
    lines += [
        f"(handler: {calls} WriteData calls per pass; each call reads the cached secret, reuses a warm "
        "connection, checks the catalog, decodes and checks every record, writes multi-row statements of at "
        f"most {BATCH_ROWS} rows, commits once)",
        f"(UPSERT: by the unique key {KEY}; every call updates {args.batch // 2} existing rows and inserts "
        f"{args.batch - args.batch // 2}; upsert vs executemany UPSERT: {rate[UPSERT] / rate[MANY_UPSERT]:.2f}x)",
        "",
    ]
    for label, baseline, name in ((INSERT, MANY, "INSERT vs executemany"),
                                  (UPSERT, MANY_UPSERT, "UPSERT vs executemany UPSERT")):
        ratios = paired(passes, label, baseline)
        lines.append(f"{name}, round by round (run back to back): median {statistics.median(ratios):.2f}x, "
                     f"{min(ratios):.2f}x-{max(ratios):.2f}x")
    lines.append(f"Handler INSERT vs row by row: {rate[INSERT] / rate[ROW_BY_ROW]:.1f}x; vs raw executemany (which "
                 f"checks no record and reports no per-record result): {rate[INSERT] / rate[MANY]:.2f}x")
    checks = [("INSERT >= 0.7x raw executemany", rate[INSERT] / rate[MANY], 0.7),
              ("INSERT >= 12x row by row", rate[INSERT] / rate[ROW_BY_ROW], 12.0),
              ("UPSERT >= 0.6x raw executemany UPSERT", rate[UPSERT] / rate[MANY_UPSERT], 0.6)]
    lines.append("Targets (ratios of the medians): " + "; ".join(
        f"{name}: {'met' if value >= goal else 'NOT met'} ({value:.2f}x)" for name, value, goal in checks))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
