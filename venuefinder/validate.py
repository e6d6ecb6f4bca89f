"""Validation of user input, shared by the CLI and the web API (same rules, same messages).

Numbers are plain ASCII decimals (:data:`NUMBER_PATTERN`, :data:`INTEGER_PATTERN`). Python's
``float()`` and ``int()`` also read Arabic-Indic or full-width digits, underscores
(``6_0.17``), surrounding whitespace, ``nan``, ``inf`` and ``0x`` forms: no client means to
send those, and accepting them would make the CLI, the API and its OpenAPI document disagree.

A message that quotes user input quotes at most :data:`ECHO_CHARS` characters of it
(:func:`clip`): a 60 KB parameter must not come back whole.
"""

from __future__ import annotations

import math
import re
from typing import Iterable, Optional

from .errors import InputError

#: A number as a client writes it: optional minus, ASCII digits, optional fraction and
#: exponent (``60.17``, ``-5``, ``1e-05``, ``1e+21``), as JavaScript's and Python's own
#: number-to-text give it.
NUMBER_PATTERN = r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?"
#: A whole number: optional minus and ASCII digits.
INTEGER_PATTERN = r"-?[0-9]+"
#: Most digits of a whole number (beyond any limit, and keeps ``int()`` cheap).
MAX_INTEGER_DIGITS = 18
#: Most characters of user input quoted back in a message.
ECHO_CHARS = 48

LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 180.0)
#: Range of scores and confidences (min_score, min_confidence).
SCORE_RANGE = (0.0, 100.0)

_NUMBER = re.compile(NUMBER_PATTERN)
_NOT_FINITE = re.compile(r"[+-]?(nan|inf(inity)?)", re.IGNORECASE)
_INTEGER = re.compile(INTEGER_PATTERN)


def clip(text: object, limit: int = ECHO_CHARS) -> str:
    """User input as a message may quote it: at most *limit* characters, then ``…``."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def parse_float(text: object, what: str) -> float:
    """A finite float from plain ASCII decimal text, else :class:`InputError` naming *what*."""
    text = str(text)
    if not _NUMBER.fullmatch(text):
        if _NOT_FINITE.fullmatch(text):
            raise InputError(f"{what} must be a finite number, got {clip(text)!r}")
        raise InputError(f"{what} must be a number, got {clip(text)!r}")
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise InputError(f"{what} must be a finite number, got {clip(text)!r}")
    return value


def parse_int(text: object, what: str) -> int:
    """A whole number from plain ASCII digits, else :class:`InputError` naming *what*."""
    text = str(text)
    if not _INTEGER.fullmatch(text):
        raise InputError(f"{what} must be a whole number, got {clip(text)!r}")
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise InputError(f"{what} must be a whole number of at most {MAX_INTEGER_DIGITS} "
                         f"digits, got {clip(text)!r}")
    return int(text)


def check_latitude(lat: float) -> float:
    """A WGS84 latitude in -90..90; returns it unchanged."""
    if not math.isfinite(lat):
        raise InputError("latitude and longitude must be finite numbers")
    if not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
        raise InputError(f"latitude {lat} is outside -90..90")
    return lat


def check_longitude(lon: float) -> float:
    """A WGS84 longitude in -180..180; returns it unchanged."""
    if not math.isfinite(lon):
        raise InputError("latitude and longitude must be finite numbers")
    if not LON_RANGE[0] <= lon <= LON_RANGE[1]:
        raise InputError(f"longitude {lon} is outside -180..180")
    return lon


def check_lat_lon(lat: float, lon: float) -> tuple[float, float]:
    """Check a WGS84 coordinate; returns it unchanged."""
    return check_latitude(lat), check_longitude(lon)


def parse_lat_lon(text: str) -> tuple[float, float]:
    """``"60.17,24.94"`` → ``(60.17, 24.94)``."""
    parts = [p for p in str(text).replace(" ", "").split(",")]
    if len(parts) != 2 or not all(parts):
        raise InputError(f"expected LAT,LON (e.g. 60.1699,24.9384), got {clip(text)!r}")
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
        raise InputError(f"limit must be between 1 and {max_limit}, got {clip(limit)}")
    return limit


def check_min_score(min_score: Optional[float]) -> Optional[float]:
    """A minimum score in 0..100 (or None)."""
    if min_score is not None and not (math.isfinite(min_score)
                                      and SCORE_RANGE[0] <= min_score <= SCORE_RANGE[1]):
        raise InputError(f"min_score must be between 0 and 100, got {min_score:g}")
    return min_score


def check_min_confidence(min_confidence: Optional[float]) -> Optional[float]:
    """A minimum confidence in 0..100 (or None)."""
    if min_confidence is not None and not (math.isfinite(min_confidence)
                                           and SCORE_RANGE[0] <= min_confidence
                                           <= SCORE_RANGE[1]):
        raise InputError(f"min_confidence must be between 0 and 100, got {min_confidence:g}")
    return min_confidence


def check_kinds(kinds: Optional[Iterable[str]], known: Iterable[str]) -> Optional[list[str]]:
    """Venue kinds to keep, spaces around each dropped; each must be a known kind.

    An empty kind is an error, not "every kind": ``kind=`` is more likely a client's bug
    (an unset variable) than a wish, and the OpenAPI document says so.
    """
    if kinds is None:
        return None
    known = list(known)
    wanted = [str(k).strip(" ") for k in kinds]
    if not wanted or not all(wanted):
        raise InputError("kind must not be empty")
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise InputError(f"unknown kind {clip(', '.join(unknown))}; known: {', '.join(known)}")
    return wanted
