"""MySQL 8 spells integer types without display widths: the type table reads them as MariaDB's spellings.

Since MySQL 8.0.19 ``COLUMN_TYPE`` says ``int`` and ``bigint unsigned`` where MariaDB and MySQL 5.7 say
``int(11)`` and ``bigint(20) unsigned``; only ``tinyint(1)`` keeps its width (the boolean convention),
and ZEROFILL columns keep theirs (``int(10) unsigned zerofill``). Each MySQL 8 spelling must give the
same AppFlow type, range, key and filter bounds as its MariaDB twin.
"""

from __future__ import annotations

import dataclasses

import pytest

from connector.catalog import Column
from connector.errors import InvalidArgumentError
from connector.filters import FilterColumn, compile_filter
from connector.page_statement import key_param
from connector.types import KeyKind, column_type, integer_range

# (DATA_TYPE, MySQL 8's COLUMN_TYPE, MariaDB's, the AppFlow type, the values it holds)
SPELLINGS = [
    ("tinyint", "tinyint", "tinyint(4)", "Short", (-128, 127)),
    ("tinyint", "tinyint unsigned", "tinyint(3) unsigned", "Short", (0, 255)),
    ("smallint", "smallint", "smallint(6)", "Short", (-32768, 32767)),
    ("smallint", "smallint unsigned", "smallint(5) unsigned", "Integer", (0, 65535)),
    ("mediumint", "mediumint unsigned", "mediumint(8) unsigned", "Integer", (0, 2**24 - 1)),
    ("int", "int", "int(11)", "Integer", (-(2**31), 2**31 - 1)),
    ("int", "int unsigned", "int(10) unsigned", "Long", (0, 2**32 - 1)),
    ("int", "int(10) unsigned zerofill", "int(10) unsigned zerofill", "Long", (0, 2**32 - 1)),
    ("int", "int unsigned zerofill", "int(10) unsigned zerofill", "Long", (0, 2**32 - 1)),
    ("bigint", "bigint", "bigint(20)", "Long", (-(2**63), 2**63 - 1)),
    ("bigint", "bigint unsigned", "bigint(20) unsigned", "BigInteger", (0, 2**64 - 1)),
    ("year", "year", "year(4)", "Integer", (0, 2155)),
]


def _column(data_type: str, text: str) -> Column:
    return Column(name="x", data_type=data_type, column_type=text, nullable=False, default=None, extra="",
                  comment="", type=column_type(data_type, text))


@pytest.mark.parametrize(("data_type", "mysql8", "mariadb", "field_type", "bounds"), SPELLINGS)
def test_mysql8_spellings_read_as_their_mariadb_twins(data_type: str, mysql8: str, mariadb: str, field_type: str,
                                                      bounds: tuple[int, int]) -> None:
    assert column_type(data_type, mysql8) == column_type(data_type, mariadb)
    assert column_type(data_type, mysql8).field_type.name == field_type
    assert integer_range(data_type, mysql8) == integer_range(data_type, mariadb) == bounds
    column = _column(data_type, mysql8)
    assert column.keyset_kind is KeyKind.INT
    assert column.unsigned is ("unsigned" in mysql8)
    low, high = bounds
    assert key_param(column, str(high)) == high and key_param(column, str(low)) == low
    with pytest.raises(InvalidArgumentError, match=f"from {low} to {high}"):
        key_param(column, str(high + 1))
    filtered = {"x": FilterColumn.of(column)}
    assert compile_filter(f"x BETWEEN {max(low, 0)} AND {high}", filtered, "UTC").params == (max(low, 0), high)
    with pytest.raises(InvalidArgumentError, match=f"from {low} to {high}"):
        compile_filter(f"x = {high + 1}", filtered, "UTC")


def test_only_tinyint_1_is_a_boolean() -> None:
    """MySQL 8 keeps the width of TINYINT(1) alone, so ``tinyint`` without one is a number, never a flag."""
    assert column_type("tinyint", "tinyint(1)").field_type.name == "Boolean"
    assert column_type("tinyint", "tinyint(1)", tinyint1_as_boolean=False) == column_type("tinyint", "tinyint")
    for text in ("tinyint", "tinyint(4)", "tinyint(2)", "tinyint unsigned", "tinyint(3) unsigned"):
        assert column_type("tinyint", text).field_type.name == "Short", text
    flag = _column("tinyint", "tinyint(1)")
    assert flag.keyset_kind is KeyKind.INT and key_param(flag, "true") == 1 and key_param(flag, "0") == 0
    number = dataclasses.replace(flag, column_type="tinyint", type=column_type("tinyint", "tinyint"))
    with pytest.raises(InvalidArgumentError):
        key_param(number, "true")  # a plain TINYINT's ids are numbers
