"""Validation of user input, shared by the CLI and the web API (same rules, same messages)."""

from __future__ import annotations

import math
from typing import Iterable, Optional

from .errors import InputError


def parse_float(text: object, what: str) -> float:
    """A finite float from user text, else :class:`InputError` naming *what*."""
    try:
        value = float(str(text).strip())
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, got {str(text)[:40]!r}") from None
    if not math.isfinite(value):
        raise InputError(f"{what} must be a finite number, got {str(text)[:40]!r}")
    return value


def check_lat_lon(lat: float, lon: float) -> tuple[float, float]:
    """Check a WGS84 coordinate; returns it unchanged."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InputError("latitude and longitude must be finite numbers")
    if not -90.0 <= lat <= 90.0:
        raise InputError(f"latitude {lat} is outside -90..90")
    if not -180.0 <= lon <= 180.0:
        raise InputError(f"longitude {lon} is outside -180..180")
    return lat, lon


def parse_lat_lon(text: str) -> tuple[float, float]:
    """``"60.17,24.94"`` → ``(60.17, 24.94)``."""
    parts = [p for p in str(text).replace(" ", "").split(",")]
    if len(parts) != 2 or not all(parts):
        raise InputError(f"expected LAT,LON (e.g. 60.1699,24.9384), got {str(text)[:40]!r}")
    return check_lat_lon(parse_float(parts[0], "latitude"), parse_float(parts[1], "longitude"))


def check_radius(radius_m: float, max_radius_m: float) -> float:
    """A search radius in metres: positive and at most *max_radius_m*."""
    if not math.isfinite(radius_m) or radius_m <= 0:
        raise InputError(f"radius must be a positive number of metres, got {radius_m}")
    if radius_m > max_radius_m:
        raise InputError(f"radius {radius_m:g} m is above the maximum of {max_radius_m:g} m")
    return radius_m


def check_limit(limit: int, max_limit: int) -> int:
    """A result count between 1 and *max_limit*."""
    if limit < 1 or limit > max_limit:
        raise InputError(f"limit must be between 1 and {max_limit}, got {limit}")
    return limit


def check_min_score(min_score: Optional[float]) -> Optional[float]:
    """A minimum score in 0..100 (or None)."""
    if min_score is not None and not 0.0 <= min_score <= 100.0:
        raise InputError(f"min_score must be between 0 and 100, got {min_score:g}")
    return min_score


def check_kinds(kinds: Optional[Iterable[str]], known: Iterable[str]) -> Optional[list[str]]:
    """Venue kinds to keep; each must be a known kind."""
    if kinds is None:
        return None
    wanted = [k.strip() for k in kinds if k and k.strip()]
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise InputError(f"unknown kind {', '.join(unknown)!s}; known: {', '.join(known)}")
    return wanted or None


def check_min_confidence(min_confidence: Optional[float]) -> Optional[float]:
    """A minimum confidence in 0..100 (or None)."""
    if min_confidence is not None and not (math.isfinite(min_confidence)
                                           and 0.0 <= min_confidence <= 100.0):
        raise InputError(f"min_confidence must be between 0 and 100, got {min_confidence:g}")
    return min_confidence
