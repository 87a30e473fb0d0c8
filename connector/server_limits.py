"""What a session allows the writer (packet size, auto-increment ids, sql_mode's 0); imports no writer module."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import pymysql

__all__ = ["ServerLimits", "server_limits"]


@dataclass(frozen=True)
class ServerLimits:
    """What the session allows, read once per connection."""

    consecutive_ids: bool  # one multi-row INSERT gets consecutive auto-increment ids (lock modes 0 and 1)
    increment: int  # auto_increment_increment
    max_packet: int  # max_allowed_packet in bytes
    zero_assigns: bool = True  # 0 in an auto-increment column asks for the next id (no NO_AUTO_VALUE_ON_ZERO)


# By connection: a session's max_allowed_packet is the global's at connect and cannot change after, the
# lock mode is fixed at server start, and nothing the connector sends sets auto_increment_increment or
# sql_mode after the session's start.
_LIMITS: weakref.WeakKeyDictionary[pymysql.connections.Connection, ServerLimits] = weakref.WeakKeyDictionary()


def server_limits(conn: pymysql.connections.Connection) -> ServerLimits:
    """The session's limits, read once per connection (a warm one answers without a round trip)."""
    known = _LIMITS.get(conn)
    if known is not None:
        return known
    with conn.cursor() as cur:
        cur.execute("SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment, @@max_allowed_packet, "
                    "@@SESSION.sql_mode", ())
        row = cur.fetchone()
    mode, increment, packet, sql_mode = row if row else (1, 1, 4 * 1024 * 1024, "")
    zero_assigns = "NO_AUTO_VALUE_ON_ZERO" not in str(sql_mode).upper().split(",")
    limits = _LIMITS[conn] = ServerLimits(int(mode) < 2, int(increment), int(packet), zero_assigns)
    return limits
