"""The SELECT of a QueryData page or of RetrieveData's ids; imports no database, wire, rows or query module directly.

A page is ``SELECT <fields>, <key copies> FROM t WHERE (<filter>) AND (<after last key>)
ORDER BY <key> LIMIT n``; a table without a usable key (or a view) is ordered by every
column's stored bytes and paged with OFFSET. Key values that come from outside (a token,
RetrieveData's ids) are checked to fit their column before they are bound.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import InvalidOperation
from typing import Any

from connector.catalog import Column, Entity
from connector.errors import InvalidArgumentError
from connector.paging import IssuedToken, PageState, TableBinding, fingerprint, table_changed
from connector.sql import quote, quote_table
from connector.types import FilterKind, KeyKind, integer_range
from connector.value_rules import decimal_problem, exact_decimal, number_text, whole_number_text

__all__ = [
    "PageStatement", "ids_statement", "key_param", "page_binding", "page_statement", "query_fingerprint",
    "select_fields",
]

# A key value from outside (a token, RetrieveData's ids) longer than this is no value of its column.
_MAX_NUMBER_CHARS = 100
_TIME = re.compile(r"-?[0-9]{1,3}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?")


@dataclass(frozen=True)
class PageStatement:
    """One page's SELECT, and what reading its rows and making its token need."""

    sql: str
    params: list[Any]
    selected: list[Column]  # the record's fields, in order (key copies follow them in a row)
    key_at: list[int] | None  # where the page key stands in a row (None: no key, OFFSET order)
    state: PageState  # where the page starts
    left: int | None  # rows of the filter's LIMIT still to read (None: no LIMIT)
    size: int  # the rows the page asks for
    binding: TableBinding  # what the page's token is bound to
    filtered: str  # the filter's SQL ('' without one), for the hint of a query too slow


def select_fields(entity: Entity, names: Sequence[str] | None) -> list[Column]:
    """The columns a request selects (every column without a selection), each once."""
    if not names:
        return list(entity.columns)
    unique = list(dict.fromkeys(names))
    return [entity.column(name) for name in unique]


def _key_copy(column: Column) -> str:
    """The SELECT expression that carries a key column into the token as text.

    Strings travel as the hex of their bytes in the column's own character set: converted
    to utf8mb4, a byte the charset cannot map would come back as '?' and the next page would
    start in the wrong place.
    """
    quoted = quote(column.name)
    kind = column.keyset_kind
    if kind in (KeyKind.HEX, KeyKind.CHARS):
        return f"HEX({quoted})"
    if kind is KeyKind.INT:
        return f"{quoted} + 0"  # BIT and TINYINT(1) too, as plain integers
    return f"CAST({quoted} AS CHAR)"


def _key_positions(key: Sequence[Column], selected: Sequence[Column]) -> list[int] | None:
    """Where the key already stands in the selected fields, when it decodes as plain integers there.

    Then the last row's key is read from the record's own columns, and no key copy is selected.
    """
    positions = {c.name: i for i, c in enumerate(selected)}
    if key and all(c.name in positions and c.keyset_kind is KeyKind.INT and c.type.fixup is None for c in key):
        return [positions[c.name] for c in key]
    return None


def key_param(column: Column, text: str) -> Any:
    """Bind a key value carried as text (a token, or RetrieveData's ids) in the column's own type.

    The value is checked to fit the column first: ``1E+200000000`` for a DECIMAL would
    otherwise be expanded to 200 million digits by the driver.
    """
    kind = column.keyset_kind or column.type.key
    problem = None
    try:
        if kind is KeyKind.INT:
            if text in ("true", "false") and column.type.filter is FilterKind.BOOLEAN:
                return int(text == "true")
            # the writer's rule for numbers as text (int() would take '1_0' and '١')
            number = whole_number_text(text) if len(text) <= _MAX_NUMBER_CHARS else None
            if number is None:
                raise ValueError
            low, high = integer_range(column.data_type, column.column_type)
            if (low is not None and number < low) or (high is not None and number > high):
                problem = f"a whole number from {low} to {high}"
            else:
                return number
        elif kind is KeyKind.DECIMAL:
            exact = number_text(text) if len(text) <= _MAX_NUMBER_CHARS else None  # Decimal() takes '1_0'
            if exact is None:
                raise ValueError
            value = exact
            problem = decimal_problem(value, column.column_type)
            if problem is None:
                return exact_decimal(value)
        elif kind in (KeyKind.HEX, KeyKind.CHARS):
            if column.octet_length is not None and len(text) > 2 * column.octet_length:
                problem = f"at most {column.octet_length} bytes"
            else:
                return bytes.fromhex(text)
        elif column.octet_length is not None and len(text) > column.octet_length:
            problem = f"at most {column.octet_length} bytes"
        else:
            return text
    except (ValueError, InvalidOperation):
        pass
    msg = f"{text[:40]!r} is not a value of field {column.name!r} ({column.column_type})"
    raise InvalidArgumentError(msg + (f": it must be {problem}" if problem else ""))


def query_fingerprint(entity: Entity, filter_expression: str | None, fields: Sequence[str] | None,
                      source_time_zone: str = "UTC") -> str:
    """What a token's query is: the entity, the filter text, the fields as requested, and the zone that
    DATETIME values and filter literals are read in."""
    return fingerprint(entity.identifier, filter_expression or "", list(dict.fromkeys(fields)) if fields else None,
                       source_time_zone)


def page_binding(entity: Entity, selected: Sequence[Column], filtered: Collection[str], query: str) -> TableBinding:
    """The table as a token sees it: the page key, and every column read, filtered on or (OFFSET) ordered by."""
    key = entity.key
    used = [*key, *selected, *(c for c in entity.columns if c.name in filtered)] if key else list(entity.columns)
    return TableBinding.of(query, [c.signature for c in key] if key else None, [c.meaning for c in used])


def _compile(entity: Entity, filter_expression: str | None, source_time_zone: str) -> Any:
    from connector.filters import FilterColumn, compile_filter

    wanted = bool(filter_expression and filter_expression.strip())  # None or blank compiles to no condition
    columns = {c.name: FilterColumn.of(c) for c in entity.columns} if wanted else {}
    return compile_filter(filter_expression, columns, source_time_zone)


def _after_clause(key: Sequence[Column], values: Sequence[str]) -> tuple[str, list[Any]]:
    """``(k1, k2) > (v1, v2)`` spelled out, which both MySQL and MariaDB turn into index ranges."""
    if len(values) != len(key):
        msg = "nextToken is malformed (its key has the wrong number of values); start again without one."
        raise InvalidArgumentError(msg)
    ors: list[str] = []
    params: list[Any] = []
    for i, column in enumerate(key):
        ands = [f"{quote(c.name)} = {c.key_placeholder()}" for c in key[:i]] + [
            f"{quote(column.name)} > {column.key_placeholder()}"]
        ors.append("(" + " AND ".join(ands) + ")")
        params.extend(key_param(c, v) for c, v in zip(key[: i + 1], values[: i + 1], strict=True))
    return "(" + " OR ".join(ors) + ")", params


def page_statement(entity: Entity, *, fields: Sequence[str] | None, filter_expression: str | None,
                   source_time_zone: str, query: str, issued: IssuedToken | None,
                   max_results: int) -> PageStatement | None:
    """The page's SELECT from the request and its token (None when the filter's LIMIT is used up).

    A continuation page whose table no longer has a field the flow reads or filters on, or no
    longer means what its token was issued for, is refused as "the table changed".
    """
    try:
        selected = select_fields(entity, fields)
        compiled = _compile(entity, filter_expression, source_time_zone)
    except InvalidArgumentError:
        if issued is None:
            raise
        # the first page read the same fields and filter: a field it used is gone
        raise table_changed(entity.identifier, "no longer has a field the flow reads or filters on") from None
    binding = page_binding(entity, selected, compiled.columns, query)
    state = issued.check_table(binding, entity.identifier) if issued else PageState()
    left = state.left if issued else compiled.limit  # a filter may be only "LIMIT n"
    if left == 0:
        return None
    size = max_results if left is None else min(max_results, left)
    sql, params, key_at = _page_sql(entity, selected, compiled, state, size)
    return PageStatement(sql, params, selected, key_at, state, left, size, binding, compiled.sql)


def _page_sql(entity: Entity, selected: list[Column], compiled: Any, state: PageState,
              size: int) -> tuple[str, list[Any], list[int] | None]:
    """The SELECT text, its parameters, and where the page key stands in a row."""
    key = entity.key
    where: list[str] = [compiled.sql] if compiled.sql else ["TRUE"]
    params: list[Any] = list(compiled.params)
    select = [c.type.select.format(quote(c.name)) for c in selected]
    key_at = _key_positions(key, selected)
    if key:
        if key_at is None:
            select += [_key_copy(c) for c in key]
            key_at = list(range(len(selected), len(selected) + len(key)))
        order = [quote(c.name) for c in key]
        if state.after is not None:
            clause, after_params = _after_clause(key, state.after)
            where.append(clause)
            params += after_params
        tail = f"LIMIT {size:d}"
    else:
        order = [term for c in entity.columns for term in c.order_terms()]
        tail = f"LIMIT {size:d} OFFSET {state.offset:d}"
    sql = (f"SELECT {', '.join(select)} FROM {quote_table(entity.schema, entity.table)} "
           f"WHERE {' AND '.join(where)} ORDER BY {', '.join(order) or 'NULL'} {tail}")
    return sql, params, key_at


def ids_statement(entity: Entity, selected: Sequence[Column], id_column: Column, ids: Sequence[str],
                  source_time_zone: str) -> tuple[str, list[Any]]:
    """RetrieveData's SELECT of the rows whose ``id_column`` is one of ``ids``, and its parameters.

    The id's own copy follows the selected fields, so that a row too wide can be named by it.
    """
    values = [_id_param(id_column, text, source_time_zone) for text in dict.fromkeys(ids)]
    columns = [c.type.select.format(quote(c.name)) for c in selected] + [_key_copy(id_column)]
    sql = (f"SELECT {', '.join(columns)} FROM {quote_table(entity.schema, entity.table)} "
           f"WHERE {quote(id_column.name)} IN ({', '.join(['%s'] * len(values))})")
    return sql, values


def _id_param(column: Column, text: str, source_time_zone: str) -> Any:
    """An id as RetrieveData sends it (the JSON form QueryData emits) -> the column's bound type."""
    if column.type.write.decodes_ids:
        try:
            return column.type.write.decode(text, column.data_type, column.column_type,
                                            zoneinfo.ZoneInfo(source_time_zone))
        except (ValueError, OverflowError) as exc:
            reason = exc if isinstance(exc, ValueError) else "a date-time within years 0000-9999 in the field's zone"
            msg = f"id {text[:40]!r} of field {column.name!r} ({column.column_type}) must be {reason}"
            raise InvalidArgumentError(msg) from None
    if column.type.key in (KeyKind.INT, KeyKind.DECIMAL):
        return key_param(column, text)
    if column.type.write.number_ids:
        exact = number_text(text) if len(text) <= _MAX_NUMBER_CHARS else None
        number = float(exact) if exact is not None else float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            msg = f"id {text[:40]!r} of field {column.name!r} ({column.column_type}) must be a finite number"
            raise InvalidArgumentError(msg)
        return number
    if column.type.write.time_ids and not _TIME.fullmatch(text.strip()):
        msg = f"id {text[:40]!r} of field {column.name!r} ({column.column_type}) must be a time like 13:45:00"
        raise InvalidArgumentError(msg)
    return text
