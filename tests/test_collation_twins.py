"""Twins: the same assertions under NO PAD and PAD SPACE, _ci and _bin collations, latin1 and binary.

Aurora MySQL 3 (MySQL 8) collates by ``utf8mb4_0900_ai_ci``: NO PAD ('a' and 'a ' differ) and
accent-insensitive ('a' = 'A' = 'á'). MariaDB has NO PAD collations of its own and the PAD SPACE
ones both servers share. Under each collation a table's key accepts its own set of twins (values
that differ in bytes and may or may not be equal under the collation): the set is not written here
but found by inserting candidates and keeping what the unique key accepts. Then, for that set:

* every page sequence (sizes 1, 2, 3 and 7) returns each row exactly once, on a VARCHAR primary
  key, a CHAR primary key, a unique NOT NULL secondary key, a composite key whose first part ties
  between twins, and a table without any key (duplicate rows included);
* a filter returns exactly the rows the server returns for the same comparison, written as SQL
  (and, where the server cannot compare the column with the value, is refused as the server refuses);
* RetrieveData by ids returns the rows the server finds for those values;
* UPDATE, UPSERT and DELETE by a key change the row the server says ``k = value`` names, and no other.

Nothing here says which values are equal: the server is asked every time. Rows are compared as
the multiset of the server's HEX of each stored value (its UTF-8 text, or its bytes).
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pymysql
import pytest

from connector import catalog
from tests.conftest import Caller, identifier, pages, sql

# Requested collations; "binary" is the binary character set (VARBINARY / BINARY columns).
COLLATIONS = [
    "utf8mb4_unicode_520_nopad_ci", "utf8mb4_nopad_bin", "utf8mb4_general_nopad_ci", "utf8mb4_unicode_nopad_ci",
    "utf8mb4_unicode_520_ci", "utf8mb4_general_ci", "utf8mb4_bin", "utf8mb4_unicode_ci",
    "latin1_swedish_ci", "binary",
]
# A server without one (MySQL 8 through MYSQL_TEST_URL) tests its own collation of the same kind instead.
STAND_INS = {"utf8mb4_unicode_520_nopad_ci": "utf8mb4_0900_ai_ci", "utf8mb4_nopad_bin": "utf8mb4_0900_bin",
             "utf8mb4_general_nopad_ci": "utf8mb4_0900_as_ci", "utf8mb4_unicode_nopad_ci": "utf8mb4_0900_as_ci"}
# Case, accents, padding, expansions (ß/ss, ligatures), ignorable and control characters, outside the BMP.
CANDIDATES = ["a", "A", "á", "Á", "a ", "a  ", "ä", "ae", "ß", "ss", "ǅ", "Ǆ", "ǆ", "ﬁ", "fi", "", " ", "\t",
              "a\t", "a\x00", "😀", "🎉", "b", "B"]
PAGE_SIZES = (1, 2, 3, 7)
FILTER_PAGE_SIZES = (1, 3)  # a filtered flow pages by the same code; size 1 puts a boundary after every row
# The columns of each table, in order: numbers, and strings (or bytes) compared by their HEX.
TABLES = {"vk": ("k", "n"), "ck": ("k", "n"), "uk": ("d", "k", "n"), "mk": ("k", "j", "n"), "nk": ("k", "c", "n")}
NUMBERS = ("d", "j", "n")
ER_DUP_ENTRY = 1062
ER_TRUNCATED_WRONG_VALUE_FOR_FIELD = 1366  # a character the column's charset cannot hold (strict mode)


@dataclass(frozen=True)
class Family:
    """One collation's tables: ``vk`` VARCHAR primary key, ``ck`` CHAR primary key, ``uk`` unique NOT NULL
    VARCHAR beside a DOUBLE primary key (which cannot page), ``mk`` a (VARCHAR, INT) primary key whose first
    part ties between twins, ``nk`` no key at all (duplicates included)."""

    requested: str
    collation: str  # as the server has it ("binary" for the binary charset)
    charset: str
    prefix: str
    kept: dict[str, tuple[str, ...]]  # table -> the candidates its key accepted, in insertion order

    @property
    def binary(self) -> bool:
        return self.charset == "binary"

    @property
    def nopad(self) -> bool:
        return self.binary or "nopad" in self.collation or "_0900_" in self.collation

    @property
    def case_sensitive(self) -> bool:
        return self.binary or self.collation.endswith(("_bin", "_cs"))

    def table(self, stem: str) -> str:
        return f"{self.prefix}_{stem}"

    def column(self, width: str) -> str:
        """A string column of this family: VARCHAR(8) / CHAR(4), or VARBINARY / BINARY for the binary charset."""
        kind, size = width.split(":")
        if self.binary:
            return f"{'VARBINARY' if kind == 'var' else 'BINARY'}({16 if kind == 'var' else size})"
        typ = "VARCHAR" if kind == "var" else "CHAR"
        return f"{typ}({size}) CHARACTER SET {self.charset} COLLATE {self.collation}"

    def param(self, value: str) -> str | bytes:
        """The value as a statement binds it: text in the connection's utf8mb4, or the bytes themselves."""
        return value.encode() if self.binary else value

    def json_value(self, value: str) -> str:
        """The value as AppFlow sends it in a record or an id (binary fields as base64)."""
        return base64.b64encode(value.encode()).decode() if self.binary else value

    def hexed(self, value: Any) -> Any:
        """A record's string value as the server's HEX of it (numbers as they are)."""
        if not isinstance(value, str):
            return value
        raw = base64.b64decode(value) if self.binary else value.encode("utf-8")
        return raw.hex().upper()

    def select(self, stem: str) -> str:
        """The columns of table ``stem`` as the server's HEX (text converted to UTF-8 first)."""
        return ", ".join(c if c in NUMBERS else (f"HEX(`{c}`)" if self.binary else
                                                    f"HEX(CONVERT(`{c}` USING utf8mb4))") for c in TABLES[stem])


def _errno(exc: BaseException) -> int:
    return int(exc.args[0]) if exc.args and isinstance(exc.args[0], int) else 0


def _insert(db: dict[str, Any], table: str, columns: Sequence[str], values: Sequence[Any]) -> int:
    """One row; 0 when it went in, else the server's error number (a duplicate, a character it cannot hold)."""
    marks = ", ".join(["%s"] * len(values))
    try:
        with db["admin"].cursor() as cur:
            cur.execute(f"INSERT INTO `{db['database']}`.`{table}` ({', '.join(columns)}) VALUES ({marks})", values)
    except pymysql.err.MySQLError as exc:
        errno = _errno(exc)
        assert errno in (ER_DUP_ENTRY, ER_TRUNCATED_WRONG_VALUE_FOR_FIELD), exc
        return errno
    return 0


def _resolve(db: dict[str, Any], requested: str) -> tuple[str, str]:
    """(collation, charset) the server has for ``requested``: itself, or the stand-in of the same kind."""
    if requested == "binary":
        return "binary", "binary"
    known = {row[0] for row in sql(db, "SELECT COLLATION_NAME FROM information_schema.COLLATIONS")}
    collation = requested if requested in known else STAND_INS.get(requested, requested)
    assert collation in known, f"the server has neither {requested} nor a stand-in for it"
    return collation, collation.split("_")[0]


@pytest.fixture(scope="module", params=COLLATIONS)
def family(request: pytest.FixtureRequest, exact_db: dict[str, Any]) -> Iterator[Family]:
    requested = request.param
    collation, charset = _resolve(exact_db, requested)
    prefix = f"tw{COLLATIONS.index(requested)}"
    draft = Family(requested, collation, charset, prefix, {})
    sql(exact_db,
        f"CREATE TABLE `{prefix}_vk` (k {draft.column('var:8')} PRIMARY KEY, n INT NOT NULL)",
        f"CREATE TABLE `{prefix}_ck` (k {draft.column('fix:4')} PRIMARY KEY, n INT NOT NULL)",
        f"CREATE TABLE `{prefix}_uk` (d DOUBLE PRIMARY KEY, k {draft.column('var:8')} NOT NULL, n INT NOT NULL, "
        "UNIQUE KEY k (k))",
        f"CREATE TABLE `{prefix}_mk` (k {draft.column('var:8')}, j INT, n INT NOT NULL, PRIMARY KEY (k, j))",
        f"CREATE TABLE `{prefix}_nk` (k {draft.column('var:8')}, c {draft.column('fix:4')}, n INT)")
    kept: dict[str, list[str]] = {"vk": [], "ck": [], "uk": [], "mk": [], "nk": []}
    for i, value in enumerate(CANDIDATES):
        v = draft.param(value)
        for stem, columns, row in (("vk", ("k", "n"), (v, i)), ("ck", ("k", "n"), (v, i)),
                                   ("uk", ("d", "k", "n"), (i + 0.5, v, i))):
            if _insert(exact_db, f"{prefix}_{stem}", columns, row) == 0:
                kept[stem].append(value)
        # twins share a first key part where the collation ties them; the second part tells them apart
        for j in (i % 3, 3):
            if _insert(exact_db, f"{prefix}_mk", ("k", "j", "n"), (v, j, 10 * i + j)) == 0:
                kept["mk"].append(value)
        # no key: every value the charset holds, twice, and some rows identical in every column
        if all(_insert(exact_db, f"{prefix}_nk", ("k", "c", "n"), (v, draft.param(value[:4]), i % 3)) == 0
               for _ in range(2)):
            kept["nk"].append(value)
    sql(exact_db, f"INSERT INTO `{prefix}_nk` VALUES (NULL, NULL, NULL), (NULL, NULL, NULL), (NULL, 'a', 1)")
    yield Family(requested, collation, charset, prefix, {stem: tuple(values) for stem, values in kept.items()})


# --- helpers --------------------------------------------------------------------------------------


def stored(db: dict[str, Any], family: Family, stem: str, where: str = "TRUE",
           params: Sequence[Any] | None = None, table: str | None = None) -> Counter[tuple[Any, ...]]:
    """The rows of a table (``stem``'s, or its copy ``table``) the server returns for ``where``, as HEX values."""
    rows = sql(db, f"SELECT {family.select(stem)} FROM `{table or family.table(stem)}` WHERE {where}", params=params)
    return Counter(tuple(row) for row in rows)


def received(family: Family, stem: str, records: Sequence[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(family.hexed(r[c]) for c in TABLES[stem]) for r in records)


def page_key(db: dict[str, Any], family: Family, stem: str) -> list[str]:
    """The columns pages of the table are ordered by after their key ([]: OFFSET in the order of all columns)."""
    entity = catalog.load_entity(db["admin"], db["database"], family.table(stem))
    return [c.name for c in entity.key]


def refused_as_the_server_refuses(response: dict[str, Any], exc: pymysql.err.MySQLError) -> bool:
    """The server cannot compare the column with a value (a character its charset cannot hold): neither can
    the connector, which says so as the caller's mistake (InvalidArgument), not as the server's failure."""
    details = response.get("errorDetails") or {}
    return (response["isSuccess"] is False and details.get("errorCode") == "InvalidArgument"
            and "cannot compare a value with a column" in details.get("errorMessage", "")
            and str(exc.args[1]) in details.get("errorMessage", ""))


def assert_pages_exact(call: Caller, db: dict[str, Any], family: Family, stem: str, **fields: Any) -> None:
    expected = stored(db, family, stem)
    assert sum(expected.values()) >= 10, "too few rows to page through"
    for size in PAGE_SIZES:
        got = pages(call, identifier(db, family.table(stem)), size, **fields)
        assert len(got) == sum(expected.values()), (family.requested, stem, size)
        assert received(family, stem, got) == expected, (family.requested, stem, size)


# --- 1. the twin sets are the server's ---------------------------------------------------------


def test_each_key_keeps_the_twins_its_collation_tells_apart(exact_db: dict[str, Any], family: Family) -> None:
    """The premise of the rest: what the unique key accepted is what the collation's padding and case say."""
    vk = family.kept["vk"]
    spelled = "_binary'a' = _binary'a '" if family.binary else \
        f"_{family.charset}'a' COLLATE {family.collation} = _{family.charset}'a '"
    pads = sql(exact_db, f"SELECT {spelled}")[0][0]
    assert bool(pads) is not family.nopad, f"{family.collation} pads as its name does not say"
    assert ("a " in vk) is family.nopad  # NO PAD: 'a' and 'a ' are two keys; PAD SPACE: they clash
    assert ("A" in vk) is family.case_sensitive
    assert "a" in vk and "" in vk and "\t" in vk and "a\t" in vk  # control characters are never spaces
    # CHAR strips trailing spaces whatever the collation: 'a ' is 'a' once stored; BINARY pads with zero bytes
    ck = family.kept["ck"]
    if family.binary:
        assert "a " in ck and "a\x00" not in ck
    else:
        assert "a " not in ck and " " not in ck and "" in ck
    assert family.kept["uk"] == vk
    assert len(family.kept["nk"]) == sum(1 for _ in stored(exact_db, family, "nk").elements()) // 2 - 1


# --- 2. every row once, on every kind of key ---------------------------------------------------


def test_keyset_pages_on_a_varchar_primary_key(call: Caller, exact_db: dict[str, Any], family: Family) -> None:
    assert page_key(exact_db, family, "vk") == ["k"]
    assert_pages_exact(call, exact_db, family, "vk")


def test_pages_on_a_char_primary_key(call: Caller, exact_db: dict[str, Any], family: Family) -> None:
    """CHAR under NO PAD sorts padded and compares unpadded: such a key pages by OFFSET, all others by keyset."""
    padded_char = family.nopad and not family.binary
    assert page_key(exact_db, family, "ck") == ([] if padded_char else ["k"])
    assert_pages_exact(call, exact_db, family, "ck")


def test_keyset_pages_on_a_unique_not_null_secondary_key(call: Caller, exact_db: dict[str, Any],
                                                           family: Family) -> None:
    assert page_key(exact_db, family, "uk") == ["k"]
    assert_pages_exact(call, exact_db, family, "uk")


def test_keyset_pages_on_a_composite_key_whose_first_part_ties(call: Caller, exact_db: dict[str, Any],
                                                                family: Family) -> None:
    """Under _ci and PAD SPACE 'a', 'A' and 'a ' are one value of k: ORDER BY k, j and the token's
    ``(k = ? AND j > ?) OR k > ?`` must tie them the same way."""
    assert page_key(exact_db, family, "mk") == ["k", "j"]
    table = family.table("mk")
    ties = sql(exact_db, f"SELECT COUNT(*) FROM `{table}` a JOIN `{table}` b ON a.k = b.k AND a.j < b.j "
                         "AND HEX(a.k) <> HEX(b.k)")[0][0]
    assert bool(ties) is (len(family.kept["vk"]) < len(family.kept["nk"]))  # twins the key tied share a k here
    assert_pages_exact(call, exact_db, family, "mk")


def test_keyless_pages_with_duplicates_and_twins(call: Caller, exact_db: dict[str, Any], family: Family) -> None:
    assert page_key(exact_db, family, "nk") == []
    assert_pages_exact(call, exact_db, family, "nk")
    assert_pages_exact(call, exact_db, family, "nk", selectedFieldNames=["k", "c", "n"])


# --- 3. filters: the server's own comparison ------------------------------------------------------

# (filterExpression, the same condition as SQL, its parameters); {c} is the column.
FILTERS: list[tuple[str, str, tuple[str, ...]]] = [
    *((f"{{c}} = '{v}'", "{c} = %s", (v,)) for v in ("a", "A", "a ", "á", "ä", "ss", "ß", "", "fi", "ǅ")),
    ("{c} != 'a'", "{c} <> %s", ("a",)),
    ("{c} > 'a'", "{c} > %s", ("a",)),
    ("{c} > ''", "{c} > %s", ("",)),
    ("{c} >= 'a '", "{c} >= %s", ("a ",)),
    ("{c} < 'a'", "{c} < %s", ("a",)),
    ("{c} <= 'ae'", "{c} <= %s", ("ae",)),
    ("{c} BETWEEN 'a' AND 'b'", "{c} BETWEEN %s AND %s", ("a", "b")),
    ("{c} BETWEEN 'a ' AND 'ae'", "{c} BETWEEN %s AND %s", ("a ", "ae")),
    ("{c} IN ('a', 'A ', 'ß', 'ǆ')", "{c} IN (%s, %s, %s, %s)", ("a", "A ", "ß", "ǆ")),
    *((f"{{c}} CONTAINS '{v}'", "{c} LIKE %s", (f"%{v}%",)) for v in ("a", "A", " ", "ss", "ﬁ", "😀")),
    ("{c} = 'a' OR {c} = 'b'", "({c} = %s OR {c} = %s)", ("a", "b")),
]
# (table, column): keyset on a primary and a secondary key, OFFSET on CHAR NO PAD and without a key.
FILTERED = [("vk", "k"), ("uk", "k"), ("ck", "k"), ("nk", "k"), ("nk", "c")]


def test_filters_return_the_rows_the_server_returns(call: Caller, exact_db: dict[str, Any], family: Family) -> None:
    if family.binary:  # bytes have no collation to compare by: a binary field is not filtered on
        response = call("QueryDataRequest", entityIdentifier=identifier(exact_db, family.table("vk")),
                        maxResults=5, filterExpression="k = 'a'")
        assert response["isSuccess"] is False and response["errorDetails"]["errorCode"] == "InvalidArgument"
        assert "cannot be filtered on" in response["errorDetails"]["errorMessage"]
        return
    wrong: list[str] = []
    for stem, column in FILTERED:
        for dsl, condition, params in FILTERS:
            expression = dsl.format(c=column)
            try:
                expected = stored(exact_db, family, stem, condition.format(c=f"`{column}`"), params)
            except pymysql.err.MySQLError as exc:
                response = call("QueryDataRequest", entityIdentifier=identifier(exact_db, family.table(stem)),
                                maxResults=5, filterExpression=expression)
                if not refused_as_the_server_refuses(response, exc):
                    wrong.append(f"{stem}.{column} {expression!r}: server says {exc}; connector {response}")
                continue
            for size in FILTER_PAGE_SIZES:
                got = received(family, stem, pages(call, identifier(exact_db, family.table(stem)), size,
                                                   filterExpression=expression))
                if got != expected:
                    wrong.append(f"{stem}.{column} {expression!r} size {size}: {sorted(got)} != {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


# --- 4. ids: RetrieveData, and UPDATE / UPSERT / DELETE by a key ------------------------------------


def test_ids_retrieve_the_rows_the_server_finds(call: Caller, exact_db: dict[str, Any], family: Family) -> None:
    """Each candidate alone (kept or not: under _ci 'A' finds the row 'a'), then all of them at once."""
    wrong: list[str] = []
    twins_found: Counter[str] = Counter()  # ids that found a row whose bytes are not the id's
    for stem in ("vk", "ck", "uk"):
        for ids in [*([v] for v in CANDIDATES), CANDIDATES]:
            marks = ", ".join(["%s"] * len(ids))
            response = call("RetrieveDataRequest", entityIdentifier=identifier(exact_db, family.table(stem)),
                            idFieldName="k", ids=[family.json_value(v) for v in ids])
            try:
                expected = stored(exact_db, family, stem, f"k IN ({marks})", [family.param(v) for v in ids])
            except pymysql.err.MySQLError as exc:
                if not refused_as_the_server_refuses(response, exc):
                    wrong.append(f"{stem} {ids!r}: server says {exc}; connector {response}")
                continue
            if not response["isSuccess"]:
                wrong.append(f"{stem} {ids!r}: {response['errorDetails']}")
                continue
            got = received(family, stem, [json.loads(r) for r in response["records"]])
            if got != expected:
                wrong.append(f"{stem} {ids!r}: {sorted(got)} != {sorted(expected)}")
            hexed = {family.hexed(family.json_value(v)) for v in ids}
            twins_found[stem] += sum(count for row, count in got.items() if not hexed & set(row))
    assert not wrong, "\n".join(wrong)
    ties = len(family.kept["vk"]) < len(family.kept["nk"])
    assert bool(twins_found["vk"]) is ties and bool(twins_found["uk"]) is ties


WRITTEN = {"UPDATE": ("vk", "ck", "uk"), "UPSERT": ("vk", "uk"), "DELETE": ("vk", "ck", "uk")}


def _changed(stem: str, row: tuple[Any, ...], n: int, d: float | None) -> tuple[Any, ...]:
    """``row`` with its n (and d, the DOUBLE primary key of ``uk``) written."""
    values = dict(zip(TABLES[stem], row, strict=True))
    values["n"] = n
    if d is not None:
        values["d"] = d
    return tuple(values[c] for c in TABLES[stem])


@pytest.mark.parametrize("operation", list(WRITTEN))
def test_writes_by_a_key_change_the_row_the_server_names(call: Caller, exact_db: dict[str, Any], family: Family,
                                                         operation: str) -> None:
    """Every candidate in turn names a row by ``k`` on a copy of the table; the whole table is compared before
    and after with what the server says ``k = value`` matches (under _ci, 'A' names the row 'a'). DELETE goes
    through them backwards, so that a twin ('B') names a row ('b') before that row's own value deletes it."""
    wrong: list[str] = []
    twins_named: Counter[str] = Counter()  # writes that named a row whose bytes are not the value's
    for stem in WRITTEN[operation]:
        copy = f"{family.table(stem)}_{operation.lower()}"
        sql(exact_db, f"CREATE TABLE `{copy}` LIKE `{family.table(stem)}`",
            f"INSERT INTO `{copy}` SELECT * FROM `{family.table(stem)}`")
        order = list(enumerate(CANDIDATES))
        for i, value in reversed(order) if operation == "DELETE" else order:
            n, d = 1000 + i, (5000.5 + i if stem == "uk" and operation == "UPSERT" else None)
            record: dict[str, Any] = {"k": family.json_value(value)}
            if operation != "DELETE":
                record |= {"n": n} | ({"d": d} if d is not None else {})
            before = stored(exact_db, family, stem, table=copy)
            try:
                named = stored(exact_db, family, stem, "k = %s", [family.param(value)], table=copy)
            except pymysql.err.MySQLError:
                named = None  # the server cannot compare the column with the value: nothing can change
            response = call("WriteDataRequest", entityIdentifier=identifier(exact_db, copy), operation=operation,
                            idFieldNames=["k"], records=[json.dumps(record)], allOrNone=False)
            after = stored(exact_db, family, stem, table=copy)
            if not response.get("writeRecordResults"):  # the call must be carried out, the record decide
                wrong.append(f"{stem} {operation} {value!r}: {response}")
                continue
            ok = response["writeRecordResults"][0]["isSuccess"]
            if named and family.hexed(family.json_value(value)) not in next(iter(named)):
                twins_named[stem] += 1
            if named is None:
                expected, should = before, False
            elif sum(named.values()) > 1:
                wrong.append(f"{stem} {value!r}: the key names {sorted(named)}")
                continue
            elif operation == "DELETE":
                expected, should = before - named, bool(named)
            elif named:
                expected = before - named + Counter(_changed(stem, row, n, d) for row in named)
                should = True
            elif operation == "UPSERT":
                inserted = {"d": d, "k": family.hexed(family.json_value(value)), "n": n}
                expected, should = before + Counter([tuple(inserted[c] for c in TABLES[stem])]), True
            else:
                expected, should = before, False
            if (ok, after) != (should, expected):
                wrong.append(f"{stem} {operation} {value!r}: ok={ok} (expected {should}) {response}; "
                             f"gone {sorted(before - after)}, new {sorted(after - before)}; "
                             f"expected gone {sorted(before - expected)}, new {sorted(expected - before)}")
    assert not wrong, "\n".join(wrong)
    assert bool(twins_named["vk"]) is (len(family.kept["vk"]) < len(family.kept["nk"]))
