"""Is the sun down at a place and time? (A run after sunset prefers lit ways.)

The sun's elevation from the low-precision formulas of the US Naval Observatory's
*Astronomical Almanac* (about 0.01° in the sun's position between 1950 and 2050), with
sunset when the centre is 0.833° below the horizon (refraction and the sun's radius).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

#: The sun's centre this far below the horizon is sunset (degrees).
SUNSET_ELEVATION_DEG = -0.833
_J2000 = datetime(2000, 1, 1, 12, tzinfo=timezone.utc)


def sun_elevation(lat: float, lon: float, when: datetime) -> float:
    """Elevation of the sun's centre in degrees (geometric, no refraction).

    Raises
    ------
    ValueError
        *when* has no time zone (a naive time is ambiguous).
    """
    if when.tzinfo is None:
        raise ValueError("sun_elevation needs a time-zone-aware datetime")
    d = (when - _J2000).total_seconds() / 86400.0
    g = math.radians(357.529 + 0.98560028 * d)
    q = 280.459 + 0.98564736 * d
    ecliptic = math.radians(q + 1.915 * math.sin(g) + 0.020 * math.sin(2 * g))
    obliquity = math.radians(23.439 - 0.00000036 * d)
    right_ascension = math.degrees(math.atan2(math.cos(obliquity) * math.sin(ecliptic),
                                              math.cos(ecliptic)))
    declination = math.asin(math.sin(obliquity) * math.sin(ecliptic))
    sidereal_deg = (18.697374558 + 24.06570982441908 * d) * 15.0
    hour_angle = math.radians(sidereal_deg + lon - right_ascension)
    phi = math.radians(lat)
    return math.degrees(math.asin(math.sin(phi) * math.sin(declination)
                                  + math.cos(phi) * math.cos(declination)
                                  * math.cos(hour_angle)))


def is_dark(lat: float, lon: float, when: datetime) -> bool:
    """Whether the sun has set (or not yet risen) at the place at *when*."""
    return sun_elevation(lat, lon, when) < SUNSET_ELEVATION_DEG
