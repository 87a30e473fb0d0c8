"""Filter expression -> SQL, without a database: structure, binding, types, SDK defects, injection."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from custom_connector_sdk.connector.configuration import ConnectorOperator as Op
from custom_connector_sdk.connector.fields import FieldDataType as T

from connector.errors import InvalidArgumentError
from connector.filters import CompiledFilter, FilterColumn, compile_filter, operators_for

COLUMNS = {c.name: c for c in [
    FilterColumn("a", T.Integer, "int", column_type="int(11)"),
    FilterColumn("b", T.Integer, "int", column_type="int(11)"),
    FilterColumn("c", T.Integer, "int", column_type="int(11)"),
    FilterColumn("name", T.String, "varchar", column_type="varchar(40)"),
    FilterColumn("flag", T.Boolean, "tinyint", column_type="tinyint(1)"),
    FilterColumn("bit1", T.Boolean, "bit", column_type="bit(1)"),
    FilterColumn("price", T.BigDecimal, "decimal", column_type="decimal(10,2)"),
    FilterColumn("ratio", T.Double, "double", column_type="double"),
    FilterColumn("ts", T.DateTime, "datetime", column_type="datetime"),
    FilterColumn("tstamp", T.DateTime, "timestamp", column_type="timestamp"),
    FilterColumn("day", T.Date, "date", column_type="date"),
    FilterColumn("tiny", T.Short, "tinyint", True, "tinyint(3) unsigned"),
    FilterColumn("big", T.BigInteger, "bigint", True, "bigint(20) unsigned"),
    FilterColumn("doc", T.Struct, "json", column_type="json"),
    FilterColumn("raw", T.ByteArray, "blob", column_type="blob"),
    FilterColumn("at", T.String, "time", column_type="time"),
    FilterColumn("order", T.String, "varchar", column_type="varchar(5)"),  # a reserved word in SQL
    FilterColumn("cost.net-1", T.Integer, "int"),  # dots and dashes are legal in the DSL
    FilterColumn("odd`%name", T.Integer, "int"),  # not expressible in the DSL at all
]}


def compile_(expression: str, tz: str = "UTC") -> CompiledFilter:
    return compile_filter(expression, COLUMNS, tz)


def invalid(expression: str, tz: str = "UTC") -> str:
    with pytest.raises(InvalidArgumentError) as caught:
        compile_(expression, tz)
    return caught.value.message


# --- structure ---------------------------------------------------------------------

STRUCTURE = [
    ("a = 1", "`a` = %s", (1,)),
    ("a != 1", "`a` <> %s", (1,)),
    ("a < 1", "`a` < %s", (1,)),
    ("a <= 1", "`a` <= %s", (1,)),
    ("a > 1", "`a` > %s", (1,)),
    ("a >= 1", "`a` >= %s", (1,)),
    ("a BETWEEN 1 AND 10", "`a` BETWEEN %s AND %s", (1, 10)),
    ("a between -5 and 5", "`a` BETWEEN %s AND %s", (-5, 5)),
    ("a IN (1, 22, 333)", "`a` IN (%s, %s, %s)", (1, 22, 333)),
    ("a in (1, 1)", "`a` IN (%s)", (1,)),
    ("name CONTAINS 'bo'", "`name` LIKE %s ESCAPE '!'", ("%bo%",)),
    ("a = 1 or b = 2 and c = 3", "(`a` = %s OR (`b` = %s AND `c` = %s))", (1, 2, 3)),
    ("(a = 1 or b = 2) and c = 3", "((`a` = %s OR `b` = %s) AND `c` = %s)", (1, 2, 3)),
    ("a = 1 and b = 2 or c = 3", "((`a` = %s AND `b` = %s) OR `c` = %s)", (1, 2, 3)),
    ("a = 1 and (b = 2 or c = 3)", "(`a` = %s AND (`b` = %s OR `c` = %s))", (1, 2, 3)),
    ("NOT a = 1", "NOT (`a` = %s)", (1,)),
    ("not a = 1 and b = 2", "(NOT (`a` = %s) AND `b` = %s)", (1, 2)),
    ("not (a = 1 and b = 2)", "NOT ((`a` = %s AND `b` = %s))", (1, 2)),
    ("not not a = 1", "NOT (NOT (`a` = %s))", (1,)),
    ("((((a = 1))))", "`a` = %s", (1,)),
    ("a = null", "`a` IS NULL", ()),
    ("a != null", "`a` IS NOT NULL", ()),
    ("name = 'null'", "`name` = %s", ("null",)),
    ("a in (1, null)", "(`a` IN (%s) OR `a` IS NULL)", (1,)),
    ("a in (null)", "`a` IS NULL", ()),
    ("order = 'x'", "`order` = %s", ("x",)),
    ("cost.net-1 > 3", "`cost.net-1` > %s", (3,)),
    ("a = 1 AND name = \"it's\"", "(`a` = %s AND `name` = %s)", (1, "it's")),
]


@pytest.mark.parametrize(("expression", "sql", "params"), STRUCTURE, ids=[case[0] for case in STRUCTURE])
def test_structure(expression: str, sql: str, params: tuple[object, ...]) -> None:
    assert compile_(expression) == CompiledFilter(sql, params, None)


@pytest.mark.parametrize("expression", ["", "   ", None], ids=["empty", "blank", "none"])
def test_no_filter(expression: str | None) -> None:
    assert compile_filter(expression, COLUMNS) == CompiledFilter("", (), None)


@pytest.mark.parametrize(("expression", "sql", "limit"), [
    ("LIMIT 5", "", 5),
    ("limit 50", "", 50),
    ("a = 1 LIMIT 5", "`a` = %s", 5),
    ("(a = 1 or b = 2) limit 100", "(`a` = %s OR `b` = %s)", 100),
], ids=["LIMIT 5 alone", "LIMIT 50 alone", "LIMIT 5 after a condition", "LIMIT 100 after parentheses"])
def test_limit(expression: str, sql: str, limit: int) -> None:
    compiled = compile_(expression)
    assert (compiled.sql, compiled.limit) == (sql, limit)


# --- values ------------------------------------------------------------------------

VALUES = [
    ("name contains '50%'", ("%50!%%",)),
    ("name contains 'a_b'", ("%a!_b%",)),
    ("name contains 'wow!'", ("%wow!!%",)),
    ("name contains 'C:\\\\dir'", ("%C:\\dir%",)),
    ("name contains ''", ("%%",)),
    ("name = 'O\\'Brien'", ("O'Brien",)),
    ('name = "say \\"hi\\""', ('say "hi"',)),
    ("name = 'tab\\there'", ("tab\there",)),
    ("name = 'not\\dan escape'", ("not\\dan escape",)),
    ("name = 'x\\\\' or name = 'y'", ("x\\", "y")),
    ("name = 'ünïcødé ✓'", ("ünïcødé ✓",)),
    ("name = ''", ("",)),
    ('name = ""', ("",)),
    ("name = 42", ("42",)),
    ("flag = true", (0,)),
    ("flag = FALSE", (0,)),
    ("bit1 != True", (0,)),
    ("flag = 'true'", (0,)),
    ("flag = 1", (0,)),
    ("price = 9.99", (Decimal("9.99"),)),
    ("price = '9.990'", (Decimal("9.990"),)),
    ("price < -99999999.99", (Decimal("-99999999.99"),)),
    ("ratio > 1.5", (1.5,)),
    ("a = 5.0", (5,)),
    ("a = '7'", (7,)),
    ("a >= -2147483648", (-2147483648,)),
    ("tiny <= 255", (255,)),
    ("big = 18446744073709551615", (18446744073709551615,)),
    ("at > '13:45:00'", ("13:45:00",)),
    ("day = 2024-02-29", (date(2024, 2, 29),)),
    ("day = '2024-02-29'", (date(2024, 2, 29),)),
]


@pytest.mark.parametrize(("expression", "params"), VALUES, ids=[case[0] for case in VALUES])
def test_values_are_converted_and_bound(expression: str, params: tuple[object, ...]) -> None:
    compiled = compile_(expression)
    assert compiled.params == params
    assert all(type(got) is type(want) for got, want in zip(compiled.params, params, strict=True))


@pytest.mark.parametrize(("expression", "sql"), [
    ("flag = true", "`flag` <> %s"),
    ("flag = false", "`flag` = %s"),
    ("flag != true", "`flag` = %s"),
    ("flag != false", "`flag` <> %s"),
    ("flag in ('true', 0)", "`flag` IS NOT NULL"),
    ("flag in ('false', null)", "(`flag` = %s OR `flag` IS NULL)"),
    ("flag = null", "`flag` IS NULL"),
], ids=lambda case: case)
def test_booleans_are_true_when_non_zero(expression: str, sql: str) -> None:
    assert compile_(expression).sql == sql


# --- dates and times ---------------------------------------------------------------

TEMPORAL = [
    # DATETIME holds wall-clock time in the source zone: ...Z is converted to it.
    ("ts > 2024-01-01T00:00:00Z", "Asia/Tokyo", "`ts` > %s", (datetime(2024, 1, 1, 9, 0),)),
    ("ts > 2024-01-01T00:00:00Z", "UTC", "`ts` > %s", (datetime(2024, 1, 1, 0, 0),)),
    ("ts <= 2024-07-01T12:30:15.250Z", "Europe/Berlin", "`ts` <= %s", (datetime(2024, 7, 1, 14, 30, 15, 250000),)),
    ("ts between 2024-01-01T00:00:00Z and 2024-01-31T15:00:00Z", "Asia/Tokyo", "`ts` BETWEEN %s AND %s",
     (datetime(2024, 1, 1, 9, 0), datetime(2024, 2, 1, 0, 0))),
    # TIMESTAMP is read in a +00:00 session: ...Z binds as naive UTC.
    ("tstamp >= 2024-01-01T00:00:00Z", "Asia/Tokyo", "`tstamp` >= %s", (datetime(2024, 1, 1, 0, 0),)),
    # A DATE against a date-time column is that whole day in the source zone.
    ("ts = 2024-01-01", "Asia/Tokyo", "(`ts` >= %s AND `ts` < %s)", (datetime(2024, 1, 1), datetime(2024, 1, 2))),
    ("ts != 2024-01-01", "UTC", "(`ts` < %s OR `ts` >= %s)", (datetime(2024, 1, 1), datetime(2024, 1, 2))),
    ("ts > 2024-01-01", "UTC", "`ts` >= %s", (datetime(2024, 1, 2),)),
    ("ts >= 2024-01-01", "UTC", "`ts` >= %s", (datetime(2024, 1, 1),)),
    ("ts < 2024-01-01", "UTC", "`ts` < %s", (datetime(2024, 1, 1),)),
    ("ts <= 2024-01-01", "UTC", "`ts` < %s", (datetime(2024, 1, 2),)),
    ("ts between 2024-01-01 and 2024-01-31", "UTC", "(`ts` >= %s AND `ts` < %s)",
     (datetime(2024, 1, 1), datetime(2024, 2, 1))),
    ("ts in (2024-01-01, 2024-03-01T00:00:00Z)", "UTC", "(`ts` IN (%s) OR (`ts` >= %s AND `ts` < %s))",
     (datetime(2024, 3, 1), datetime(2024, 1, 1), datetime(2024, 1, 2))),
    ("tstamp = 2024-01-01", "Asia/Tokyo", "(`tstamp` >= %s AND `tstamp` < %s)",
     (datetime(2023, 12, 31, 15, 0), datetime(2024, 1, 1, 15, 0))),
    ("ts = 9999-12-31", "UTC", "`ts` >= %s", (datetime(9999, 12, 31),)),
    # A ...Z instant against a DATE column: compared with the date's midnight, in the source zone.
    ("day < 2024-01-01T12:00:00Z", "Asia/Tokyo", "`day` < %s", (datetime(2024, 1, 1, 21, 0),)),
    ("day between 2024-01-01 and 2024-01-31", "Asia/Tokyo", "`day` BETWEEN %s AND %s",
     (date(2024, 1, 1), date(2024, 1, 31))),
    # What an incremental pull sends, ANDed with a user's filter.
    ("(name = 'x') and ts > 2024-05-01T10:00:00Z and ts <= 2024-05-01T11:00:00Z", "Asia/Tokyo",
     "((`name` = %s AND `ts` > %s) AND `ts` <= %s)", ("x", datetime(2024, 5, 1, 19), datetime(2024, 5, 1, 20))),
]


@pytest.mark.parametrize(("expression", "tz", "sql", "params"), TEMPORAL, ids=[f"{c[0]} @{c[1]}" for c in TEMPORAL])
def test_dates_and_times(expression: str, tz: str, sql: str, params: tuple[object, ...]) -> None:
    assert compile_(expression, tz) == CompiledFilter(sql, params, None)


# --- SDK defects closed ---------------------------------------------------------------

DEFECTS = [
    ("_a > 10", "unexpected character '_'"),  # the SDK lexer dropped it and read `a > 10`
    ("a > 10 #", "unexpected character '#'"),
    ("a > 1.5e3", "near 'e3'"),
    ("5", "the value '5' alone is not a condition"),
    ("'x'", "alone is not a condition"),
    ("a", "the column name 'a' alone is not a condition"),
    ("a = 1 and b", "the column name 'b' alone is not a condition"),
    ("not 2024-01-01", "alone is not a condition"),
    ("a = NULL", "Write null in lower case"),
    ("LIMIT 0", "LIMIT needs a positive whole number, not '0'"),
    ("a = 1 LIMIT 1.5", "LIMIT needs a positive whole number"),
    ("LIMIT 5 LIMIT 5", "line 1, column 9"),
    ("a = 'x", "is not closed"),
    ("a = 'C:\\'", "is not closed"),
    ("a == 1", "near '='"),
    ("a =", "The filter is incomplete"),
]


@pytest.mark.parametrize(("expression", "message"), DEFECTS, ids=[case[0] for case in DEFECTS])
def test_sdk_parser_defects_are_closed(expression: str, message: str) -> None:
    text = invalid(expression)
    assert message in text
    assert "line 1, column" in text


# --- misfits -----------------------------------------------------------------------------

MISFITS = [
    ("zz = 1", "unknown column 'zz'; the columns are"),
    ("nmae = 'x'", "did you mean 'name'"),
    ("Name = 'x'", "did you mean 'name'"),
    ("tiny = 300", "from 0 to 255"),
    ("tiny = -1", "from 0 to 255"),
    ("a = 2147483648", "from -2147483648 to 2147483647"),
    ("big = 18446744073709551616", "to 18446744073709551615"),
    ("a = 'abc'", "'abc' does not fit column 'a'"),
    ("a = 1.5", "a whole number"),
    ("a = 2024-01-01", "'2024-01-01' does not fit column 'a'"),
    ("a = true", "'true' does not fit column 'a'"),
    ("price = 1.234", "2 after the decimal point"),
    ("price = 123456789", "8 digits before"),
    ("flag = 2", "true or false"),
    ("flag = 'yes'", "true or false"),
    ("ts = 5", "a date like 2024-01-31"),
    ("ts = 1611639470000", "a date like 2024-01-31"),
    ("ts = 'yesterday'", "a date like 2024-01-31"),
    ("ts = 2024-02-30", "not a valid calendar date"),
    ("ts = 2024-01-01T24:00:00Z", "not a valid time of day"),
    ("ts = 2024-01-01T10:00:00.1234567Z", "more than 6 fractional digits"),
    ("at = 'noon'", "a quoted time"),
    ("name = true", "compare it with a quoted string"),
    ("a CONTAINS 1", "CONTAINS is not allowed on column 'a' (Integer, int(11)); allowed: = != < <= > >= BETWEEN IN"),
    ("flag > 0", "> is not allowed on column 'flag' (Boolean, tinyint(1)); allowed: = != IN"),
    ("flag between 0 and 1", "BETWEEN is not allowed on column 'flag'"),
    ("doc = 'x'", "column 'doc' (Struct, json) cannot be filtered on"),
    ("raw = 'x'", "column 'raw' (ByteArray, blob) cannot be filtered on"),
    ("raw in ('x')", "cannot be filtered on"),
    ("a > null", "null can only follow = or !="),
    ("a between null and 3", "BETWEEN needs two values, not null"),
    ("name contains null", "CONTAINS needs a string, not null"),
]


@pytest.mark.parametrize(("expression", "message"), MISFITS, ids=[case[0] for case in MISFITS])
def test_misfits_are_invalid_arguments(expression: str, message: str) -> None:
    text = invalid(expression)
    assert message in text
    assert "line 1, column" in text


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", ""], ids=repr)
def test_bad_source_time_zone(zone: str) -> None:
    assert "IANA time zone" in invalid("a = 1", zone)


# --- injection -----------------------------------------------------------------------------

INJECTIONS = [
    "name = '\\' OR 1=1 -- '",
    "name = 'x\\'; DROP TABLE t; -- '",
    "name = \"\\\" OR \\\"1\\\"=\\\"1\"",
    "name = 'a%s%%s%(x)s'",
    "name contains '%\\' UNION SELECT password FROM mysql.user -- '",
    "name in ('x\\') OR (1', 'SLEEP(5)')",
    "name = '`; DROP TABLE t; --'",
    "name = 'robert\\'); DROP TABLE students;--'",
]


@pytest.mark.parametrize("expression", INJECTIONS, ids=INJECTIONS)
def test_injection_in_literals_is_bound(expression: str) -> None:
    compiled = compile_(expression)
    assert set(compiled.sql.replace("%s", "")) <= set("`name <>=!()LIKESCAPEORIN,'")
    for word in ("DROP", "UNION", "SLEEP", "1=1", "--", ";", "password"):
        assert word not in compiled.sql
    assert "%" not in compiled.sql.replace("%s", "")
    assert any(isinstance(p, str) for p in compiled.params)


@pytest.mark.parametrize("expression", [
    "name` = 1 OR `a = 1",
    "a; DROP TABLE t = 1",
    "a = 1 OR 1 = 1",
    "a = 1) OR (1 = 1",
    "`name` = 'x'",
    "a/**/= 1",
    "a = 1 -- comment",
    "a = 0x41",
    "odd`%name = 1",
    "a = 1 UNION SELECT 1",
], ids=repr)
def test_injection_in_identifiers_is_rejected(expression: str) -> None:
    invalid(expression)


def test_unexpressible_column_is_not_filterable() -> None:
    """The DSL cannot quote identifiers, so such a column gets no operators (AppFlow offers no filter)."""
    assert operators_for(COLUMNS["odd`%name"]) == []
    assert "unexpected character '`'" in invalid("odd`%name = 1")


# --- the operator table ------------------------------------------------------------------------

ORDERED = [Op.EQUAL_TO, Op.NOT_EQUAL_TO, Op.LESS_THAN, Op.LESS_THAN_OR_EQUAL_TO, Op.GREATER_THAN,
           Op.GREATER_THAN_OR_EQUAL_TO, Op.BETWEEN]
OPERATOR_TABLE = [
    (FilterColumn("x", T.String, "varchar", column_type="varchar(10)"), [*ORDERED, Op.CONTAINS]),
    (FilterColumn("x", T.String, "enum", column_type="enum('a','b')"), [*ORDERED, Op.CONTAINS]),
    (FilterColumn("x", T.String, "time", column_type="time"), ORDERED),
    (FilterColumn("x", T.String, "uuid", column_type="uuid"), [Op.EQUAL_TO, Op.NOT_EQUAL_TO]),
    (FilterColumn("x", T.String, "point", column_type="point"), []),
    (FilterColumn("x", T.Integer, "int", column_type="int(11)"), ORDERED),
    (FilterColumn("x", T.BigInteger, "bigint", True, "bigint(20) unsigned"), ORDERED),
    (FilterColumn("x", T.BigDecimal, "decimal", column_type="decimal(12,2)"), ORDERED),
    (FilterColumn("x", T.Double, "double", column_type="double"), ORDERED),
    (FilterColumn("x", T.Boolean, "tinyint", column_type="tinyint(1)"), [Op.EQUAL_TO, Op.NOT_EQUAL_TO]),
    (FilterColumn("x", T.Boolean, "bit", column_type="bit(1)"), [Op.EQUAL_TO, Op.NOT_EQUAL_TO]),
    (FilterColumn("x", T.Date, "date", column_type="date"), ORDERED),
    (FilterColumn("x", T.DateTime, "datetime", column_type="datetime(3)"), ORDERED),
    (FilterColumn("x", T.DateTime, "timestamp", column_type="timestamp"), ORDERED),
    (FilterColumn("x", T.Struct, "json", column_type="json"), []),
    (FilterColumn("x", T.Struct, "longtext", column_type="longtext"), []),
    (FilterColumn("x", T.ByteArray, "varbinary", column_type="varbinary(16)"), []),
    (FilterColumn("order total", T.Integer, "int"), []),
    (FilterColumn("_id", T.Integer, "int"), []),
    (FilterColumn("in", T.Integer, "int"), []),
    (FilterColumn("größe", T.Integer, "int"), []),
]


@pytest.mark.parametrize(("column", "operators"), OPERATOR_TABLE,
                         ids=[f"{c.name} {c.column_type or c.mysql_type} -> {c.field_type.name}"
                              for c, _ in OPERATOR_TABLE])
def test_operators_for(column: FilterColumn, operators: list[Op]) -> None:
    assert operators_for(column) == operators


def test_the_translator_overrides_only_visit_methods_the_generated_visitor_declares() -> None:
    """A renamed grammar alternative would leave our method unused and ANTLR's visitChildren in its place."""
    from custom_connector_queryfilter.queryfilter.antlr.CustomConnectorQueryFilterParserVisitor import (
        CustomConnectorQueryFilterParserVisitor as Generated,
    )

    from connector.filters import _antlr, _Translator

    translator = _antlr()[1]
    assert issubclass(translator, Generated)
    ours = {name for name in vars(_Translator) if name.startswith("visit")}
    assert ours <= set(vars(Generated)), ours - set(vars(Generated))
    expression_alternatives = {name for name in vars(Generated)
                               if name.startswith("visit") and name.endswith("Expression")} - {
        "visitStringValueExpression", "visitDecimalValueExpression", "visitCountValueExpression"}
    assert expression_alternatives <= ours, expression_alternatives - ours  # every alternative is translated
