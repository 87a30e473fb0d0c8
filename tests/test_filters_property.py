"""Filters against the real server: generated expressions select exactly what a Python reference says.

The reference evaluator implements SQL's three-valued logic and the documented
choices of ``connector.filters`` (``= null`` is IS NULL, ``IN (.., null)`` also
matches NULL, a DATE against a DATETIME column is the whole day, Booleans are
true when non-zero). The VARCHAR column is ``COLLATE utf8mb4_bin`` so that
comparisons are by code point, as in Python; that collation is PAD SPACE, which
the reference models by padding both sides with spaces before comparing
(LIKE does not pad).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from custom_connector_sdk.connector.fields import FieldDataType as T
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.errors import InvalidArgumentError
from connector.filters import FilterColumn, compile_filter
from devkit.mariadb import ServerAddress

ZONE = "Asia/Tokyo"
COLUMNS = {c.name: c for c in [
    FilterColumn("n", T.Integer, "int", column_type="int(11)"),
    FilterColumn("s", T.String, "varchar", column_type="varchar(40)"),
    FilterColumn("amount", T.BigDecimal, "decimal", column_type="decimal(10,2)"),
    FilterColumn("ts", T.DateTime, "datetime", column_type="datetime"),
    FilterColumn("flag", T.Boolean, "tinyint", column_type="tinyint(1)"),
    FilterColumn("d", T.Date, "date", column_type="date"),
]}
STRING_ALPHABET = "ab'\"\\%_ \té✓😀!"
EDGE_STRINGS = ["", " ", "a", "a ", "A", "ab", "b", "a'b", 'say "hi"', "C:\\dir\\", "50%", "a_b", "a%b", "é", "e",
                "✓ ok", "😀", "!x", "x!", "tab\there", "'; DROP TABLE t; --", "' OR 1=1 -- ", "%s", "%%"]
Row = dict[str, Any]


def _rows() -> list[Row]:
    """~40 rows with NULLs in every column and the awkward strings; deterministic."""
    rng = random.Random(20240131)
    base = datetime(2024, 1, 1)
    rows = []
    for i in range(1, 41):
        def maybe(value: object) -> object:
            return None if rng.random() < 0.15 else value
        rows.append({
            "id": i,
            "n": maybe(rng.randint(-20, 20)),
            "s": maybe(EDGE_STRINGS[i % len(EDGE_STRINGS)] if i <= 30 else "".join(
                rng.choice(STRING_ALPHABET) for _ in range(rng.randint(0, 4)))),
            "amount": maybe(Decimal(rng.randint(-50000, 50000)).scaleb(-2)),
            "ts": maybe(base + timedelta(hours=rng.randint(0, 24 * 5), minutes=rng.choice([0, 0, 30]))),
            "flag": maybe(rng.choice([0, 1, 1, 2, -1])),
            "d": maybe(date(2024, 1, 1) + timedelta(days=rng.randint(0, 6))),
        })
    return rows


ROWS = _rows()


@dataclass
class Table:
    conn: Any
    name: str

    def select(self, sql: str, params: tuple[object, ...]) -> set[int]:
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT id FROM `{self.name}`.t" + (f" WHERE {sql}" if sql else ""), params)
            return {row[0] for row in cur.fetchall()}

    def fingerprint(self) -> tuple[int, int]:
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM `{self.name}`.t")
            count = cur.fetchone()[0]
            cur.execute(f"CHECKSUM TABLE `{self.name}`.t")
            return count, cur.fetchone()[1]


@pytest.fixture(scope="module")
def table(mysql_server: ServerAddress) -> Iterator[Table]:
    name = f"filters_{uuid.uuid4().hex[:8]}"
    conn = mysql_server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
            cur.execute(f"""CREATE TABLE `{name}`.t (
                id INT PRIMARY KEY, n INT NULL, s VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
                amount DECIMAL(10,2) NULL, ts DATETIME NULL, flag TINYINT(1) NULL, d DATE NULL)""")
            cur.executemany(f"INSERT INTO `{name}`.t VALUES (%s, %s, %s, %s, %s, %s, %s)",
                            [tuple(row.values()) for row in ROWS])
        conn.commit()
        yield Table(conn, name)
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


# --- literals: DSL text and the value the reference compares with ----------------------


@dataclass(frozen=True)
class Lit:
    text: str
    value: object  # None for null; str / int / Decimal / bool / date / _Instant


@dataclass(frozen=True)
class Instant:
    """A ...Z literal, kept as the naive wall-clock time in ZONE the filter compares with."""

    local: datetime


NULL = Lit("null", None)


def dsl_string(value: str, quote: str) -> str:
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\t", "\\t")
    return quote + escaped + quote


strings = st.one_of(st.sampled_from(EDGE_STRINGS), st.text(STRING_ALPHABET, max_size=4))
string_lits = st.builds(lambda s, q: Lit(dsl_string(s, q), s), strings, st.sampled_from("'\""))
int_lits = st.integers(-25, 25).map(lambda i: Lit(str(i), i))
amount_lits = st.integers(-60000, 60000).map(lambda c: Decimal(c).scaleb(-2)).map(lambda d: Lit(str(d), d))
days = st.dates(date(2023, 12, 30), date(2024, 1, 8))
date_lits = days.map(lambda d: Lit(d.isoformat(), d))


def _instant(moment: datetime) -> Lit:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond:06d}".rstrip("0") if moment.microsecond
                                                    else "") + "Z"
    return Lit(text, Instant(moment.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None)))


instants = st.builds(
    lambda day, minutes, micro: datetime.combine(day, time(), UTC) + timedelta(minutes=minutes, microseconds=micro),
    days, st.sampled_from([0, 30, 60 * 15, 60 * 15 + 30, 17, 60 * 23 + 59]), st.sampled_from([0, 0, 0, 500000]),
).map(_instant)
bool_lits = st.sampled_from([Lit("true", True), Lit("FALSE", False), Lit("True", True), Lit("false", False)])

LITERALS: dict[str, st.SearchStrategy[Lit]] = {
    "n": int_lits, "s": string_lits, "amount": amount_lits, "ts": st.one_of(date_lits, instants),
    "d": st.one_of(date_lits, instants), "flag": bool_lits,
}
ORDERED_OPS = ["=", "!=", "<", "<=", ">", ">="]


@st.composite
def conditions(draw: st.DrawFn) -> tuple[str, Callable[[Row], bool | None]]:
    column = draw(st.sampled_from(sorted(COLUMNS)))
    lit = LITERALS[column]
    if column == "flag":
        op = draw(st.sampled_from(["=", "!="]))
        value = draw(st.one_of(bool_lits, st.just(NULL)))
        return f"{column} {op} {value.text}", lambda row: compare(column, op, row[column], value)
    kinds = ["cmp", "cmp", "null", "between", "in"] + (["contains"] if column == "s" else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "cmp":
        op = draw(st.sampled_from(ORDERED_OPS))
        value = draw(lit)
        return f"{column} {op} {value.text}", lambda row: compare(column, op, row[column], value)
    if kind == "null":
        op = draw(st.sampled_from(["=", "!="]))
        return f"{column} {op} null", lambda row: compare(column, op, row[column], NULL)
    if kind == "between":
        low, high = draw(lit), draw(lit)
        word = draw(st.sampled_from(["BETWEEN", "between"]))
        return (f"{column} {word} {low.text} AND {high.text}",
                lambda row: between(column, row[column], low, high))
    if kind == "in":
        values = draw(st.lists(st.one_of(lit, lit, st.just(NULL)), min_size=1, max_size=4))
        return (f"{column} IN ({', '.join(v.text for v in values)})",
                lambda row: member(column, row[column], values))
    needle = draw(string_lits)
    return f"s CONTAINS {needle.text}", lambda row: None if row["s"] is None else needle.value in row["s"]


def expressions(depth: int = 3) -> st.SearchStrategy[tuple[str, Callable[[Row], bool | None]]]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.builds(lambda a, b, w: (f"({a[0]}) {w} ({b[0]})", lambda r: and3(a[1](r), b[1](r))),
                      inner, inner, st.sampled_from(["AND", "and"])),
            st.builds(lambda a, b, w: (f"({a[0]}) {w} ({b[0]})", lambda r: or3(a[1](r), b[1](r))),
                      inner, inner, st.sampled_from(["OR", "or"])),
            st.builds(lambda a: (f"NOT ({a[0]})", lambda r: not3(a[1](r))), inner),
        )
    return st.recursive(conditions(), extend, max_leaves=6)


# --- the reference: SQL three-valued logic ---------------------------------------------


def and3(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def or3(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def not3(a: bool | None) -> bool | None:
    return None if a is None else not a


def _ordered(x: Any, v: Any) -> tuple[Any, Any]:
    """Both sides of a comparison as Python compares them like the server."""
    if isinstance(x, str):  # utf8mb4_bin is PAD SPACE
        width = max(len(x), len(v))
        return x.ljust(width), v.ljust(width)
    if isinstance(v, Instant):
        return (datetime.combine(x, time()) if type(x) is date else x), v.local
    return x, v


def _point(x: Any, op: str, v: Any) -> bool:
    a, b = _ordered(x, v)
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def compare(column: str, op: str, x: Any, lit: Lit) -> bool | None:
    if lit.value is None:
        return (x is None) if op == "=" else (x is not None)
    if x is None:
        return None
    if column == "flag":
        return (x != 0) == lit.value if op == "=" else (x != 0) != lit.value
    if column == "ts" and type(lit.value) is date:  # the whole day
        start = datetime.combine(lit.value, time())
        end = start + timedelta(days=1)
        return {"=": start <= x < end, "!=": not start <= x < end, "<": x < start, "<=": x < end,
                ">": x >= end, ">=": x >= start}[op]
    return _point(x, op, lit.value)


def between(column: str, x: Any, low: Lit, high: Lit) -> bool | None:
    if x is None:
        return None
    return bool(compare(column, ">=", x, low)) and bool(compare(column, "<=", x, high))


def member(column: str, x: Any, values: list[Lit]) -> bool | None:
    if x is None:
        return True if any(v.value is None for v in values) else None
    return any(compare(column, "=", x, v) for v in values if v.value is not None)


# --- the properties --------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression=expressions())
def test_generated_filters_select_what_the_reference_selects(table: Table, expression: tuple[str, Any]) -> None:
    text, reference = expression
    compiled = compile_filter(text, COLUMNS, ZONE)
    expected = {row["id"] for row in ROWS if reference(row) is True}
    assert table.select(compiled.sql, compiled.params) == expected, (text, compiled)


@settings(max_examples=40, deadline=None)
@given(value=strings, quote=st.sampled_from("'\""))
def test_string_literals_round_trip(table: Table, value: str, quote: str) -> None:
    compiled = compile_filter(f"s = {dsl_string(value, quote)}", COLUMNS, ZONE)
    assert compiled.params == (value,)
    expected = {row["id"] for row in ROWS if row["s"] is not None and _point(row["s"], "=", value)}
    assert table.select(compiled.sql, compiled.params) == expected


INJECTIONS = [
    "s = '\\' OR 1=1 -- '",
    "s = '\\'; DROP TABLE t; -- '",
    "s = \"' OR 1=1 -- \"",
    "s = '%s'",
    "s = '%%'",
    "s contains '\\' UNION SELECT 1 -- '",
    "s in ('\\'; DELETE FROM t; --', 'x')",
    "s = '\\'; DROP TABLE t; --'",
]


@pytest.mark.parametrize("expression", INJECTIONS, ids=INJECTIONS)
def test_injection_in_literals_matches_literally(table: Table, expression: str) -> None:
    before = table.fingerprint()
    compiled = compile_filter(expression, COLUMNS, ZONE)
    got = table.select(compiled.sql, compiled.params)
    needles = [p for p in compiled.params if isinstance(p, str)]
    if "LIKE" in compiled.sql:
        expected = {r["id"] for r in ROWS if r["s"] is not None and needles[0][1:-1].replace("!", "") in r["s"]}
    else:
        expected = {r["id"] for r in ROWS if r["s"] is not None and any(_point(r["s"], "=", n) for n in needles)}
    assert got == expected
    assert table.fingerprint() == before


@pytest.mark.parametrize("expression", [
    "s` = 1 OR `n = 1", "n; DROP TABLE t = 1", "n = 1; DROP TABLE t", "n = 1 OR 1 = 1", "`s` = 'x'",
    "n = (SELECT 1)", "n = 1 -- x", "s = 'x' /* */", "n = 0x41", "n = 1 UNION SELECT id FROM t",
], ids=repr)
def test_injection_in_identifiers_is_rejected(table: Table, expression: str) -> None:
    before = table.fingerprint()
    with pytest.raises(InvalidArgumentError):
        compile_filter(expression, COLUMNS, ZONE)
    assert table.fingerprint() == before


def test_table_is_intact(table: Table) -> None:
    assert table.fingerprint()[0] == len(ROWS)
    assert table.select("", ()) == {row["id"] for row in ROWS}
