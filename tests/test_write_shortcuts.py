"""The writer's shortcuts write what the checked cells write, and fail what they fail.

A field's cell answers the values most records carry (an ISO date-time without offset, a decimal that
fits as written, true/false, a whole number in range, a string for a text column) without the type's
codec, and hands everything else to the checked cell. These tests hold the two to the same answer (the
same literal, or the same failure message) for every column kind the shortcuts serve, under both
string escapings, two source zones and both TINYINT(1) settings: over a corpus of values taken from
AppFlow's JSON as the writer reads it (numbers as Decimal), and over generated ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pymysql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymysql.converters import escape_string

from connector.catalog import load_entity
from connector.errors import MySQLTarget
from connector.record_decoding import _DECODER
from connector.write_cells import _SHORTCUTS, _backslash_quoted, _doubled_quoted
from connector.write_cells import RecordFailed as _RecordFailed
from connector.write_statements import StatementWriter as _Writer
from devkit.mariadb import ServerAddress
from tests.conftest import sql

COLUMNS = """(
    id INT PRIMARY KEY AUTO_INCREMENT,
    dt0 DATETIME NULL, dt6 DATETIME(6) NOT NULL, ts3 TIMESTAMP(3) NULL, tsn TIMESTAMP NOT NULL DEFAULT '2001-01-01',
    dec12 DECIMAL(12,2) NULL, dec_u DECIMAL(12,2) UNSIGNED NOT NULL, dec55 DECIMAL(5,5) NULL,
    dec65 DECIMAL(65,30) NULL, dec_plain DECIMAL NULL, dec_z DECIMAL(8,3) ZEROFILL NULL,
    flag TINYINT(1) NULL, flag_nn TINYINT(1) NOT NULL DEFAULT 0,
    ti TINYINT NULL, tu TINYINT UNSIGNED NULL, si SMALLINT NOT NULL, mi MEDIUMINT UNSIGNED NULL,
    iu INT UNSIGNED NULL, bi BIGINT NULL, bu BIGINT UNSIGNED NULL, yr YEAR NULL, b12 BIT(12) NULL, b1 BIT NULL,
    vc VARCHAR(20) NULL, tx TEXT NOT NULL, ch CHAR(3) CHARACTER SET latin1 NULL, en ENUM('a','b') NULL,
    st SET('x','y') NULL, bin VARBINARY(8) NULL, js JSON NULL)"""

TEXTS = [
    # numbers as AppFlow's JSON carries them
    "0", "-0", "0.0", "-0.0", "0.5", "-0.5", "0.05", "0.00001", "0.0000001", "12.5", "-12.5", "12.50", "12.05",
    "1e5", "1E+5", "1.5e2", "1E-7", "-1.5e-3", "1e400", "123456789012.34", "1234567890123.4", "9999999999.99",
    "-9999999999.99", "99999999999.99", "9999999999.999", "1.25", "0.99999", "0.123456", "1.0", "10", "100",
    "1000000000000", "-1000000000000", "18446744073709551615", "18446744073709551616", "-9223372036854775808",
    "9223372036854775807", "-9223372036854775809", "255", "256", "-1", "127", "128", "-128", "-129", "65535",
    "32767", "-32768", "16777215", "4294967295", "4294967296", "2155", "1901", "4095", "4096", "1", "2",
    "123456789012345678901234567890123456789012345.123456789012345678901234567891",
    # not numbers
    "true", "false", "null", "[]", "{}", "[1]", '{"a": 1}',
    # date-times: what the shortcut takes, and what it must hand on
    '"2024-01-31T23:59:59"', '"2024-01-31 23:59:59"', '"2024-01-31"', '"2024-02-29T00:00:00"',
    '"2023-02-29T00:00:00"', '"2024-02-30T00:00:00"', '"2024-04-31"', '"2024-00-10"', '"2024-13-01"',
    '"0000-11-30T10:00:00"', '"0000-00-00 00:00:00"', '"0001-01-01T00:00:00"', '"9999-12-31T23:59:59.999999"',
    '"2024-01-31T23:59:59Z"', '"2024-01-31T23:59:59+05:30"', '"2024-01-31T23:59:59-00:00"',
    '"2024-03-10T02:30:00-05:00"', '"20240131T235959"', '"2024-W01-1"', '"2024-031"', '"2024-01-31T24:00:00"',
    '" 2024-01-31T10:00:00"', '"2024-01-31T10:00:00 "', '"2024-01-31T10:00:00.5"', '"2024-01-31T10:00:00,5"',
    '"2024-01-31T10:00:00.1234567"', '"2024-01-31T10"', '"2024-01-31T10:00"', '"2024-01-31x10:00"',
    '"2024-01-31\\u00a010:00"', '"2024-01-31\\ud80010:00"', '"2024-01-3"', '"2024-1-31"', '"+024-01-31"',
    '"2_24-01-31"', '"2024-01-31T100000.5"', '"2024-01-31x10:00:00"', '"2024-01-31T10:00:00"',
    '"2024-01-31T10:0000.5"', '"2024-01-31T1000:00"', '"2024-01-31T10:00:0Z"', '"2024-01-31T10:00:00.000000"',
    '"1970-01-01T00:00:00"', '"2038-01-19T03:14:08"', '"1969-12-31T23:59:59"',
    # fractions the column does or does not keep (DATETIME(0), DATETIME(6), TIMESTAMP(3))
    '"2024-01-31T10:00:00.000"', '"2024-01-31T10:00:00.120"', '"2024-01-31T10:00:00.1234560"',
    '"2024-01-31T10:00:00.999"', '"2024-01-31T10:00:00.0000001"', '"2024-01-31T10:00:00,5"',
    # text, and text that looks like other things
    '""', '"abc"', '"true"', '"false"', '"TRUE"', '"1"', '"0"', '"12.5"', '"-3"', '" 7 "', '"a"', '"b"', '"x,y"',
    '"ünï 🎉 日本"', '"\\ud800"', '"a\\udfff b"',
    # labels, and digits MySQL would read as a label's position or a bitmask
    '"a "', '"2"', '"2 "', '" 2"', '"00002"', '"+1"', '"3"', '"x "', '"x,y "', '"\\u0662"',
    '"it\'s \\"q\\" \\\\ back\\\\slash \\u0000 nul \\u001a \\n\\r\\t % %s"',
    '"' + "x" * 300 + '"', '"AAEC"', '"////"',
]
VALUES = [_DECODER.decode(text) for text in TEXTS]


@pytest.fixture(scope="module")
def table(exact_db: dict[str, Any]) -> dict[str, Any]:
    sql(exact_db, f"CREATE TABLE shortcuts {COLUMNS}")
    return exact_db


@pytest.fixture(params=[False, True], ids=["backslash escapes", "NO_BACKSLASH_ESCAPES"])
def session(request: pytest.FixtureRequest, mysql_server: ServerAddress,
            table: dict[str, Any]) -> Iterator[pymysql.Connection]:
    conn = mysql_server.connect(table["database"])
    if request.param:
        with conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')")
    try:
        yield conn
    finally:
        conn.close()


def writers(conn: pymysql.Connection, db: dict[str, Any]) -> Iterator[_Writer]:
    for booleans in (True, False):
        entity = load_entity(conn, db["database"], "shortcuts", tinyint1_as_boolean=booleans)
        for zone in ("UTC", "Asia/Kolkata"):
            for operation in ("INSERT", "UPSERT"):
                yield _Writer(conn, entity, operation, ["id"] if operation == "UPSERT" else [], zone,
                              MySQLTarget("localhost", 3306, "test"))


def answer(cell: Any, value: Any) -> tuple[str, str]:
    try:
        return "literal", cell(value)
    except _RecordFailed as exc:
        return "fails", str(exc)


def assert_same(writer: _Writer, name: str, value: Any) -> None:
    column = writer.by_name[name]
    # the shortcut against the full check it stands for (a private step of the writer)
    assert answer(writer.cells[name], value) == answer(writer._checked_cell(column), value), (name, value)  # noqa: SLF001


def test_every_column_kind_of_the_shortcuts_is_in_the_table(session: pymysql.Connection,
                                                            table: dict[str, Any]) -> None:
    """The comparison below covers each shortcut, and most columns really have one."""
    for writer in writers(session, table):
        served = {writer.by_name[name].type.write_form for name, cell in writer.cells.items()
                  if cell is not None and getattr(cell, "__qualname__", "").split(".")[0] in
                  {f.__name__ for f in _SHORTCUTS.values()}}
        assert served == set(_SHORTCUTS), served


def test_shortcuts_answer_as_the_checked_cells_over_the_corpus(session: pymysql.Connection,
                                                               table: dict[str, Any]) -> None:
    compared = 0
    for writer in writers(session, table):
        for name in writer.by_name:
            for value in VALUES:
                assert_same(writer, name, value)
                compared += 1
    assert compared == 8 * 30 * len(VALUES)


def test_the_shortcuts_really_take_the_common_values(session: pymysql.Connection, table: dict[str, Any]) -> None:
    """Not a vacuous comparison: the usual values come out without the checked cell, as the right text."""
    writer = next(writers(session, table))
    assert writer.cells["dt6"]("2024-01-31T23:59:59.5") == "'2024-01-31 23:59:59.500000'"
    assert writer.cells["dec12"](Decimal("-1234567890.25")) == "-1234567890.25"
    assert writer.cells["dec12"](12) == "12"
    assert writer.cells["flag"](True) == "1"
    assert writer.cells["bu"](18446744073709551615) == "18446744073709551615"
    with pytest.raises(_RecordFailed, match="needs a whole number from 0 to 18446744073709551615"):
        writer.cells["bu"](-1)
    with pytest.raises(_RecordFailed, match="at most 10 digits before and 2 after"):
        writer.cells["dec12"](Decimal("12345678901.5"))


def test_quoting_looks_for_every_character_escape_string_changes() -> None:
    """The quick look (no special character: only quote) must know all that PyMySQL's table escapes."""
    changed = {chr(code) for code in range(128) if escape_string(chr(code)) != chr(code)}
    assert changed == set("'\\\"\n\r\x00\x1a")
    for character in map(chr, range(0x300)):
        for text in (character, f"ab{character}cd", character * 3):
            assert _backslash_quoted(text) == "'" + escape_string(text) + "'"
            assert _doubled_quoted(text) == "'" + text.replace("'", "''") + "'"


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_quoting_is_pymysqls_for_any_text(text: str) -> None:
    assert _backslash_quoted(text) == "'" + escape_string(text) + "'"


# --- generated values ------------------------------------------------------------------------------------

_digits = st.text("0123456789", min_size=1, max_size=40)
_numbers = st.builds(lambda sign, whole, fraction, exponent: f"{sign}{int(whole)}{fraction}{exponent}",
                     st.sampled_from(["", "-"]), _digits,
                     st.one_of(st.just(""), st.builds(lambda d: "." + d, _digits)),
                     st.one_of(st.just(""), st.builds(lambda e: f"e{e}", st.integers(-40, 40))))
_date_like = st.text("0123456789-:T .+Z,Wx", min_size=0, max_size=32)
_near_dates = st.builds(lambda y, m, d, sep, rest: f"{y:04d}-{m:02d}-{d:02d}{sep}{rest}",
                        st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32),
                        st.sampled_from(["", "T", " ", "x", "\u00a0"]), _date_like)


@pytest.fixture(scope="module")
def plain_writers(mysql_server: ServerAddress, table: dict[str, Any]) -> Iterator[list[_Writer]]:
    conn = mysql_server.connect(table["database"])
    try:
        yield list(writers(conn, table))
    finally:
        conn.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(_numbers, _near_dates.map(json.dumps), _date_like.map(json.dumps),
                      st.integers(-2**65, 2**65).map(str)))
def test_shortcuts_answer_as_the_checked_cells_over_generated_values(plain_writers: list[_Writer],
                                                                      text: str) -> None:
    value = _DECODER.decode(text)
    for writer in plain_writers:
        for name in writer.by_name:
            assert_same(writer, name, value)
