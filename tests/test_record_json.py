"""The writer's fast record parse (``_object_of``, JSONDecoder.raw_decode) agrees with its full one (``_parsed``)."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest

from connector.record_decoding import _object_of, _parsed
from connector.write_cells import RecordFailed as _RecordFailed

# (a huge exponent is read here, as a Decimal; the column's codec judges it)
FAST = ['{"a": 1.50, "b": "x", "c": null, "d": [1, {"e": true}]}', "{}", '{"a":1e400}', '{"a": "\\u00e9"}',
        '{"a": 1e999999999999}']
SLOW_OR_FAILED = [' {"a": 1}', '{"a": 1} ', '{"a": 1}x', '{"a": 1}{}', "{}}", "[1]", "1", '"{"', "{", "",
                  '{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a":' * 100_000 + "1" + "}" * 100_000]


@pytest.mark.parametrize("text", FAST)
def test_one_object_and_nothing_else_is_read_as_the_full_parse_reads_it(text: str) -> None:
    value = _object_of(text)
    assert value is not None
    assert value == _parsed(text)
    assert all(not isinstance(v, float) for v in value.values())  # numbers stay exact


def test_numbers_are_decimals() -> None:
    assert _object_of('{"a": 1.50}') == {"a": Decimal("1.50")}


@pytest.mark.parametrize("text", SLOW_OR_FAILED, ids=range(len(SLOW_OR_FAILED)))
def test_anything_else_is_left_to_the_full_parse(text: str) -> None:
    assert _object_of(text) is None
    with contextlib.suppress(_RecordFailed):
        assert _parsed(text) == _parsed(text.strip())  # whitespace around one object is still a record
