"""A result's rows straight from the wire to AppFlow's JSON records.

PyMySQL turns each row packet into Python values (two buffered reads per packet, then a
decode and a converter per field), which a record then encodes back into JSON: over half
of a page's time. Here the row packets of an unbuffered result are parsed where they lie
in the socket's read buffer, and each field's wire text becomes its part of the record's
bytes by the form the type table gives it (``read_codecs.wire_form``): integers and DECIMAL as
they are, text quoted (escaped by orjson only when it holds a character JSON escapes),
dates rearranged. Other fields, and values outside a form's sure case, go through the
decoders and fix-ups PyMySQL's row would have had, so a record is byte for byte what
``orjson.dumps`` of that row (a dict of field names to values) gives. The packets
themselves are read by ``connector.wire`` (the one module that knows PyMySQL's insides).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson
import pymysql

from connector.deadline import Deadline
from connector.errors import InvalidArgumentError
from connector.read_codecs import Fixup, UnreadableValueError, WireForm, wire_form
from connector.wire import RowPackets, field_bytes, long_field

__all__ = ["RowReader", "row_function"]

# A text value is quoted as it is unless it holds a byte JSON escapes (orjson escapes exactly '"', '\' and
# the controls below 0x20; DEL is listed only to be safe: orjson leaves it, so the result is the same).
_NEEDS_ESCAPE = re.compile(rb'["\\\x00-\x1f\x7f]')


# 'MM-DD' of the days past the 28th that every year has (February 29th is left to the decoder).
_LATE_DAYS = frozenset(f"{month:02d}-{day}".encode() for month in range(1, 13) for day in (29, 30, 31)
                       if month != 2 and (day < 31 or month in (1, 3, 5, 7, 8, 10, 12)))

# The forms as the row function compares them: plain ints (the interpreter's fast comparison is for exact ints).
_AS_IS, _TEXT, _DATE, _DATETIME_UTC, _BOOLEAN = map(int, (WireForm.AS_IS, WireForm.TEXT, WireForm.DATE,
                                                         WireForm.DATETIME_UTC, WireForm.BOOLEAN))


def row_function(forms: Sequence[WireForm], prefixes: Sequence[bytes],
                 value: Callable[[int, bytes], bytes]) -> Callable[[bytes], str]:
    """A function from one row packet to its record: field i of form ``forms[i]`` after ``prefixes[i]``
    ('{"name":' or ',"name":'), ``value(i, raw)`` the JSON of a field outside its form's sure case.

    It runs for every row: what each field needs besides its bytes (its form, prefix, quoted prefix,
    prefix with null) is worked out here, once, into a tuple the row's loop walks. The usual length
    (under 251 bytes) is tested first, then the forms, integers and text first. A generated
    function (straight-line source per sequence of forms, run with ``exec``) was 9-10% faster alone
    and 0-5% end to end: not enough to pay for generated code (bench/row_function_bench.py;
    docs/performance.md, "No generated code in the row reader").
    """
    plan = tuple((int(form), prefix, prefix + b'"', prefix + b"null", i)
                 for i, (form, prefix) in enumerate(zip(forms, prefixes, strict=True)))
    escape, dumps = _NEEDS_ESCAPE.search, orjson.dumps

    def row(data: bytes) -> str:
        # one piece: it runs per field of every row, and a call per field (closures) cost 10% end to end
        parts: list[bytes] = []
        add = parts.append
        p = 0
        for form, prefix, quoted, null, i in plan:
            # the length-encoded field at p (wire.py's module docstring): its bytes, p past it
            n = data[p]
            p += 1
            if n < 251:
                raw = data[p:p + n]
                p += n
            elif n == 251:
                add(null)
                continue
            else:
                raw, p = long_field(data, p, n)
            # its JSON after the prefix
            if form == _AS_IS:
                add(prefix)
                add(raw)
            elif form == _TEXT:
                if escape(raw):
                    add(prefix + dumps(raw.decode()))
                else:
                    add(quoted)
                    add(raw)
                    add(b'"')
            elif form == _DATETIME_UTC or form == _DATE:  # noqa: SIM109  (`in` would build a tuple per field)
                # a real day of a year past 0 (``dates.plainly_valid``, or a 29th-31st the month has, on the wire's
                # bytes); else the decoder (zero parts, year 0, February 29th, ALLOW_INVALID_DATES' days)
                if raw[:4] != b"0000" and raw[5:7] != b"00" and (b"01" <= raw[8:10] <= b"28"
                                                                  or raw[5:10] in _LATE_DAYS):
                    add(quoted)
                    if form == _DATE:
                        add(raw)
                        add(b'"')
                    else:
                        add(raw[:10])
                        add(b"T")
                        add(raw[11:])
                        add(b'Z"')
                else:
                    add(prefix + value(i, raw))
            elif form == _BOOLEAN:
                add(prefix)
                add(b"false" if raw == b"0" else b"true")
            else:  # VALUE
                add(prefix + value(i, raw))
        add(b"}")
        return b"".join(parts).decode()  # not UTF-8 raises, as PyMySQL's decode

    return row


class RowReader:
    """The rows of the unbuffered result ``conn`` is reading, as JSON records of the first ``names`` fields.

    Fields after those (key copies) stay out of the record; ``values`` gives a row's
    fields as PyMySQL decodes them, for the page's token and for messages.
    """

    def __init__(self, conn: pymysql.connections.Connection, entity_identifier: str, names: Sequence[str],
                 fixups: Sequence[Fixup | None], source_time_zone: str) -> None:
        self._packets = RowPackets(conn, entity_identifier)
        self._conn, self._entity = conn, entity_identifier
        self._names = list(names)
        self._fixups = list(fixups)
        self._converters = self._packets.converters
        fields = self._packets.fields
        self._forms = [wire_form(f.type_code, f.flags, f.charsetnr, fixup, source_time_zone)
                       for f, fixup in zip(fields, self._fixups, strict=False)]
        self._prefixes = [(b"{" if i == 0 else b",") + orjson.dumps(name) + b":" for i, name in enumerate(names)]

    # --- rows ------------------------------------------------------------------------

    def batches(self, deadline: Deadline) -> Iterator[tuple[list[str], list[bytes]]]:
        """Records and their row packets, a buffer's worth at a time, to the end of the result.

        Every socket read is held to the time ``deadline`` leaves; a caller that stops early
        must close the connection (the rest of the result is still on its way).
        """
        return self._packets.batches(self._row_parser(), self._not_text, deadline)

    def values(self, packet: bytes) -> tuple[Any, ...]:
        """A row's fields as PyMySQL decodes them (before the columns' fix-ups)."""
        return self._packets.values(packet)

    def _not_text(self, packet: bytes) -> InvalidArgumentError:
        """The field whose bytes are not text in its character set, named (MariaDB stores U+D800 in utf8mb4)."""
        for i, (name, raw) in enumerate(zip(self._names, field_bytes(packet, self._conn.encoding, len(self._names)),
                                            strict=True)):
            encoding = self._converters[i][0] if self._forms[i] is WireForm.VALUE else "utf-8"
            if raw is None or encoding is None:
                continue
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                shown = raw[exc.start:exc.end + 2].hex(" ").upper()
                msg = (f"Field {name!r} of {self._entity} holds bytes that are not valid {encoding.upper()} text "
                       f"({exc.reason} at byte {exc.start}: {shown}), such as a UTF-16 surrogate (U+D800 to U+DFFF) "
                       "that MariaDB stores in a utf8mb4 column: fix the stored value, or leave the field out with "
                       "selectedFieldNames.")
                return InvalidArgumentError(msg)
        return InvalidArgumentError(f"A row of {self._entity} holds bytes that are not valid UTF-8 text.")

    # --- one row -----------------------------------------------------------------------

    def _row_parser(self) -> Callable[[bytes], str]:
        """A function from one row packet to its record, made for this result's fields."""
        return row_function(self._forms[:len(self._prefixes)], self._prefixes, self._value)

    def _value(self, i: int, raw: bytes) -> bytes:
        """One field's JSON as PyMySQL's decoder and the column's fix-up make it: the reference form."""
        encoding, converter = self._converters[i]
        data: Any = raw.decode(encoding) if encoding is not None else raw
        if converter is not None:
            data = converter(data)
        fixup = self._fixups[i]
        if fixup is not None:
            try:
                data = fixup(data)
            except UnreadableValueError as exc:
                msg = (f"Field {self._names[i]!r} of {self._entity} {exc}; leave the field out with "
                       "selectedFieldNames, or fix the stored value.")
                raise InvalidArgumentError(msg) from None
        try:
            return orjson.dumps(data)
        except TypeError as exc:  # a value of a kind the type table did not expect for its column
            msg = (f"{self._entity} returned values the connector cannot encode ({exc}): "
                   f"{{{self._names[i]!r}: {type(data).__name__!r}}}")
            raise InvalidArgumentError(msg) from None
