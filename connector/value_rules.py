"""What MySQL would store otherwise: numbers as text, DECIMAL, fractions, labels; imports nothing of the project.

One rule each, shared by the write codecs, the filter translator, RetrieveData's ids and the writer's shortcuts.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

__all__ = [
    "NUMBER_TEXT_FORM", "WHOLE_DIGITS_LIMIT", "decimal_problem", "decimal_shape", "exact_decimal",
    "float_scale_shape", "fraction_precision", "fraction_problem", "label_choices", "label_problem", "labels",
    "number_text", "whole_number_text",
]


# --- DECIMAL(p,s) -----------------------------------------------------------------------------------------------

@lru_cache(maxsize=512)
def decimal_shape(column_type_text: str) -> tuple[int, int, bool]:
    """DECIMAL(p,s) [UNSIGNED] -> (p, s, unsigned); MySQL's own default is DECIMAL(10,0).

    >>> decimal_shape("decimal(12,2) unsigned"), decimal_shape("decimal")
    ((12, 2, True), (10, 0, False))
    """
    match = re.search(r"\((\d+)(?:\s*,\s*(\d+))?\)", column_type_text)
    precision, scale = (int(match.group(1)), int(match.group(2) or 0)) if match else (10, 0)
    return precision, scale, "unsigned" in column_type_text.lower()


def exact_decimal(value: Decimal) -> Decimal:
    """The same number without trailing zeros in its exponent form, safe to bind.

    PyMySQL writes a Decimal out in full: ``0E-200000000`` would become 200 million digits.

    >>> exact_decimal(Decimal("0E-200000000")), exact_decimal(Decimal("1.500")), exact_decimal(Decimal("12E+3"))
    (Decimal('0'), Decimal('1.5'), Decimal('1.2E+4'))
    """
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    significant = len(digits)
    while significant and digits[significant - 1] == 0 and exponent + len(digits) - significant < 0:
        significant -= 1
    if not any(digits):
        return Decimal(0)
    return Decimal((sign, digits[:significant], exponent + len(digits) - significant))


def decimal_problem(value: Decimal, column_type_text: str) -> str | None:
    """Why ``value`` does not fit a DECIMAL(p,s) column, or None when it does.

    >>> decimal_problem(Decimal("123.45"), "decimal(5,2)") is None, decimal_problem(Decimal("1.234"), "decimal(5,2)")
    (True, 'at most 3 digits before and 2 after the decimal point')
    >>> decimal_problem(Decimal("1.500"), "decimal(3,1)") is None, decimal_problem(Decimal("0E-99999999"), "decimal")
    (True, None)
    >>> decimal_problem(Decimal("1E+200000000"), "decimal(10,2)") is not None
    True
    """
    precision, scale, unsigned = decimal_shape(column_type_text)
    if not value.is_finite():
        return "a finite number"
    if value < 0 and unsigned:
        return "a number >= 0 (the column is unsigned)"
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if -exponent <= scale and len(digits) + exponent <= precision - scale:
        return None  # the common case: fits as written, no normalising needed
    # without Decimal arithmetic, which overflows on exponents like 1E+200000000: drop trailing zeros by hand
    significant = len(digits)
    while significant and digits[significant - 1] == 0:
        significant -= 1
    if significant == 0:
        return None  # zero, whatever its exponent
    exponent += len(digits) - significant
    digits_after = max(0, -exponent)
    digits_before = max(0, significant + exponent)
    if digits_after > scale or digits_before > precision - scale:
        return f"at most {precision - scale} digits before and {scale} after the decimal point"
    return None


# --- numbers written as text (one rule for every numeric column, RetrieveData's ids and filter literals) ---------

# ASCII digits with an optional sign, fraction and exponent: JSON's number, plus a leading '+' and leading zeros,
# which MySQL reads the same way. Python's own parsers take more (int/Decimal/float accept '1_000', Arabic-Indic and
# full-width digits, Unicode spaces around, float also 'Infinity' and 'NaN'), all of which MySQL refuses or reads
# otherwise; the server itself takes ASCII spaces around, '1.' and '.5', which JSON has no number for.
_NUMBER_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
NUMBER_TEXT_FORM = "as text: ASCII digits with an optional sign, fraction and exponent, as JSON writes numbers"


def number_text(text: str) -> Decimal | None:
    """The number a string spells when it is written as one (``_NUMBER_TEXT``), else None.

    The same text as a JSON number gives the same Decimal, so a string in a numeric field is
    judged exactly as the JSON number it spells.

    >>> [number_text(t) for t in ("12", "-0.50", "+1e3", "007")]
    [Decimal('12'), Decimal('-0.50'), Decimal('1E+3'), Decimal('7')]
    >>> [number_text(t) for t in ("1_000", "\u0661\u0662", "\uff11\uff12", " 12", "0x10", "NaN", "1.", ".5", "")]
    [None, None, None, None, None, None, None, None, None]
    """
    if _NUMBER_TEXT.fullmatch(text) is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal holds (over 18 digits)
        return None


def whole_number_text(text: str) -> int | None:
    """A string that spells a whole number (``number_text``; '1e3' and '2.0' are whole) as an int, else None.

    Exponents are looked at before the number is expanded: '1e999999999' is not built digit by digit.

    >>> [whole_number_text(t) for t in ("12", "1e3", "2.0", "2.5", "1e99999999", "\u0661")]
    [12, 1000, 2, None, None, None]
    """
    number = number_text(text)
    if number is None or number.adjusted() > WHOLE_DIGITS_LIMIT or number != number.to_integral_value():
        return None
    return int(number)


# No integer column holds more than 20 digits (BIGINT UNSIGNED, BIT(64)): past this, a number is out of range
# and is not expanded (int() of 1e10000000 would take seconds).
WHOLE_DIGITS_LIMIT = 40


# --- fractions beyond a column's precision (one rule: DECIMAL, FLOAT(M,D), TIME, DATETIME, TIMESTAMP) ------------
# MySQL keeps what fits and drops (TIME, DATETIME, TIMESTAMP) or rounds (DECIMAL from text, FLOAT(M,D)) the rest
# without an error, even in strict mode. A digit past the precision that is not 0 fails the record instead;
# trailing zeros lose nothing and are accepted.

@lru_cache(maxsize=512)
def fraction_precision(column_type_text: str) -> int:
    """The fraction digits of a second that TIME(n), DATETIME(n) or TIMESTAMP(n) keeps (0 without n).

    >>> fraction_precision("datetime(3)"), fraction_precision("time"), fraction_precision("timestamp(6)")
    (3, 0, 6)
    """
    match = re.search(r"\(([0-9]+)\)", column_type_text)
    return int(match.group(1)) if match else 0


def fraction_problem(digits: str, precision: int) -> str | None:
    """Why a second's fraction (its digits after the point) does not fit ``precision`` digits, or None.

    >>> fraction_problem("500", 1) is None, fraction_problem("000", 0) is None, fraction_problem("5", 0)
    (True, True, 'no fraction of a second (the column keeps whole seconds; MySQL would drop the fraction)')
    >>> fraction_problem("1234", 3)
    'at most 3 digits of a second (the column keeps 3; MySQL would drop the rest)'
    """
    if not digits[precision:].strip("0"):
        return None
    if precision == 0:
        return "no fraction of a second (the column keeps whole seconds; MySQL would drop the fraction)"
    return f"at most {precision} digits of a second (the column keeps {precision}; MySQL would drop the rest)"


@lru_cache(maxsize=512)
def float_scale_shape(column_type_text: str) -> str | None:
    """FLOAT(M,D)/DOUBLE(M,D) round to D digits after the point like DECIMAL(M,D) from text: that DECIMAL's
    type text, for ``decimal_problem``; None for a FLOAT or DOUBLE without D.

    >>> float_scale_shape("float(10,2) unsigned"), float_scale_shape("double")
    ('decimal(10,2) unsigned', None)
    """
    match = re.search(r"\(([0-9]+),([0-9]+)\)", column_type_text)
    if match is None:
        return None
    return f"decimal({match.group(1)},{match.group(2)})" + (" unsigned" if "unsigned" in column_type_text.lower()
                                                             else "")


# --- ENUM and SET labels -------------------------------------------------------------------------------------
# A string that is no label is read by MySQL as a number when it has the shape of one: the label at that position
# (ENUM: '2' is the second label) or a bitmask of labels (SET: '6' is the second and third), even in strict mode.
# Digits that are not one of the labels fail the record instead; every other non-label is the server's to refuse
# (its collation decides whether 'A' is the label 'a').

# What the server reads as a number: digits after optional spaces and a sign (ENUM drops trailing spaces first).
_INDEX_SHAPED = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+ *")
# One quoted label in information_schema's COLUMN_TYPE: quotes doubled, backslashes (and \n, \r, \0, \Z) escaped.
_QUOTED_LABEL = re.compile(r"'((?:[^'\\]|''|\\.)*)'", re.DOTALL)
_LABEL_ESCAPES = {"n": "\n", "r": "\r", "0": "\0", "Z": "\x1a", "t": "\t", "b": "\b"}
_LABELS_SHOWN = 20


@lru_cache(maxsize=512)
def labels(column_type_text: str) -> tuple[str, ...]:
    """An ENUM's or SET's labels, in order, from information_schema's COLUMN_TYPE.

    >>> labels("enum('a','c''d','x\\\\\\\\y','1','')")
    ('a', "c'd", 'x\\\\y', '1', '')
    """
    body = column_type_text[column_type_text.find("(") + 1:column_type_text.rfind(")")]
    return tuple(re.sub(r"\\(.)", lambda m: _LABEL_ESCAPES.get(m.group(1), m.group(1)), raw.replace("''", "'"),
                        flags=re.DOTALL)
                 for raw in _QUOTED_LABEL.findall(body))


def label_problem(text: str, column_type_text: str, *, of_set: bool, binary: bool) -> str | None:
    """Why MySQL would not store ``text`` as the label(s) it spells, when the reason is a number; else None.

    A label that is itself digits is a label ('2' of ENUM('1','2') stores '2'). Trailing spaces do not count
    (MySQL drops them from labels and values) except in a binary character set, which compares bytes.
    ``of_set``: a SET column (labels joined by commas), else an ENUM.

    >>> label_problem("2", "enum('a','b')", of_set=False, binary=False)
    'one of the labels "a", "b" (MySQL would read a number that is no label as the position of a label)'
    >>> label_problem("2 ", "enum('1','2')", of_set=False, binary=False), label_problem(
    ...     "A", "enum('a')", of_set=False, binary=False)
    (None, None)
    """
    if _INDEX_SHAPED.fullmatch(text) is None:
        return None
    if (text if binary else text.rstrip(" ")) in labels(column_type_text):
        return None
    if of_set:
        return f"{label_choices(column_type_text, of_set=of_set)} (MySQL would read a number that is no label as a " \
               "bitmask of labels)"
    return f"{label_choices(column_type_text, of_set=of_set)} (MySQL would read a number that is no label as the " \
           "position of a label)"


def label_choices(column_type_text: str, *, of_set: bool) -> str:
    """What an ENUM or (``of_set``) SET column takes, for a message: its labels (the first 20 of many).

    >>> label_choices("set('x','y')", of_set=True), label_choices("enum('a')", of_set=False)
    ('labels from "x", "y", joined by commas', 'one of the labels "a"')
    """
    known = labels(column_type_text)
    shown = ", ".join(json.dumps(label, ensure_ascii=False) for label in known[:_LABELS_SHOWN])
    if len(known) > _LABELS_SHOWN:
        shown += f", ... ({len(known)} in all)"
    return f"labels from {shown}, joined by commas" if of_set else f"one of the labels {shown}"
