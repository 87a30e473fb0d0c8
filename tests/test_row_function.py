"""The row function (``connector.rows.row_function``): one row packet to its record, byte for byte.

Differential, without a server: random tables (1 to 12 fields of random forms, names that need
escaping) and random rows (NULLs, text that needs escaping and text that does not, fields past
250, 65,535 and 16,777,215 bytes: every length prefix, zero and invalid dates, DATETIME with and
without fractions, booleans, fields past the record's names) are turned into records by the
connector's row function and by every variant ``bench/row_function_bench.py`` measures (the
generated ``exec`` form among them), and compared with a reference written independently: the
fields split by PyMySQL's own packet reader, each turned into the value its form stands for,
and the record written by ``orjson.dumps`` (``orjson.Fragment`` for JSON a form passes on as it is).
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import pytest

from bench.row_function_bench import VARIANTS
from connector import rows
from connector.read_codecs import WireForm
from connector.wire import field_bytes

IMPLEMENTATIONS: dict[str, Callable[..., Callable[[bytes], str]]] = {**VARIANTS, "connector": rows.row_function}


def lenenc(value: bytes | None) -> bytes:
    """A length-encoded string as the server writes it (0xFB for NULL)."""
    if value is None:
        return b"\xfb"
    n = len(value)
    if n < 251:
        return bytes([n]) + value
    if n < 1 << 16:
        return b"\xfc" + n.to_bytes(2, "little") + value
    if n < 1 << 24:
        return b"\xfd" + n.to_bytes(3, "little") + value
    return b"\xfe" + n.to_bytes(8, "little") + value


def decoded(i: int, raw: bytes) -> bytes:
    """Stands in for the decoder and fix-up (``RowReader._value``): any JSON that shows which field and bytes."""
    return orjson.dumps({"field": i, "raw": raw.decode("latin-1")})


def _plain_date(raw: bytes) -> bool:
    """A day every year after 0 has (February 29th is not one): the row function writes it without the decoder."""
    month = int(raw[5:7])
    return int(raw[:4]) > 0 and 1 <= month <= 12 and 1 <= int(raw[8:10]) <= calendar.monthrange(2001, month)[1]


def reference(forms: Sequence[WireForm], names: Sequence[str], packet: bytes) -> str:
    """The record, by PyMySQL's packet reader, the value each form stands for, and orjson."""
    record: dict[str, Any] = {}
    for i, (form, name, raw) in enumerate(zip(forms, names, field_bytes(packet, "utf-8", len(names)), strict=True)):
        if raw is None:
            value: Any = None
        elif form is WireForm.AS_IS:
            value = orjson.Fragment(raw)
        elif form is WireForm.TEXT:
            value = raw.decode()
        elif form is WireForm.BOOLEAN:
            value = raw != b"0"
        elif form is WireForm.DATE and _plain_date(raw):
            value = raw.decode()
        elif form is WireForm.DATETIME_UTC and _plain_date(raw):
            value = f"{raw[:10].decode()}T{raw[11:].decode()}Z"
        else:
            value = orjson.Fragment(decoded(i, raw))
        record[name] = value
    return orjson.dumps(record).decode()


def prefixes_of(names: Sequence[str]) -> list[bytes]:
    """As RowReader makes them."""
    return [(b"{" if i == 0 else b",") + orjson.dumps(name) + b":" for i, name in enumerate(names)]


# --- random values per form ----------------------------------------------------------------------

_ALPHABET = 'abcxyz 019é€😀"\\/%{}\x00\x01\n\t\x1f\x7f\u2028'


def _text(rng: random.Random) -> str:
    n = rng.choice([0, 1, 5, 40, 250, 251, 252, rng.randrange(300), rng.randrange(2000)])
    if rng.random() < 0.5:  # mostly plain, as most text is
        return "".join(rng.choice("abcdefgh ijk") for _ in range(n))
    return "".join(rng.choice(_ALPHABET) for _ in range(n))


def _date(rng: random.Random) -> str:
    return rng.choice([f"{rng.randrange(1, 10000):04d}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 32):02d}",
                       f"{rng.randrange(1000, 3000):04d}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                       "0000-00-00", "2022-00-01", "0000-11-30", "2023-02-30", "2024-01-00", "2024-02-29"])


def _datetime(rng: random.Random) -> str:
    moment = f"{_date(rng)} {rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
    return moment + rng.choice(["", ".5", ".125", ".999999", f".{rng.randrange(10 ** 6):06d}"])


def _value(form: WireForm, rng: random.Random) -> bytes:
    if form is WireForm.AS_IS:
        decimal = f"{rng.randrange(-10 ** 9, 10 ** 9)}.{rng.randrange(100):02d}"
        text = rng.choice([str(rng.randrange(-2 ** 63, 2 ** 64)), decimal,
                           "0", "-0.0", '{"a": [1, 2.5, "\\u00e9"]}',  # MySQL's JSON is AS_IS too; past 250 bytes:
                           "[" + ", ".join(map(str, range(rng.randrange(120)))) + "]"])
    elif form is WireForm.TEXT:
        text = _text(rng)
    elif form is WireForm.DATE:
        text = _date(rng)
    elif form is WireForm.DATETIME_UTC:
        text = _datetime(rng)
    elif form is WireForm.BOOLEAN:
        text = rng.choice(["0", "1", "-128", "127", "2", "-1"])
    else:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 3, 16, 251])))
    return text.encode()


def _names(rng: random.Random, count: int) -> list[str]:
    odd = ['a"b', "c\\d", "é", "%s", "{0}", "P0", "raw", "data", "n", "p", "x y", "\n", ""]
    return [f"f{i}" if rng.random() < 0.6 else f"{rng.choice(odd)}{i}" for i in range(count)]


def _check(forms: Sequence[WireForm], names: Sequence[str], packets: Sequence[bytes]) -> None:
    expected = [reference(forms, names, packet) for packet in packets]
    for label, make in IMPLEMENTATIONS.items():
        row = make(forms, prefixes_of(names), decoded)
        assert [row(packet) for packet in packets] == expected, label


# --- the tests -------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(40))
def test_random_tables_and_rows_give_the_reference_record(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.randrange(1, 13)
    forms = [rng.choice(list(WireForm)) for _ in range(count)]
    names = _names(rng, count)
    extra = rng.randrange(3)  # key copies after the record's fields
    packets = []
    for _ in range(60):
        values = [None if rng.random() < 0.15 else _value(form, rng) for form in forms]
        values += [str(rng.randrange(1000)).encode() for _ in range(extra)]
        packets.append(b"".join(map(lenenc, values)))
    _check(forms, names, packets)


_LENGTHS = [0, 1, 250, 251, 252, 65535, 65536, 70000, 1 << 24]
# every form at every length around the prefixes' bounds, but no date shorter than a date
_FORM_LENGTHS = [(form, length) for form in WireForm for length in _LENGTHS
                 if not (form in (WireForm.DATE, WireForm.DATETIME_UTC) and length < 10)]


@pytest.mark.parametrize(("form", "length"), _FORM_LENGTHS, ids=[f"{f.name}-{n}" for f, n in _FORM_LENGTHS])
def test_every_length_prefix_of_every_form(form: WireForm, length: int) -> None:
    """A field of each length around the prefixes' bounds (1, 3, 4 and 9 bytes), between two others."""
    filler = {WireForm.AS_IS: b"1", WireForm.BOOLEAN: b"1"}.get(form, b"x")
    head = {WireForm.DATE: b"2024-01-02", WireForm.DATETIME_UTC: b"2024-01-02 "}.get(form, b"")
    wide = (head + filler * length)[:length] if length >= len(head) else filler * length
    forms = [WireForm.AS_IS, form, WireForm.TEXT]
    quoted = wide[:-1] + b'"' if wide and form not in (WireForm.DATE, WireForm.DATETIME_UTC) else wide
    for middle in (wide, quoted, None):
        _check(forms, ["id", "wide", "after"], [lenenc(b"7") + lenenc(middle) + lenenc(b'after "q"')])


def test_a_field_that_is_not_utf8_raises_unicode_decode_error() -> None:
    """RowPackets.batches turns UnicodeDecodeError into the message naming the field (RowReader._not_text)."""
    for label, make in IMPLEMENTATIONS.items():
        for form, raw in ((WireForm.TEXT, b"a\xed\xa0\x80"), (WireForm.TEXT, b'"\xff'), (WireForm.AS_IS, b"\xff")):
            row = make([WireForm.AS_IS, form], prefixes_of(["id", "v"]), decoded)
            with pytest.raises(UnicodeDecodeError):
                row(lenenc(b"1") + lenenc(raw))
            assert row(lenenc(b"1") + lenenc(b"ok")), label


def test_every_form_null_and_not() -> None:
    """Each form after each other form, NULL and not, in one table."""
    forms = [form for first in WireForm for form in (first, *WireForm)]
    names = [f"c{i}" for i in range(len(forms))]
    rng = random.Random(7)
    packets = [b"".join(lenenc(None if (r >> (i % 3)) & 1 else _value(f, rng)) for i, f in enumerate(forms))
               for r in range(8)]
    _check(forms, names, packets)
