"""The one place identifiers become SQL text.

Statements executed with a parameter tuple (possibly empty) go through PyMySQL's ``%``
formatting, so a ``%`` inside an identifier is doubled for them; statements sent as
finished text (the writer's, whose values are literals already) take it as it is
(``bound=False``).
"""

from __future__ import annotations

__all__ = ["quote", "quote_table"]


def quote(identifier: str, *, bound: bool = True) -> str:
    """Backtick-quote a MySQL identifier that was checked against the catalog.

    >>> quote("odd`name")
    '`odd``name`'
    >>> quote("100%"), quote("100%", bound=False)
    ('`100%%`', '`100%`')
    """
    quoted = "`" + identifier.replace("`", "``") + "`"
    return quoted.replace("%", "%%") if bound else quoted


def quote_table(schema: str, table: str, *, bound: bool = True) -> str:
    """``schema.table`` quoted.

    >>> quote_table("app", "order items")
    '`app`.`order items`'
    """
    return f"{quote(schema, bound=bound)}.{quote(table, bound=bound)}"
