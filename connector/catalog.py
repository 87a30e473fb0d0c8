"""What the database holds: schemas, tables, views, columns and their keys.

Read from information_schema (one query, a UNION of three) whenever a table's
definition is new to the connection, and on every call for views; a warm connection
asks only for the table's DDL (SHOW CREATE TABLE) and reuses the description while that
text is the same. So a column added a minute ago is visible, a table changed during a
flow is noticed, and every identifier a request names is checked against the live
catalog before it reaches SQL.
"""

from __future__ import annotations

import re
import time
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pymysql

from connector.database import bounded, is_mariadb
from connector.deadline import Deadline
from connector.errors import (
    InvalidArgumentError,
    ResourceNotFoundError,
    about_the_session,
    server_message,
    view_is_broken,
)
from connector.sql import quote, quote_table
from connector.types import JSON_CARRIER, ColumnType, KeyKind, column_type

__all__ = ["SYSTEM_SCHEMAS", "Column", "Entity", "PartialKey", "list_schemas", "list_tables", "load_entity",
           "split_identifier"]

SYSTEM_SCHEMAS = ("mysql", "sys", "information_schema", "performance_schema")
# max_sort_length's default on MySQL and MariaDB: sorts compare only this many leading bytes.
DEFAULT_SORTED_PREFIX_BYTES = 1024
_NAME = re.compile(r"[A-Za-z0-9_]+")  # a character set or collation name as information_schema spells it
# Storage engines that roll a transaction back (a view has no engine of its own).
_TRANSACTIONAL_ENGINES = frozenset({"innodb", "ndbcluster", "ndb", "rocksdb", "tokudb"})


@dataclass(frozen=True)
class Column:
    """One column as information_schema describes it, with its row in the type table."""

    name: str
    data_type: str
    column_type: str
    nullable: bool
    default: str | None
    extra: str
    comment: str
    type: ColumnType
    collation: str | None = None  # None for non-string columns
    octet_length: int | None = None  # the longest value in bytes, for string and binary columns
    charset: str | None = None
    generation: str | None = None  # a generated column's expression
    sorted_prefix: int = DEFAULT_SORTED_PREFIX_BYTES  # the session's max_sort_length

    @property
    def signature(self) -> tuple[str, str, str | None]:
        """What the column means to a page key: name, declared type and collation."""
        return (self.name, self.column_type, self.collation)

    @property
    def meaning(self) -> tuple[str, str, str | None, str | None, str]:
        """Everything about the column that decides what a page reads: its signature, how it is generated,
        and its AppFlow type (which a profile setting such as tinyint1AsBoolean can change)."""
        return (*self.signature, self.generation, self.type.field_type.name)

    def order_terms(self) -> list[str]:
        """ORDER BY terms that sort this column by its stored bytes ([] when the type cannot order rows)."""
        quoted = quote(self.name)
        terms = [term.format(quoted) for term in self.type.order]
        # past max_sort_length the server compares nothing: a digest decides
        if self.type.order_hash and (self.octet_length is None or self.octet_length > self.sorted_prefix):
            terms.append(self.type.order_hash(quoted))
        return terms

    @cached_property
    def keyset_kind(self) -> KeyKind | None:
        """How this column carries a keyset position, or None when it cannot order one exactly.

        Not: types without a keyset form; values longer than the server sorts (max_sort_length),
        whose order past that prefix is arbitrary while ``k > ?`` compares them whole; CHAR under
        a NO PAD collation, where the server's ORDER BY (padded) and ``>`` disagree.
        """
        kind = self.type.key
        if kind is None or (self.octet_length is not None and self.octet_length > self.sorted_prefix):
            return None
        if self.type.padded and self.collation and ("nopad" in self.collation or "_0900_" in self.collation):
            return None
        if kind is KeyKind.CHARS and not (self.charset and self.collation and _NAME.fullmatch(self.charset)
                                    and _NAME.fullmatch(self.collation)):
            return KeyKind.TEXT
        return kind

    def key_placeholder(self) -> str:
        """The bound value a keyset position compares with: the column's own bytes in its own collation."""
        if self.keyset_kind is KeyKind.CHARS:
            return f"CONVERT(%s USING {self.charset}) COLLATE {self.collation}"
        return "%s"

    @cached_property
    def unsigned(self) -> bool:
        return "unsigned" in self.column_type.lower()

    @cached_property
    def auto_increment(self) -> bool:
        return "auto_increment" in self.extra.lower()

    @cached_property
    def generated(self) -> bool:
        return "generated" in self.extra.lower() and "default_generated" not in self.extra.lower()

    @cached_property
    def required_on_insert(self) -> bool:
        """NOT NULL without a default: an INSERT must give a value."""
        return not self.nullable and self.default is None and not self.auto_increment and not self.generated


@dataclass(frozen=True)
class PartialKey:
    """A unique index that is no key on its columns' values: a part on a prefix (``code(8)``) makes only
    the first 8 characters unique, an expression part (MySQL 8's functional key parts) a value computed
    from the row. Two rows with different values can clash on it, and ``WHERE code = ?`` can match a row
    it does not make unique, so it is never an id or a page key. The writer still has to know it exists:
    an INSERT clashes on it, and ON DUPLICATE KEY UPDATE would then rewrite the row it clashed with.
    """

    name: str
    columns: tuple[Column, ...]  # its plain columns, those it takes a prefix of included
    parts: str  # as a message names them: "a, code(8)"; an expression part as "(an expression)"


@dataclass(frozen=True)
class Entity:
    """A base table or view, its columns in ordinal order, its primary key and the key pages are ordered by.

    The page key is an internal choice (the primary key when its types can carry a keyset,
    else the first unique NOT NULL key that can); what AppFlow is told is the primary key.
    A key here is a unique index on whole columns: one with a prefix or expression part is in
    ``partial_keys`` and nowhere else (a PRIMARY KEY such as ``(code(8))`` too: the table then has
    no primary key on columns). A unique index on a generated column is a key: the index holds the
    column's whole value (see docs/writes.md, "Keys").
    """

    schema: str
    table: str
    is_view: bool
    comment: str
    columns: tuple[Column, ...]
    key: tuple[Column, ...] = field(default=())  # primary key, else first unique NOT NULL key; may be empty
    unique_keys: tuple[tuple[Column, ...], ...] = field(default=())  # every PRIMARY/UNIQUE key, PRIMARY first
    primary_key: tuple[Column, ...] = field(default=())  # the PRIMARY KEY's columns (views have none)
    partial_keys: tuple[PartialKey, ...] = field(default=())  # unique indexes with a prefix or expression part
    transactional: bool = True  # its engine can roll back (InnoDB); MyISAM and Aria keep what a failed batch wrote

    @property
    def identifier(self) -> str:
        return f"{self.schema}.{self.table}"

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        known = ", ".join(c.name for c in self.columns[:12])
        msg = f"Entity {self.identifier} has no field {name!r}; its fields are: {known}"
        if len(self.columns) > 12:
            msg += f" and {len(self.columns) - 12} more"
        raise InvalidArgumentError(msg)


def split_identifier(identifier: str, database: str | None) -> tuple[str, str]:
    """``schema.table`` split on the first dot (table names may contain dots).

    >>> split_identifier("app.order.items", None)
    ('app', 'order.items')
    """
    schema, dot, table = identifier.partition(".")
    if not dot or not schema or not table:
        msg = f"Entity identifier {identifier!r} must be <schema>.<table>, as ListEntities returns it."
        raise InvalidArgumentError(msg)
    if database and schema != database:
        msg = (f"Entity {identifier!r} is outside database {database!r}, the one the connection profile "
               "is limited to.")
        raise ResourceNotFoundError(msg)
    return schema, table


def list_schemas(conn: pymysql.connections.Connection) -> list[str]:
    """The schemas the user can see, without the system ones."""
    with conn.cursor() as cur:
        cur.execute("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN %s",
                    (SYSTEM_SCHEMAS,))
        return sorted(str(row[0]) for row in cur.fetchall())


def list_tables(conn: pymysql.connections.Connection, schema: str) -> list[tuple[str, bool, str]]:
    """``(table, is_view, comment)`` for each table and view of ``schema``, by name."""
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = %s", (schema,))
        rows = cur.fetchall()
    return sorted((str(name), kind == "VIEW", str(comment or "")) for name, kind, comment in rows)


# Tables this session described, by their definition (SHOW CREATE TABLE without AUTO_INCREMENT=n): a call on a warm
# connection asks the server for the definition (about a fifth of the catalog query's time) and, when it is the
# same text, the same Entity serves. The definition is the table's whole DDL (columns with types, character sets,
# collations, defaults, generation and comments; every key in order; engine), so any ALTER changes it, unless
# the session's sql_mode leaves parts out (then the connection always reads the catalog). Views are always read
# anew: their definition does not change when a base table does. Per connection (its sql_mode and
# max_sort_length), and for at most a minute.
_KEPT_PER_CONNECTION = 64
_KEPT_SECONDS = 60.0
# sql_mode flags under which SHOW CREATE TABLE leaves out the engine, character sets, collations, comments,
# AUTO_INCREMENT or index options (and MariaDB's composite modes that set them).
_HIDING_MODES = frozenset({"NO_TABLE_OPTIONS", "NO_FIELD_OPTIONS", "NO_KEY_OPTIONS", "MYSQL40", "MYSQL323",
                           "ORACLE", "MSSQL", "DB2", "POSTGRESQL", "MAXDB"})
# The counter, an option both servers write right after ENGINE=; not text of the same shape in a COMMENT.
_AUTO_INCREMENT_OPTION = re.compile(r"^(\) ENGINE=\S+) AUTO_INCREMENT=\d+", re.MULTILINE)


@dataclass
class _Descriptions:
    """One connection's described tables, and whether its SHOW CREATE TABLE writes the whole definition."""

    complete: bool
    entries: dict[tuple[str, str, bool], tuple[str, float, Entity]] = field(default_factory=dict)


_DESCRIBED: weakref.WeakKeyDictionary[pymysql.connections.Connection, _Descriptions] = weakref.WeakKeyDictionary()


def load_entity(conn: pymysql.connections.Connection, schema: str, table: str,
                *, tinyint1_as_boolean: bool = True, deadline: Deadline | None = None) -> Entity:
    """Describe one table or view from the live catalog.

    Raises ResourceNotFoundError when the user cannot see it, InvalidArgumentError for a
    view the server can no longer read (a table, column or definer it uses is gone), and
    whatever ends the session (a lock wait past ``deadline``, a lost connection) as it is.
    """
    described = _descriptions(conn)
    if not described.complete:
        return _read_entity(conn, schema, table, tinyint1_as_boolean, deadline)
    definition = _definition(conn, schema, table)  # first: a change after it is seen by the next call
    key = (schema, table, tinyint1_as_boolean)
    known = described.entries.pop(key, None)
    if definition is not None and known is not None and known[0] == definition \
            and time.monotonic() - known[1] < _KEPT_SECONDS:
        described.entries[key] = known
        return known[2]
    entity = _read_entity(conn, schema, table, tinyint1_as_boolean, deadline)
    # kept only when the definition did not move during the read (an ALTER undone later would match the old text)
    if definition is not None and not entity.is_view and _definition(conn, schema, table) == definition:
        if len(described.entries) >= _KEPT_PER_CONNECTION:
            described.entries.pop(next(iter(described.entries)))
        described.entries[key] = (definition, time.monotonic(), entity)
    return entity


def _descriptions(conn: pymysql.connections.Connection) -> _Descriptions:
    """The connection's described tables; the first call asks its sql_mode (fixed when the session connected)."""
    known = _DESCRIBED.get(conn)
    if known is None:
        with conn.cursor() as cur:
            cur.execute("SELECT @@SESSION.sql_mode", ())
            row = cur.fetchone()
        modes = set(str(row[0] if row else "").upper().split(","))
        known = _DESCRIBED[conn] = _Descriptions(complete=not modes & _HIDING_MODES)
    return known


def _definition(conn: pymysql.connections.Connection, schema: str, table: str) -> str | None:
    """The table's DDL as the server writes it, without the AUTO_INCREMENT counter; None for a view or
    a table the server will not show (the catalog query then says why)."""
    try:
        with conn.cursor() as cur:
            cur.execute(f"SHOW CREATE TABLE {quote_table(schema, table)}", ())
            row = cur.fetchone()
            is_table = bool(cur.description) and cur.description[1][0] == "Create Table"
    except pymysql.err.MySQLError as exc:
        if about_the_session(exc):
            raise  # lost, timed out, a lock wait: the caller's to classify
        return None  # no such table, no privilege, a broken view: the catalog query says which
    if not is_table or not row:
        return None
    return _AUTO_INCREMENT_OPTION.sub(r"\1", str(row[1]), count=1)


def _read_entity(conn: pymysql.connections.Connection, schema: str, table: str, tinyint1_as_boolean: bool,
                 deadline: Deadline | None) -> Entity:
    """The table or view as information_schema describes it, in one query."""
    with conn.cursor() as cur:
        cur.execute(_CATALOG_SQL, (schema, table) * 3)
        parts: dict[int, list[tuple[Any, ...]]] = {0: [], 1: [], 2: []}
        for row in cur.fetchall():
            parts[int(row[0])].append(row[1:])
        if not parts[0]:
            msg = (f"Entity {schema}.{table} was not found: no such table or view, or the user has no "
                   "privilege on it. Check the name with ListEntities.")
            raise ResourceNotFoundError(msg)
        found = parts[0][0]
        column_rows = [row[:11] for row in sorted(parts[1], key=lambda row: int(row[-1]))]
        if not column_rows:  # a view whose base table or column is gone lists no columns
            raise _unreadable_view(cur, schema, table)
        if found[0] == "VIEW":  # one whose definer was dropped still lists them: open it to know
            _check_view(cur, schema, table, deadline)
        json_columns = _mariadb_json_columns(cur, schema, table) if any(
            str(row[1]).lower() == JSON_CARRIER for row in column_rows) else set()
        index_rows = [row[:3] for row in sorted(parts[2], key=_index_order)]
        mariadb = is_mariadb(cur.connection)
    columns = tuple(
        Column(
            name=str(name), data_type=str(data_type).lower(), column_type=str(col_type),
            nullable=nullable == "YES", default=_default_value(default, mariadb),
            extra=str(extra or ""), comment=str(comment or ""),
            type=column_type(str(data_type), str(col_type), tinyint1_as_boolean=tinyint1_as_boolean,
                             json_checked=name in json_columns, charset=None if charset is None else str(charset)),
            collation=None if collation is None else str(collation),
            octet_length=None if octets is None else int(octets),
            charset=None if charset is None else str(charset),
            generation=str(generation) if generation else None,
            sorted_prefix=int(found[2] or DEFAULT_SORTED_PREFIX_BYTES),  # a number, as text after the UNION
        )
        for (name, data_type, col_type, nullable, default, extra, comment, charset, collation, octets,
             generation) in column_rows
    )
    indexes, partial_keys = _unique_indexes(columns, index_rows)
    unique_keys = tuple(indexes.values())
    page_key = next((key for key in unique_keys
                     if all(not c.nullable and c.keyset_kind is not None for c in key)), ())
    return Entity(schema, table, found[0] == "VIEW", str(found[1] or ""), columns, page_key, unique_keys,
                  primary_key=indexes.get("PRIMARY", ()), partial_keys=partial_keys,
                  transactional=str(found[3] or "").lower() in _TRANSACTIONAL_ENGINES)


def _default_value(raw: Any, mariadb: bool) -> str | None:
    """COLUMN_DEFAULT as MySQL spells it: the value itself, None for no default or DEFAULT NULL.

    MariaDB (10.2.7+) quotes string literals and writes NULL as the text ``NULL`` (MariaDB KB,
    "Information Schema COLUMNS Table"); MySQL gives the literal unquoted and SQL NULL. Expressions
    (``current_timestamp()``, MySQL 8's ``(rand())``) stay as each server writes them.

    >>> _default_value("'it''s'", True), _default_value("NULL", True), _default_value("'NULL'", True)
    ("it's", None, 'NULL')
    >>> _default_value("it's", False), _default_value(None, False), _default_value("5", True)
    ("it's", None, '5')
    >>> _default_value("'a\\\\\\\\b\\\\n\\\\0'", True) == "a\\\\b\\n\\0"
    True
    """
    if raw is None:
        return None
    text = str(raw)
    if not mariadb:
        return text
    if text == "NULL":
        return None
    if len(text) >= 2 and text.startswith("'") and text.endswith("'"):
        return _MARIADB_DEFAULT_ESCAPE.sub(lambda m: _MARIADB_DEFAULT_ESCAPES.get(m[0], m[0][-1]), text[1:-1])
    return text


# MariaDB keeps a literal default as it was written (quoted, '' or \' for a quote): read back by the rules of a
# MySQL string literal ("String Literals", Table 11.1 of the MySQL 8.0 manual); \% and \_ keep their backslash
_MARIADB_DEFAULT_ESCAPES = {"''": "'", "\\0": "\0", "\\'": "'", '\\"': '"', "\\b": "\b", "\\n": "\n", "\\r": "\r",
                            "\\t": "\t", "\\Z": "\x1a", "\\\\": "\\", "\\%": "\\%", "\\_": "\\_"}
_MARIADB_DEFAULT_ESCAPE = re.compile(r"''|\\.", re.DOTALL)


def _text(column: str) -> str:
    """An information_schema column in one collation: MySQL 8 mixes utf8mb3_tolower_ci and utf8mb3_bin there,
    and a UNION of two collations fails (error 1271)."""
    return f"CONVERT({column} USING utf8mb4)"


_WHERE = "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s"
# The table, its columns and its unique indexes in one round trip (part 0, 1, 2), 13 result columns each; the
# last is where the row goes (ORDINAL_POSITION, SEQ_IN_INDEX). No ORDER BY: sorting the UNION's text columns
# takes the server a temporary table on disk, slower than the three queries it replaces; rows are put in order
# here. Numbers come as text: the UNION makes them DECIMAL, which the read path's decoders turn into fragments.
# A key part is a column (SUB_PART: the length of a prefix, NULL for the whole column) or, on MySQL 8.0.13+, an
# expression (COLUMN_NAME NULL); its EXPRESSION column is not asked for, MariaDB has none (and it is not needed).
_CATALOG_SQL = (
    f"SELECT 0, {_text('TABLE_TYPE')}, {_text('TABLE_COMMENT')}, CAST(@@max_sort_length AS CHAR), "
    f"{_text('ENGINE')}, {', '.join(['NULL'] * 7)}, '0' FROM information_schema.TABLES {_WHERE} "
    "UNION ALL "
    f"SELECT 1, {', '.join(_text(c) for c in ('COLUMN_NAME', 'DATA_TYPE', 'COLUMN_TYPE', 'IS_NULLABLE'))}, "
    f"{', '.join(_text(c) for c in ('COLUMN_DEFAULT', 'EXTRA', 'COLUMN_COMMENT', 'CHARACTER_SET_NAME'))}, "
    f"{_text('COLLATION_NAME')}, CAST(CHARACTER_OCTET_LENGTH AS CHAR), {_text('GENERATION_EXPRESSION')}, "
    f"CAST(ORDINAL_POSITION AS CHAR) FROM information_schema.COLUMNS {_WHERE} "
    "UNION ALL "
    f"SELECT 2, {_text('INDEX_NAME')}, {_text('COLUMN_NAME')}, CAST(SUB_PART AS CHAR), {', '.join(['NULL'] * 8)}, "
    f"CAST(SEQ_IN_INDEX AS CHAR) FROM information_schema.STATISTICS {_WHERE} AND NON_UNIQUE = 0"
)


def _index_order(row: tuple[Any, ...]) -> tuple[bool, str, int]:
    """PRIMARY first, then by name as the server's case-insensitive collation sorts names, then by key part."""
    return row[0] != "PRIMARY", str(row[0]).upper(), int(row[-1])


def _check_view(cur: Any, schema: str, table: str, deadline: Deadline | None) -> None:
    """Open the view (no rows): one whose definer or base objects are gone fails here, in the server's words.

    Bounded like every statement: a lock on a base table is a lock wait, not a broken view.
    """
    sql = f"SELECT * FROM {quote_table(schema, table)} LIMIT 0"
    try:
        cur.execute(bounded(cur.connection, sql, deadline) if deadline else sql, ())
    except pymysql.err.MySQLError as exc:
        if not view_is_broken(exc):
            raise  # a lock wait, a timeout, a lost session: classified as such by the caller
        raise _view_error(schema, table, server_message(exc)) from None


def _view_error(schema: str, table: str, reason: str) -> InvalidArgumentError:
    msg = (f"Entity {schema}.{table} cannot be read: {reason}. A view whose base table or column was dropped or "
           "renamed, or whose definer was dropped or lost a privilege, fails like this: fix the view (SHOW "
           "CREATE VIEW) or leave it out of the flow.")
    return InvalidArgumentError(msg)


def _unreadable_view(cur: Any, schema: str, table: str) -> InvalidArgumentError:
    """Why the server cannot read a table or view that lists no columns, in its own words."""
    reason = "the server lists no columns for it"
    try:
        cur.execute(f"SELECT * FROM {quote_table(schema, table)} LIMIT 0", ())
    except pymysql.err.MySQLError as exc:
        reason = server_message(exc)
    return _view_error(schema, table, reason)


def _unique_indexes(columns: tuple[Column, ...], index_rows: Any
                    ) -> tuple[dict[str, tuple[Column, ...]], tuple[PartialKey, ...]]:
    """Unique indexes on whole columns by name, PRIMARY first; and those with a prefix or expression part.

    ``index_rows`` are (index, column, prefix length) in index order. MariaDB's long unique keys (a
    TEXT or BLOB column, USING HASH) list no prefix: they hold the whole value, under its collation.
    """
    by_name = {c.name: c for c in columns}
    indexes: dict[str, list[tuple[Column | None, bool, str]]] = {}  # (column, whole, as a message names it)
    for index_name, column_name, sub_part in index_rows:
        column = by_name.get(str(column_name)) if column_name else None
        shown = f"{column_name}({int(sub_part)})" if sub_part else str(column_name or "(an expression)")
        indexes.setdefault(str(index_name), []).append((column, column is not None and not sub_part, shown))
    keys: dict[str, tuple[Column, ...]] = {}
    partial: list[PartialKey] = []
    for name, index in indexes.items():
        plain = tuple(column for column, _, _ in index if column is not None)
        if all(whole for _, whole, _ in index):
            keys[name] = plain
        else:
            partial.append(PartialKey(name, plain, ", ".join(shown for _, _, shown in index)))
    return keys, tuple(partial)


def _mariadb_json_columns(cur: Any, schema: str, table: str) -> set[str]:
    """MariaDB's JSON is LONGTEXT with a JSON_VALID check constraint: find those columns."""
    try:
        cur.execute("SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                    "WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME = %s", (schema, table))
    except pymysql.err.OperationalError:  # MySQL 8: no TABLE_NAME there, and a real JSON type
        return set()
    names = set()
    for (clause,) in cur.fetchall():
        text = str(clause).strip()
        if text.lower().startswith("json_valid(`") and text.endswith("`)"):
            names.add(text[len("json_valid(`"):-2].replace("``", "`"))
    return names
