"""The nextToken: opaque to AppFlow, typed and bound to the query it continues.

A token is versioned base64url JSON carrying where the next page starts (the
last key, or an offset for keyless tables) and how much of a ``LIMIT n`` is
left. It also carries a fingerprint of the entity, filter and field selection,
so a token replayed against another query is refused instead of silently
skipping rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from connector.errors import InvalidArgumentError

__all__ = ["PageState", "decode_token", "encode_token", "fingerprint"]

VERSION = 1


@dataclass(frozen=True)
class PageState:
    """Where a page starts: after ``after`` (key values as text) or at ``offset``; ``left`` rows of a LIMIT."""

    after: tuple[str, ...] | None = None
    offset: int = 0
    left: int | None = None


def fingerprint(*parts: Any) -> str:
    """A short digest of what the token is bound to."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def encode_token(state: PageState, bound_to: str) -> str:
    """
    >>> t = encode_token(PageState(after=("42",), left=7), "abc")
    >>> decode_token(t, "abc")
    PageState(after=('42',), offset=0, left=7)
    """
    body = {"v": VERSION, "q": bound_to, "a": list(state.after) if state.after is not None else None,
            "o": state.offset, "l": state.left}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str | None, bound_to: str) -> PageState:
    """The state a token carries; InvalidArgumentError when it is malformed or belongs to another query."""
    if not token:
        return PageState()
    try:
        body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        version, query, after, offset, left = body["v"], body["q"], body["a"], body["o"], body["l"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        msg = "nextToken is not a token this connector issued (it does not decode); start again without one."
        raise InvalidArgumentError(msg) from None
    if version != VERSION:
        msg = f"nextToken has version {version!r}; this connector reads version {VERSION}. Start the flow again."
        raise InvalidArgumentError(msg)
    if query != bound_to:
        msg = ("nextToken belongs to another query (a different entity, filter or field selection); "
               "a token only continues the query that returned it.")
        raise InvalidArgumentError(msg)
    valid = (after is None or (isinstance(after, list) and all(isinstance(a, str) for a in after))) and \
        isinstance(offset, int) and offset >= 0 and (left is None or (isinstance(left, int) and left >= 0))
    if not valid:
        msg = "nextToken is malformed; start again without one."
        raise InvalidArgumentError(msg)
    return PageState(tuple(after) if after is not None else None, offset, left)
