"""Row function bench: the connector's row function against the forms it could take instead.

    python -m bench.row_function_bench [--rows 20000] [--rounds 201] [--chunk 2000]
    python -m bench.row_function_bench --interleaved exec connector closures [--rows 100000] [--rounds 21]
    python -m bench.row_function_bench --end-to-end VARIANT [read_bench's arguments]

A row function turns one row packet into its JSON record (``connector.rows.row_function``). The
issue allowed generated source only where it clearly pays, so this measures the generated form
the connector had (``exec``: straight-line source written per sequence of field forms; its
generator now lives here only, as the reference) against forms built from plain functions:

* ``connector``: what ships: a loop over a tuple of (form, prefix, quoted prefix, null, field
  number), the usual length tested first, a branch per form (measured as ``loop3``);
* ``closures``: a closure per field that reads its length-encoded field and adds its JSON; the
  row function loops over the tuple of them;
* ``loop``, ``loop2``: the loop with a bigger tuple per field, NULL tested first;
* ``converters``: the field read in the loop, then a converter per field from raw bytes to its
  JSON (builtin bound methods where one does: ``prefix.__add__`` for AS_IS, ``%`` templates);
* ``hybrid``: the field read in the loop, AS_IS added in place, any other form a call.

Micro (the default): the row packets of the bench table (read_bench's row shape: BIGINT key,
INT, VARCHAR(64), DECIMAL(12,2), DATETIME, TIMESTAMP, TINYINT(1), a nullable TEXT, DATE) are
captured from a throwaway MariaDB (or ``MYSQL_TEST_URL``), every variant's records are checked
to be the connector's own, then in each round every variant turns the same ``--chunk`` packets
into records, in rotated order, so that machine noise hits every variant alike. Printed: the
median time a row, and the median and quartiles of the per-round ratios to ``exec``.

End to end, ``--interleaved``: full passes through ``handlers.app.lambda_handler`` (QueryData
over TLS, pages of 1000, as read_bench's) with each variant put in place of
``connector.rows.row_function`` in turn, and raw PyMySQL over TLS, rounds interleaved in one
process. ``--end-to-end VARIANT`` instead runs all of ``bench.read_bench`` (the arguments that
follow are its own) with the variant in place: one process per variant, so run them back to back,
more than once, to see the machine's noise. Not shipped in the Lambda.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from types import CodeType
from typing import Any

import orjson
import pymysql
import pymysql.cursors

from connector.read_codecs import WireForm
from connector.rows import _LATE_DAYS, _NEEDS_ESCAPE, row_function
from connector.wire import long_field

Value = Callable[[int, bytes], bytes]
Row = Callable[[bytes], str]
Variant = Callable[[Sequence[WireForm], Sequence[bytes], Value], Row]

AS_IS, TEXT, DATE, DATETIME_UTC, BOOLEAN, VALUE = (WireForm.AS_IS, WireForm.TEXT, WireForm.DATE,
                                                   WireForm.DATETIME_UTC, WireForm.BOOLEAN, WireForm.VALUE)


# --- the variants --------------------------------------------------------------------------

# The generated row function the connector had until the measurement (kept here as the reference the
# other forms are measured against; no generated source ships). Its source, field by field: read the
# length-encoded field at p into `raw` (NULL ends the field), then add its JSON after the field's prefix P{i}
# ('{"name":' or ',"name":'; Q{i} adds the opening quote, N{i} is the prefix with null).
_READ_FIELD = (
    "    n = data[p]",
    "    p += 1",
    "    if n == 251:",
    "        add(N{i})",
    "    else:",
    "        if n < 251:",
    "            raw = data[p:p + n]",
    "            p += n",
    "        else:",
    "            raw, p = _long(data, p, n)",
)
_PLAIN_DATE = ("        if raw[:4] != b'0000' and raw[5:7] != b'00' and "
               "(b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS):")
_BY_DECODER = ("        else:", "            add(P{i} + _value({i}, raw))")
_EMIT: dict[WireForm, tuple[str, ...]] = {
    WireForm.VALUE: ("        add(P{i} + _value({i}, raw))",),
    WireForm.AS_IS: ("        add(P{i})", "        add(raw)"),
    WireForm.TEXT: ("        if _escape(raw):", "            add(P{i} + _dumps(raw.decode()))", "        else:",
                    "            add(Q{i})", "            add(raw)", "            add(b'\"')"),
    WireForm.DATE: (_PLAIN_DATE, "            add(Q{i})", "            add(raw)", "            add(b'\"')",
                    *_BY_DECODER),
    WireForm.DATETIME_UTC: (_PLAIN_DATE, "            add(Q{i})", "            add(raw[:10])", "            add(b'T')",
                            "            add(raw[11:])", "            add(b'Z\"')", *_BY_DECODER),
    WireForm.BOOLEAN: ("        add(P{i})", "        add(b'false' if raw == b'0' else b'true')"),
}


@lru_cache(maxsize=256)
def _row_code(forms: tuple[WireForm, ...]) -> CodeType:
    lines = ["def row(data):", "    parts = []", "    add = parts.append", "    p = 0"]
    for i, form in enumerate(forms):
        lines += [line.format(i=i) for line in (*_READ_FIELD, *_EMIT[form])]
    lines += ["    add(b'}')", "    return b''.join(parts).decode()"]
    return compile("\n".join(lines), f"<row reader of {len(forms)} fields>", "exec")


def exec_row(forms: Sequence[WireForm], prefixes: Sequence[bytes], value: Value) -> Row:
    """The generated row function (straight-line source per sequence of forms, run with ``exec``)."""
    namespace: dict[str, Any] = {"_long": long_field, "_escape": _NEEDS_ESCAPE.search, "_dumps": orjson.dumps,
                                 "_LATE_DAYS": _LATE_DAYS, "_value": value}
    for i, prefix in enumerate(prefixes):
        namespace[f"P{i}"], namespace[f"N{i}"], namespace[f"Q{i}"] = prefix, prefix + b"null", prefix + b'"'
    exec(_row_code(tuple(forms)), namespace)
    return namespace["row"]  # type: ignore[no-any-return]


# --- (a) a closure per field: reads its field at p, adds its JSON, returns the position after it ---------

def _field(form: WireForm, i: int, prefix: bytes, value: Value) -> Callable[[bytes, int, Callable], int]:
    null, quoted = prefix + b"null", prefix + b'"'
    escape, dumps = _NEEDS_ESCAPE.search, orjson.dumps
    if form is AS_IS:
        def field(data: bytes, p: int, add: Callable) -> int:
            n = data[p]
            p += 1
            if n == 251:
                add(null)
                return p
            if n < 251:
                raw = data[p:p + n]
                p += n
            else:
                raw, p = long_field(data, p, n)
            add(prefix)
            add(raw)
            return p
    elif form is TEXT:
        def field(data: bytes, p: int, add: Callable) -> int:
            n = data[p]
            p += 1
            if n == 251:
                add(null)
                return p
            if n < 251:
                raw = data[p:p + n]
                p += n
            else:
                raw, p = long_field(data, p, n)
            if escape(raw):
                add(prefix + dumps(raw.decode()))
            else:
                add(quoted)
                add(raw)
                add(b'"')
            return p
    elif form is DATE:
        def field(data: bytes, p: int, add: Callable) -> int:
            n = data[p]
            p += 1
            if n == 251:
                add(null)
                return p
            if n < 251:
                raw = data[p:p + n]
                p += n
            else:
                raw, p = long_field(data, p, n)
            if (raw[:4] != b'0000' and raw[5:7] != b'00'
                    and (b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS)):
                add(quoted)
                add(raw)
                add(b'"')
            else:
                add(prefix + value(i, raw))
            return p
    elif form is DATETIME_UTC:
        def field(data: bytes, p: int, add: Callable) -> int:
            n = data[p]
            p += 1
            if n == 251:
                add(null)
                return p
            if n < 251:
                raw = data[p:p + n]
                p += n
            else:
                raw, p = long_field(data, p, n)
            if (raw[:4] != b'0000' and raw[5:7] != b'00'
                    and (b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS)):
                add(quoted)
                add(raw[:10])
                add(b'T')
                add(raw[11:])
                add(b'Z"')
            else:
                add(prefix + value(i, raw))
            return p
    elif form is BOOLEAN:
        false, true = prefix + b"false", prefix + b"true"

        def field(data: bytes, p: int, add: Callable) -> int:
            n = data[p]
            p += 1
            if n == 251:
                add(null)
                return p
            if n < 251:
                raw = data[p:p + n]
                p += n
            else:
                raw, p = long_field(data, p, n)
            add(false if raw == b'0' else true)
            return p
    else:
        def field(data: bytes, p: int, add: Callable) -> int:
            n = data[p]
            p += 1
            if n == 251:
                add(null)
                return p
            if n < 251:
                raw = data[p:p + n]
                p += n
            else:
                raw, p = long_field(data, p, n)
            add(prefix + value(i, raw))
            return p
    return field


def closure_row(forms: Sequence[WireForm], prefixes: Sequence[bytes], value: Value) -> Row:
    fields = tuple(_field(form, i, prefix, value) for i, (form, prefix) in enumerate(zip(forms, prefixes, strict=True)))

    def row(data: bytes) -> str:
        parts: list[bytes] = []
        add = parts.append
        p = 0
        for field in fields:
            p = field(data, p, add)
        add(b'}')
        return b''.join(parts).decode()
    return row


# --- (b) a loop over a tuple of (form, ...), a branch per form -------------------------------------------

def loop_row(forms: Sequence[WireForm], prefixes: Sequence[bytes], value: Value) -> Row:
    plan = tuple((int(form), i, prefix, prefix + b"null", prefix + b'"', prefix + b"false", prefix + b"true")
                 for i, (form, prefix) in enumerate(zip(forms, prefixes, strict=True)))
    escape, dumps = _NEEDS_ESCAPE.search, orjson.dumps

    def row(data: bytes) -> str:
        parts: list[bytes] = []
        add = parts.append
        p = 0
        for form, i, prefix, null, quoted, false, true in plan:
            n = data[p]
            p += 1
            if n == 251:
                add(null)
                continue
            if n < 251:
                raw = data[p:p + n]
                p += n
            else:
                raw, p = long_field(data, p, n)
            if form == 1:  # AS_IS
                add(prefix)
                add(raw)
            elif form == 2:  # TEXT
                if escape(raw):
                    add(prefix + dumps(raw.decode()))
                else:
                    add(quoted)
                    add(raw)
                    add(b'"')
            elif form == 4:  # DATETIME_UTC
                if (raw[:4] != b'0000' and raw[5:7] != b'00'
                        and (b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS)):
                    add(quoted)
                    add(raw[:10])
                    add(b'T')
                    add(raw[11:])
                    add(b'Z"')
                else:
                    add(prefix + value(i, raw))
            elif form == 3:  # DATE
                if (raw[:4] != b'0000' and raw[5:7] != b'00'
                        and (b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS)):
                    add(quoted)
                    add(raw)
                    add(b'"')
                else:
                    add(prefix + value(i, raw))
            elif form == 5:  # BOOLEAN
                add(false if raw == b'0' else true)
            else:
                add(prefix + value(i, raw))
        add(b'}')
        return b''.join(parts).decode()
    return row


# --- (c) the field read in the loop; a converter per field from raw bytes to its JSON ---------------------

def _converter(form: WireForm, i: int, prefix: bytes, value: Value) -> Callable[[bytes], bytes]:
    quoted = prefix + b'"'
    escape, dumps = _NEEDS_ESCAPE.search, orjson.dumps
    if form is AS_IS:
        return prefix.__add__  # a builtin: no Python frame
    if form is BOOLEAN:
        false, true = prefix + b"false", prefix + b"true"
        return lambda raw: false if raw == b'0' else true
    if form is TEXT:
        template = quoted.replace(b"%", b"%%") + b'%b"'
        fmt = template.__mod__

        def text(raw: bytes) -> bytes:
            return prefix + dumps(raw.decode()) if escape(raw) else fmt(raw)
        return text
    if form is DATE:
        template = quoted.replace(b"%", b"%%") + b'%b"'
        fmt = template.__mod__

        def date(raw: bytes) -> bytes:
            if (raw[:4] != b'0000' and raw[5:7] != b'00'
                    and (b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS)):
                return fmt(raw)
            return prefix + value(i, raw)
        return date
    if form is DATETIME_UTC:
        template = quoted.replace(b"%", b"%%") + b'%bT%bZ"'
        fmt = template.__mod__

        def moment(raw: bytes) -> bytes:
            if (raw[:4] != b'0000' and raw[5:7] != b'00'
                    and (b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS)):
                return fmt((raw[:10], raw[11:]))
            return prefix + value(i, raw)
        return moment

    def decoded(raw: bytes) -> bytes:
        return prefix + value(i, raw)
    return decoded


def converter_row(forms: Sequence[WireForm], prefixes: Sequence[bytes], value: Value) -> Row:
    plan = tuple((prefix + b"null", _converter(form, i, prefix, value))
                 for i, (form, prefix) in enumerate(zip(forms, prefixes, strict=True)))

    def row(data: bytes) -> str:
        parts: list[bytes] = []
        add = parts.append
        p = 0
        for null, convert in plan:
            n = data[p]
            p += 1
            if n == 251:
                add(null)
            elif n < 251:
                add(convert(data[p:p + n]))
                p += n
            else:
                raw, p = long_field(data, p, n)
                add(convert(raw))
        add(b'}')
        return b''.join(parts).decode()
    return row



def loop2_row(forms: Sequence[WireForm], prefixes: Sequence[bytes], value: Value) -> Row:
    plan = tuple((int(form), prefix, prefix + b'"', i)
                 for i, (form, prefix) in enumerate(zip(forms, prefixes, strict=True)))
    escape, dumps = _NEEDS_ESCAPE.search, orjson.dumps

    def row(data: bytes) -> str:
        parts: list[bytes] = []
        add = parts.append
        p = 0
        for form, prefix, quoted, i in plan:
            n = data[p]
            p += 1
            if n == 251:
                add(prefix)
                add(b"null")
                continue
            if n < 251:
                raw = data[p:p + n]
                p += n
            else:
                raw, p = long_field(data, p, n)
            if form == 1:  # AS_IS
                add(prefix)
                add(raw)
            elif form == 2:  # TEXT
                if escape(raw):
                    add(prefix + dumps(raw.decode()))
                else:
                    add(quoted)
                    add(raw)
                    add(b'"')
            elif form == 4 or form == 3:  # DATETIME_UTC, DATE
                if (raw[:4] != b'0000' and raw[5:7] != b'00'
                        and (b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS)):
                    add(quoted)
                    if form == 3:
                        add(raw)
                        add(b'"')
                    else:
                        add(raw[:10])
                        add(b'T')
                        add(raw[11:])
                        add(b'Z"')
                else:
                    add(prefix + value(i, raw))
            elif form == 5:  # BOOLEAN
                add(prefix)
                add(b'false' if raw == b'0' else b'true')
            else:
                add(prefix + value(i, raw))
        add(b'}')
        return b''.join(parts).decode()
    return row


def hybrid_row(forms: Sequence[WireForm], prefixes: Sequence[bytes], value: Value) -> Row:
    """AS_IS inline in the loop; any other form a call to its emitter (prefix bound), which adds its parts."""
    def emitter(form: WireForm, i: int, prefix: bytes):
        quoted = prefix + b'"'
        escape, dumps = _NEEDS_ESCAPE.search, orjson.dumps
        if form is AS_IS:
            return None
        if form is TEXT:
            def emit(raw, add):
                if escape(raw):
                    add(prefix + dumps(raw.decode()))
                else:
                    add(quoted)
                    add(raw)
                    add(b'"')
        elif form is DATE:
            def emit(raw, add):
                if (raw[:4] != b'0000' and raw[5:7] != b'00'
                        and (b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS)):
                    add(quoted)
                    add(raw)
                    add(b'"')
                else:
                    add(prefix + value(i, raw))
        elif form is DATETIME_UTC:
            def emit(raw, add):
                if (raw[:4] != b'0000' and raw[5:7] != b'00'
                        and (b'01' <= raw[8:10] <= b'28' or raw[5:10] in _LATE_DAYS)):
                    add(quoted)
                    add(raw[:10])
                    add(b'T')
                    add(raw[11:])
                    add(b'Z"')
                else:
                    add(prefix + value(i, raw))
        elif form is BOOLEAN:
            false, true = prefix + b"false", prefix + b"true"

            def emit(raw, add):
                add(false if raw == b'0' else true)
        else:
            def emit(raw, add):
                add(prefix + value(i, raw))
        return emit

    plan = tuple((prefix, prefix + b"null", emitter(form, i, prefix))
                 for i, (form, prefix) in enumerate(zip(forms, prefixes, strict=True)))

    def row(data: bytes) -> str:
        parts: list[bytes] = []
        add = parts.append
        p = 0
        for prefix, null, emit in plan:
            n = data[p]
            p += 1
            if n == 251:
                add(null)
                continue
            if n < 251:
                raw = data[p:p + n]
                p += n
            else:
                raw, p = long_field(data, p, n)
            if emit is None:
                add(prefix)
                add(raw)
            else:
                emit(raw, add)
        add(b'}')
        return b''.join(parts).decode()
    return row


# "connector" is the shipped form (connector.rows.row_function; "loop3" while it was measured here).
VARIANTS: dict[str, Variant] = {"exec": exec_row, "connector": row_function, "closures": closure_row,
                                "loop": loop_row, "loop2": loop2_row, "converters": converter_row,
                                "hybrid": hybrid_row}


# --- the bench table's packets ---------------------------------------------------------------

def capture(rows: int) -> tuple[list[bytes], list[str], list[WireForm], list[bytes], Value]:
    """The bench table's row packets, the connector's records of them, and what a row function is made of."""
    from bench.read_bench import DATABASE, SQL_ALL, TABLE, build_table
    from connector.catalog import load_entity
    from connector.deadline import Deadline
    from connector.read_codecs import decoders
    from connector.rows import RowReader
    from devkit.mariadb import MySQLServer

    with MySQLServer(buffer_pool="256M") as address:
        admin = address.connect()
        try:
            build_table(admin, rows)
            conn = address.connect(DATABASE, conv=decoders("UTC"))
            with conn.cursor() as cur:
                cur.execute("SET time_zone = '+00:00'")
            entity = load_entity(conn, DATABASE, TABLE)
            with conn.cursor(pymysql.cursors.SSCursor) as cur:
                cur.execute(SQL_ALL)
                reader = RowReader(conn, entity.identifier, [c.name for c in entity.columns],
                                   [c.type.fixup for c in entity.columns], "UTC")
                packets: list[bytes] = []
                records: list[str] = []
                for got, read in reader.batches(Deadline.after(600)):
                    records += got
                    packets += read
                parts = (reader._forms, reader._prefixes, reader._value)  # noqa: SLF001  (the bench's own look)
            conn.close()
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE {DATABASE}")
        finally:
            admin.close()
    forms, prefixes, value = parts
    return packets, records, list(forms), list(prefixes), value


def micro(rows: int, rounds: int, chunk: int) -> str:
    packets, records, forms, prefixes, value = capture(rows)
    functions = {name: make(forms, prefixes, value) for name, make in VARIANTS.items()}
    for name, row in functions.items():
        if [row(p) for p in packets] != records:
            raise RuntimeError(f"{name}: records differ from the connector's")
    gc.freeze()
    times: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    for round_ in range(rounds):
        start = round_ * chunk % len(packets)
        some = packets[start:start + chunk]  # the same packets for every variant of the round
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            row = functions[name]
            started = time.perf_counter()
            for packet in some:
                row(packet)
            times[name].append((time.perf_counter() - started) / len(some))
    ratios = {name: [t / e for t, e in zip(times[name], times["exec"], strict=True)] for name in names}
    lines = [f"Row function bench: {len(packets):,} row packets of the bench table "
             f"({', '.join(f.name for f in forms)}); {rounds} rounds of {chunk:,} rows per variant, rotated order",
             "",
             f"{'variant':12} {'median us/row':>14} {'vs exec (median of rounds)':>28} {'quartiles':>16}",
             "-" * 74]
    for name in names:
        q1, _, q3 = statistics.quantiles(ratios[name], n=4)
        lines.append(f"{name:12} {statistics.median(times[name]) * 1e6:14.3f} "
                     f"{statistics.median(ratios[name]):27.3f}x {q1:7.3f}-{q3:.3f}x")
    return "\n".join(lines)


def interleaved(rows: int, rounds: int, names: list[str]) -> str:
    """Full QueryData passes over TLS through the handler, each variant in place in turn, rounds interleaved
    (rotated order) with raw PyMySQL over TLS, in one process: the end-to-end comparison machine noise
    hits alike."""
    import connector.rows
    from bench import read_bench

    read_bench.silence_handler_logs()
    made = connector.rows.row_function
    rates: dict[str, list[float]] = {name: [] for name in [*names, "raw"]}
    with read_bench.environment(rows) as setup:
        gc.freeze()
        read_bench.raw_pass(setup, None, tls=True)  # warm the buffer pool and caches once, untimed
        labels = [*names, "raw"]
        for round_ in range(rounds):
            for label in labels[round_ % len(labels):] + labels[:round_ % len(labels)]:
                if label == "raw":
                    got, seconds = read_bench.raw_pass(setup, None, tls=True)
                else:
                    connector.rows.row_function = VARIANTS[label]  # type: ignore[assignment]
                    try:
                        got, seconds, _, _ = read_bench.handler_pass(setup, 1000, tls=True)
                    finally:
                        connector.rows.row_function = made  # type: ignore[assignment]
                if got != rows:
                    raise RuntimeError(f"{label}: {got} rows, expected {rows}")
                rates[label].append(got / seconds)
                print(f"round {round_ + 1}: {label:10} {got / seconds:>10,.0f} rows/s", file=sys.stderr, flush=True)
    lines = [f"End to end: {rows:,} rows through QueryData over TLS (pages of 1000), {rounds} rounds, variants "
             "interleaved (rotated order) in one process",
             "",
             f"{'variant':12} {'median rows/s':>14} {'vs raw TLS':>11} {'vs exec (median of rounds)':>28} "
             f"{'quartiles':>16}",
             "-" * 86]
    for label in labels:
        vs_exec = [r / e for r, e in zip(rates[label], rates[names[0]], strict=True)]
        vs_raw = [r / b for r, b in zip(rates[label], rates["raw"], strict=True)]
        q1, _, q3 = statistics.quantiles(vs_exec, n=4)
        lines.append(f"{label:12} {statistics.median(rates[label]):14,.0f} {statistics.median(vs_raw):10.2f}x "
                     f"{statistics.median(vs_exec):27.3f}x {q1:7.3f}-{q3:.3f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--end-to-end"]:
        if len(argv) < 2 or argv[1] not in VARIANTS:
            print(f"--end-to-end takes one of {', '.join(VARIANTS)}", file=sys.stderr)
            return 2
        import connector.rows
        from bench import read_bench

        connector.rows.row_function = VARIANTS[argv[1]]  # type: ignore[assignment]
        print(f"row function: {argv[1]}", flush=True)
        return read_bench.main(argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the bench table captured (default 20,000)")
    parser.add_argument("--rounds", type=int, default=201, help="timed rounds per variant (median; default 201; "
                                                                    "with --interleaved, full passes: try 15)")
    parser.add_argument("--chunk", type=int, default=2000, help="rows a variant reads per round (default 2,000)")
    parser.add_argument("--interleaved", metavar="VARIANT", nargs="+",
                        help="instead: full QueryData passes over TLS with these variants (the first is the "
                             "reference; e.g. exec connector), rounds interleaved with raw PyMySQL over TLS")
    args = parser.parse_args(argv)
    if args.interleaved:
        unknown = [name for name in args.interleaved if name not in VARIANTS]
        if unknown:
            parser.error(f"unknown variants {unknown}: one of {', '.join(VARIANTS)}")
        print(interleaved(args.rows, args.rounds, args.interleaved))
    else:
        print(micro(args.rows, args.rounds, args.chunk))
    return 0


if __name__ == "__main__":
    sys.exit(main())
