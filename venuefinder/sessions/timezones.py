"""A session's time: the venue's zone from its coordinates, the start as given, weekly repeats.

The zone comes from ``timezonefinder``: offline (the package ships its boundary data), about
0.25 s to open once per process and microseconds per lookup; one shared finder behind a lock,
because the package promises nothing about lookups from several threads at once.

A start is ISO 8601 with an offset (``2025-06-03T18:00+03:00``, ``…Z``: that instant) or
without one (``2025-06-03T18:00``: wall-clock time at the venue). A wall-clock time that does
not exist (clocks go forward) or happens twice (clocks go back) is refused with a message
asking for an offset: guessing would put a group at the venue an hour early or late.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Optional, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..clock import aware
from ..errors import InputError

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

#: How far ahead a session may start.
MAX_AHEAD = timedelta(days=366)
#: An ISO 8601 date and time: ``YYYY-MM-DD``, ``T`` or a space, ``HH:MM``, optional seconds
#: and fraction, optional ``Z`` or ``±HH:MM`` (what ``datetime.fromisoformat`` then reads).
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
                  r"(Z|[+-]\d{2}:\d{2})?")
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _finder() -> "TimezoneFinder":
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def venue_zone(lat: float, lon: float) -> ZoneInfo:
    """The IANA time zone at a WGS84 point (at sea: the nautical ``Etc/GMT±N`` zone).

    Raises
    ------
    InputError
        Coordinates out of range, or a point no zone covers.
    """
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise InputError(f"no time zone at ({lat}, {lon}): coordinates out of range")
    with _LOCK:
        name = _finder().timezone_at(lat=lat, lng=lon)
    if name is None:
        raise InputError(f"no time zone is known at ({lat:.5f}, {lon:.5f})")
    return zone(name)


def zone(name: str) -> ZoneInfo:
    """The zone called *name* (IANA), else InputError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {str(name)[:40]!r}") from None


def parse_start(value: Union[str, datetime], tz: ZoneInfo,
                now: Optional[datetime] = None) -> datetime:
    """A session's start in the venue's zone.

    Parameters
    ----------
    value
        ISO 8601 text with an offset (an instant) or without one (wall-clock time at the
        venue), or a datetime (aware: an instant; naive: wall-clock time at the venue).
    tz
        The venue's zone (:func:`venue_zone`).
    now
        Timezone-aware present; default now.

    Returns
    -------
    datetime
        The start, aware in *tz*, whole seconds.

    Raises
    ------
    InputError
        Not a date and time, a wall-clock time that does not exist or is ambiguous there, a
        start not after *now*, or more than :data:`MAX_AHEAD` ahead.
    """
    now = aware(now)
    if isinstance(value, str):
        if not _ISO.fullmatch(value.strip()):
            raise InputError(f"start must be an ISO 8601 date and time such as "
                             f"2025-06-03T18:00 or 2025-06-03T18:00+03:00, not "
                             f"{value[:40]!r}")
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f"start {value[:40]!r} is not a real date and time") from None
    if not isinstance(value, datetime):
        raise InputError("start must be a date and time")
    value = value.replace(microsecond=0)
    if value.tzinfo is None or value.utcoffset() is None:
        start = wall_clock(value, tz)
    else:
        start = value.astimezone(tz)
    if start <= now:
        raise InputError(f"start {start:%Y-%m-%d %H:%M} ({tz.key}) is in the past")
    if start - now > MAX_AHEAD:
        raise InputError(f"start {start:%Y-%m-%d} is more than {MAX_AHEAD.days} days ahead")
    return start


def wall_clock(naive: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time at the venue as an aware datetime.

    Raises
    ------
    InputError
        The time does not exist there (the hour skipped when clocks go forward) or happens
        twice (clocks go back).
    """
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    there = f"{naive:%Y-%m-%d %H:%M} in {tz.key}"
    if first.utcoffset() != second.utcoffset():
        # In a gap, fold=0 uses the offset before it; a round trip through UTC moves the
        # time, which shows it never appears on a clock there.
        round_trip = first.astimezone(timezone.utc).astimezone(tz)
        if round_trip.replace(tzinfo=None) != naive:
            raise InputError(f"{there} does not exist (the clocks go forward): "
                             "give the start with an offset")
        raise InputError(f"{there} happens twice (the clocks go back): "
                         "give the start with an offset")
    return first


def weekly(start: datetime, count: int) -> list[datetime]:
    """*count* starts a week apart at the same wall-clock time (across daylight saving
    changes); one that falls in a skipped hour moves an hour later, one that happens twice
    takes the first."""
    zone_of = start.tzinfo
    naive = start.replace(tzinfo=None)
    starts = []
    for week in range(count):
        local = (naive + timedelta(weeks=week)).replace(tzinfo=zone_of, fold=0)
        # The UTC round trip normalises a time in a gap to the hour after it.
        starts.append(local.astimezone(timezone.utc).astimezone(zone_of))
    return starts


#: The clock's rule (:func:`venuefinder.clock.aware`) under the name the session store and
#: pages still import; new code imports the clock.
aware_now = aware
