"""The one place identifiers become SQL text."""

from __future__ import annotations

__all__ = ["quote", "quote_table"]


def quote(identifier: str) -> str:
    """Backtick-quote a MySQL identifier that was checked against the catalog.

    >>> quote("odd`name")
    '`odd``name`'
    """
    return "`" + identifier.replace("`", "``") + "`"


def quote_table(schema: str, table: str) -> str:
    """``schema.table`` quoted.

    >>> quote_table("app", "order items")
    '`app`.`order items`'
    """
    return f"{quote(schema)}.{quote(table)}"
