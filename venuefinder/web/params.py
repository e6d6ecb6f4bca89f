"""Query-string parsing for the API, on top of :mod:`venuefinder.validate`.

The numeric rules and their messages come from ``validate`` so that the CLI and the API
reject the same values with the same words; this module only adds what is particular to a
query string (a parameter given twice, an empty value, one of lat/lon without the other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from werkzeug.datastructures import MultiDict

from ..errors import InputError
from ..validate import (check_kinds, check_lat_lon, check_limit, check_min_score,
                        check_radius, parse_float)

#: Longest place query accepted; longer text is not a place name and only costs CPU.
MAX_QUERY_CHARS = 200
#: Most places one search returns.
MAX_PLACES = 50
DEFAULT_PLACES = 10
_INTEGER = re.compile(r"^\s*[+-]?\d{1,9}\s*$")


def single(args: MultiDict[str, str], name: str) -> Optional[str]:
    """The one value of *name*, None when absent; a repeated parameter is an error because
    silently taking one of two values hides a client bug."""
    values = args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise InputError(f"{name} given {len(values)} times; give it once")
    return values[0]


def optional_float(args: MultiDict[str, str], name: str, what: str) -> Optional[float]:
    """A finite float, or None when the parameter is absent."""
    text = single(args, name)
    if text is None:
        return None
    return parse_float(text, what)


def optional_int(args: MultiDict[str, str], name: str) -> Optional[int]:
    """A whole number, or None when the parameter is absent."""
    text = single(args, name)
    if text is None:
        return None
    if not _INTEGER.match(text):
        raise InputError(f"{name} must be a whole number, got {text[:40]!r}")
    return int(text)


@dataclass(frozen=True)
class VenueQuery:
    """Checked parameters of ``GET /api/venues``."""

    lat: float
    lon: float
    radius_m: float
    limit: int
    min_score: Optional[float]
    kinds: Optional[list[str]]

    def as_dict(self) -> dict[str, object]:
        """The query echoed back in the response (``query`` member)."""
        return {"lat": self.lat, "lon": self.lon, "radius_m": self.radius_m,
                "limit": self.limit, "min_score": self.min_score, "kinds": self.kinds}


def venue_query(args: MultiDict[str, str], center: tuple[float, float],
                known_kinds: list[str], default_radius_m: float, max_radius_m: float,
                default_limit: int, max_limit: int) -> VenueQuery:
    """Parse and check the parameters of ``GET /api/venues``.

    Parameters
    ----------
    args
        ``request.args``.
    center
        (lat, lon) used only when both lat and lon are absent.
    known_kinds
        Venue kinds of the loaded region.
    default_radius_m, max_radius_m, default_limit, max_limit
        From the settings.

    Raises
    ------
    InputError
        Any bad value (the API answers 400).
    """
    lat = optional_float(args, "lat", "latitude")
    lon = optional_float(args, "lon", "longitude")
    if lat is None and lon is None:
        lat, lon = center
    elif lat is None or lon is None:
        raise InputError("give both lat and lon, or neither (the region's centre)")
    lat, lon = check_lat_lon(lat, lon)

    radius = optional_float(args, "radius", "radius")
    radius = check_radius(default_radius_m if radius is None else radius, max_radius_m)

    limit = optional_int(args, "limit")
    limit = check_limit(min(default_limit, max_limit) if limit is None else limit, max_limit)

    min_score = check_min_score(optional_float(args, "min_score", "min_score"))

    kinds: Optional[list[str]] = None
    raw_kinds = args.getlist("kind")
    if raw_kinds:
        # ``kind=a&kind=b`` and ``kind=a,b`` both work; an empty ``kind=`` means every kind.
        kinds = check_kinds([part for value in raw_kinds for part in value.split(",")],
                            known_kinds)
    return VenueQuery(lat, lon, radius, limit, min_score, kinds)


def place_query(args: MultiDict[str, str]) -> tuple[str, int]:
    """``q`` and ``limit`` of ``GET /api/places``."""
    text = single(args, "q")
    if text is None or not text.strip():
        raise InputError("q is required: a place name to look for")
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(f"q is longer than {MAX_QUERY_CHARS} characters")
    if any(ord(ch) < 32 for ch in text):
        raise InputError("q must not contain control characters")
    limit = optional_int(args, "limit")
    limit = check_limit(DEFAULT_PLACES if limit is None else limit, MAX_PLACES)
    return text, limit


#: Widest basemap box, in degrees: wider views are not drawn (too many features to read).
MAX_BBOX_DEGREES = 0.5


def bbox_query(args: MultiDict[str, str]) -> tuple[float, float, float, float]:
    """``bbox=west,south,east,north`` (WGS84 degrees) of ``GET /api/basemap``."""
    text = single(args, "bbox")
    if text is None or not text.strip():
        raise InputError("bbox is required: west,south,east,north in degrees")
    parts = text.split(",")
    if len(parts) != 4:
        raise InputError(f"bbox must be west,south,east,north, got {text[:60]!r}")
    west, south, east, north = (parse_float(p, name) for p, name in
                                zip(parts, ("west", "south", "east", "north")))
    check_lat_lon(south, west)
    check_lat_lon(north, east)
    if west >= east or south >= north:
        raise InputError("bbox must have west < east and south < north")
    if east - west > MAX_BBOX_DEGREES or north - south > MAX_BBOX_DEGREES:
        raise InputError(f"bbox is wider than {MAX_BBOX_DEGREES} degrees; zoom in")
    return west, south, east, north
