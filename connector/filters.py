"""AppFlow filter expressions -> a parameterized MySQL ``WHERE`` fragment.

We parse with the SDK's grammar (``custom_connector_queryfilter``, ANTLR 4.9)
and walk the tree with our own subclass of its generated visitor
(``CustomConnectorQueryFilterParserVisitor``, one ``visit...`` method per labelled
alternative): the SDK example visitor loses parentheses and NOT and splices values
into SQL text. Every identifier is checked against the
entity's columns and passes through :func:`connector.sql.quote`; every value
is converted to the column's type and bound as a ``%s`` parameter.

Defects of the SDK parser closed here:

* the lexer had no error listener, so a stray character (``_id > 1``) was
  dropped silently: any unrecognised character is now an error;
* ``LIMIT 5`` failed (POS_INTEGER needs two digits): a single digit 1-9 after
  LIMIT is accepted;
* a bare value or identifier parsed as a condition: it is rejected wherever it
  appears;
* its string rule is ambiguous (``'a\\\\' = 'b'`` lexed as one string): strings are
  scanned first with one rule (a backslash before ``' " \\ t n r`` escapes it,
  before anything else it is a literal backslash), then handed to ANTLR masked.

Semantics where the DSL is silent (also listed in :func:`compile_filter`):

* ``= null`` / ``!= null`` are ``IS NULL`` / ``IS NOT NULL``; ``null`` with any
  other operator is an error. ``IN (..., null)`` also matches NULLs.
* ``!=``, ``<``, ``>``... follow SQL three-valued logic: a NULL column value
  matches neither ``x != 5`` nor ``NOT (x = 5)``.
* Strings compare under the column's collation (usually case-insensitive);
  CONTAINS is ``LIKE '%...%'`` with ``%``, ``_`` and the escape character
  escaped, under the same collation.
* A Boolean column (TINYINT(1), BIT(1)) is true when non-zero, as the reader
  reports it: ``= true`` is ``<> 0``, ``= false`` is ``= 0``.
* A DATETIME column holds wall-clock time in ``source_time_zone``; a TIMESTAMP
  column is read in a UTC session. A ``...Z`` literal is converted accordingly.
* A DATE literal against a DATETIME/TIMESTAMP column means that whole calendar
  day in ``source_time_zone``: ``= 2024-01-31`` matches any time that day,
  ``BETWEEN 2024-01-01 AND 2024-01-31`` includes all of January 31,
  ``> 2024-01-31`` starts on February 1.
* A ``...Z`` literal against a DATE column is compared as MySQL does (the date
  is midnight of that day in ``source_time_zone``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from custom_connector_sdk.connector.configuration import ConnectorOperator
from custom_connector_sdk.connector.fields import FieldDataType

from connector.catalog import Column
from connector.dates import wall_clock
from connector.errors import InvalidArgumentError
from connector.limits import MAX_FILTER_CHARS, MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH, MAX_FILTER_TOKENS
from connector.sql import quote
from connector.types import FilterKind, filter_kind, integer_range
from connector.value_rules import decimal_problem, number_text

__all__ = ["CompiledFilter", "FilterColumn", "compile_filter", "operators_for", "supported_operators"]

Op: TypeAlias = ConnectorOperator
T: TypeAlias = FieldDataType


@dataclass(frozen=True)
class FilterColumn:
    """What the translator needs to know of a column."""

    name: str
    field_type: FieldDataType
    mysql_type: str
    unsigned: bool = False
    column_type: str = ""

    @classmethod
    def of(cls, column: Column) -> FilterColumn:
        return cls(column.name, column.type.field_type, column.data_type, column.unsigned, column.column_type)


@dataclass(frozen=True)
class CompiledFilter:
    """A self-contained boolean SQL term (safe to AND with others), its parameters, and LIMIT."""

    sql: str
    params: tuple[object, ...]
    limit: int | None
    # the columns the filter names (a token checks they did not change); not part of what the filter means
    columns: frozenset[str] = field(default=frozenset(), compare=False)


# --- column kinds and the operators each allows -------------------------------

_Kind = FilterKind
_ORDERED = [Op.EQUAL_TO, Op.NOT_EQUAL_TO, Op.LESS_THAN, Op.LESS_THAN_OR_EQUAL_TO, Op.GREATER_THAN,
            Op.GREATER_THAN_OR_EQUAL_TO, Op.BETWEEN]
_OPERATORS: dict[_Kind, list[Op]] = {
    _Kind.BOOLEAN: [Op.EQUAL_TO, Op.NOT_EQUAL_TO],
    _Kind.INTEGER: _ORDERED, _Kind.DECIMAL: _ORDERED, _Kind.FLOAT: _ORDERED,
    _Kind.DATE: _ORDERED, _Kind.DATETIME: _ORDERED, _Kind.TIMESTAMP: _ORDERED, _Kind.TIME: _ORDERED,
    _Kind.TEXT: [*_ORDERED, Op.CONTAINS],
    _Kind.OPAQUE: [Op.EQUAL_TO, Op.NOT_EQUAL_TO],
    _Kind.NONE: [],
}
_OP_TEXT = {Op.EQUAL_TO: "=", Op.NOT_EQUAL_TO: "!=", Op.LESS_THAN: "<", Op.LESS_THAN_OR_EQUAL_TO: "<=",
            Op.GREATER_THAN: ">", Op.GREATER_THAN_OR_EQUAL_TO: ">=", Op.BETWEEN: "BETWEEN", Op.CONTAINS: "CONTAINS"}
_SQL_OP = {Op.EQUAL_TO: "=", Op.NOT_EQUAL_TO: "<>", Op.LESS_THAN: "<", Op.LESS_THAN_OR_EQUAL_TO: "<=",
           Op.GREATER_THAN: ">", Op.GREATER_THAN_OR_EQUAL_TO: ">="}

# The grammar's IDENTIFIER token, minus the spellings its lexer takes as keywords.
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_KEYWORDS = frozenset({"AND", "and", "OR", "or", "NOT", "not", "TRUE", "True", "true", "FALSE", "False", "false",
                       "CONTAINS", "contains", "BETWEEN", "between", "null", "IN", "in", "LIMIT", "limit"})


def _kind(column: FilterColumn) -> _Kind:
    return filter_kind(column.mysql_type, column.field_type)  # the type table's row decides


def supported_operators() -> tuple[Op, ...]:
    """Every operator some column kind allows, in the order the kinds list them: what the connector declares.

    >>> [o.name for o in supported_operators()][-2:]
    ['BETWEEN', 'CONTAINS']
    """
    return tuple(dict.fromkeys(op for ops in _OPERATORS.values() for op in ops))


def _expressible(name: str) -> bool:
    """Whether the filter grammar can name this column at all (no quoting exists in the DSL)."""
    return bool(_IDENTIFIER.fullmatch(name)) and name not in _KEYWORDS


def operators_for(column: FilterColumn) -> list[ConnectorOperator]:
    """The filter operators DescribeEntity advertises for a column; the translator allows exactly these.

    IN is accepted wherever EQUAL_TO is. A column whose name the grammar cannot
    express (it must match ``[A-Za-z][A-Za-z0-9_.-]*`` and not be a keyword
    such as ``in``) gets no operators, so AppFlow does not offer to filter on it.

    >>> [o.name for o in operators_for(FilterColumn("flag", T.Boolean, "tinyint", column_type="tinyint(1)"))]
    ['EQUAL_TO', 'NOT_EQUAL_TO']
    >>> operators_for(FilterColumn("order total", T.Integer, "int"))
    []
    """
    if not _expressible(column.name):
        return []
    return list(_OPERATORS[_kind(column)])


# --- parsing --------------------------------------------------------------------

_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_MAX_LIMIT = 2**63 - 1


def _where(line: int, column: int) -> str:
    return f"line {line}, column {column + 1}"


def _show(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[:width] + "...")


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def _scan_strings(text: str) -> tuple[str, dict[int, str]]:
    """Decode every quoted string, and mask its content so ANTLR's ambiguous string rule sees one token.

    Returns the masked text (same length, same line breaks) and the decoded
    strings by the offset of their opening quote.
    """
    masked = list(text)
    strings: dict[int, str] = {}
    i = 0
    while i < len(text):
        quote_char = text[i]
        if quote_char not in "'\"":
            i += 1
            continue
        start, i, chars = i, i + 1, []
        while True:
            if i >= len(text):
                line, col = _position(text, start)
                msg = (f"Invalid filter at {_where(line, col)}: the string starting with {quote_char} is not "
                       f"closed. Inside a string write \\{quote_char} for {quote_char} and \\\\ for a backslash.")
                raise InvalidArgumentError(msg)
            ch = text[i]
            if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
                chars.append(_ESCAPES[text[i + 1]])
                i += 2
                continue
            if ch == quote_char:
                break
            chars.append(ch)
            i += 1
        for j in range(start + 1, i):
            masked[j] = text[j] if text[j] in "\r\n" else "#"
        strings[start] = "".join(chars)
        i += 1
    return "".join(masked), strings


@cache
def _antlr() -> tuple[tuple[Any, Any, Any, Any, Any], type[_Translator]]:
    """Import the generated parser only when a filter is compiled (it deserializes its ATN on import)."""
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.error.ErrorListener import ErrorListener
    from custom_connector_queryfilter.queryfilter.antlr.CustomConnectorQueryFilterLexer import (
        CustomConnectorQueryFilterLexer,
    )
    from custom_connector_queryfilter.queryfilter.antlr.CustomConnectorQueryFilterParser import (
        CustomConnectorQueryFilterParser,
    )
    from custom_connector_queryfilter.queryfilter.antlr.CustomConnectorQueryFilterParserVisitor import (
        CustomConnectorQueryFilterParserVisitor,
    )

    class RaiseOnError(ErrorListener):  # type: ignore[misc]
        """Turns the first lexer or parser complaint into an InvalidArgumentError."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        def syntaxError(self, recognizer: Any, offending: Any, line: int, column: int,  # noqa: N802
                        msg: str, e: Any) -> None:
            if offending is None:  # the lexer: a character no token starts with
                lines = self.text.split("\n")
                bad = lines[line - 1][column] if line <= len(lines) and column < len(lines[line - 1]) else "?"
                message = (f"Invalid filter at {_where(line, column)}: unexpected character {bad!r}. Columns are "
                           "named by letters, digits, '_', '.' and '-' (starting with a letter); strings are "
                           "quoted; numbers, dates (2024-01-31) and date-times (2024-01-31T12:00:00Z) are bare.")
                raise InvalidArgumentError(message)
            original = self.text[offending.start:offending.stop + 1]  # strings are masked in offending.text
            near = "the end of the filter" if offending.type == -1 else _show(original)
            if msg.startswith("no viable alternative"):  # it quotes the masked input: say it plainly
                msg = "unexpected here"
            elif offending.type != -1:
                msg = msg.replace(offending.text, original)
            hint = ""
            if offending.text in ("NULL", "Null"):
                hint = " Write null in lower case."
            elif offending.type == -1:
                hint = " The filter is incomplete."
            message = (f"Invalid filter at {_where(line, column)} near {near}: {msg}.{hint} Conditions look like "
                       "<column> <op> <value> (op: = != < <= > >= CONTAINS), <column> BETWEEN <v> AND <v>, "
                       "<column> IN (<v>, ...), joined by AND, OR, NOT and parentheses, optionally followed by "
                       "LIMIT <n>.")
            raise InvalidArgumentError(message)

    class Translator(_Translator, CustomConnectorQueryFilterParserVisitor):  # type: ignore[misc]
        """The translator as the generated visitor's subclass: the tree's ``accept`` calls our ``visit...``."""

    return (CommonTokenStream, InputStream, CustomConnectorQueryFilterLexer, CustomConnectorQueryFilterParser,
            RaiseOnError), Translator


# The SDK's ANTLR parser is slow on pathological input (10,000 nested parentheses: 5 s; 50,000: past
# Lambda's 30 s), so a filter is measured before it is parsed. AppFlow's own filters are a few conditions;
# an IN list of a thousand ids stays well inside these.


def _check_size(text: str, masked: str) -> None:
    """Refuse a filter too long, too deeply nested or of too many tokens, before ANTLR sees it."""
    depth = deepest = 0
    for ch in masked:  # string contents are masked: their parentheses do not count
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    if deepest > MAX_FILTER_DEPTH:
        msg = (f"The filter nests parentheses {deepest} deep; at most {MAX_FILTER_DEPTH} are accepted. Flatten it "
               "(AND/OR chains need no parentheses; use IN (...) for lists of values).")
        raise InvalidArgumentError(msg)
    words = re.findall(r"'[#\r\n]*'|\"[#\r\n]*\"|[\w.:-]+|[^\w\s]", masked)  # a string is one token
    tokens = len(words)
    run = longest_not_run = 0
    for word in words:  # NOT NOT NOT ... nests like parentheses do
        if word.lower() == "not":
            run += 1
            longest_not_run = max(longest_not_run, run)
        elif word != "(":
            run = 0
    lowered = [word.lower() for word in words]
    joins = lowered.count("and") + lowered.count("or") - lowered.count("between")  # BETWEEN x AND y is one
    if joins > MAX_FILTER_CONDITIONS:
        msg = (f"The filter joins {joins + 1} conditions with AND/OR; at most {MAX_FILTER_CONDITIONS + 1} are "
               "accepted. Write a chain of ORs on one column as IN (...), or split the flow.")
        raise InvalidArgumentError(msg)
    if longest_not_run > MAX_FILTER_DEPTH:
        msg = f"The filter nests {longest_not_run} NOTs; at most {MAX_FILTER_DEPTH} are accepted."
        raise InvalidArgumentError(msg)
    if tokens > MAX_FILTER_TOKENS:
        msg = (f"The filter has about {tokens} tokens; at most {MAX_FILTER_TOKENS} are accepted. Write a chain of "
               "ORs on one column as IN (...), a list of values as a range (BETWEEN), or split the flow.")
        raise InvalidArgumentError(msg)


def _parse(text: str) -> tuple[Any, Any, dict[int, str]]:
    """The parse tree, the parser class (for token types), and the decoded strings by offset."""
    if len(text) > MAX_FILTER_CHARS:
        msg = (f"The filter is {len(text)} characters long; at most {MAX_FILTER_CHARS} are accepted. Split the "
               "flow, or filter on a range (BETWEEN) instead of listing values.")
        raise InvalidArgumentError(msg)
    token_stream_class, input_stream_class, lexer_class, parser_class, listener_class = _antlr()[0]
    masked, strings = _scan_strings(text)
    _check_size(text, masked)
    lexer = lexer_class(input_stream_class(masked))
    lexer.removeErrorListeners()
    lexer.addErrorListener(listener_class(text))
    stream = token_stream_class(lexer)
    stream.fill()
    tokens = stream.tokens
    for token, following in zip(tokens, tokens[1:], strict=False):
        if token.type == lexer_class.LIMIT and following.type == lexer_class.DECIMAL:
            if not re.fullmatch(r"[1-9]", following.text):
                msg = (f"Invalid filter at {_where(following.line, following.column)}: LIMIT needs a positive "
                       f"whole number, not {_show(following.text)}.")
                raise InvalidArgumentError(msg)
            following.type = lexer_class.POS_INTEGER  # the grammar's POS_INTEGER needs two digits
    parser = parser_class(stream)
    parser.removeErrorListeners()
    parser.addErrorListener(listener_class(text))
    return parser.queryfilter(), parser_class, strings


# --- literals -------------------------------------------------------------------

_WHOLE_DIGITS = 40  # more digits than any integer column holds (BIGINT UNSIGNED has 20)

_LiteralKind = Literal["string", "number", "day", "instant", "null", "boolean"]  # a DSL literal's form
# ASCII digits only: Python's \d and int() also read Arabic-Indic and full-width digits
_DATETIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?Z")


@dataclass(frozen=True)
class _Literal:
    kind: _LiteralKind
    text: str
    value: object
    where: str


@dataclass(frozen=True)
class _Day:
    """A calendar day against a date-time column: [start, end), end None past year 9999."""

    start: datetime
    end: datetime | None


def _parse_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"Invalid filter at {where}: {_show(text)} is not a valid calendar date (YYYY-MM-DD, year 0001-9999)."
        raise InvalidArgumentError(msg) from None


def _parse_datetime(text: str, where: str) -> datetime:
    match = _DATETIME.fullmatch(text)
    if not match:
        msg = f"Invalid filter at {where}: {_show(text)} is not a date-time like 2024-01-31T23:59:59.123Z."
        raise InvalidArgumentError(msg)
    day, hour, minute, second, fraction = match.groups()
    fraction = fraction or ""
    if len(fraction) > 6 and fraction[6:].strip("0"):
        msg = f"Invalid filter at {where}: {_show(text)} has more than 6 fractional digits (MySQL keeps microseconds)."
        raise InvalidArgumentError(msg)
    try:
        return datetime.combine(_parse_date(day, where), time(int(hour), int(minute), int(second),
                                                              int(fraction[:6].ljust(6, "0"))), UTC)
    except ValueError:
        msg = f"Invalid filter at {where}: {_show(text)} is not a valid time of day (00:00:00-23:59:59)."
        raise InvalidArgumentError(msg) from None


# --- translation ----------------------------------------------------------------

_Sql = tuple[str, tuple[object, ...]]


class _Translator:
    """Walks the parse tree; every ``visit...`` method returns a self-contained SQL term and its parameters.

    The methods are those of the SDK's generated ``CustomConnectorQueryFilterParserVisitor``, one per
    labelled alternative of its grammar; ``_antlr`` makes the class that inherits both (the generated
    module is imported only when a filter is compiled). ``visit`` is ANTLR's ``ParseTreeVisitor.visit``:
    ``tree.accept(self)``, which calls the ``visit...`` method of the tree's alternative.
    """

    if TYPE_CHECKING:
        def visit(self, tree: Any) -> Any: ...

    def __init__(self, parser_class: Any, strings: dict[int, str], columns: Mapping[str, FilterColumn],
                 zone: ZoneInfo) -> None:
        self.p = parser_class
        self.strings = strings
        self.columns = columns
        self.zone = zone
        self.used: set[str] = set()

    # structure

    def visitQueryfilter(self, ctx: Any) -> CompiledFilter:  # noqa: N802 - the generated visitor's names
        limit_ctx = ctx.limitexpression()
        if limit_ctx is not None:
            result: CompiledFilter = self.visit(limit_ctx)
            return result
        sql, params = self.expression(ctx.expression())
        return CompiledFilter(sql, params, None, frozenset(self.used))

    def visitLimitExpression(self, ctx: Any) -> CompiledFilter:  # noqa: N802
        count = int(ctx.count().getText())
        if count > _MAX_LIMIT:
            msg = f"Invalid filter at {self.at(ctx.count())}: LIMIT {count} is larger than {_MAX_LIMIT}."
            raise InvalidArgumentError(msg)
        if ctx.expression() is None:
            return CompiledFilter("", (), count)
        sql, params = self.expression(ctx.expression())
        return CompiledFilter(sql, params, count, frozenset(self.used))

    def expression(self, ctx: Any) -> _Sql:
        """The SQL of an expression; every alternative of the grammar's expression rule has its method below."""
        result: _Sql = self.visit(ctx)
        return result

    def visitParenExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self.expression(ctx.expression())  # every compound term below is parenthesized already

    def visitNotExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        sql, params = self.expression(ctx.expression())
        return f"NOT ({sql})", params

    def visitANDBinaryExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._binary(ctx, "AND")

    def visitORBinaryExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._binary(ctx, "OR")

    def _binary(self, ctx: Any, word: str) -> _Sql:
        left, left_params = self.expression(ctx.expression(0))
        right, right_params = self.expression(ctx.expression(1))
        return f"({left} {word} {right})", left_params + right_params

    def visitIdentifierExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        msg = (f"Invalid filter at {self.at(ctx)}: the column name {_show(ctx.getText())} alone is not a condition; "
               "compare it, e.g. name = 'x', amount > 10, flag = true.")
        raise InvalidArgumentError(msg)

    def visitValueExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        msg = (f"Invalid filter at {self.at(ctx)}: the value {_show(ctx.getText())} alone is not a condition; "
               "compare a column with it, e.g. amount = 10.")
        raise InvalidArgumentError(msg)

    # conditions

    def visitEqualToComparatorExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._compare(ctx, Op.EQUAL_TO, ctx.value())

    def visitBooleanEqualToComparatorExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._compare(ctx, Op.EQUAL_TO, ctx.boolean())

    def visitNotEqualToComparatorExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._compare(ctx, Op.NOT_EQUAL_TO, ctx.value())

    def visitBooleanNotEqualToComparatorExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._compare(ctx, Op.NOT_EQUAL_TO, ctx.boolean())

    def visitLesserThanComparatorExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._compare(ctx, Op.LESS_THAN, ctx.value())

    def visitLesserThanEqualToComparatorExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._compare(ctx, Op.LESS_THAN_OR_EQUAL_TO, ctx.value())

    def visitGreaterThanComparatorExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._compare(ctx, Op.GREATER_THAN, ctx.value())

    def visitGreaterThanEqualToComparatorExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        return self._compare(ctx, Op.GREATER_THAN_OR_EQUAL_TO, ctx.value())

    def visitLikeComparatorExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        column, name = self.column(ctx.identifier(), Op.CONTAINS)
        literal = self.literal(ctx.value())
        if literal.kind == "null":
            msg = f"Invalid filter at {literal.where}: CONTAINS needs a string, not null."
            raise InvalidArgumentError(msg)
        if literal.kind == "boolean":
            raise self.misfit(column, literal, "a string")
        needle = literal.value if literal.kind == "string" else literal.text
        pattern = "%" + re.sub(r"([!%_])", r"!\1", str(needle)) + "%"
        # An explicit escape character: the default (backslash) depends on sql_mode NO_BACKSLASH_ESCAPES.
        return f"{name} LIKE %s ESCAPE '!'", (pattern,)

    def visitBetweenExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        column, name = self.column(ctx.identifier(), Op.BETWEEN)
        low_literal, high_literal = self.literal(ctx.value(0)), self.literal(ctx.value(1))
        for literal in (low_literal, high_literal):
            if literal.kind == "null":
                msg = f"Invalid filter at {literal.where}: BETWEEN needs two values, not null."
                raise InvalidArgumentError(msg)
        low, high = self.convert(column, low_literal), self.convert(column, high_literal)
        if not isinstance(low, _Day) and not isinstance(high, _Day):
            return f"{name} BETWEEN %s AND %s", (low, high)  # inclusive at both ends
        low_sql, low_params = (f"{name} >= %s", (low.start if isinstance(low, _Day) else low,))
        high_sql, high_params = self._day_compare(name, Op.LESS_THAN_OR_EQUAL_TO, high) if isinstance(
            high, _Day) else (f"{name} <= %s", (high,))
        return f"({low_sql} AND {high_sql})", low_params + high_params

    def visitInExpression(self, ctx: Any) -> _Sql:  # noqa: N802
        column, name = self.column(ctx.identifier(), Op.EQUAL_TO, shown="IN")
        literals = [self.literal(value) for value in ctx.value()]
        with_null = any(literal.kind == "null" for literal in literals)
        values = [self.convert(column, literal) for literal in literals if literal.kind != "null"]
        terms: list[_Sql] = []
        if _kind(column) is _Kind.BOOLEAN:
            truths = set(values)
            if truths == {True, False}:
                terms.append((f"{name} IS NOT NULL", ()))
            elif truths:
                terms.append(self._boolean(name, Op.EQUAL_TO, truths.pop() is True))
        else:
            points = tuple(dict.fromkeys(value for value in values if not isinstance(value, _Day)))
            if points:
                terms.append((f"{name} IN ({', '.join(['%s'] * len(points))})", points))
            terms += [self._day_compare(name, Op.EQUAL_TO, value) for value in values if isinstance(value, _Day)]
        if with_null:
            terms.append((f"{name} IS NULL", ()))
        if len(terms) == 1:
            return terms[0]
        return "(" + " OR ".join(sql for sql, _ in terms) + ")", tuple(p for _, params in terms for p in params)

    def _compare(self, ctx: Any, op: Op, value: Any) -> _Sql:
        column, name = self.column(ctx.identifier(), op)
        literal = self.literal(value)
        if literal.kind == "null":
            if op is Op.EQUAL_TO:
                return f"{name} IS NULL", ()
            if op is Op.NOT_EQUAL_TO:
                return f"{name} IS NOT NULL", ()
            msg = (f"Invalid filter at {literal.where}: null can only follow = or != (IS NULL / IS NOT NULL), "
                   f"not {_OP_TEXT[op]}.")
            raise InvalidArgumentError(msg)
        value = self.convert(column, literal)
        if _kind(column) is _Kind.BOOLEAN:
            return self._boolean(name, op, value is True)
        if isinstance(value, _Day):
            return self._day_compare(name, op, value)
        return f"{name} {_SQL_OP[op]} %s", (value,)

    @staticmethod
    def _boolean(name: str, op: Op, truth: bool) -> _Sql:
        """True is any non-zero value, as the reader reports it."""
        wants_true = truth if op is Op.EQUAL_TO else not truth
        return (f"{name} <> %s", (0,)) if wants_true else (f"{name} = %s", (0,))

    @staticmethod
    def _day_compare(name: str, op: Op, day: _Day) -> _Sql:
        """A calendar day against a date-time column: the whole day, [start, end)."""
        start, end = day.start, day.end
        if op is Op.EQUAL_TO:
            return (f"({name} >= %s AND {name} < %s)", (start, end)) if end else (f"{name} >= %s", (start,))
        if op is Op.NOT_EQUAL_TO:
            return (f"({name} < %s OR {name} >= %s)", (start, end)) if end else (f"{name} < %s", (start,))
        if op is Op.LESS_THAN:
            return f"{name} < %s", (start,)
        if op is Op.GREATER_THAN_OR_EQUAL_TO:
            return f"{name} >= %s", (start,)
        if op is Op.LESS_THAN_OR_EQUAL_TO:
            return (f"{name} < %s", (end,)) if end else (f"{name} IS NOT NULL", ())
        # GREATER_THAN: after the whole day
        return (f"{name} >= %s", (end,)) if end else (f"{name} <> {name}", ())

    # leaves

    @staticmethod
    def at(ctx: Any) -> str:
        token = getattr(ctx, "start", ctx)
        return _where(token.line, token.column)

    def column(self, ctx: Any, op: Op, shown: str | None = None) -> tuple[FilterColumn, str]:
        """The named column, checked to exist and to allow the operator; and its quoted name."""
        name = ctx.getText()
        column = self.columns.get(name)
        if column is None:
            known = sorted(self.columns)
            close = difflib.get_close_matches(name, known, n=3) or [c for c in known if c.lower() == name.lower()]
            listed = ", ".join(_show(c, 40) for c in (close or known[:8]))
            more = "" if close or len(known) <= 8 else f" and {len(known) - 8} more"
            label = "did you mean" if close else "the columns are"
            msg = f"Invalid filter at {self.at(ctx)}: unknown column {_show(name)}; {label} {listed}{more}."
            raise InvalidArgumentError(msg)
        allowed = operators_for(column)
        if op not in allowed:
            described = f"{column.field_type.name}, {column.column_type or column.mysql_type}"
            if not allowed:
                msg = f"Invalid filter at {self.at(ctx)}: column {_show(name)} ({described}) cannot be filtered on."
            else:
                names = " ".join(_OP_TEXT[o] for o in allowed) + (" IN" if Op.EQUAL_TO in allowed else "")
                msg = (f"Invalid filter at {self.at(ctx)}: {shown or _OP_TEXT[op]} is not allowed on column "
                       f"{_show(name)} ({described}); allowed: {names}.")
            raise InvalidArgumentError(msg)
        self.used.add(column.name)
        return column, quote(column.name)

    def literal(self, ctx: Any) -> _Literal:
        token = ctx.start
        where = _where(token.line, token.column)
        text = self.strings.get(token.start, token.text)
        p = self.p
        if token.type == p.NULL:
            return _Literal("null", "null", None, where)
        if token.type in (p.TRUE, p.FALSE):
            return _Literal("boolean", token.text, token.type == p.TRUE, where)
        if token.type in (p.SINGLE_STRING, p.DOUBLE_STRING, p.EMPTY_SINGLE_STRING, p.EMPTY_DOUBLE_STRING):
            return _Literal("string", text, text, where)
        if token.type in (p.POS_INTEGER, p.DECIMAL):
            return _Literal("number", text, Decimal(text), where)
        if token.type == p.DATE:
            return _Literal("day", text, _parse_date(text, where), where)
        return _Literal("instant", text, _parse_datetime(text, where), where)

    # values

    @staticmethod
    def misfit(column: FilterColumn, literal: _Literal, wanted: str) -> InvalidArgumentError:
        shown = _show(literal.text)
        described = column.column_type or column.mysql_type
        msg = (f"Invalid filter at {literal.where}: {shown} does not fit column {_show(column.name)} "
               f"({column.field_type.name}, {described}); compare it with {wanted}.")
        return InvalidArgumentError(msg)

    def convert(self, column: FilterColumn, literal: _Literal) -> object:
        """The literal as the Python value PyMySQL binds correctly for this column, or InvalidArgument."""
        kind = _kind(column)
        if kind is _Kind.BOOLEAN:
            return self._to_boolean(column, literal)
        if kind is _Kind.INTEGER:
            return self._to_integer(column, literal)
        if kind is _Kind.DECIMAL:
            return self._to_decimal(column, literal)
        if kind is _Kind.FLOAT:
            return self._to_float(column, literal)
        if kind in (_Kind.DATE, _Kind.DATETIME, _Kind.TIMESTAMP):
            return self._to_temporal(column, kind, literal)
        if kind is _Kind.TIME:
            if literal.kind == "string" and re.fullmatch(r"-?[0-9]{1,3}:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?",
                                                         literal.text):
                return literal.text
            raise self.misfit(column, literal, "a quoted time such as '13:45:00'")
        # text / opaque: what was written is the string, be it quoted or a bare number or date
        if literal.kind == "boolean":
            raise self.misfit(column, literal, "a quoted string")
        return literal.value if literal.kind == "string" else literal.text

    def _number(self, column: FilterColumn, literal: _Literal, wanted: str) -> Decimal:
        if literal.kind == "number":
            assert isinstance(literal.value, Decimal)
            return literal.value
        # a quoted number: the writer's rule for numbers as text (Decimal() would take '1_0', '١' and ' 1 ')
        number = number_text(literal.text) if literal.kind == "string" else None
        if number is not None:
            return number
        raise self.misfit(column, literal, wanted)

    def _to_boolean(self, column: FilterColumn, literal: _Literal) -> bool:
        if literal.kind == "boolean":
            return bool(literal.value)
        if literal.kind == "string" and literal.text.lower() in ("true", "false"):
            return literal.text.lower() == "true"
        if literal.kind == "number" and literal.value in (0, 1):
            return literal.value == 1
        raise self.misfit(column, literal, "true or false")

    def _to_integer(self, column: FilterColumn, literal: _Literal) -> int:
        number = self._number(column, literal, "a whole number")
        if number != number.to_integral_value():
            raise self.misfit(column, literal, "a whole number")
        low, high = _integer_range(column)
        if number.adjusted() > _WHOLE_DIGITS:  # '1e999999999' is out of range: not expanded digit by digit
            raise self.misfit(column, literal, f"a whole number from {low} to {high}")
        value = int(number)
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.misfit(column, literal, f"a whole number from {low} to {high}")
        return value

    def _to_decimal(self, column: FilterColumn, literal: _Literal) -> Decimal:
        value = self._number(column, literal, "a decimal number")
        problem = decimal_problem(value, column.column_type or column.mysql_type)
        if problem:
            raise self.misfit(column, literal, problem)
        if value < 0 and column.unsigned:
            raise self.misfit(column, literal, "a number >= 0 (the column is unsigned)")
        return value

    def _to_float(self, column: FilterColumn, literal: _Literal) -> float:
        value = float(self._number(column, literal, "a number"))
        if value in (float("inf"), float("-inf")):
            raise self.misfit(column, literal, "a number within the range of a double")
        if value < 0 and (column.unsigned or "unsigned" in column.column_type.lower()):
            raise self.misfit(column, literal, "a number >= 0 (the column is unsigned)")
        return value

    def _to_temporal(self, column: FilterColumn, kind: _Kind, literal: _Literal) -> object:
        example = "a date like 2024-01-31 or a date-time like 2024-01-31T23:59:59Z"
        if literal.kind == "string":  # a quoted date or date-time is taken as the bare one
            if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", literal.text):
                literal = _Literal("day", literal.text, _parse_date(literal.text, literal.where), literal.where)
            elif _DATETIME.fullmatch(literal.text):
                literal = _Literal("instant", literal.text, _parse_datetime(literal.text, literal.where),
                                   literal.where)
        if literal.kind not in ("day", "instant"):
            raise self.misfit(column, literal, example)
        try:
            if literal.kind == "instant":
                assert isinstance(literal.value, datetime)
                if kind is _Kind.TIMESTAMP:  # read in a '+00:00' session
                    return literal.value.replace(tzinfo=None)
                return wall_clock(literal.value, self.zone)  # the source's reading, as writes and ids take it
            assert isinstance(literal.value, date)
            if kind is _Kind.DATE:
                return literal.value
            start = datetime.combine(literal.value, time())
            end = datetime.combine(literal.value + timedelta(days=1), time()) if literal.value < date.max else None
            if kind is _Kind.TIMESTAMP:  # the day in the source's zone, as UTC
                return _Day(_utc(start, self.zone), _utc(end, self.zone) if end else None)
            return _Day(start, end)
        except OverflowError:
            raise self.misfit(column, literal, f"{example}, within years 0001-9999 in {self.zone.key}") from None


def _utc(wall_clock: datetime, zone: ZoneInfo) -> datetime:
    return wall_clock.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _integer_range(column: FilterColumn) -> tuple[int | None, int | None]:
    text = column.column_type or column.mysql_type
    if column.unsigned and "unsigned" not in text.lower():
        text += " unsigned"
    return integer_range(column.mysql_type, text, column.field_type)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"sourceTimeZone {_show(name)} is not an IANA time zone name (e.g. 'UTC', 'Europe/Berlin', 'Asia/Tokyo')."
        raise InvalidArgumentError(msg) from None


def compile_filter(expression: str | None, columns: Mapping[str, FilterColumn],
                   source_time_zone: str = "UTC") -> CompiledFilter:
    """Translate AppFlow's filter expression into a parameterized WHERE term, its parameters and LIMIT.

    ``columns`` maps the exact column name to its description. An empty or
    missing expression compiles to ``CompiledFilter("", (), None)``.

    Choices where AppFlow's DSL is silent (see the module docstring for more):
    ``!=`` does not match NULLs (SQL's three-valued logic); ``= null`` is IS NULL;
    ``IN (1, null)`` matches 1 and NULL; a DATE literal against a DATETIME or
    TIMESTAMP column means the whole day in ``source_time_zone``; a bare integer
    is not a date (use ISO literals); strings compare under the column's
    collation; BETWEEN is inclusive and an inverted range matches nothing.

    Raises:
        InvalidArgumentError: a syntax error, an unknown column, an operator the
            column's type does not allow, or a value that does not fit the
            column's type; the message names the position and what is allowed.
    """
    if expression is None or not expression.strip():
        return CompiledFilter("", (), None)
    zone = _zone(source_time_zone)
    try:
        tree, parser_class, strings = _parse(expression)
        result: CompiledFilter = _antlr()[1](parser_class, strings, columns, zone).visit(tree)
        return result
    except RecursionError:  # the SDK's ANTLR parser recurses per operator and parenthesis
        msg = ("The filter is nested or chained too deeply to parse (hundreds of AND/OR/NOT or parentheses); "
               "use IN (...) or BETWEEN for long lists of values.")
        raise InvalidArgumentError(msg) from None
