"""The one place identifiers become SQL text.

Every statement is executed with a parameter tuple (possibly empty), so PyMySQL
always applies ``%`` formatting: a ``%`` inside an identifier is doubled here.
"""

from __future__ import annotations

__all__ = ["quote", "quote_table"]


def quote(identifier: str) -> str:
    """Backtick-quote a MySQL identifier that was checked against the catalog.

    >>> quote("odd`name")
    '`odd``name`'
    >>> quote("100%")
    '`100%%`'
    """
    return "`" + identifier.replace("`", "``").replace("%", "%%") + "`"


def quote_table(schema: str, table: str) -> str:
    """``schema.table`` quoted.

    >>> quote_table("app", "order items")
    '`app`.`order items`'
    """
    return f"{quote(schema)}.{quote(table)}"
