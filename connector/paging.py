"""The nextToken: opaque to AppFlow, typed, and bound to the query and the table it continues.

A token is versioned base64url JSON carrying where the next page starts (the
last key, or an offset for keyless tables and views) and how much of a
``LIMIT n`` is left. It is bound to two things:

* the query: a fingerprint of entity, filter and field selection, so a token
  replayed against another query is refused instead of silently skipping rows;
* the table as the first page saw it: the page key's columns with their types
  and collations, and a digest of every column the page reads, filters on or
  orders by. A continuation page whose table changed in any of those ways
  (``MODIFY`` of the key, a dropped or retyped field, a new primary key) is
  refused with "the table changed during the flow", never answered with rows
  that would skip or repeat.

Every field is checked for type and range before it reaches SQL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connector.errors import InvalidArgumentError
from connector.limits import MAX_TOKEN_CHARS

__all__ = [
    "MAX_TOKEN_CHARS", "IssuedToken", "PageState", "TableBinding", "decode_token", "encode_token", "fingerprint",
    "table_changed",
]

VERSION = 2
# OFFSET and a LIMIT's rest are written into SQL as integers: keep them inside BIGINT.
_MAX_POSITION = 2**63 - 1

ColumnSignature = tuple[str, str, str | None]  # name, declared type, collation


@dataclass(frozen=True)
class PageState:
    """Where a page starts: after ``after`` (key values as text) or at ``offset``; ``left`` rows of a LIMIT."""

    after: tuple[str, ...] | None = None
    offset: int = 0
    left: int | None = None


@dataclass(frozen=True)
class TableBinding:
    """What a token's position means: the query, the page key (None: OFFSET order) and the columns used."""

    query: str
    key: tuple[ColumnSignature, ...] | None
    columns: str  # digest of every column read, filtered on or ordered by, in order (OFFSET sorts by it)

    @classmethod
    def of(cls, query: str, key: Sequence[ColumnSignature] | None,
           used: Sequence[tuple[Any, ...]]) -> TableBinding:
        return cls(query, None if key is None else tuple(key), fingerprint(*used))


def fingerprint(*parts: Any) -> str:
    """A short digest of what the token is bound to."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def encode_token(state: PageState, binding: TableBinding) -> str:
    """
    >>> binding = TableBinding.of("abc", [("id", "int(11)", None)], [("id", "int(11)", None)])
    >>> issued = decode_token(encode_token(PageState(after=("42",), left=7), binding), "abc")
    >>> issued.check_table(binding, "app.t")
    PageState(after=('42',), offset=0, left=7)
    """
    body = {"v": VERSION, "q": binding.query, "k": None if binding.key is None else [list(k) for k in binding.key],
            "c": binding.columns, "a": list(state.after) if state.after is not None else None,
            "o": state.offset, "l": state.left}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def _position(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_POSITION


def _describe(key: Sequence[Sequence[Any]] | None) -> str:
    if key is None:
        return "no usable key (pages in the order of all columns)"
    return "key " + ", ".join(f"{name} {kind}" + (f" {collation}" if collation else "")
                              for name, kind, collation in key)


@dataclass(frozen=True)
class IssuedToken:
    """A token that decoded and belongs to the query: its position, and the table as it was issued for."""

    state: PageState
    key: tuple[ColumnSignature, ...] | None
    columns: str

    def check_table(self, binding: TableBinding, entity: str) -> PageState:
        """The position, when the table still means what it meant on the first page."""
        if self.key != binding.key:
            raise table_changed(entity, f"had {_describe(self.key)} and now has {_describe(binding.key)}")
        if self.columns != binding.columns:
            raise table_changed(entity, "changed a column the flow reads, filters on or orders by (dropped, "
                                        "added, renamed, or a new type or collation)")
        return self.state


def table_changed(entity: str, why: str) -> InvalidArgumentError:
    """The answer to a continuation page whose table no longer matches its token."""
    return InvalidArgumentError(
        f"The table changed during the flow; run the flow again. {entity} {why} since the flow's first page, "
        "so continuing would skip or repeat rows.")


def decode_token(token: str | None, query: str) -> IssuedToken | None:
    """What a token carries (None without one).

    InvalidArgumentError when it is malformed, was not issued here, or belongs to another query.
    """
    if not token:
        return None
    malformed = "nextToken is malformed; start again without one."
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        msg = (f"nextToken is not a token this connector issued (not text of at most {MAX_TOKEN_CHARS} "
               "characters); start again without one.")
        raise InvalidArgumentError(msg)
    try:
        body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        version = body["v"]
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError):
        msg = "nextToken is not a token this connector issued (it does not decode); start again without one."
        raise InvalidArgumentError(msg) from None
    if version != VERSION or isinstance(version, bool):
        msg = f"nextToken has version {str(version)[:20]!r}; this connector reads version {VERSION}. Start again."
        raise InvalidArgumentError(msg)
    try:
        issued_query, key, columns, after, offset, left = (body["q"], body["k"], body["c"], body["a"], body["o"],
                                                           body["l"])
    except (KeyError, TypeError):
        raise InvalidArgumentError(malformed) from None
    if issued_query != query:
        msg = ("nextToken belongs to another query (a different entity, filter or field selection); "
               "a token only continues the query that returned it.")
        raise InvalidArgumentError(msg)
    valid = (after is None or (isinstance(after, list) and all(isinstance(a, str) for a in after))) and \
        _position(offset) and (left is None or _position(left)) and isinstance(columns, str) and \
        (key is None) == (after is None) and (key is None or (isinstance(key, list) and all(
            isinstance(k, list) and len(k) == 3 and all(isinstance(p, str | None) for p in k) for k in key)))
    if not valid:
        raise InvalidArgumentError(malformed)
    issued_key = None if key is None else tuple((k[0], k[1], k[2]) for k in key)
    return IssuedToken(PageState(tuple(after) if after is not None else None, offset, left), issued_key, columns)
