"""MySQL's calendar and wall clock (year 0, zero dates, zone readings); imports nothing of the project.

Shared by the read codecs (``connector.read_codecs``), the write codecs (``connector.write_codecs``) and the
filter translator: dates as MySQL's text spells them, and the wall-clock reading an ISO value stands for.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

__all__ = ["calendar_date", "format_wall_clock", "parse_wall_clock", "plainly_valid", "wall_clock"]


def plainly_valid(text: str) -> bool:
    """A date part every calendar has (year > 0, month set, day 1..28): no parse needed.

    MySQL's own text always has a month of 00..12 and a day of 00..31; only a zero part
    or a day past the 28th can make it invalid (zero dates, ALLOW_INVALID_DATES).
    """
    return text[:4] != "0000" and text[5:7] != "00" and "01" <= text[8:10] <= "28"


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def calendar_date(text: str) -> bool:
    """Whether 'YYYY-MM-DD...' names a real day in MySQL's calendar (year 0 included, not leap).

    Only a zero part (``0000-00-00``, ``2022-11-00``) or a day the month lacks
    (``2023-02-30`` under ALLOW_INVALID_DATES) is not a date; ``0000-11-30`` is.

    >>> [calendar_date(d) for d in ("0000-11-30", "0000-02-29", "2024-02-29", "2022-11-00")]
    [True, False, True, False]
    """
    try:
        year, month, day = int(text[:4]), int(text[5:7]), int(text[8:10])
    except ValueError:
        return False
    if not 1 <= month <= 12 or day < 1:
        return False
    # MySQL's calc_days_in_year: year 0 is not a leap year
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or (year % 400 == 0 and year != 0))
    return day <= _DAYS_IN_MONTH[month - 1] + leap



# Python has no year 0. MySQL's year 0 (not leap) is computed as year 401 (not leap either, and as
# far before any zone rule, so the same local mean time offset), then written back as 0000.
_YEAR0_STAND_IN = 401


def parse_wall_clock(text: str) -> tuple[datetime, bool]:
    """MySQL's 'YYYY-MM-DD[ T]hh:mm:ss[.f][offset]' as a datetime, and whether year 0 became the stand-in year."""
    if text[:4] == "0000":
        return datetime.fromisoformat(f"{_YEAR0_STAND_IN:04d}{text[4:]}"), True
    return datetime.fromisoformat(text), False


def format_wall_clock(moment: datetime, shifted: bool, separator: str = "T") -> str:
    """The inverse of ``parse_wall_clock`` (an aware moment keeps its offset).

    >>> format_wall_clock(*parse_wall_clock("0000-11-30 10:00:00"))
    '0000-11-30T10:00:00'
    """
    text = moment.isoformat(separator)
    if not shifted:
        return text
    year = moment.year - _YEAR0_STAND_IN
    if year < 0:
        msg = "a date-time within years 0000-9999"
        raise ValueError(msg)
    return f"{year:04d}{text[4:]}"


def wall_clock(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The wall-clock reading in ``zone`` that an ISO value with offset stands for: the read codec's inverse.

    Reads attach the offset ``zone`` has at the reading (fold 0), also for a reading inside a
    spring-forward gap, which no instant has. A value carrying exactly that offset therefore
    means that reading, and finds its row again; any other offset is a real instant and is
    converted. A naive value already is a reading.

    >>> ny = zoneinfo.ZoneInfo("America/New_York")
    >>> wall_clock(datetime.fromisoformat("2024-03-10T02:30:00-05:00"), ny)  # in the gap, as read
    datetime.datetime(2024, 3, 10, 2, 30)
    >>> wall_clock(datetime.fromisoformat("2024-03-10T07:30:00+00:00"), ny)  # the same instant from elsewhere
    datetime.datetime(2024, 3, 10, 3, 30)
    >>> wall_clock(datetime.fromisoformat("2024-11-03T01:30:00-05:00"), ny)  # the repeated hour, second time
    datetime.datetime(2024, 11, 3, 1, 30)
    """
    if moment.tzinfo is None:
        return moment
    reading = moment.replace(tzinfo=None)
    if moment.utcoffset() == reading.replace(tzinfo=zone).utcoffset():
        return reading
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)
